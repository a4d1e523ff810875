"""The storage interface: `Database`, `Reader` and `Transaction`, one of two backends behind them.

    Database.open(target)   a SQLite file path (the default), or a postgresql:// URL
        SqliteDatabase      storage.sqlite: one file in WAL mode, one writer at a time
        PostgresDatabase    storage.postgres: a connection pool, many processes at once

Repositories (`storage.stories`, ...) are module functions over a `Reader` or a
`Transaction` and hold one copy of the SQL, written with `?` placeholders in
the subset both dialects share; where the dialects differ a repository asks
`dialect`. Rows are read by column name or position on both.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Protocol

Params = Sequence[Any]
Dialect = Literal["sqlite", "postgresql"]
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


class Row(Protocol):
    """One result row: `row["column"]`, `row[0]` and its column names (sqlite3.Row and
    asyncpg.Record both are)."""

    def __getitem__(self, key: Any, /) -> Any: ...

    def keys(self) -> Any: ...


class Reader(Protocol):
    """What a repository needs to read: the database itself or an open transaction."""

    @property
    def dialect(self) -> Dialect: ...

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None: ...

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]: ...


class Transaction(Reader, Protocol):
    """An open write transaction: reads see its own writes."""

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; returns the number of rows it changed (or, for an INSERT on
        SQLite, the last inserted row id)."""
        ...

    async def execute_many(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement for each parameter row."""
        ...


@dataclass(frozen=True, slots=True)
class Lock:
    """A held lock of the processes sharing the database; `lost` is set when it is gone."""

    name: str
    lost: asyncio.Event


class Database:
    """The storywatch database. Open it with `async with Database.open(target) as db`."""

    dialect: Dialect

    @staticmethod
    def open(target: Path | str, *, busy_timeout: float = 5.0,
             pool_size: int = 10) -> AbstractAsyncContextManager[Database]:
        """Open (creating the SQLite file if needed) the database at `target` and bring its
        schema up to date: a postgresql:// URL opens PostgreSQL, anything else is a SQLite path.

        `busy_timeout` is SQLite's wait for a lock; `pool_size` PostgreSQL's connections.
        Raises sqlite3.Error or asyncpg/OSError errors when it cannot be opened or migrated.
        """
        if is_postgres(target):
            from storage.postgres import PostgresDatabase

            return PostgresDatabase.connect(str(target), pool_size=pool_size)
        from storage.sqlite import SqliteDatabase

        return SqliteDatabase.connect(target, busy_timeout=busy_timeout)

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        """The first row of a query (of committed data), or None."""
        raise NotImplementedError

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        """Every row of a query (of committed data)."""
        raise NotImplementedError

    def write(self) -> AbstractAsyncContextManager[Transaction]:
        """One write transaction: committed when the block ends, rolled back when it raises."""
        raise NotImplementedError

    async def backup(self, destination: Path | str) -> None:
        """Copy the whole database to the SQLite file `destination`, consistently."""
        raise NotImplementedError

    def listen(self, channel: str, woken: Callable[[], None]
               ) -> AbstractAsyncContextManager[None]:
        """Call `woken` whenever another process calls `notify(channel)`, for the block.

        One process alone on a database (SQLite) hears nothing: its own writers wake
        their readers in memory.
        """
        return _nothing()

    @asynccontextmanager
    async def hold_lock(self, name: str, *, keepalive: float = 10.0) -> AsyncIterator[Lock]:
        """Wait until this process holds the lock `name` among the processes sharing the
        database, and hold it for the block (one process alone holds it at once)."""
        yield Lock(name, asyncio.Event())

    async def notify(self, channel: str) -> None:
        """Wake the other processes listening on `channel` (none share a SQLite file)."""

    async def schema_version(self) -> int:
        """The number of the last migration applied."""
        row = await self.fetch_one("SELECT MAX(version) FROM schema_version")
        return int(row[0] or 0) if row else 0


@asynccontextmanager
async def _nothing() -> AsyncIterator[None]:
    yield


def is_postgres(target: Path | str) -> bool:
    """Whether `target` names a PostgreSQL database (a postgresql:// URL)."""
    return isinstance(target, str) and target.startswith(POSTGRES_SCHEMES)


def migrations(dialect: Dialect = "sqlite") -> list[tuple[int, str, str]]:
    """The bundled migrations of one dialect as (number, name, sql), in order.

    Both dialects' series are numbered alike: migration N is the same change in each.
    """
    found = []
    for item in resources.files("storage").joinpath("migrations", dialect).iterdir():
        stem, _, suffix = item.name.partition(".")
        number, _, name = stem.partition("_")
        if suffix == "sql" and number.isdigit():
            found.append((int(number), name, item.read_text(encoding="utf-8")))
    return sorted(found)
