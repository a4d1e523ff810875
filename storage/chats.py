"""Chats (a platform, its chat id, a thread id) and their settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.model import ChatRef
from storage.db import Reader, Row, Transaction
from storage.times import from_epoch, require_datetime, require_epoch, to_epoch


@dataclass(frozen=True, slots=True)
class Chat:
    """Where alerts go, and how this chat wants them."""

    id: int
    ref: ChatRef
    kind: str
    timezone: str | None
    locked: bool
    active: bool
    muted_until: datetime | None
    digest_mode: str
    digest_every: float | None
    digest_at: str | None
    next_digest_at: datetime | None
    edits: bool
    created_at: datetime
    images: bool = True


async def ensure(
    tx: Transaction, ref: ChatRef, *, now: datetime, kind: str = "private", edits: bool = True
) -> Chat:
    """The chat at `ref`, created with default settings when new, and active."""
    await tx.execute(
        "INSERT INTO chats (platform, chat_id, thread_id, kind, edits, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (platform, chat_id, thread_id) DO UPDATE SET active = 1",
        (ref.platform, ref.chat_id, ref.thread_id, kind, int(edits), require_epoch(now)),
    )
    chat = await by_ref(tx, ref)
    assert chat is not None
    return chat


async def get(db: Reader, chat_id: int) -> Chat | None:
    """The chat with this row id, or None."""
    return _chat(await db.fetch_one("SELECT * FROM chats WHERE id = ?", (chat_id,)))


async def by_ref(db: Reader, ref: ChatRef) -> Chat | None:
    """The chat at `ref`, or None."""
    return _chat(await db.fetch_one(
        "SELECT * FROM chats WHERE platform = ? AND chat_id = ? AND thread_id = ?",
        (ref.platform, ref.chat_id, ref.thread_id),
    ))


async def with_topics(db: Reader, platform: str, chat_id: str) -> list[Chat]:
    """The platform chat `chat_id` and each of its forum topics (chats of their own by
    thread id) that ever used the bot, in id order."""
    rows = await db.fetch_all(
        "SELECT * FROM chats WHERE platform = ? AND chat_id = ? ORDER BY id", (platform, chat_id)
    )
    return [chat_from_row(row) for row in rows]


async def set_active(tx: Transaction, chat_id: int, active: bool) -> None:
    """Mark whether the bot can post in the chat at all."""
    await tx.execute("UPDATE chats SET active = ? WHERE id = ?", (int(active), chat_id))


async def move(tx: Transaction, chat_id: int, new_platform_id: str) -> None:
    """Give the chat its new platform id (a Telegram group that became a supergroup)."""
    await tx.execute("UPDATE chats SET chat_id = ? WHERE id = ?", (new_platform_id, chat_id))


async def set_timezone(tx: Transaction, chat_id: int, zone: str | None) -> None:
    """Set the IANA zone alerts are shown in (None: the bot's default)."""
    await tx.execute("UPDATE chats SET timezone = ? WHERE id = ?", (zone, chat_id))


async def set_locked(tx: Transaction, chat_id: int, locked: bool) -> None:
    """Set whether only admins may (un)subscribe."""
    await tx.execute("UPDATE chats SET locked = ? WHERE id = ?", (int(locked), chat_id))


async def set_muted_until(tx: Transaction, chat_id: int, until: datetime | None) -> None:
    """Hold alerts until `until` (None: unmuted)."""
    await tx.execute("UPDATE chats SET muted_until = ? WHERE id = ?", (to_epoch(until), chat_id))


async def set_digest(
    tx: Transaction, chat_id: int, *, mode: str, every: float | None = None,
    at: str | None = None, next_at: datetime | None = None,
) -> None:
    """Set the digest mode ('off', 'every' seconds, 'daily' at HH:MM) and when the next is due."""
    await tx.execute(
        "UPDATE chats SET digest_mode = ?, digest_every = ?, digest_at = ?, next_digest_at = ?"
        " WHERE id = ?",
        (mode, every, at, to_epoch(next_at), chat_id),
    )


async def set_successors(tx: Transaction, chat_id: int, follow: bool) -> None:
    """Whether the chat's subscriptions move to their pages' successors (those that say
    nothing of their own: a chat-wide setting clears theirs)."""
    await tx.execute("UPDATE chats SET successors = ? WHERE id = ?", (int(follow), chat_id))
    await tx.execute("UPDATE subscriptions SET successors = NULL WHERE chat_id = ?", (chat_id,))


async def set_edits(tx: Transaction, chat_id: int, edits: bool) -> None:
    """Set whether corrected updates edit the message already sent."""
    await tx.execute("UPDATE chats SET edits = ? WHERE id = ?", (int(edits), chat_id))


async def set_images(tx: Transaction, chat_id: int, images: bool) -> None:
    """Set whether alerts here carry the update's picture."""
    await tx.execute("UPDATE chats SET images = ? WHERE id = ?", (int(images), chat_id))


async def due_for_release(db: Reader, now: datetime) -> list[Chat]:
    """Active chats whose digest is due or whose mute has ended, by `now`."""
    at = require_epoch(now)
    rows = await db.fetch_all(
        "SELECT * FROM chats WHERE active = 1 AND (next_digest_at <= ? OR muted_until <= ?)"
        " ORDER BY id",
        (at, at),
    )
    return [chat_from_row(row) for row in rows]


async def set_released(
    tx: Transaction, chat_id: int, *, next_digest_at: datetime | None, unmute: bool
) -> None:
    """After a release: when the next digest is due, and whether the ended mute is cleared."""
    await tx.execute(
        "UPDATE chats SET next_digest_at = ?,"
        " muted_until = CASE WHEN ? = 1 THEN NULL ELSE muted_until END WHERE id = ?",
        (to_epoch(next_digest_at), int(unmute), chat_id),
    )


def chat_from_row(row: Row) -> Chat:
    """A Chat from a row holding the columns of `chats`."""
    return Chat(
        id=row["id"],
        ref=ChatRef(row["platform"], row["chat_id"], row["thread_id"]),
        kind=row["kind"],
        timezone=row["timezone"],
        locked=bool(row["locked"]),
        active=bool(row["active"]),
        muted_until=from_epoch(row["muted_until"]),
        digest_mode=row["digest_mode"],
        digest_every=row["digest_every"],
        digest_at=row["digest_at"],
        next_digest_at=from_epoch(row["next_digest_at"]),
        edits=bool(row["edits"]),
        created_at=require_datetime(row["created_at"]),
        images=bool(row["images"]),
    )


def _chat(row: Row | None) -> Chat | None:
    return None if row is None else chat_from_row(row)
