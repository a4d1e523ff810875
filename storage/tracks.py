"""Tracks (a chat following a section page for new live pages), the links seen on each, and
a chat's last discovery (what `/subscribe N` picks from)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from storage.db import Reader, Row, Transaction
from storage.times import from_epoch, require_datetime, require_epoch

_CHUNK = 500
"""Links named in one statement (SQLite allows 32,766 parameters; a page shows far fewer)."""


@dataclass(frozen=True, slots=True)
class Track:
    """A chat tracking the page at `url` for new live pages whose title passes its words.
    Chats number their tracks in `id` order."""

    id: int
    chat_id: int
    url: str
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    next_check_at: datetime
    last_checked_at: datetime | None
    failures: int
    last_error: str | None


@dataclass(frozen=True, slots=True)
class Choice:
    """One numbered item of a chat's last discovery."""

    number: int
    url: str
    title: str
    kind: str


async def add(tx: Transaction, chat_id: int, url: str, words: tuple[Sequence[str], Sequence[str]],
              baseline: Iterable[str], *, now: datetime, next_check_at: datetime) -> Track:
    """Start tracking `url` for the chat with `words` (include, exclude), unless it does
    already; the links on it now are `baseline`: seen, never followed."""
    include, exclude = words
    await tx.execute(
        "INSERT INTO tracks (chat_id, url, include_words, exclude_words, created_at,"
        " next_check_at, last_checked_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
        # Two /track of one page at once: the first one's words stand.
        " ON CONFLICT (chat_id, url) DO NOTHING",
        (chat_id, url, "\n".join(include), "\n".join(exclude), require_epoch(now),
         require_epoch(next_check_at), require_epoch(now)))
    row = await tx.fetch_one("SELECT * FROM tracks WHERE chat_id = ? AND url = ?", (chat_id, url))
    assert row is not None
    track = _track(row)
    await mark_seen(tx, track.id, baseline, now=now)
    return track


async def for_chat(db: Reader, chat_id: int) -> list[Track]:
    """The chat's tracks in the order /list numbers them (1 is the first)."""
    rows = await db.fetch_all("SELECT * FROM tracks WHERE chat_id = ? ORDER BY id", (chat_id,))
    return [_track(row) for row in rows]


async def remove(tx: Transaction, track_id: int) -> None:
    """Stop the track; its seen links go with it."""
    await tx.execute("DELETE FROM tracks WHERE id = ?", (track_id,))


async def due(db: Reader, now: datetime, *, limit: int) -> list[Track]:
    """Tracks of reachable chats whose next check is due by `now`, most overdue first."""
    rows = await db.fetch_all(
        "SELECT t.* FROM tracks t JOIN chats c ON c.id = t.chat_id"
        " WHERE t.next_check_at <= ? AND c.active = 1 ORDER BY t.next_check_at, t.id LIMIT ?",
        (require_epoch(now), limit))
    return [_track(row) for row in rows]


async def claim(tx: Transaction, track: Track, *, until: datetime) -> bool:
    """Move the track's next check to `until` unless another checker did since it was read;
    returns whether this one did (and so checks it now)."""
    return await tx.execute(
        # Epoch seconds pass through a datetime on the way: equal within a millisecond.
        "UPDATE tracks SET next_check_at = ? WHERE id = ? AND ABS(next_check_at - ?) < 0.001",
        (require_epoch(until), track.id, require_epoch(track.next_check_at))) == 1


async def record(tx: Transaction, track_id: int, *, now: datetime, error: str | None) -> None:
    """A check of the track done: `error` says why it failed, None when it worked."""
    if error is None:
        await tx.execute("UPDATE tracks SET last_checked_at = ?, failures = 0, last_error = NULL"
                         " WHERE id = ?", (require_epoch(now), track_id))
    else:
        await tx.execute("UPDATE tracks SET last_checked_at = ?, failures = failures + 1,"
                         " last_error = ? WHERE id = ?", (require_epoch(now), error, track_id))


async def seen(db: Reader, track_id: int) -> set[str]:
    """Every link seen on the tracked page so far."""
    rows = await db.fetch_all("SELECT url FROM track_links WHERE track_id = ?", (track_id,))
    return {row["url"] for row in rows}


async def mark_seen(tx: Transaction, track_id: int, urls: Iterable[str], *, now: datetime) -> None:
    """Links seen on the tracked page: never new again."""
    await tx.execute_many(
        # Through the track's row: a track stopped meanwhile takes no links.
        "INSERT INTO track_links (track_id, url, seen_at) SELECT id, ?, ? FROM tracks"
        " WHERE id = ? ON CONFLICT (track_id, url) DO NOTHING",
        [(url, require_epoch(now), track_id) for url in dict.fromkeys(urls)])


async def refresh(tx: Transaction, track_id: int, present: Sequence[str], *, now: datetime,
                  forget_before: datetime) -> None:
    """The links `present` on the page now were seen now; links not seen on it since
    `forget_before` are forgotten (a page's links come and go: the table stays the size of
    what the page shows)."""
    for start in range(0, len(present), _CHUNK):
        chunk = present[start:start + _CHUNK]
        await tx.execute(
            f"UPDATE track_links SET seen_at = ? WHERE track_id = ? AND url IN"
            f" ({', '.join('?' * len(chunk))})", (require_epoch(now), track_id, *chunk))
    await tx.execute("DELETE FROM track_links WHERE track_id = ? AND seen_at < ?",
                     (track_id, require_epoch(forget_before)))


async def save_choices(tx: Transaction, chat_id: int, choices: Sequence[tuple[str, str, str]]
                       ) -> None:
    """The chat's last discovery, numbered from 1: (url, title, kind) each; the one before
    goes."""
    await tx.execute("DELETE FROM discoveries WHERE chat_id = ?", (chat_id,))
    await tx.execute_many(
        "INSERT INTO discoveries (chat_id, number, url, title, kind) VALUES (?, ?, ?, ?, ?)",
        [(chat_id, number, url, title, kind)
         for number, (url, title, kind) in enumerate(choices, 1)])


async def choice(db: Reader, chat_id: int, number: int) -> Choice | None:
    """Item `number` of the chat's last discovery, if there is one."""
    row = await db.fetch_one("SELECT * FROM discoveries WHERE chat_id = ? AND number = ?",
                             (chat_id, number))
    return Choice(row["number"], row["url"], row["title"], row["kind"]) if row else None


def _track(row: Row) -> Track:
    return Track(row["id"], row["chat_id"], row["url"], _words(row["include_words"]),
                 _words(row["exclude_words"]), require_datetime(row["next_check_at"]),
                 from_epoch(row["last_checked_at"]), row["failures"], row["last_error"])


def _words(stored: str) -> tuple[str, ...]:
    return tuple(stored.split("\n")) if stored else ()
