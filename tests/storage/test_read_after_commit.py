"""Reads see every commit made before they started, whatever else is reading:
on SQLite all reads share a reader connection, and a statement another task left open
must not hold a read inside an older snapshot."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from storage import Database, stories

NOW = datetime(2024, 2, 3, 12, 0, tzinfo=UTC)
COMMITS = {"sqlite": 2000, "postgresql": 1000}
"""PostgreSQL pays two round trips a read: fewer commits keep its run as short."""
READERS = 8


async def test_a_read_right_after_a_commit_sees_it_under_concurrent_readers(
        db: Database) -> None:
    """Stories, each added in its own write transaction and read back the moment it
    committed, while 8 tasks keep reading: every one is found."""
    done = asyncio.Event()

    async def keep_reading() -> int:
        reads = 0
        while not done.is_set():
            await stories.get(db, reads % 50 + 1)
            reads += 1
        return reads

    readers = [asyncio.create_task(keep_reading()) for _ in range(READERS)]
    commits = COMMITS[db.dialect]
    missed = []
    try:
        for number in range(commits):
            async with db.write() as tx:
                added = await stories.add(tx, f"https://example.org/live/{number}", now=NOW,
                                          interval=120)
            if await stories.get(db, added.id) is None:
                missed.append(added.id)
    finally:
        done.set()
        reads = await asyncio.gather(*readers)
    assert min(reads) > commits, "the readers did not keep reading beside the writes"
    assert missed == [], f"{len(missed)} of {commits} commits not seen right after"
