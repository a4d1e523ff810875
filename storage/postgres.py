"""PostgreSQL through asyncpg: a connection pool that many processes share one database through.

The repositories' SQL is written with `?` placeholders; here each becomes `$1`,
`$2`, … (none of our statements has a `?` inside a string literal). Reads run
on any pooled connection and see committed data; a write holds one connection
for its transaction. Beside the pool, two kinds of dedicated connection:

    listen(channel)    LISTEN: another process's NOTIFY wakes this one
    hold_lock(name)    a session advisory lock: held while its connection lives,
                       released by PostgreSQL the moment the holder's process dies
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import itertools
import re
import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg

from bot.core.errors import StorageError
from storage.db import Database, Dialect, Lock, Params, Row, migrations

MIGRATION_LOCK = 0x5357_0001
"""The advisory lock two processes starting at once take, so only one migrates."""


@functools.lru_cache(maxsize=2048)
def numbered(sql: str) -> str:
    """`sql` with each `?` placeholder numbered for PostgreSQL (`$1`, `$2`, …)."""
    counter = itertools.count(1)
    return re.sub(r"\?", lambda _: f"${next(counter)}", sql)


def _changed(status: str) -> int:
    """The row count of a command status such as 'UPDATE 3' or 'INSERT 0 1'."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class PostgresTransaction:
    """An open write transaction on one connection: reads see its own writes."""

    dialect: Dialect = "postgresql"

    def __init__(self, connection: asyncpg.Connection) -> None:
        self._connection = connection

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        """The first row of a query, or None."""
        row: Row | None = await self._connection.fetchrow(numbered(sql), *params)
        return row

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        """Every row of a query."""
        return list(await self._connection.fetch(numbered(sql), *params))

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; returns the number of rows it changed."""
        return _changed(await self._connection.execute(numbered(sql), *params))

    async def execute_many(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement for each parameter row."""
        batch = list(rows)
        if batch:
            await self._connection.executemany(numbered(sql), batch)


class PostgresDatabase(Database):
    """A storywatch database on a PostgreSQL server."""

    dialect: Dialect = "postgresql"

    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        self._pool = pool
        self._url = url

    @classmethod
    @asynccontextmanager
    async def connect(cls, url: str, *, pool_size: int = 10) -> AsyncIterator[PostgresDatabase]:
        """Connect to the database at `url` and bring its schema up to date.

        Raises StorageError when it cannot connect, asyncpg.PostgresError when a migration fails.
        """
        try:
            pool = await asyncpg.create_pool(url, min_size=1, max_size=pool_size)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            raise StorageError(f"cannot open the database {shown(url)}: {error}") from None
        try:
            async with pool.acquire() as connection:
                await _migrate(connection)
            yield cls(pool, url)
        finally:
            await pool.close()

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        """The first row of a query (of committed data), or None."""
        async with self._pool.acquire() as connection:
            row: Row | None = await connection.fetchrow(numbered(sql), *params)
            return row

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        """Every row of a query (of committed data)."""
        async with self._pool.acquire() as connection:
            return list(await connection.fetch(numbered(sql), *params))

    @asynccontextmanager
    async def write(self) -> AsyncIterator[PostgresTransaction]:
        """One write transaction: committed when the block ends, rolled back when it raises."""
        async with self._pool.acquire() as connection, connection.transaction():
            yield PostgresTransaction(connection)

    async def backup(self, destination: Path | str) -> None:
        """Not here: PostgreSQL has its own tools. Raises StorageError."""
        raise StorageError("a PostgreSQL database is backed up with pg_dump, or copied to a"
                           f" SQLite file with `storywatch db copy URL {destination}`")

    @asynccontextmanager
    async def listen(self, channel: str, woken: Callable[[], None]) -> AsyncIterator[None]:
        """Call `woken` on every NOTIFY on `channel`, for the block (a connection of its own)."""
        connection = await asyncpg.connect(self._url)
        try:
            await connection.add_listener(channel, lambda *_: woken())
            yield
        finally:
            await connection.close()

    @asynccontextmanager
    async def hold_lock(self, name: str, *, keepalive: float = 10.0) -> AsyncIterator[Lock]:
        """Wait until this process holds the session advisory lock `name`, and hold it for
        the block.

        PostgreSQL releases it when the holder's connection ends: at once when its process
        dies on a machine that closes its sockets; within about `keepalive` seconds (TCP
        keepalives) when the machine itself goes away.
        """
        settings = {"tcp_keepalives_idle": str(max(int(keepalive / 2), 1)),
                    "tcp_keepalives_interval": str(max(int(keepalive / 4), 1)),
                    "tcp_keepalives_count": "2"}
        connection = await asyncpg.connect(self._url, server_settings=settings)
        lost = asyncio.Event()
        try:
            await connection.execute("SELECT pg_advisory_lock($1)", lock_key(name))
            connection.add_termination_listener(lambda _: lost.set())
            yield Lock(name, lost)
        finally:
            if not connection.is_closed():
                await connection.close()

    async def notify(self, channel: str) -> None:
        """Wake every process listening on `channel`."""
        async with self._pool.acquire() as connection:
            await connection.execute("SELECT pg_notify($1, '')", channel)


def shown(url: str) -> str:
    """The URL without its password or options, for messages."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.username or ''}@{parts.hostname or ''}{parts.path}"


def lock_key(name: str) -> int:
    """The 64-bit advisory lock key of a name (a platform token's lock is named by its hash)."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


async def _migrate(connection: Any) -> None:
    async with connection.transaction():
        # Processes started together queue here; each then sees what the first applied.
        await connection.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
        await connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY,"
            " name TEXT NOT NULL, applied_at DOUBLE PRECISION NOT NULL)")
        current = await connection.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_version")
        for number, name, sql in migrations("postgresql"):
            if number > current:
                await connection.execute(sql)
                await connection.execute("INSERT INTO schema_version VALUES ($1, $2, $3)",
                                         number, name, time.time())
