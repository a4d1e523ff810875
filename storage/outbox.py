"""The outbox: deliveries waiting for, or done with, their platform; and sent message ids.

A delivery is 'pending' (the dispatcher sends it once `not_before` passed),
'held' (a muted or digest chat: a digest collects it later), 'sent' or
'failed'. Each chat's pending deliveries go out by `sort_key` (the entry's
publication time), then by id. A sender `claim`s a delivery in a write
transaction before it goes on the wire; every outcome recorded here clears the
claim.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core.model import Message
from storage import payloads
from storage.db import Reader, Row, Transaction
from storage.times import from_epoch, require_datetime, require_epoch

OUTBOX_CHANNEL = "storywatch_outbox"
"""The channel a write to the outbox is announced on (PostgreSQL's LISTEN/NOTIFY)."""


@dataclass(frozen=True, slots=True)
class NewDelivery:
    """A delivery as routing decides it."""

    chat_id: int
    kind: str
    message: Message
    sort_key: datetime
    story_id: int | None = None
    entry_id: int | None = None
    state: str = "pending"


@dataclass(frozen=True, slots=True)
class Delivery:
    """A delivery as the outbox holds it."""

    id: int
    chat_id: int
    story_id: int | None
    entry_id: int | None
    kind: str
    message: Message
    state: str
    sort_key: datetime
    attempts: int
    not_before: datetime
    created_at: datetime
    sent_at: datetime | None
    message_id: str | None
    error: str | None


async def enqueue(tx: Transaction, deliveries: Sequence[NewDelivery], *, now: datetime) -> None:
    """Write deliveries, in the given order (ids break ties of sort key)."""
    created = require_epoch(now)
    await tx.execute_many(
        "INSERT INTO deliveries (chat_id, story_id, entry_id, kind, payload, state, sort_key,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (d.chat_id, d.story_id, d.entry_id, d.kind, payloads.encode(d.message), d.state,
             require_epoch(d.sort_key), created)
            for d in deliveries
        ],
    )
    if deliveries and tx.dialect == "postgresql":
        # Delivered at commit: a sender in another process wakes when the rows are there.
        await tx.fetch_one("SELECT pg_notify(?, '')", (OUTBOX_CHANNEL,))


async def chats_with_due(db: Reader, now: datetime, limit: int = 1000) -> list[int]:
    """Chats whose first pending delivery (in sending order) may be sent at `now`, longest
    waiting first."""
    rows = await db.fetch_all(
        "SELECT chat_id FROM (SELECT chat_id, id, not_before, ROW_NUMBER() OVER"
        " (PARTITION BY chat_id ORDER BY sort_key, id) AS place FROM deliveries"
        " WHERE state = 'pending') AS queue WHERE place = 1 AND not_before <= ?"
        " ORDER BY id LIMIT ?",
        (require_epoch(now), limit),
    )
    return [row[0] for row in rows]


async def claim_chats_with_due(tx: Transaction, now: datetime, *, owner: str, until: datetime,
                               limit: int = 1000) -> list[int]:
    """`chats_with_due`, claimed for `owner` until `until`: chats another sender holds (or
    is claiming) are skipped, ones `owner` holds are claimed again. For many processes on
    one database (PostgreSQL); a claim that ran out (its sender died) is free again."""
    at = require_epoch(now)
    rows = await tx.fetch_all(
        "UPDATE chats SET claimed_by = ?, claim_until = ? WHERE id IN (SELECT c.id FROM chats c"
        " JOIN (SELECT chat_id, id, not_before, ROW_NUMBER() OVER"
        " (PARTITION BY chat_id ORDER BY sort_key, id) AS place FROM deliveries"
        " WHERE state = 'pending') AS queue ON queue.chat_id = c.id"
        " WHERE queue.place = 1 AND queue.not_before <= ?"
        " AND (c.claimed_by = ? OR c.claim_until IS NULL OR c.claim_until < ?)"
        " ORDER BY queue.id LIMIT ? FOR UPDATE OF c SKIP LOCKED) RETURNING id",
        (owner, require_epoch(until), at, owner, at, limit),
    )
    return [row[0] for row in rows]


async def next_pending(db: Reader, chat_id: int) -> Delivery | None:
    """The chat's first pending delivery in order, due or not."""
    row = await db.fetch_one(
        "SELECT * FROM deliveries WHERE state = 'pending' AND chat_id = ?"
        " ORDER BY sort_key, id LIMIT 1",
        (chat_id,),
    )
    return None if row is None else _delivery(row)


async def list_for_chat(db: Reader, chat_id: int, state: str | None = None) -> list[Delivery]:
    """The chat's deliveries (of one state, when given) in sending order."""
    rows = await db.fetch_all(
        "SELECT * FROM deliveries WHERE chat_id = ? AND (CAST(? AS TEXT) IS NULL OR state = ?)"
        " ORDER BY sort_key, id",
        (chat_id, state, state),
    )
    return [_delivery(row) for row in rows]


async def claim(tx: Transaction, delivery: Delivery, *, owner: str, now: datetime,
                until: datetime) -> bool:
    """Claim the delivery for `owner` until `until`, to send it now; returns whether it is
    now `owner`'s to send.

    Only a delivery still pending, due at `now` and claimed by no one else (or by a
    sender whose claim ran out) is claimed: one read before it was sent, put off or
    failed (a stale read), or one another sender holds, is not. `owner` may claim
    again what it holds (a send again after a chat moved); within one process one
    worker serves a chat at a time.
    """
    at = require_epoch(now)
    changed = await tx.execute(
        "UPDATE deliveries SET claimed_by = ?, claim_until = ? WHERE id = ?"
        " AND state = 'pending' AND not_before <= ?"
        " AND (claimed_by IS NULL OR claimed_by = ? OR claim_until < ?)",
        (owner, require_epoch(until), delivery.id, at, owner, at),
    )
    return changed == 1


