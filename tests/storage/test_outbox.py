"""storage.outbox and storage.payloads: deliveries in order, their outcomes, messages as JSON."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.model import (
    Alert,
    Attachment,
    ChatRef,
    Digest,
    Embed,
    Entry,
    Folded,
    Notice,
    StoryRef,
)
from storage import Database, chats, entries, outbox, payloads, stories
from storage.outbox import NewDelivery

NOW = datetime(2024, 2, 3, 15, 0, tzinfo=UTC)
STORY = StoryRef("https://example.com/live", "Live")
ENTRY = Entry("k1", NOW, "Text", "Head", NOW + timedelta(minutes=1), "https://example.com/live#1")
PICTURED = Entry("k2", NOW, "Text", image="https://cdn.example.com/a.jpg",
                 embeds=(Embed("post", "https://bsky.app/profile/a/post/1", "Hi", "a"),))


@pytest.mark.parametrize("message", [
    Alert(STORY, ENTRY, "Head. Text", ("Iran", "red sea"), "Europe/Paris"),
    Alert(STORY, PICTURED, "Text"),
    Folded(STORY, (ENTRY, Entry("k0", None, "untimed")), "UTC"),
    Digest((Alert(STORY, ENTRY, "s"),), "UTC", "mute"),
    Notice("Subscribed", "https://example.com", ("extra line",)),
    Notice("This chat's 1 subscription", attachment=Attachment("a.opml", b"<opml>\x00\xff")),
])
def test_payloads_round_trip(message: object) -> None:
    """Every message kind comes back from its JSON equal to itself."""
    assert payloads.decode(payloads.encode(message)) == message  # type: ignore[arg-type]


def test_a_payload_from_before_media_reads_as_an_entry_without_them() -> None:
    """Deliveries queued by an older version still send after an upgrade."""
    old = ('{"type":"alert","story":{"url":"https://example.com/live","title":"Live"},'
           '"entry":{"key":"k1","published_at":null,"text":"Text","title":null,'
           '"updated_at":null,"url":null},"summary":"Text","matched":[],"timezone":"UTC"}')
    alert = payloads.decode(old)
    assert isinstance(alert, Alert) and alert.entry == Entry("k1", None, "Text")


def test_a_bad_payload_is_a_value_error() -> None:
    """Garbage is refused with ValueError."""
    with pytest.raises(ValueError):
        payloads.decode('{"type": "mystery"}')


async def _setup(db: Database) -> tuple[int, int, int]:
    async with db.write() as tx:
        story = await stories.add(tx, STORY.url, now=NOW, interval=60)
        chat = await chats.ensure(tx, ChatRef("console", "1"), now=NOW)
        entry_id = await entries.add(tx, story.id, ENTRY, now=NOW)
    return story.id, chat.id, entry_id


def _alert(text: str) -> Alert:
    return Alert(STORY, Entry(text, NOW, text), text)


async def test_pending_deliveries_come_out_by_sort_key_then_id(db: Database) -> None:
    """A chat's queue is ordered by publication time, then by insertion."""
    _, chat_id, _ = await _setup(db)
    async with db.write() as tx:
        await outbox.enqueue(tx, [
            NewDelivery(chat_id, "alert", _alert("late"), NOW + timedelta(minutes=5)),
            NewDelivery(chat_id, "alert", _alert("early-a"), NOW),
            NewDelivery(chat_id, "alert", _alert("early-b"), NOW),
            NewDelivery(chat_id, "alert", _alert("held"), NOW, state="held"),
        ], now=NOW)
    pending = await outbox.list_for_chat(db, chat_id, "pending")
    assert [d.message.summary for d in pending] == ["early-a", "early-b", "late"]  # type: ignore[union-attr]
    head = await outbox.next_pending(db, chat_id)
    assert head is not None and head.id == pending[0].id
    assert await outbox.chats_with_due(db, NOW) == [chat_id]


async def test_sent_alerts_remember_their_message_id(db: Database) -> None:
    """mark_sent records the platform id per (chat, entry) for later edits."""
    story_id, chat_id, entry_id = await _setup(db)
    async with db.write() as tx:
        await outbox.enqueue(tx, [NewDelivery(chat_id, "alert", _alert("a"), NOW, story_id,
                                              entry_id)], now=NOW)
    delivery = await outbox.next_pending(db, chat_id)
    assert delivery is not None
    async with db.write() as tx:
        await outbox.mark_sent(tx, delivery, message_id="m-7", now=NOW)
    assert await outbox.sent_message(db, chat_id, entry_id) == "m-7"
    [sent] = await outbox.list_for_chat(db, chat_id)
    assert (sent.state, sent.message_id, sent.attempts, sent.sent_at) == ("sent", "m-7", 1, NOW)
    assert await outbox.next_pending(db, chat_id) is None


async def test_a_postponed_delivery_is_not_due_until_its_time(db: Database) -> None:
    """retry_later sets not_before; chats_with_due skips the chat until then."""
    _, chat_id, _ = await _setup(db)
    async with db.write() as tx:
        await outbox.enqueue(tx, [NewDelivery(chat_id, "alert", _alert("a"), NOW)], now=NOW)
    delivery = await outbox.next_pending(db, chat_id)
    assert delivery is not None
    async with db.write() as tx:
        await outbox.retry_later(tx, delivery.id, not_before=NOW + timedelta(seconds=30),
                                 error="5xx", attempt=True)
    assert await outbox.chats_with_due(db, NOW) == []
    assert await outbox.chats_with_due(db, NOW + timedelta(seconds=30)) == [chat_id]
    again = await outbox.next_pending(db, chat_id)
    assert again is not None and (again.attempts, again.error) == (1, "5xx")


async def test_failing_a_delivery_and_a_gone_chat(db: Database) -> None:
    """mark_failed gives up on one; fail_pending on all of a chat's pending and held."""
    _, chat_id, _ = await _setup(db)
    async with db.write() as tx:
        await outbox.enqueue(tx, [NewDelivery(chat_id, "alert", _alert(t), NOW, state=s)
                                  for t, s in (("a", "pending"), ("b", "pending"), ("c", "held"))],
                             now=NOW)
    first = await outbox.next_pending(db, chat_id)
    assert first is not None
    async with db.write() as tx:
        await outbox.mark_failed(tx, first.id, error="bad entity")
        await outbox.fail_pending(tx, chat_id, error="chat gone")
    states = [(d.state, d.error) for d in await outbox.list_for_chat(db, chat_id)]
    assert states == [("failed", "bad entity"), ("failed", "chat gone"), ("failed", "chat gone")]
