"""storage.outbox claims: a delivery is claimed in a write transaction before it
goes on the wire, and only while it is still pending and due; a stale read, a second worker
or a second sender cannot claim it again."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.core.model import Alert, ChatRef, Entry, StoryRef
from storage import Database, chats, outbox
from storage.outbox import Delivery, NewDelivery

NOW = datetime(2024, 2, 3, 15, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=5)
STORY = StoryRef("https://example.com/live", "Live")


async def _pending(db: Database, count: int = 1) -> list[Delivery]:
    async with db.write() as tx:
        chat = await chats.ensure(tx, ChatRef("console", "1"), now=NOW)
        await outbox.enqueue(tx, [
            NewDelivery(chat.id, "alert", Alert(STORY, Entry(f"k{n}", NOW, f"t{n}"), f"t{n}"),
                        NOW) for n in range(count)], now=NOW)
    return await outbox.list_for_chat(db, chat.id, "pending")


async def _claim(db: Database, delivery: Delivery, owner: str, now: datetime = NOW) -> bool:
    async with db.write() as tx:
        return await outbox.claim(tx, delivery, owner=owner, now=now, until=LATER)


async def test_a_claimed_delivery_is_not_another_senders(db: Database) -> None:
    """One sender claims it; another cannot until the claim runs out (its sender died);
    the holder may claim it again (a send again after its chat moved)."""
    [delivery] = await _pending(db)
    assert await _claim(db, delivery, "a")
    assert not await _claim(db, delivery, "b")
    assert await _claim(db, delivery, "a")
    assert await _claim(db, delivery, "b", now=LATER + timedelta(seconds=1))


async def test_a_stale_read_cannot_claim_what_was_sent_or_put_off(db: Database) -> None:
    """The delivery as read before it was sent, failed or put off is not claimed again,
    not even by the sender that read it."""
    first, second, third = await _pending(db, 3)
    for delivery in (first, second, third):
        assert await _claim(db, delivery, "a")
    async with db.write() as tx:
        await outbox.mark_sent(tx, first, message_id="m1", now=NOW)
        await outbox.mark_failed(tx, second.id, error="rejected")
        await outbox.retry_later(tx, third.id, not_before=LATER, error="502", attempt=True)
    for stale in (first, second, third):
        assert not await _claim(db, stale, "a")
    assert await _claim(db, third, "b", now=LATER)  # its new time came: free to anyone


async def test_a_restart_takes_back_its_claims_at_once(db: Database) -> None:
    """A claim left by a process killed mid-send is released when the one process of a
    SQLite file starts again; what was sent stays sent."""
    first, second = await _pending(db, 2)
    assert await _claim(db, first, "dead")
    assert await _claim(db, second, "dead")
    async with db.write() as tx:
        await outbox.mark_sent(tx, first, message_id="m1", now=NOW)
        await outbox.release_claims(tx)
    assert not await _claim(db, first, "restarted")
    assert await _claim(db, second, "restarted")


async def test_senders_racing_for_deliveries_claim_each_once(db: Database) -> None:
    """Eight senders at once try to claim each of 100 deliveries: each is claimed by one."""
    deliveries = await _pending(db, 100)

    async def sender(owner: str) -> list[int]:
        return [delivery.id for delivery in deliveries if await _claim(db, delivery, owner)]

    won = await asyncio.gather(*(sender(f"sender-{n}") for n in range(8)))
    claimed = [delivery_id for ids in won for delivery_id in ids]
    assert sorted(claimed) == sorted(delivery.id for delivery in deliveries)
