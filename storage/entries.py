"""A story's entries and their identity marks (every mark ever stored: `bot.core.identity`).

Rows only: which entry is which, and what marks it leaves, the core decides.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, timedelta

from bot.core.diff import Confirmed, Edit
from bot.core.identity import Known
from bot.core.model import Entry
from storage.db import Reader, Row, Transaction
from storage.payloads import decode_embeds, encode_embeds
from storage.times import from_epoch, require_epoch, to_epoch

UNTIMED_REACH = 500
"""How many of a story's newest untimed entries a diff may match an untimed fetched one against."""


async def for_story(db: Reader, story_id: int) -> list[Known]:
    """Every stored entry of the story, newest first (untimed ones last)."""
    rows = await db.fetch_all(
        "SELECT * FROM entries WHERE story_id = ?"
        " ORDER BY published_at IS NULL, published_at DESC, id DESC",
        (story_id,),
    )
    return [_entry(row) for row in rows]


async def near(db: Reader, story_id: int, fetched: Sequence[Entry], window: timedelta,
               refs: Collection[int] = ()) -> list[Known]:
    """The stored entries a diff against `fetched` can match, newest first.

    Those `refs` names (the ones the fetched entries' marks point to), and those timed
    within `window` of the fetched entries' times (the fuzzy matching's reach); untimed
    ones only when an untimed entry was fetched, the newest UNTIMED_REACH of them.
    A check then reads what the page shows, not the story's whole history.
    """
    ids = json.dumps(sorted(refs))
    times = [entry.published_at for entry in fetched if entry.published_at is not None]
    low = require_epoch(min(times) - window) if times else None
    high = require_epoch(max(times) + window) if times else None
    untimed = UNTIMED_REACH if len(times) < len(fetched) else 0
    # `+story_id`: the ids are found by the primary key, not among all the story's rows.
    rows = await db.fetch_all(
        "SELECT * FROM (SELECT * FROM entries WHERE +story_id = ?"
        f" AND id IN (SELECT CAST(value AS BIGINT) FROM {_json_values(db)})"
        " UNION SELECT * FROM entries WHERE story_id = ? AND published_at BETWEEN ? AND ?"
        " UNION SELECT * FROM (SELECT * FROM entries WHERE story_id = ?"
        " AND published_at IS NULL ORDER BY id DESC LIMIT ?) AS untimed) AS near"
        " ORDER BY published_at IS NULL, published_at DESC, id DESC",
        (story_id, ids, story_id, low, high, story_id, untimed),
    )
    return [_entry(row) for row in rows]


async def with_texts(db: Reader, story_id: int, texts: Iterable[str]) -> list[Known]:
    """The stored entries with one of these texts (a scan of the story's rows: asked only
    for what a check would otherwise take for new)."""
    rows = await db.fetch_all(
        "SELECT * FROM entries WHERE story_id = ?"
        f" AND text IN (SELECT value FROM {_json_values(db)})",
        (story_id, json.dumps(sorted(set(texts)))),
    )
    return [_entry(row) for row in rows]


async def latest(db: Reader, story_id: int) -> Entry | None:
    """The newest stored entry of the story, or None."""
    row = await db.fetch_one(
        "SELECT * FROM entries WHERE story_id = ?"
        " ORDER BY published_at IS NULL, published_at DESC, id DESC LIMIT 1",
        (story_id,),
    )
    return None if row is None else _entry(row).entry


async def count(db: Reader, story_id: int) -> int:
    """How many entries the story has stored."""
    row = await db.fetch_one("SELECT COUNT(*) FROM entries WHERE story_id = ?", (story_id,))
    return int(row[0]) if row else 0


async def marks(db: Reader, story_id: int) -> dict[str, int | None]:
    """Every mark ever stored for the story, with the entry holding it (None once pruned)."""
    rows = await db.fetch_all("SELECT mark, entry_id FROM entry_marks WHERE story_id = ?",
                              (story_id,))
    return {row[0]: None if row[1] is None else int(row[1]) for row in rows}


