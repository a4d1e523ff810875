"""Bench: many checker processes on one PostgreSQL database, beside SQLite with one process;
then a checker and the sender SIGKILLed mid-work.

Throughput. N stories (`--stories`, 20,000 for the scale goal) are live pages on the
loopback server child (bench/loopback.py), each answered after `--delay` seconds
(a publisher's latency: the work is network-bound) and each followed by one
Telegram chat. They are baselined once, then every page gains an update and every
story is made due. Each run is real `storywatch run` processes on a fresh copy of
that database: SQLite with one `--role all` process, then PostgreSQL with 1, 2 and
4 `--role checker` processes (`fetch.concurrency` = `--concurrency` each). No
sender runs: the alerts stay in the outbox, and each run must leave exactly one
per story. A run's rate is N over the span from its first check to its last.

Crash. On PostgreSQL, two checkers, an active and a standby sender, the fake Bot API
(tests/fakes), `--crash-stories` live stories followed by `--crash-chats` chats
each. Every story gains an update while every page hangs, so each checker holds
leases on stories it is fetching; one checker is SIGKILLed then, the pages are
released, and once a few hundred alerts were accepted the active sender is SIGKILLed
mid fan-out. Reported: alerts lost and duplicated, the sends in flight at the
sender's death, seconds from the kill until the last of the dead checker's stories was
first checked again and how long after its lease ran out (the lease is `--lease`, the
tick 0.1 s: the goal is lease + one tick), and seconds until the standby polled Telegram.

Last line: one JSON object.

    .venv/bin/python bench/scale_out.py [--stories 2000] [--delay 0.5] [--concurrency 16]
                                        [--runs 1] [--no-crash]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg

from bench.loopback import UPDATES, PageServer, Served, median_of
from bot.core.model import ChatRef
from storage import Database, chats, stories, subscriptions
from storage.copy import copy_instance
from tests.postgres import Cluster, cluster

REPO = Path(__file__).resolve().parent.parent
CHECKERS = (1, 2, 4)


def environment(storage: dict[str, str], concurrency: int, per_host: int = 4) -> dict[str, str]:
    """`storywatch run`'s environment: this database, loopback allowed, no platform token."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("STORYWATCH_")}
    env.update({"STORYWATCH_FETCH__ALLOW_NETWORKS": '["127.0.0.0/8"]',
                "STORYWATCH_FETCH__CONCURRENCY": str(concurrency),
                "STORYWATCH_FETCH__PER_HOST": str(per_host),
                "STORYWATCH_SCHEDULE__TICK": "0.2",
                # Checked once per run: a story checked early is not due again before the end.
                "STORYWATCH_SCHEDULE__INTERVAL": "3600",
                "STORYWATCH_SCHEDULE__MAX_INTERVAL": "3600",
                **storage})
    return env


async def seed(path: Path, urls: list[str]) -> None:
    """Track every URL, followed by one Telegram chat each (no sender runs: alerts wait)."""
    now = datetime.now(UTC)
    async with Database.open(path) as db, db.write() as tx:
        for number, url in enumerate(urls):
            story = await stories.add(tx, url, now=now, interval=120.0)
            chat = await chats.ensure(tx, ChatRef("telegram", str(10_000 + number)), now=now)
            await subscriptions.subscribe(tx, chat.id, story.id, now=now)


async def make_due(target: Path | str) -> float:
    """Every story due now; returns the epoch seconds from which checks count."""
    async with Database.open(target) as db, db.write() as tx:
        since = time.time()
        await tx.execute("UPDATE stories SET next_check_at = ?", (since - 1,))
    return since


async def progress(target: Path | str, since: float) -> tuple[int, float, float, int]:
    """(stories checked without failure since `since`, first and last check, alerts queued)."""
    async with Database.open(target) as db:
        row = await db.fetch_one(
            "SELECT COUNT(*), MIN(last_checked_at), MAX(last_checked_at) FROM stories"
            " WHERE failures = 0 AND last_checked_at >= ?", (since,))
        queued = await db.fetch_one("SELECT COUNT(*) FROM deliveries")
    assert row is not None and queued is not None
    return int(row[0]), float(row[1] or 0), float(row[2] or 0), int(queued[0])


@contextmanager
def processes(count: int, role: str,
              env: dict[str, str]) -> Iterator[list[subprocess.Popen[bytes]]]:
    """`count` `storywatch run --role ROLE` processes, stopped (SIGTERM) at the end. Their
    stderr goes to a file, never a pipe: a full pipe nobody reads would stall them."""
    with open(os.environ.get("SCALE_OUT_LOG", os.devnull), "ab") as log:
        started = [subprocess.Popen(
            [sys.executable, "-m", "bot.app.cli", "run", "--role", role], env=env, cwd=REPO,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log)
            for _ in range(count)]
        try:
            yield started
        finally:
            for process in started:
                process.send_signal(signal.SIGTERM)
            for process in started:
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()


