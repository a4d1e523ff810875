"""Bench: storage at scale — 10,000 stories, 100,000 chats, 1,000,000 entries in SQLite.

Seeds the database in bulk (raw sqlite3, after the real migrations), then times
with the product's own functions:

- due:     one page of due stories (`stories.due`, 1,000 of the 10,000 due);
- diff:    one story's diff against a fetched page of 20 (one new), as the
           watcher reads it (`entries.near` + `entries.marks_among`) and, for
           comparison, reading the whole history (`entries.for_story` + `entries.marks`);
- route:   a whole check of one story followed by 10,000 chats that finds one
           new update (read, diff, store, route, 10,000 deliveries, commit),
           through the real Watcher with an in-memory page;
- reads:   one story read alone, and 8 tasks reading stories at once (reads a second);
- commits: 2,000 stories each added in its own write transaction and read back
           right after its commit while 8 tasks keep reading: how many were missed;
- size:    the database file;
- idle:    the peak RSS of `storywatch run` (console, stdin at EOF) idling over it.

Prints the figures (medians of --runs), last one JSON object.

    .venv/bin/python bench/storage.py [--runs 5] [--idle-seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.loopback import median_of
from bot.app.watcher import Watcher, WatchPolicy
from bot.core.diff import FUZZY_WINDOW, diff_entries
from bot.core.identity import marks_of
from bot.core.model import Entry, Fetched, Page, Validators
from bot.core.summarize import ExtractiveSummarizer
from storage import Database, entries, stories

REPO = Path(__file__).resolve().parent.parent
STORIES, CHATS, PER_STORY = 10_000, 100_000, 100
LONG = 1000
"""Entries of story 3: a long-running story at the watcher's retention cap."""
AUDIENCE = 10_000
"""Chats following story 1: the route measurement's audience."""
NOW = datetime(2024, 2, 3, 12, 0, tzinfo=UTC)
READERS, COMMITS = 8, 2000
"""Tasks reading at once, and commits read back right after, in the read measurements."""


def entry(story: int, number: int) -> Entry:
    """The `number`th update of a story, a minute apart."""
    return Entry(key=f"s{story}-u{number}", published_at=NOW + timedelta(minutes=number),
                 text=f"Update {number} of story {story}: officials describe what happened and "
                      f"reporters on the ground add what comes next in the region.")


def seed(path: Path) -> None:
    """Bulk rows: stories (a tenth due), chats, subscriptions, entries and their marks."""
    asyncio.run(_migrate(path))
    now = NOW.timestamp()
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO stories (id, url, interval, next_check_at, baseline_done,"
            " last_entry_count, created_at, last_update_at) VALUES (?, ?, 120, ?, 1, 20, ?, ?)",
            # Loopback hosts on the discard port: nothing here ever leaves the machine.
            # Updated just now: housekeeping must not retire them while `run` idles.
            [(s, f"http://127.0.{s % 250}.1:9/live/{s}", now + (-1 if s % 10 == 0 else 3600),
              now, time.time()) for s in range(1, STORIES + 1)])
        db.executemany("INSERT INTO chats (id, platform, chat_id, created_at) VALUES (?, ?, ?, ?)",
                       [(c, "telegram", str(c), now) for c in range(1, CHATS + 1)])
        # Story 1 has AUDIENCE followers; every chat follows one more story.
        db.executemany("INSERT INTO subscriptions (chat_id, story_id, created_at) VALUES (?, ?, ?)",
                       [(c, 1, now) for c in range(1, AUDIENCE + 1)])
        db.executemany("INSERT INTO subscriptions (chat_id, story_id, created_at) VALUES (?, ?, ?)",
                       [(c, c % (STORIES - 1) + 2, now) for c in range(1, CHATS + 1)])
        for story in range(1, STORIES + 1):
            rows = [entry(story, n) for n in range(LONG if story == 3 else PER_STORY)]
            db.executemany(
                "INSERT INTO entries (story_id, key, published_at, text, first_seen_at,"
                " last_seen_at) VALUES (?, ?, ?, ?, ?, ?)",
                [(story, e.key, e.published_at.timestamp(), e.text, now, now) for e in rows])
            db.executemany(
                "INSERT INTO entry_marks (story_id, mark) VALUES (?, ?)",
                [(story, mark) for e in rows for mark in marks_of(e)])


async def _migrate(path: Path) -> None:
    async with Database.open(path):
        pass


async def timed(make: Callable[[], Awaitable[object]], runs: int) -> float:
    """The median milliseconds of `runs` calls."""
    spans = []
    for _ in range(runs):
        started = time.perf_counter()
        await make()
        spans.append((time.perf_counter() - started) * 1000)
    return median_of(spans)


def page_for(story: int, newest: int) -> list[Entry]:
    """The page a story shows: its 20 newest updates, newest first."""
    return [entry(story, n) for n in range(newest, newest - 20, -1)]


async def diff_windowed(db: Database, story: int, fetched: list[Entry]) -> int:
    wanted = [m for e in fetched for m in marks_of(e)]
    marks = await entries.marks_among(db, story, wanted)
    refs = {ref for ref in marks.values() if ref is not None}
    stored = await entries.near(db, story, fetched, FUZZY_WINDOW, refs)
    return len(diff_entries(stored, fetched, marks, 20, baseline=False).new)


