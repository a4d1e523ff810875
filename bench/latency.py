"""Bench: from an update appearing on a story to its alert printed by `storywatch run`.

One generated live page on a loopback server (a child process); `storywatch
run` in a subprocess with the console as its chat, following it, polling every
--interval seconds (back-off bounded to the same interval). After the silent
baseline, the page gains one update at a time at random moments; each alert's
latency is from the moment the server serves the update to the moment its line
reaches us on the bot's standard output. Prints p50, p99 and the worst, and
last one JSON object. Goal: p99 <= interval + 2 s.

    .venv/bin/python bench/latency.py [--updates 30] [--interval 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.cycle import seed
from bench.loopback import UPDATES, PageServer, Served

REPO = Path(__file__).resolve().parent.parent


def run_env(db_path: Path, interval: float) -> dict[str, str]:
    """`storywatch run` on this database, polling every `interval` seconds, loopback allowed."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("STORYWATCH_")}
    env.update({
        "STORYWATCH_STORAGE__PATH": str(db_path),
        "STORYWATCH_FETCH__ALLOW_NETWORKS": '["127.0.0.0/8"]',
        "STORYWATCH_SCHEDULE__INTERVAL": str(interval),
        "STORYWATCH_SCHEDULE__MIN_INTERVAL": str(interval),
        "STORYWATCH_SCHEDULE__MAX_INTERVAL": str(interval),
    })
    return env


async def baselined(db_path: Path, within: float = 30) -> None:
    """Wait until the bot's first check of the story (its silent baseline) is stored."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with sqlite3.connect(db_path) as db:
            if db.execute("SELECT baseline_done FROM stories").fetchone()[0]:
                return
        await asyncio.sleep(0.05)
    raise RuntimeError("the bot never checked the story")


async def alerts(stream: asyncio.StreamReader, seen: dict[int, float], expected: int,
                 done: asyncio.Event) -> None:
    """Note when each update's alert line arrives ("Update N on story 0"); `done` at `expected`."""
    while line := await stream.readline():
        text = line.decode()
        if text.startswith("Update ") and " on story " in text:
            seen.setdefault(int(text.split()[1]), time.monotonic())
            if len(seen) >= expected:
                done.set()


async def measure(updates: int, interval: float) -> list[float]:
    """Latencies in seconds, one per update."""
    with (PageServer(Served(), hosts=1) as server,
          tempfile.TemporaryDirectory(prefix="storywatch-latency-") as folder):
        db_path = Path(folder) / "storywatch.db"
        await seed(db_path, server.urls(1))
        bot = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.app.cli", "run", cwd=REPO, env=run_env(db_path, interval),
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE)
        assert bot.stdout is not None
        seen: dict[int, float] = {}
        done = asyncio.Event()
        reader = asyncio.create_task(alerts(bot.stdout, seen, updates, done))
        posted: dict[int, float] = {}
        try:
            await baselined(db_path)
            for number in range(UPDATES + 1, UPDATES + updates + 1):
                await asyncio.sleep(random.uniform(0.2, interval * 1.5))
                await asyncio.to_thread(server.advance, number)
                posted[number] = time.monotonic()
            await asyncio.wait_for(done.wait(), interval * 3 + 10)
        finally:
            bot.terminate()
            await bot.wait()
            reader.cancel()
    return [seen[number] - at for number, at in posted.items()]


def percentile(values: list[float], share: float) -> float:
    """The `share` percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=30)
    parser.add_argument("--interval", type=float, default=2.0)
    args = parser.parse_args()
    latencies = asyncio.run(measure(args.updates, args.interval))
    figures = {"updates": len(latencies), "interval_s": args.interval,
               "p50_s": round(statistics.median(latencies), 3),
               "p99_s": round(percentile(latencies, 0.99), 3),
               "max_s": round(max(latencies), 3),
               "goal_s": args.interval + 2}
    print(f"{len(latencies)} updates polled every {args.interval:g} s: p50 {figures['p50_s']} s, "
          f"p99 {figures['p99_s']} s, worst {figures['max_s']} s (goal {figures['goal_s']:g} s)")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
