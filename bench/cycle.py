"""Bench: one check of every story, through the real Poller and Watcher, on a real SQLite file.

For each story count (1,000 and 10,000 by default) the stories are generated
live pages (~75 KB, 20 updates) on a loopback server in a child process. They are
subscribed by a console chat and baselined once (untimed), then checked once
per run, in three scenarios:

- unchanged_304:  the server answers If-None-Match with 304;
- unchanged_hash: the server sends no ETag, the same body: the body hash ends the check;
- changed:        every page has one new update (extracted, diffed, stored, routed);
- changed_inline: the same with extraction on the event loop, no extraction pool
                  (the baseline of the pool's gain, measured in the same run).

Each run is a fresh process that opens a copy of the baselined database and
runs poll ticks until none starts a check; it reports the pass's wall time,
its CPU seconds and its peak RSS (the whole process: imports included).
Then, unless --no-urlwatch, the side-by-side with urlwatch 2.29
(bench/urlwatch_compare.py). Prints the figures, and last one JSON object with
the medians.

    .venv/bin/python bench/cycle.py [--stories 1000 10000] [--runs 3] [--no-urlwatch]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.loopback import UPDATES, PageServer, Served, cpu_seconds, median_of, peak_rss_mb
from bot.app import root as app
from bot.app.service import Poller
from bot.app.watcher import Watcher, WatchPolicy
from bot.core.model import ChatRef
from bot.core.summarize import ExtractiveSummarizer
from bot.edges.config import Config, load_config
from bot.edges.extraction_pool import extract_with, extraction_pool
from bot.edges.fetch import HttpFetcher
from storage import Database, chats, stories, subscriptions

SCENARIOS = ("unchanged_304", "unchanged_hash", "changed", "changed_inline")


def bench_config(db_path: Path) -> Config:
    """The defaults, on this database, allowed to fetch from loopback."""
    return load_config(None, environ={"STORYWATCH_STORAGE__PATH": str(db_path),
                                      "STORYWATCH_FETCH__ALLOW_NETWORKS": '["127.0.0.0/8"]'})


async def check_pass(db_path: Path, inline: bool = False) -> dict[str, float]:
    """Check every due story once (poll ticks until none starts a check); the pass's figures.

    Wired as `storywatch run` wires it, extraction pool included; its worker's
    CPU counts in `cpu_s` and its peak RSS is `pool_peak_rss_mb`.
    """
    config = bench_config(db_path)
    now = lambda: datetime.now(UTC)  # noqa: E731 - the clock the service uses
    extract = functools.partial(extract_with, app.recipes(config))
    cpu, started = cpu_seconds(), time.perf_counter()
    with extraction_pool(cpus=1 if inline else None) as pool:
        async with Database.open(db_path) as db, HttpFetcher(config.fetch) as fetcher:
            watcher = Watcher(db, fetcher, extract, ExtractiveSummarizer(),
                              WatchPolicy.from_config(config), now, pool=pool)
            poller = Poller(db, watcher, concurrency=config.fetch.concurrency,
                            per_host=config.fetch.per_host, clock=now, checked=lambda: None)
            cpu, started = cpu_seconds(), time.perf_counter()
            while await poller.tick():
                await poller.idle()
            wall = time.perf_counter() - started
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"wall_s": wall, "cpu_s": cpu_seconds() - cpu + workers.ru_utime + workers.ru_stime,
            "peak_rss_mb": peak_rss_mb(), "pool_peak_rss_mb": workers.ru_maxrss / 1024}


def run_pass(db_path: Path, inline: bool = False) -> dict[str, float]:
    """`check_pass` in a fresh process, so its peak RSS is its own."""
    argv = [sys.executable, __file__, "--pass", str(db_path), *(["--inline"] if inline else [])]
    done = subprocess.run(argv, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


async def seed(db_path: Path, urls: list[str]) -> None:
    """Track every URL, followed by one console chat each."""
    now = datetime.now(UTC)
    async with Database.open(db_path) as db, db.write() as tx:
        for number, url in enumerate(urls):
            story = await stories.add(tx, url, now=now, interval=120.0)
            chat = await chats.ensure(tx, ChatRef("console", "bench", str(number)), now=now)
            await subscriptions.subscribe(tx, chat.id, story.id, now=now)


async def make_due(db_path: Path) -> None:
    """Every story due now (a baseline pass scheduled them two minutes on)."""
    past = datetime.now(UTC) - timedelta(seconds=1)
    async with Database.open(db_path) as db:
        due = 0
        async with db.write() as tx:
            story_id = 1
            while (story := await stories.get(tx, story_id)) is not None:
                await stories.set_schedule(tx, story.id, interval=story.interval, fixed=False,
                                           next_check_at=past)
                story_id, due = story_id + 1, due + 1


def checked_since(db_path: Path, since: float) -> tuple[int, int]:
    """(stories checked without failure since `since`, deliveries queued) — the pass's proof."""
    with sqlite3.connect(db_path) as connection:
        checked = connection.execute("SELECT COUNT(*) FROM stories WHERE failures = 0"
                                     " AND last_checked_at >= ?", (since,)).fetchone()[0]
        queued = connection.execute("SELECT COUNT(*) FROM deliveries").fetchone()[0]
    return checked, queued