async def diff_whole(db: Database, story: int, fetched: list[Entry]) -> int:
    stored = await entries.for_story(db, story)
    marks = await entries.marks(db, story)
    return len(diff_entries(stored, fetched, marks, 20, baseline=False).new)


class OnePage:
    """A fetcher answering every URL with the same body (the extract step returns `page`)."""

    async def fetch(self, url: str, validators: Validators | None = None) -> Fetched:
        """A changed page, as if just fetched."""
        now = datetime.now(UTC)
        return Fetched(url=url, final_url=url, fetched_at=now, body=str(now).encode(),
                       content_type="text/html", charset="utf-8", validators=Validators(),
                       unchanged=False)


async def measure(path: Path, runs: int) -> dict[str, float]:
    """Every timed figure, medians over `runs`."""
    async with Database.open(path) as db:
        later = NOW + timedelta(seconds=1)
        figures = {
            "due_page_ms": await timed(lambda: stories.due(db, later, limit=1000), runs),
            "diff_windowed_ms": await timed(
                lambda: diff_windowed(db, 2, page_for(2, PER_STORY)), runs),
            "diff_whole_history_ms": await timed(
                lambda: diff_whole(db, 2, page_for(2, PER_STORY)), runs),
            "diff_long_windowed_ms": await timed(
                lambda: diff_windowed(db, 3, page_for(3, LONG)), runs),
            "diff_long_whole_history_ms": await timed(
                lambda: diff_whole(db, 3, page_for(3, LONG)), runs),
        }
        newest = [PER_STORY - 1]

        def extract(fetched: Fetched) -> Page:
            newest[0] += 1
            return Page(entries=tuple(page_for(1, newest[0])), title="Story 1")

        watcher = Watcher(db, OnePage(), extract, ExtractiveSummarizer(),
                          WatchPolicy(120, 30, 1800, 5, 300), lambda: datetime.now(UTC))
        figures["route_10000_ms"] = await timed(lambda: watcher.check(1), runs)
        figures["read_one_ms"] = await timed(lambda: stories.get(db, 2), runs * 20)
        figures["reads_8_tasks_per_s"] = median_of(
            [await concurrent_reads(db, READERS, 500) for _ in range(runs)])
        figures["missed_after_commit"] = await missed_after_commit(db, COMMITS)
    return figures


async def concurrent_reads(db: Database, tasks: int, each: int) -> float:
    """Reads a second of `tasks` tasks reading `each` stories at once."""
    async def read(task: int) -> None:
        for number in range(each):
            await stories.get(db, (task * each + number) % STORIES + 1)

    started = time.perf_counter()
    await asyncio.gather(*(read(task) for task in range(tasks)))
    return tasks * each / (time.perf_counter() - started)


async def missed_after_commit(db: Database, commits: int) -> int:
    """How many of `commits` stories, each added in its own write transaction, a read right
    after its commit misses while `READERS` tasks keep reading."""
    done = asyncio.Event()

    async def keep_reading() -> None:
        number = 0
        while not done.is_set():
            await stories.get(db, number % STORIES + 1)
            number += 1

    readers = [asyncio.create_task(keep_reading()) for _ in range(READERS)]
    missed = 0
    try:
        for number in range(commits):
            async with db.write() as tx:
                added = await stories.add(tx, f"http://127.0.0.2:9/committed/{number}",
                                          now=NOW + timedelta(hours=1), interval=120)
            missed += await stories.get(db, added.id) is None
    finally:
        done.set()
        await asyncio.gather(*readers)
    return missed


def idle_rss_mb(path: Path, seconds: float) -> float:
    """Peak RSS (VmHWM) of `storywatch run` with the console as its chat, idling for `seconds`.

    Nothing is due meanwhile (every story's next check an hour on): the figure is
    what holding 10,000 stories and 100,000 chats costs, not a check's.
    """
    with sqlite3.connect(path) as db:
        db.execute("UPDATE stories SET next_check_at = ?", (time.time() + 3600,))
    env = {key: value for key, value in os.environ.items() if not key.startswith("STORYWATCH_")}
    env["STORYWATCH_STORAGE__PATH"] = str(path)
    process = subprocess.Popen([sys.executable, "-m", "bot.app.cli", "run"], cwd=REPO, env=env,
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    time.sleep(seconds)
    status = Path(f"/proc/{process.pid}/status").read_text()
    process.send_signal(signal.SIGTERM)
    process.wait(15)
    peak = next(line for line in status.splitlines() if line.startswith("VmHWM"))
    return round(int(peak.split()[1]) / 1024, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--idle-seconds", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="storywatch-storage-") as folder:
        path = Path(folder) / "storywatch.db"
        started = time.perf_counter()
        seed(path)
        print(f"seeded {STORIES:,} stories, {CHATS:,} chats, {STORIES * PER_STORY:,}+ entries "
              f"in {time.perf_counter() - started:.1f} s", flush=True)
        figures = asyncio.run(measure(path, args.runs))
        figures["db_mb"] = round(path.stat().st_size / 2**20, 1)
        figures["idle_run_peak_rss_mb"] = idle_rss_mb(path, args.idle_seconds)
    for name, value in figures.items():
        print(f"{name:<24} {value:10.3f}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