async def marks_among(db: Reader, story_id: int, wanted: Iterable[str]) -> dict[str, int | None]:
    """Which of the `wanted` marks were ever stored for the story (a diff asks only these),
    each with the entry holding it (None once that entry was pruned)."""
    rows = await db.fetch_all(
        "SELECT mark, entry_id FROM entry_marks WHERE story_id = ?"
        f" AND mark IN (SELECT value FROM {_json_values(db)})",
        (story_id, json.dumps(list(wanted))),
    )
    return {row[0]: None if row[1] is None else int(row[1]) for row in rows}


async def prune(tx: Transaction, story_id: int, keep: int) -> int:
    """Delete all but the story's `keep` newest entries; returns how many went.

    Their marks stay (entry_marks.entry_id becomes NULL), so a pruned update
    that shows up again is still known, never new.
    """
    return await tx.execute(
        "DELETE FROM entries WHERE story_id = ? AND id NOT IN (SELECT id FROM entries"
        " WHERE story_id = ? ORDER BY published_at IS NULL, published_at DESC, id DESC LIMIT ?)",
        (story_id, story_id, keep),
    )


async def add(tx: Transaction, story_id: int, entry: Entry, *, now: datetime,
              marks: Iterable[str] = ()) -> int:
    """Store a new entry and its `marks`; returns its row id (the stored one for a known key)."""
    seen = require_epoch(now)
    await tx.execute(
        "INSERT INTO entries (story_id, key, published_at, updated_at, title, text, url,"
        " first_seen_at, last_seen_at, dated, image, embeds)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (story_id, key) DO NOTHING",
        (story_id, entry.key, to_epoch(entry.published_at), to_epoch(entry.updated_at),
         entry.title, entry.text, entry.url, seen, seen, entry.dated, entry.image,
         encode_embeds(entry.embeds)),
    )
    row = await tx.fetch_one(
        "SELECT id FROM entries WHERE story_id = ? AND key = ?", (story_id, entry.key)
    )
    assert row is not None
    entry_id = int(row[0])
    await mark(tx, story_id, entry_id, marks)
    return entry_id


async def update(tx: Transaction, edit: Edit, *, now: datetime) -> None:
    """Store a correction over the stored entry (its key kept; its time, and how strongly
    that is dated, as the diff decided)."""
    entry = edit.entry
    await tx.execute(
        "UPDATE entries SET title = ?, text = ?, url = COALESCE(?, url),"
        " updated_at = COALESCE(?, updated_at), published_at = ?, dated = ?, last_seen_at = ?,"
        " image = ?, embeds = ? WHERE id = ?",
        (entry.title, entry.text, entry.url, to_epoch(entry.updated_at),
         to_epoch(entry.published_at), entry.dated, require_epoch(now), entry.image,
         encode_embeds(entry.embeds), edit.stored.ref),
    )


async def confirm(tx: Transaction, confirmed: Confirmed) -> None:
    """Record that the stored entry's time is dated by stronger evidence than before."""
    await tx.execute("UPDATE entries SET dated = ? WHERE id = ? AND dated < ?",
                     (confirmed.dated, confirmed.ref, confirmed.dated))


async def mark(tx: Transaction, story_id: int, entry_id: int, marks: Iterable[str]) -> None:
    """Record `marks` as the entry's (a mark stored already keeps the entry it names).

    An entry pruned meanwhile leaves its marks to no entry: they still make it known.
    """
    await tx.execute_many(
        "INSERT INTO entry_marks (story_id, mark, entry_id)"
        " VALUES (?, ?, (SELECT id FROM entries WHERE id = ?))"
        " ON CONFLICT (story_id, mark) DO NOTHING",
        [(story_id, found, entry_id) for found in marks],
    )


def _json_values(db: Reader) -> str:
    """The table of the strings in a JSON array bound to one placeholder, in `db`'s dialect."""
    if db.dialect == "postgresql":
        return "json_array_elements_text(CAST(? AS json))"
    return "json_each(?)"


def _entry(row: Row) -> Known:
    return Known(row["id"], Entry(
        key=row["key"],
        published_at=from_epoch(row["published_at"]),
        text=row["text"],
        title=row["title"],
        updated_at=from_epoch(row["updated_at"]),
        url=row["url"],
        dated=int(row["dated"]),
        image=row["image"],
        embeds=decode_embeds(row["embeds"]),
    ))
