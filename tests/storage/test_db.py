"""storage.db: the file, its migrations and the one writer."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from storage import Database
from storage.db import migrations


async def test_open_applies_every_migration(db: Database) -> None:
    """A new database is at the last migration's number."""
    assert await db.schema_version() == migrations()[-1][0]
    tables = {row[0] for row in await db.fetch_all("SELECT name FROM sqlite_master")}
    assert {"stories", "entries", "entry_marks", "chats", "subscriptions", "filters",
            "deliveries", "sent_messages"} <= tables


async def test_reopening_applies_nothing_twice(tmp_path: Path) -> None:
    """Migrations are forward-only and applied once."""
    path = tmp_path / "x.db"
    async with Database.open(path) as db, db.write() as tx:
        await tx.execute("INSERT INTO chats (platform, chat_id, created_at) VALUES ('t', '1', 0)")
    async with Database.open(path) as db:
        rows = await db.fetch_all("SELECT version FROM schema_version")
        assert [row[0] for row in rows] == [number for number, _, _ in migrations()]
        assert len(await db.fetch_all("SELECT * FROM chats")) == 1


async def test_wal_mode_and_foreign_keys_are_on(db: Database) -> None:
    """The file is in WAL mode and foreign keys are enforced."""
    row = await db.fetch_one("PRAGMA journal_mode")
    assert row is not None and row[0] == "wal"
    with pytest.raises(sqlite3.IntegrityError):
        async with db.write() as tx:
            await tx.execute("INSERT INTO subscriptions (chat_id, story_id, created_at)"
                             " VALUES (99, 99, 0)")


async def test_a_write_that_raises_is_rolled_back(db: Database) -> None:
    """Nothing of a failed transaction stays."""
    with pytest.raises(RuntimeError):
        async with db.write() as tx:
            await tx.execute("INSERT INTO chats (platform, chat_id, created_at) VALUES ('t', '1', 0)")
            raise RuntimeError("boom")
    assert await db.fetch_all("SELECT * FROM chats") == []


async def test_concurrent_writes_do_not_interleave(db: Database) -> None:
    """Two tasks' transactions run one after the other on the one writer."""
    async def writer(name: str) -> None:
        async with db.write() as tx:
            await tx.execute("INSERT INTO chats (platform, chat_id, created_at) VALUES (?, 'a', 0)",
                             (name,))
            await asyncio.sleep(0.01)
            await tx.execute("INSERT INTO chats (platform, chat_id, created_at) VALUES (?, 'b', 0)",
                             (name,))

    await asyncio.gather(writer("one"), writer("two"))
    rows = await db.fetch_all("SELECT platform FROM chats ORDER BY id")
    assert [row[0] for row in rows] in (["one", "one", "two", "two"], ["two", "two", "one", "one"])


async def test_reads_see_only_committed_data(db: Database) -> None:
    """A read beside an open write transaction does not see its rows yet."""
    async with db.write() as tx:
        await tx.execute("INSERT INTO chats (platform, chat_id, created_at) VALUES ('t', '1', 0)")
        assert await db.fetch_all("SELECT * FROM chats") == []
        assert len(await tx.fetch_all("SELECT * FROM chats")) == 1
    assert len(await db.fetch_all("SELECT * FROM chats")) == 1
