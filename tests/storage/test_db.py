"""storage.db: the database, its migrations and its transactions, on both backends; the
SQLite file's own rules (WAL, the one writer)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import asyncpg
import pytest

from storage import Database, entries
from storage.db import migrations

TABLES = {"sqlite": "SELECT name FROM sqlite_master",
          "postgresql": "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"}


async def test_open_applies_every_migration(db: Database) -> None:
    """A new database is at the last migration's number."""
    assert await db.schema_version() == migrations(db.dialect)[-1][0]
    tables = {row[0] for row in await db.fetch_all(TABLES[db.dialect])}
    assert {"stories", "entries", "entry_marks", "chats", "subscriptions", "filters",
            "deliveries", "sent_messages"} <= tables


def test_both_dialects_number_their_migrations_alike() -> None:
    """Migration N is the same change in each series: the numbers and names match."""
    assert ([(number, name) for number, name, _ in migrations("sqlite")]
            == [(number, name) for number, name, _ in migrations("postgresql")])


async def test_reopening_applies_nothing_twice(target: Path | str) -> None:
    """Migrations are forward-only and applied once."""
    async with Database.open(target) as db, db.write() as tx:
        await tx.execute("INSERT INTO chats (platform, chat_id, created_at) VALUES ('t', '1', 0)")
    async with Database.open(target) as db:
        rows = await db.fetch_all("SELECT version FROM schema_version ORDER BY version")
        assert [row[0] for row in rows] == [number for number, _, _ in migrations(db.dialect)]
        assert len(await db.fetch_all("SELECT * FROM chats")) == 1


async def test_wal_mode_is_on(tmp_path: Path) -> None:
    """The SQLite file is in WAL mode."""
    async with Database.open(tmp_path / "x.db") as db:
        row = await db.fetch_one("PRAGMA journal_mode")
    assert row is not None and row[0] == "wal"


async def test_foreign_keys_are_enforced(db: Database) -> None:
    """A subscription of a chat and story that do not exist is refused."""
    with pytest.raises((sqlite3.IntegrityError, asyncpg.ForeignKeyViolationError)):
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


async def test_concurrent_writes_do_not_interleave(tmp_path: Path) -> None:
    """Two tasks' transactions run one after the other on the one SQLite writer."""
    async with Database.open(tmp_path / "x.db") as db:
        await _write_two_at_once(db)
        rows = await db.fetch_all("SELECT platform FROM chats ORDER BY id")
    assert [row[0] for row in rows] in (["one", "one", "two", "two"], ["two", "two", "one", "one"])


async def test_concurrent_writes_commit_whole(db: Database) -> None:
    """Two transactions at once each commit all their rows, and neither sees the other's
    before it commits (PostgreSQL runs them side by side)."""
    await _write_two_at_once(db)
    rows = await db.fetch_all("SELECT platform, chat_id FROM chats ORDER BY platform, chat_id")
    assert [tuple(row) for row in rows] == [("one", "a"), ("one", "b"), ("two", "a"), ("two", "b")]


async def _write_two_at_once(db: Database) -> None:
    async def writer(name: str) -> None:
        async with db.write() as tx:
            await tx.execute("INSERT INTO chats (platform, chat_id, created_at) VALUES (?, 'a', 0)",
                             (name,))
            await asyncio.sleep(0.01)
            others = await tx.fetch_all("SELECT chat_id FROM chats WHERE platform != ?", (name,))
            # The other's rows are all there (committed) or none are: never half.
            assert sorted(row[0] for row in others) in ([], ["a", "b"])
            await tx.execute("INSERT INTO chats (platform, chat_id, created_at) VALUES (?, 'b', 0)",
                             (name,))

    await asyncio.gather(writer("one"), writer("two"))


async def test_reads_see_only_committed_data(db: Database) -> None:
    """A read beside an open write transaction does not see its rows yet."""
    async with db.write() as tx:
        await tx.execute("INSERT INTO chats (platform, chat_id, created_at) VALUES ('t', '1', 0)")
        assert await db.fetch_all("SELECT * FROM chats") == []
        assert len(await tx.fetch_all("SELECT * FROM chats")) == 1
    assert len(await db.fetch_all("SELECT * FROM chats")) == 1


async def test_a_database_of_the_previous_release_keeps_its_stories_and_entries(
        tmp_path: Path) -> None:
    """A file at migration 6 (the release before pictures, embeds, successors and tracks)
    opens at the last migration with its story and entry intact: no picture, no embeds."""
    path = tmp_path / "old.db"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE schema_version"
                       " (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at REAL NOT NULL)")
    for number, name, sql in migrations("sqlite"):
        if number <= 6:
            connection.executescript(sql)
            connection.execute("INSERT INTO schema_version VALUES (?, ?, 0)", (number, name))
    connection.execute("INSERT INTO stories (url, created_at, next_check_at, interval)"
                       " VALUES ('https://example.com/live', 0, 0, 60)")
    connection.execute("INSERT INTO entries (story_id, key, published_at, text, first_seen_at,"
                       " last_seen_at) VALUES (1, 'k1', 1700000000, 'Old update', 0, 0)")
    connection.commit()
    connection.close()
    async with Database.open(path) as db:
        assert await db.schema_version() == migrations("sqlite")[-1][0]
        [known] = await entries.for_story(db, 1)
    assert (known.entry.text, known.entry.image, known.entry.embeds) == ("Old update", None, ())