async def release_claims(tx: Transaction) -> None:
    """Free every claim on a pending delivery: for the one process a SQLite file serves,
    at its start, to send again at once what it had on the wire when it last stopped."""
    await tx.execute(
        "UPDATE deliveries SET claimed_by = NULL, claim_until = NULL"
        " WHERE claimed_by IS NOT NULL AND state = 'pending'"
    )


async def mark_sent(
    tx: Transaction, delivery: Delivery, *, message_id: str, now: datetime
) -> None:
    """Record that the platform accepted the delivery, and the message it became."""
    sent = require_epoch(now)
    await tx.execute(
        "UPDATE deliveries SET state = 'sent', sent_at = ?, message_id = ?, error = NULL,"
        " attempts = attempts + 1, claimed_by = NULL, claim_until = NULL WHERE id = ?",
        (sent, message_id, delivery.id),
    )
    if delivery.entry_id is not None and delivery.kind == "alert":
        await tx.execute(
            "INSERT INTO sent_messages (chat_id, entry_id, message_id, sent_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (chat_id, entry_id) DO UPDATE SET message_id = excluded.message_id",
            (delivery.chat_id, delivery.entry_id, message_id, sent),
        )


async def mark_failed(tx: Transaction, delivery_id: int, *, error: str) -> None:
    """Give up on one delivery, with the reason."""
    await tx.execute(
        "UPDATE deliveries SET state = 'failed', error = ?, attempts = attempts + 1,"
        " claimed_by = NULL, claim_until = NULL WHERE id = ?",
        (error, delivery_id),
    )


async def retry_later(
    tx: Transaction, delivery_id: int, *, not_before: datetime, error: str, attempt: bool
) -> None:
    """Keep the delivery pending until `not_before`; `attempt` counts this try against it."""
    await tx.execute(
        "UPDATE deliveries SET not_before = ?, error = ?, attempts = attempts + ?,"
        " claimed_by = NULL, claim_until = NULL WHERE id = ?",
        (require_epoch(not_before), error, int(attempt), delivery_id),
    )


async def defer(tx: Transaction, delivery_id: int, *, not_before: datetime) -> None:
    """Keep the delivery pending until `not_before` (its chat's pace), with no error or attempt."""
    await tx.execute(
        "UPDATE deliveries SET not_before = ?, claimed_by = NULL, claim_until = NULL"
        " WHERE id = ?",
        (require_epoch(not_before), delivery_id),
    )


async def fail_pending(tx: Transaction, chat_id: int, *, error: str) -> None:
    """Give up on every pending or held delivery of a chat (it is gone)."""
    await tx.execute(
        "UPDATE deliveries SET state = 'failed', error = ?"
        " WHERE chat_id = ? AND state IN ('pending', 'held')",
        (error, chat_id),
    )


async def revise_waiting(tx: Transaction, chat_id: int, entry_id: int, message: Message) -> bool:
    """Give the entry's alert that still waits (pending or held) in the chat a corrected
    message; returns whether there was one. The chat never saw the first version."""
    changed = await tx.execute(
        "UPDATE deliveries SET payload = ? WHERE chat_id = ? AND entry_id = ? AND kind = 'alert'"
        " AND state IN ('pending', 'held')",
        (payloads.encode(message), chat_id, entry_id),
    )
    return changed > 0


async def sent_message(db: Reader, chat_id: int, entry_id: int) -> str | None:
    """The platform id of the message the entry became in the chat, if it was sent."""
    row = await db.fetch_one(
        "SELECT message_id FROM sent_messages WHERE chat_id = ? AND entry_id = ?",
        (chat_id, entry_id),
    )
    return None if row is None else str(row[0])


async def held(db: Reader, chat_id: int) -> list[Delivery]:
    """The chat's held deliveries (muted, or waiting for a digest), in sending order."""
    return await list_for_chat(db, chat_id, "held")


async def mark_digested(tx: Transaction, delivery_ids: Sequence[int]) -> None:
    """Held deliveries now carried by a digest: never sent on their own."""
    await tx.execute_many(
        "UPDATE deliveries SET state = 'digested' WHERE id = ? AND state = 'held'",
        [(delivery_id,) for delivery_id in delivery_ids],
    )


async def prune(tx: Transaction, *, done_before: datetime) -> None:
    """Forget deliveries finished (sent, failed, digested) before `done_before`."""
    await tx.execute(
        "DELETE FROM deliveries WHERE state IN ('sent', 'failed', 'digested')"
        " AND COALESCE(sent_at, created_at) < ?",
        (require_epoch(done_before),),
    )


def _delivery(row: Row) -> Delivery:
    return Delivery(
        id=row["id"],
        chat_id=row["chat_id"],
        story_id=row["story_id"],
        entry_id=row["entry_id"],
        kind=row["kind"],
        message=payloads.decode(row["payload"]),
        state=row["state"],
        sort_key=require_datetime(row["sort_key"]),
        attempts=row["attempts"],
        not_before=require_datetime(row["not_before"]),
        created_at=require_datetime(row["created_at"]),
        sent_at=from_epoch(row["sent_at"]),
        message_id=row["message_id"],
        error=row["error"],
    )