async def wait_connected(url: str, clients: int, within: float = 60) -> None:
    """Wait until `clients` other sessions are connected to the database at `url`."""
    connection = await asyncpg.connect(url)
    try:
        async with asyncio.timeout(within):
            while await connection.fetchval(  # noqa: ASYNC110 (other processes' sessions)
                    "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND pid != pg_backend_pid()") < clients:
                await asyncio.sleep(0.1)
    finally:
        await connection.close()


async def one_run(target: Path | str, count: int, env: dict[str, str], checkers: int,
                  role: str) -> dict[str, float]:
    """Check every story once with `checkers` processes; the run's figures."""
    with processes(checkers, role, env) as running:
        if isinstance(target, str):
            # Due only once every checker is connected: none gets a head start.
            await wait_connected(target, checkers)
        since = await make_due(target)
        deadline = time.monotonic() + 3600
        while (state := await progress(target, since))[0] < count:
            if any(process.poll() is not None for process in running):
                raise RuntimeError("a checker exited")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{state[0]} of {count} checked within an hour")
            await asyncio.sleep(0.5)
    _, first, last, queued = state
    wall = time.time() - since
    if queued != count:
        raise RuntimeError(f"{queued} alerts queued for {count} stories: doubled or lost")
    span = max(last - first, 1e-6)
    return {"span_s": round(span, 2), "stories_per_min": round(count / span * 60),
            "wall_s": round(wall, 1)}


async def throughput(args: argparse.Namespace, postgres: Cluster,
                     folder: Path) -> dict[str, dict[str, float]]:
    """SQLite with one process, then PostgreSQL with 1, 2 and 4 checkers, on the same pages."""
    baseline = folder / "baseline.db"
    results: dict[str, dict[str, float]] = {}
    with PageServer(Served(delay=args.delay)) as server:
        await seed(baseline, server.urls(args.stories))
        # The baseline pass (untimed): many fetches at once, the latency hidden.
        since = await make_due(baseline)
        with processes(1, "all", environment({"STORYWATCH_STORAGE__PATH": str(baseline)},
                                             concurrency=1024, per_host=64)):
            while (await progress(baseline, since))[0] < args.stories:  # noqa: ASYNC110
                await asyncio.sleep(0.5)  # another process's writes: no event to wait on
        base_url = await postgres.new_database()
        async with Database.open(baseline) as source, Database.open(base_url) as target:
            await copy_instance(source, target)
        server.advance(UPDATES + 1)
        runs: dict[str, list[dict[str, float]]] = {}
        for _ in range(args.runs):
            copy = folder / "run.db"
            shutil.copyfile(baseline, copy)
            env = environment({"STORYWATCH_STORAGE__PATH": str(copy)}, args.concurrency)
            runs.setdefault("sqlite_1", []).append(
                await one_run(copy, args.stories, env, 1, "all"))
            show("sqlite_1", runs["sqlite_1"][-1])
            copy.unlink()
            for checkers in CHECKERS:
                url = await postgres.copy_of(base_url)
                env = environment({"STORYWATCH_STORAGE__URL": url}, args.concurrency)
                name = f"postgresql_{checkers}"
                runs.setdefault(name, []).append(
                    await one_run(url, args.stories, env, checkers, "checker"))
                show(name, runs[name][-1])
    for name, figures in runs.items():
        results[name] = {"stories_per_min": median_of([f["stories_per_min"] for f in figures]),
                         "span_s": median_of([f["span_s"] for f in figures]),
                         "wall_s": median_of([f["wall_s"] for f in figures])}
    return results


def show(name: str, figures: dict[str, float]) -> None:
    print(f"{name:<14} {figures['stories_per_min']:>9,.0f} stories/min"
          f" ({figures['span_s']:.1f} s first to last check, {figures['wall_s']:.1f} s to the"
          " last from making them due)", flush=True)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=2000)
    parser.add_argument("--delay", type=float, default=0.5)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--crash-stories", type=int, default=40)
    parser.add_argument("--crash-chats", type=int, default=25)
    parser.add_argument("--lease", type=float, default=5.0)
    parser.add_argument("--no-crash", action="store_true")
    parser.add_argument("--crash-only", action="store_true")
    args = parser.parse_args()
    report: dict[str, Any] = {"bench": "scale_out", "stories": args.stories,
                              "delay_s": args.delay, "concurrency": args.concurrency}
    with cluster() as postgres, tempfile.TemporaryDirectory(prefix="storywatch-scale-") as folder:
        if not args.crash_only:
            report["throughput"] = rates = await throughput(args, postgres, Path(folder))
            one = rates["postgresql_1"]["stories_per_min"]
            report["speedup_2_vs_1"] = round(rates["postgresql_2"]["stories_per_min"] / one, 2)
            report["speedup_4_vs_1"] = round(rates["postgresql_4"]["stories_per_min"] / one, 2)
            print(f"2 checkers: {report['speedup_2_vs_1']}x one;"
                  f" 4: {report['speedup_4_vs_1']}x")
        if not args.no_crash:
            from bench.scale_crash import crash

            report["crash"] = await crash(postgres, Path(folder), stories=args.crash_stories,
                                          chats=args.crash_chats, lease=args.lease)
    print(json.dumps(report))


if __name__ == "__main__":
    asyncio.run(main())
