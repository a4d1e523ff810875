"""Subscriptions (a chat following a story) and who should hear of a story's updates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.chats import Chat, chat_from_row
from storage.db import Reader, Row, Transaction
from storage.filters import Levels, levels_for_story
from storage.times import require_datetime, require_epoch


@dataclass(frozen=True, slots=True)
class Subscription:
    """A chat following a story. Chats number their subscriptions in `id` order."""

    id: int
    chat_id: int
    story_id: int
    active: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Audience:
    """One active subscription of a story, with its chat and the filter levels an entry must pass.

    `levels` is ((chat include, chat exclude), (subscription include, subscription exclude)).
    """

    subscription_id: int
    chat: Chat
    levels: Levels


async def subscribe(tx: Transaction, chat_id: int, story_id: int, *, now: datetime) -> Subscription:
    """The chat's subscription to the story, created or reactivated."""
    await tx.execute(
        "INSERT INTO subscriptions (chat_id, story_id, created_at) VALUES (?, ?, ?)"
        " ON CONFLICT (chat_id, story_id) DO UPDATE SET active = 1",
        (chat_id, story_id, require_epoch(now)),
    )
    row = await tx.fetch_one(
        "SELECT * FROM subscriptions WHERE chat_id = ? AND story_id = ?", (chat_id, story_id)
    )
    assert row is not None
    return _subscription(row)


async def unsubscribe(tx: Transaction, subscription_id: int) -> None:
    """Delete the subscription and its filters."""
    await tx.execute("DELETE FROM subscriptions WHERE id = ?", (subscription_id,))


async def for_chat(db: Reader, chat_id: int) -> list[Subscription]:
    """The chat's subscriptions in the order /list numbers them (1 is the first)."""
    rows = await db.fetch_all(
        "SELECT * FROM subscriptions WHERE chat_id = ? ORDER BY id", (chat_id,)
    )
    return [_subscription(row) for row in rows]


async def deactivate_chat(tx: Transaction, chat_id: int) -> None:
    """Stop routing to every subscription of the chat (it is gone); kept for its return."""
    await tx.execute("UPDATE subscriptions SET active = 0 WHERE chat_id = ?", (chat_id,))


async def reactivate_chat(tx: Transaction, chat_id: int) -> None:
    """Route to every subscription of the chat again (the bot is back in it)."""
    await tx.execute("UPDATE subscriptions SET active = 1 WHERE chat_id = ?", (chat_id,))


async def audience(db: Reader, story_id: int) -> list[Audience]:
    """The story's active subscriptions in active chats, with their filters, in id order."""
    rows = await db.fetch_all(
        "SELECT s.id AS subscription_id, c.* FROM subscriptions s JOIN chats c ON c.id = s.chat_id"
        " WHERE s.story_id = ? AND s.active = 1 AND c.active = 1 ORDER BY s.id",
        (story_id,),
    )
    levels = await levels_for_story(db, story_id)
    empty: Levels = (((), ()), ((), ()))
    return [
        Audience(row["subscription_id"], chat_from_row(row),
                 levels.get(row["subscription_id"], empty))
        for row in rows
    ]


async def move_to_successor(tx: Transaction, story_id: int, successor_id: int) -> list[int]:
    """Move the story's subscriptions that follow successors (their own setting, else their
    chat's) to the successor story, filters and numbers kept; returns the moved chats' ids.

    A chat that already follows the successor keeps its subscription here as it is.
    """
    rows = await tx.fetch_all(
        "SELECT s.id, s.chat_id FROM subscriptions s JOIN chats c ON c.id = s.chat_id"
        " WHERE s.story_id = ? AND COALESCE(s.successors, c.successors) = 1"
        " AND NOT EXISTS (SELECT 1 FROM subscriptions t WHERE t.chat_id = s.chat_id"
        " AND t.story_id = ?) ORDER BY s.id",
        (story_id, successor_id))
    await tx.execute_many("UPDATE subscriptions SET story_id = ? WHERE id = ?",
                          [(successor_id, row["id"]) for row in rows])
    return [row["chat_id"] for row in rows]


async def stayers(db: Reader, story_id: int) -> list[int]:
    """The ids of the active chats whose active subscriptions keep the story (successors off
    for them, or they follow the successor already)."""
    rows = await db.fetch_all(
        "SELECT s.chat_id FROM subscriptions s JOIN chats c ON c.id = s.chat_id"
        " WHERE s.story_id = ? AND s.active = 1 AND c.active = 1 ORDER BY s.id", (story_id,))
    return [row["chat_id"] for row in rows]


async def staying_by_choice(db: Reader, story_id: int) -> list[int]:
    """The ids of the active chats whose active subscriptions of the story do not follow
    successors (their own setting, else their chat's)."""
    rows = await db.fetch_all(
        "SELECT s.chat_id FROM subscriptions s JOIN chats c ON c.id = s.chat_id"
        " WHERE s.story_id = ? AND s.active = 1 AND c.active = 1"
        " AND COALESCE(s.successors, c.successors) = 0 ORDER BY s.id", (story_id,))
    return [row["chat_id"] for row in rows]


async def set_successors(tx: Transaction, subscription_id: int, follow: bool) -> None:
    """Whether this subscription moves to its page's successor (over its chat's setting)."""
    await tx.execute("UPDATE subscriptions SET successors = ? WHERE id = ?",
                     (int(follow), subscription_id))


def _subscription(row: Row) -> Subscription:
    return Subscription(
        id=row["id"],
        chat_id=row["chat_id"],
        story_id=row["story_id"],
        active=bool(row["active"]),
        created_at=require_datetime(row["created_at"]),
    )
