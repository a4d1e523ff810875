"""SQLite through aiosqlite: one file in WAL mode, migrations at open, one writer at a time.

aiosqlite keeps statements in order but not transactions: two tasks sharing a
connection would interleave inside each other's transaction. So every write goes
through `Database.write()`, which holds a lock around `BEGIN IMMEDIATE … COMMIT`
on the writer connection; reads use a second connection, which WAL lets run
beside the writer and which sees only committed data. Each read runs whole in
one call on that connection's thread, so it sees every commit made before it
started, whatever other tasks read meanwhile.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from storage.db import Database, Dialect, Params, Row, migrations


class _Queries:
    dialect: Dialect = "sqlite"

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        """The first row of a query, or None."""
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        """Every row of a query, read to its end in one call on the connection's thread.

        A statement stepped part way holds its read transaction open, and aiosqlite
        runs other tasks' calls in between: they would read that older snapshot and
        miss what was committed since. Run whole, the statement is finished (and its
        snapshot gone) before the next task's begins.
        """
        return list(await self._connection.execute_fetchall(sql, params))


class SqliteTransaction(_Queries):
    """An open write transaction: reads see its own writes."""

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; returns the last inserted row id (for INSERT) or the row count."""
        async with self._connection.execute(sql, params) as cursor:
            if sql.lstrip()[:6].upper() == "INSERT":
                return cursor.lastrowid or 0
            return cursor.rowcount

    async def execute_many(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement for each parameter row."""
        await self._connection.executemany(sql, rows)


class SqliteDatabase(_Queries, Database):
    """A storywatch database in one SQLite file."""

    def __init__(self, writer: aiosqlite.Connection, reader: aiosqlite.Connection) -> None:
        super().__init__(reader)
        self._writer = writer
        self._lock = asyncio.Lock()

    @classmethod
    @asynccontextmanager
    async def connect(cls, path: Path | str, *, busy_timeout: float = 5.0
                      ) -> AsyncIterator[SqliteDatabase]:
        """Open (creating if needed) the database at `path` and bring its schema up to date.

        Raises sqlite3.Error when the file is not a database or a migration fails.
        """
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        writer = await _connect(path, busy_timeout)
        try:
            await writer.execute("PRAGMA journal_mode = WAL")
            # In WAL mode NORMAL syncs at checkpoints, not at every commit: a crash of the
            # process loses nothing, a power cut at most the last commits, never integrity.
            # A commit per check then costs microseconds instead of an fsync.
            await writer.execute("PRAGMA synchronous = NORMAL")
            await _migrate(writer)
            reader = await _connect(path, busy_timeout)
            try:
                yield cls(writer, reader)
            finally:
                await reader.close()
        finally:
            await writer.close()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[SqliteTransaction]:
        """One write transaction: committed when the block ends, rolled back when it raises."""
        async with self._lock:
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield SqliteTransaction(self._writer)
            except BaseException:
                await self._writer.rollback()
                raise
            await self._writer.commit()

    async def backup(self, destination: Path | str) -> None:
        """Copy the whole database to `destination`, consistently, while it stays in use."""
        async with self._lock, aiosqlite.connect(str(destination)) as target:
            await self._writer.backup(target)


async def _connect(path: Path | str, busy_timeout: float) -> aiosqlite.Connection:
    # isolation_level=None: the sqlite3 module must not open transactions behind our back.
    connection = await aiosqlite.connect(str(path), isolation_level=None)
    connection.row_factory = sqlite3.Row
    await connection.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
    await connection.execute("PRAGMA foreign_keys = ON")
    return connection


async def _migrate(connection: aiosqlite.Connection) -> None:
    await connection.execute(
        "CREATE TABLE IF NOT EXISTS schema_version"
        " (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at REAL NOT NULL)"
    )
    async with connection.execute("SELECT MAX(version) FROM schema_version") as cursor:
        row = await cursor.fetchone()
    current = int(row[0] or 0) if row else 0
    for number, name, sql in migrations("sqlite"):
        if number <= current:
            continue
        # executescript commits first and runs statement by statement; wrapping the
        # script in BEGIN … COMMIT makes each migration all or nothing.
        try:
            await connection.executescript(
                f"BEGIN IMMEDIATE;\n{sql}\n"
                f"INSERT INTO schema_version VALUES ({number}, '{_quote(name)}', {time.time()});\n"
                "COMMIT;"
            )
        except sqlite3.Error:
            if connection.in_transaction:
                await connection.rollback()
            raise


def _quote(name: str) -> str:
    return name.replace("'", "''")
