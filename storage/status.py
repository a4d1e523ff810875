"""The whole instance at a glance, for `storywatch status`: counts of stories, chats and the
outbox, and the stories failing most recently. Plain SQL, one aggregate query each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.db import Reader, Row
from storage.times import from_epoch, require_epoch


@dataclass(frozen=True, slots=True)
class StoryCounts:
    """Stories still checked (`followed`), of them due now and failing; and retired ones."""

    followed: int
    due: int
    failing: int
    retired: int


@dataclass(frozen=True, slots=True)
class ChatCounts:
    """Chats that ever used the bot, and those the bot can still post in."""

    total: int
    active: int


@dataclass(frozen=True, slots=True)
class OutboxCounts:
    """Deliveries waiting to be sent (and how long the oldest has), held, given up on."""

    pending: int
    oldest_pending: timedelta | None
    held: int
    failed: int


@dataclass(frozen=True, slots=True)
class StoryError:
    """A failing story and its last error."""

    url: str
    title: str | None
    failures: int
    error: str | None
    checked_at: datetime | None


async def story_counts(db: Reader, now: datetime) -> StoryCounts:
    """How many stories there are in each state, and how many are due at `now`."""
    row = await db.fetch_one(
        "SELECT SUM(CASE WHEN state <> 'ended' THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN state <> 'ended' AND next_check_at <= ? THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN state = 'failing' THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN state = 'ended' THEN 1 ELSE 0 END) FROM stories",
        (require_epoch(now),),
    )
    return StoryCounts(*_counts(row, 4))


async def chat_counts(db: Reader) -> ChatCounts:
    """How many chats there are, and how many are active."""
    row = await db.fetch_one(
        "SELECT COUNT(*), SUM(CASE WHEN active = 1 THEN 1 ELSE 0 END) FROM chats")
    return ChatCounts(*_counts(row, 2))


async def outbox_counts(db: Reader, now: datetime) -> OutboxCounts:
    """The outbox's pending, held and failed deliveries; the oldest pending one's age."""
    row = await db.fetch_one(
        "SELECT SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN state = 'held' THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN state = 'failed' THEN 1 ELSE 0 END),"
        " MIN(CASE WHEN state = 'pending' THEN created_at END) FROM deliveries",
    )
    pending, held, failed = _counts(row, 3)
    oldest = from_epoch(row[3]) if row is not None else None
    return OutboxCounts(pending, now - oldest if oldest is not None else None, held, failed)


async def recent_errors(db: Reader, limit: int = 5) -> list[StoryError]:
    """The failing stories checked most recently, with their last error."""
    rows = await db.fetch_all(
        "SELECT url, title, failures, last_error, last_checked_at FROM stories"
        " WHERE state = 'failing' ORDER BY last_checked_at DESC, id LIMIT ?",
        (limit,),
    )
    return [StoryError(row[0], row[1], row[2], row[3], from_epoch(row[4])) for row in rows]


def _counts(row: Row | None, width: int) -> tuple[int, ...]:
    """The row's first `width` sums as ints (SUM over no rows is NULL: 0)."""
    return tuple(int(row[n] or 0) if row is not None else 0 for n in range(width))