def bench_count(count: int, runs: int, folder: Path) -> dict[str, dict[str, float]]:
    """Every scenario's median figures for `count` stories."""
    baseline = folder / f"baseline-{count}.db"
    results: dict[str, dict[str, float]] = {}
    with PageServer(Served()) as server:
        asyncio.run(seed(baseline, server.urls(count)))
        run_pass(baseline)
        asyncio.run(make_due(baseline))
        for scenario in SCENARIOS:
            changed = scenario.startswith("changed")
            server.advance(UPDATES + 1 if changed else UPDATES, etags=scenario != "unchanged_hash")
            figures = []
            for _ in range(runs):
                copy = folder / "run.db"
                shutil.copyfile(baseline, copy)
                since = time.time()
                figures.append(run_pass(copy, inline=scenario == "changed_inline"))
                checked, queued = checked_since(copy, since)
                if checked != count or queued != (count if changed else 0):
                    raise RuntimeError(f"{scenario}: {checked} of {count} checked, {queued} queued")
                copy.unlink()
            results[scenario] = summarize(count, figures)
            show(count, scenario, results[scenario])
    return results


def summarize(count: int, figures: list[dict[str, float]]) -> dict[str, float]:
    """Medians over the runs, and the rates they give."""
    wall = median_of([f["wall_s"] for f in figures])
    return {"wall_s": wall, "stories_per_s": round(count / wall, 1),
            "cpu_s": median_of([f["cpu_s"] for f in figures]),
            "peak_rss_mb": round(median_of([f["peak_rss_mb"] for f in figures]), 1),
            "pool_peak_rss_mb": round(median_of([f["pool_peak_rss_mb"] for f in figures]), 1)}


def show(count: int, scenario: str, figures: dict[str, float]) -> None:
    print(f"{count:>6} stories {scenario:<15} {figures['wall_s']:8.3f} s wall "
          f"{figures['stories_per_s']:9.1f} stories/s {figures['cpu_s']:7.2f} s CPU "
          f"{figures['peak_rss_mb']:7.1f} MB peak RSS (+{figures['pool_peak_rss_mb']:.0f} MB "
          f"extraction worker)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-urlwatch", action="store_true")
    parser.add_argument("--pass", dest="pass_db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--inline", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.pass_db is not None:
        print(json.dumps(asyncio.run(check_pass(args.pass_db, args.inline))))
        return
    report: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="storywatch-cycle-") as folder:
        for count in args.stories:
            report[str(count)] = bench_count(count, args.runs, Path(folder))
    if not args.no_urlwatch:
        from bench.urlwatch_compare import compare

        side_by_side = compare(runs=args.runs)
        report["urlwatch"] = side_by_side
        report["speedup_vs_urlwatch"] = side_by_side["speedup_vs_urlwatch"]
    print(json.dumps(report))


if __name__ == "__main__":
    main()
