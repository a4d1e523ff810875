"""Bench: a /catchup over 200 updates, from the window read in SQLite to the message composed.

Three stories with 200 updates between them in the last 24 h, on a real SQLite
file; the catch-up is made by the configured summarizer (`bot.app.summaries`)
with no endpoint (extractive), an endpoint on loopback that answers at once,
one that takes 1 s, and one that hangs, with `summary.llm_timeout` --llm-timeout
and the command's wait of llm_timeout + 1 s. Medians of --runs runs each.
Goals: extractive within 1 s; with an endpoint within llm_timeout + 2 s; always
one message within the command's 1,900 characters.

    .venv/bin/python bench/catchup.py [--runs 5] [--llm-timeout 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app.summaries import Summaries
from bot.core.model import Entry
from bot.edges.config import SummaryConfig
from bot.edges.llm_summary import LlmSummarizer
from handlers.catchup import MESSAGE_CHARS
from storage import Database, entries, recent, stories
from tests.fakes.chat_endpoint import ChatEndpoint, chat_endpoint

UPDATES = 200
LIMIT = MESSAGE_CHARS
SCENARIOS = {"extractive": None, "good": ("good", 0.0), "slow": ("good", 1.0),
             "hang": ("hang", 0.0)}


async def seeded(path: Path, now: datetime) -> list[int]:
    """Three stories, 200 updates between them in the last 24 h; their ids."""
    async with Database.open(path) as db, db.write() as tx:
        ids = [(await stories.add(tx, f"https://news.example/story/{n}", now=now,
                                  interval=60)).id for n in range(3)]
        for n in range(UPDATES):
            at = now - timedelta(minutes=7 * n)
            text = (f"Officials confirmed development {n} this hour. Reporters describe what "
                    f"happened next and what comes after it. " * 3)
            await entries.add(tx, ids[n % 3], Entry(f"u{n}", at, text, f"Headline {n}"), now=now)
    return ids


async def one(db: Database, ids: list[int], summaries: Summaries, now: datetime,
              within: float) -> tuple[float, int]:
    started = time.perf_counter()
    window = await recent.in_window(db, ids, since=now - timedelta(hours=24), until=now)
    text = await summaries.catchup(window, since=now - timedelta(hours=24), until=now,
                                   zone="Europe/London", limit=LIMIT, within=within)
    return time.perf_counter() - started, len(text)


async def measure(runs: int, llm_timeout: float) -> dict[str, list[tuple[float, int]]]:
    now = datetime.now(UTC)
    results: dict[str, list[tuple[float, int]]] = {name: [] for name in SCENARIOS}
    with tempfile.TemporaryDirectory(prefix="storywatch-catchup-") as folder:
        ids = await seeded(Path(folder) / "catchup.db", now)
        async with (Database.open(Path(folder) / "catchup.db") as db, chat_endpoint() as endpoint,
                    aiohttp.ClientSession() as session):
            endpoint.summary = "Development 0 was confirmed [1]. Development 1 followed [2]."
            for name, setting in SCENARIOS.items():
                summaries = summarizer(endpoint, session, setting, llm_timeout)
                for _ in range(runs):
                    results[name].append(await one(db, ids, summaries, now, llm_timeout + 1))
    return results


def summarizer(endpoint: ChatEndpoint, session: aiohttp.ClientSession,
               setting: tuple[str, float] | None, llm_timeout: float) -> Summaries:
    if setting is None:
        return Summaries(None, concurrency=4, clock=lambda: datetime.now(UTC))
    endpoint.shape, endpoint.delay = setting
    edge = LlmSummarizer(SummaryConfig(llm_url=endpoint.url, llm_timeout=llm_timeout), session)
    # A fresh summarizer each scenario: a hang must not pause the next one's endpoint.
    return Summaries(edge, concurrency=4, clock=lambda: datetime.now(UTC))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--llm-timeout", type=float, default=2.0)
    args = parser.parse_args()
    results = asyncio.run(measure(args.runs, args.llm_timeout))
    figures: dict[str, object] = {"updates": UPDATES, "runs": args.runs,
                                  "llm_timeout_s": args.llm_timeout}
    for name, runs in results.items():
        seconds = statistics.median(run[0] for run in runs)
        longest = max(run[1] for run in runs)
        figures[f"{name}_s"] = round(seconds, 3)
        figures[f"{name}_max_chars"] = longest
        print(f"{name:>10}: {seconds:.3f} s (median of {len(runs)}), one message of at most "
              f"{longest} characters")
    figures["goals"] = {"extractive_s": 1.0, "llm_s": args.llm_timeout + 2, "chars": LIMIT}
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
