"""A story's entries and its identity marks (every key and fingerprint ever stored)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import datetime

from bot.diff import Edit, StoredEntry, marks_of
from bot.model import Entry
from storage.db import Reader, Transaction
from storage.times import from_epoch, require_epoch, to_epoch


async def for_story(db: Reader, story_id: int) -> list[StoredEntry]:
    """Every stored entry of the story, newest first (untimed ones last)."""
    rows = await db.fetch_all(
        "SELECT * FROM entries WHERE story_id = ?"
        " ORDER BY published_at IS NULL, published_at DESC, id DESC",
        (story_id,),
    )
    return [_entry(row) for row in rows]


async def latest(db: Reader, story_id: int) -> StoredEntry | None:
    """The newest stored entry of the story, or None."""
    row = await db.fetch_one(
        "SELECT * FROM entries WHERE story_id = ?"
        " ORDER BY published_at IS NULL, published_at DESC, id DESC LIMIT 1",
        (story_id,),
    )
    return None if row is None else _entry(row)


async def count(db: Reader, story_id: int) -> int:
    """How many entries the story has stored."""
    row = await db.fetch_one("SELECT COUNT(*) FROM entries WHERE story_id = ?", (story_id,))
    return int(row[0]) if row else 0


async def marks(db: Reader, story_id: int) -> frozenset[str]:
    """Every mark (key or fingerprint) ever stored for the story."""
    rows = await db.fetch_all("SELECT mark FROM entry_marks WHERE story_id = ?", (story_id,))
    return frozenset(row[0] for row in rows)


async def add(tx: Transaction, story_id: int, entry: Entry, *, now: datetime) -> int:
    """Store a new entry and its marks; returns its row id (the stored one for a known key)."""
    seen = require_epoch(now)
    await tx.execute(
        "INSERT INTO entries (story_id, key, published_at, updated_at, title, text, url,"
        " first_seen_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (story_id, key) DO NOTHING",
        (story_id, entry.key, to_epoch(entry.published_at), to_epoch(entry.updated_at),
         entry.title, entry.text, entry.url, seen, seen),
    )
    row = await tx.fetch_one(
        "SELECT id FROM entries WHERE story_id = ? AND key = ?", (story_id, entry.key)
    )
    assert row is not None
    entry_id = int(row[0])
    await _mark(tx, story_id, entry_id, marks_of(entry.key, entry.published_at, entry.text))
    return entry_id


async def update(tx: Transaction, story_id: int, edit: Edit, *, now: datetime) -> None:
    """Store a correction over the stored entry (its key and time kept) and the new marks."""
    entry = edit.entry
    await tx.execute(
        "UPDATE entries SET title = ?, text = ?, url = COALESCE(?, url),"
        " updated_at = COALESCE(?, updated_at), published_at = ?, last_seen_at = ?"
        " WHERE id = ?",
        (entry.title, entry.text, entry.url, to_epoch(entry.updated_at),
         to_epoch(entry.published_at), require_epoch(now), edit.stored.id),
    )
    # The fetched key too: a source that re-keyed the update must find it known next time.
    found = {*marks_of(entry.key, entry.published_at, entry.text), f"k:{edit.fetched_key}"}
    await _mark(tx, story_id, edit.stored.id, sorted(found))


async def _mark(tx: Transaction, story_id: int, entry_id: int, marks: Iterable[str]) -> None:
    await tx.execute_many(
        "INSERT INTO entry_marks (story_id, mark, entry_id) VALUES (?, ?, ?)"
        " ON CONFLICT (story_id, mark) DO NOTHING",
        [(story_id, mark, entry_id) for mark in marks],
    )


def _entry(row: sqlite3.Row) -> StoredEntry:
    return StoredEntry(
        id=row["id"],
        key=row["key"],
        published_at=from_epoch(row["published_at"]),
        text=row["text"],
        title=row["title"],
        updated_at=from_epoch(row["updated_at"]),
        url=row["url"],
    )
