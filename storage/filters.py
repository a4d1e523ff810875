"""Include/exclude words, on a chat (every subscription) or on one subscription, as written."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.core.filters import Levels, Words
from storage.db import Reader, Transaction
from storage.times import require_epoch

__all__ = ["FilterSet", "Levels", "Words", "add", "clear", "levels_for_story", "of_level",
           "remove"]


@dataclass(frozen=True, slots=True)
class FilterSet:
    """The words of one level, in the order they were added."""

    include: Words = ()
    exclude: Words = ()


async def add(
    tx: Transaction, chat_id: int, subscription_id: int | None, kind: str, words: Iterable[str],
    *, now: datetime,
) -> None:
    """Add include or exclude words at a level (a subscription, or None for the chat)."""
    await tx.execute_many(
        "INSERT INTO filters (chat_id, subscription_id, kind, word, created_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [(chat_id, subscription_id, kind, word, require_epoch(now)) for word in words],
    )


async def remove(
    tx: Transaction, chat_id: int, subscription_id: int | None, words: Iterable[str]
) -> None:
    """Remove words (of either kind) from a level."""
    await tx.execute_many(
        "DELETE FROM filters WHERE chat_id = ? AND subscription_id IS NOT DISTINCT FROM ?"
        " AND word = ?",
        [(chat_id, subscription_id, word) for word in words],
    )


async def clear(tx: Transaction, chat_id: int, subscription_id: int | None) -> None:
    """Remove every word of a level."""
    await tx.execute(
        "DELETE FROM filters WHERE chat_id = ? AND subscription_id IS NOT DISTINCT FROM ?",
        (chat_id, subscription_id),
    )


async def of_level(db: Reader, chat_id: int, subscription_id: int | None) -> FilterSet:
    """The words of one level."""
    rows = await db.fetch_all(
        "SELECT kind, word FROM filters WHERE chat_id = ?"
        " AND subscription_id IS NOT DISTINCT FROM ? ORDER BY id",
        (chat_id, subscription_id),
    )
    return FilterSet(
        tuple(row["word"] for row in rows if row["kind"] == "include"),
        tuple(row["word"] for row in rows if row["kind"] == "exclude"),
    )


async def levels_for_story(db: Reader, story_id: int) -> dict[int, Levels]:
    """Each active subscription of the story that has filters: its (chat, own) levels."""
    rows = await db.fetch_all(
        "SELECT s.id AS subscription_id, f.subscription_id AS level, f.kind, f.word"
        " FROM subscriptions s JOIN filters f ON f.chat_id = s.chat_id"
        " AND (f.subscription_id IS NULL OR f.subscription_id = s.id)"
        " WHERE s.story_id = ? AND s.active = 1 ORDER BY f.id",
        (story_id,),
    )
    words: dict[int, dict[tuple[bool, str], list[str]]] = {}
    for row in rows:
        level = words.setdefault(row["subscription_id"], {})
        level.setdefault((row["level"] is None, row["kind"]), []).append(row["word"])
    return {
        subscription: (
            (tuple(found.get((True, "include"), ())), tuple(found.get((True, "exclude"), ()))),
            (tuple(found.get((False, "include"), ())), tuple(found.get((False, "exclude"), ()))),
        )
        for subscription, found in words.items()
    }
