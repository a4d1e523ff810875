"""Copy a whole instance from one database to another (SQLite to PostgreSQL, and back).

Every table that holds the instance's state is copied row for row, ids kept, in an
order that satisfies the foreign keys, in one transaction on the destination: a
copy that fails leaves the destination as it was. Leases are not state: they
belong to the processes of the source and are left behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.errors import StorageError
from storage.db import Database, Reader, Row, Transaction

BATCH = 5000
"""Rows read, and written, at a time: memory stays flat however big the instance."""


@dataclass(frozen=True, slots=True)
class Table:
    """A table to copy: its name, the columns that order it (its key) and those left out."""

    name: str
    key: tuple[str, ...]
    skip: tuple[str, ...] = ()


TABLES = (
    Table("stories", ("id",), skip=("leased_by", "lease_until")),
    Table("entries", ("id",)),
    Table("entry_marks", ("story_id", "mark")),
    Table("chats", ("id",), skip=("claimed_by", "claim_until")),
    Table("subscriptions", ("id",)),
    Table("filters", ("id",)),
    Table("deliveries", ("id",), skip=("claimed_by", "claim_until")),
    Table("sent_messages", ("chat_id", "entry_id")),
    Table("tracks", ("id",)),
    Table("track_links", ("track_id", "url")),
    Table("discoveries", ("chat_id", "number")),
)
"""In foreign-key order: a row's parents are copied before it."""


async def copy_instance(source: Database, destination: Database) -> dict[str, int]:
    """Copy every story, entry, mark, chat, subscription, filter, delivery and sent message
    from `source` to `destination`; returns how many rows each table got.

    Raises StorageError when the destination already holds an instance (it would mix).
    """
    for table in TABLES:
        if await destination.fetch_one(f"SELECT 1 FROM {table.name} LIMIT 1") is not None:
            raise StorageError(f"the destination is not empty: its {table.name} table has rows")
    copied: dict[str, int] = {}
    async with destination.write() as tx:
        for table in TABLES:
            copied[table.name] = await _copy_table(source, tx, table)
        if destination.dialect == "postgresql":
            await _advance_identities(tx)
    return copied


async def _copy_table(source: Reader, tx: Transaction, table: Table) -> int:
    count = 0
    after: Sequence[object] | None = None
    key = ", ".join(table.key)
    while rows := await _page(source, table, key, after):
        names = rows[0].keys()
        columns = [name for name in names if name not in table.skip]
        marks = ", ".join("?" * len(columns))
        await tx.execute_many(
            f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})",
            [tuple(row[name] for name in columns) for row in rows])
        count += len(rows)
        after = tuple(rows[-1][name] for name in table.key)
    return count


async def _page(source: Reader, table: Table, key: str,
                after: Sequence[object] | None) -> list[Row]:
    """The next BATCH rows of `table` in key order, after the key `after` (None: the first)."""
    if after is None:
        return await source.fetch_all(
            f"SELECT * FROM {table.name} ORDER BY {key} LIMIT ?", (BATCH,))
    marks = ", ".join("?" * len(after))
    return await source.fetch_all(
        f"SELECT * FROM {table.name} WHERE ({key}) > ({marks}) ORDER BY {key} LIMIT ?",
        (*after, BATCH))


async def _advance_identities(tx: Transaction) -> None:
    """PostgreSQL's id sequences continue after the copied ids (SQLite's rowid does so alone)."""
    for table in TABLES:
        if table.key == ("id",):
            await tx.fetch_one(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'),"
                f" COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)")
