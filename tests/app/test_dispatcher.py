"""bot.app.dispatcher: the outbox drained per chat, in order, by each messenger answer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app.dispatcher import Dispatcher, DispatchPolicy
from bot.core.errors import ChatGone, ChatMoved, RateLimited, Rejected, Transient
from bot.core.model import Alert, ChatRef, Entry, Notice, StoryRef
from bot.core.pacing import Limits, Rate
from bot.core.ports import Pace
from storage import Database, chats, entries, outbox, stories, subscriptions
from storage.outbox import NewDelivery
from tests.fakes.clock import FakeClock
from tests.fakes.messenger import RecordingMessenger

T0 = datetime(2024, 2, 3, 12, 0, tzinfo=UTC)
STORY = StoryRef("https://news.example/live", "Live")
POLICY = DispatchPolicy(retry_base=2, retry_max=60, max_attempts=3, concurrency=4)


@dataclass
class World:
    db: Database
    clock: FakeClock
    messenger: RecordingMessenger
    story_id: int
    dispatcher: Dispatcher

    async def chat(self, chat_id: str) -> int:
        async with self.db.write() as tx:
            chat = await chats.ensure(tx, ChatRef("telegram", chat_id), now=T0)
            await subscriptions.subscribe(tx, chat.id, self.story_id, now=T0)
        return chat.id

    async def queue(self, chat: int, *texts: str, minutes: int = 0, kind: str = "alert",
                    entry_id: int | None = None) -> None:
        async with self.db.write() as tx:
            await outbox.enqueue(tx, [
                NewDelivery(chat, kind, alert(text), T0 + timedelta(minutes=minutes), self.story_id,
                            entry_id)
                for text in texts
            ], now=T0)

    def sent(self, chat_id: str | None = None) -> list[str]:
        return [_text(m) for ref, m in self.messenger.sent if chat_id in (None, ref.chat_id)]

    async def states(self, chat: int) -> list[tuple[str, str | None]]:
        return [(d.state, d.error) for d in await outbox.list_for_chat(self.db, chat)]


def alert(text: str) -> Alert:
    return Alert(STORY, Entry(text, T0, text), text)


def _text(message: object) -> str:
    return message.summary if isinstance(message, Alert) else str(message)


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    clock = FakeClock(T0)
    messenger = RecordingMessenger()
    async with Database.open(tmp_path / "d.db") as db:
        async with db.write() as tx:
            story = await stories.add(tx, STORY.url, now=T0, interval=60)
        dispatcher = Dispatcher(db, {"telegram": messenger}, POLICY, clock)
        yield World(db, clock, messenger, story.id, dispatcher)


async def test_each_chat_gets_its_deliveries_in_order(world: World) -> None:
    """Sort key first, then insertion order; each marked sent with its message id."""
    a = await world.chat("A")
    await world.queue(a, "later", minutes=5)
    await world.queue(a, "first", "second")
    assert await world.dispatcher.drain() == 3
    assert world.sent("A") == ["first", "second", "later"]
    sent = await outbox.list_for_chat(world.db, a)
    assert [(d.state, d.message_id) for d in sent] == [("sent", "m1"), ("sent", "m2"),
                                                        ("sent", "m3")]


async def test_nothing_is_marked_sent_before_the_messenger_returned(world: World) -> None:
    """A transient failure leaves the delivery pending, backed off, and blocks the chat's order."""
    a = await world.chat("A")
    await world.queue(a, "one", "two")
    world.messenger.fail("A", Transient("502"))
    assert await world.dispatcher.drain() == 0
    [first, _] = await outbox.list_for_chat(world.db, a)
    assert (first.state, first.attempts, first.error) == ("pending", 1, "502")
    assert first.not_before == T0 + timedelta(seconds=2)
    assert await world.dispatcher.drain() == 0
    world.clock.now += timedelta(seconds=2)
    assert await world.dispatcher.drain() == 2
    assert world.sent() == ["one", "two"]


async def test_transient_failures_give_up_after_max_attempts(world: World) -> None:
    """A delivery that keeps failing is marked failed after max_attempts, and the next goes on."""
    a = await world.chat("A")
    await world.queue(a, "doomed", "fine")
    world.messenger.fail("A", Transient("x"), Transient("x"), Transient("x"))
    for _ in range(3):
        await world.dispatcher.drain()
        world.clock.now += timedelta(minutes=5)
    assert await world.states(a) == [("failed", "x"), ("sent", None)]


async def test_a_gone_chat_is_deactivated_and_its_pending_dropped(world: World) -> None:
    """ChatGone deactivates the chat's subscriptions and fails what it had pending."""
    a, b = await world.chat("A"), await world.chat("B")
    await world.queue(a, "a1", "a2")
    await world.queue(b, "b1")
    world.messenger.fail("A", ChatGone("bot was blocked"))
    await world.dispatcher.drain()
    assert world.sent() == ["b1"]
    assert await world.states(a) == [("failed", "chat gone: bot was blocked")] * 2
    assert [x.chat.id for x in await subscriptions.audience(world.db, world.story_id)] == [b]
    gone = await chats.get(world.db, a)
    assert gone is not None and not gone.active


async def test_a_moved_chat_takes_its_new_id_and_the_message_is_resent(world: World) -> None:
    """ChatMoved updates the chat's id and sends the same message there."""
    a = await world.chat("A")
    await world.queue(a, "hello")
    world.messenger.fail("A", ChatMoved("A2"))
    assert await world.dispatcher.drain() == 1
    assert [(ref.chat_id, _text(m)) for ref, m in world.messenger.sent] == [("A2", "hello")]
    moved = await chats.get(world.db, a)
    assert moved is not None and moved.ref.chat_id == "A2"


async def test_a_rate_limited_chat_waits_while_others_go_on(world: World) -> None:
    """RateLimited postpones that chat by retry_after without counting an attempt."""
    a, b = await world.chat("A"), await world.chat("B")
    await world.queue(a, "a1")
    await world.queue(b, "b1")
    world.messenger.fail("A", RateLimited(7))
    await world.dispatcher.drain()
    assert world.sent() == ["b1"]
    [waiting] = await outbox.list_for_chat(world.db, a)
    assert (waiting.state, waiting.attempts) == ("pending", 0)
    assert waiting.not_before == T0 + timedelta(seconds=7)
    world.clock.now += timedelta(seconds=7)
    await world.dispatcher.drain()
    assert world.sent("A") == ["a1"]


async def test_a_global_rate_limit_pauses_the_whole_platform(world: World) -> None:
    """A global RateLimited holds every chat of that platform until it passes."""
    a, b = await world.chat("A"), await world.chat("B")
    await world.queue(a, "a1")
    world.messenger.fail("A", RateLimited(5, scope_global=True))
    await world.dispatcher.drain()
    await world.queue(b, "b1")
    assert await world.dispatcher.drain() == 0
    world.clock.now += timedelta(seconds=5)
    assert await world.dispatcher.drain() == 2


async def test_a_rejected_delivery_fails_and_the_next_goes_on(world: World) -> None:
    """Rejected marks that one delivery failed with the reason; the chat is not blocked."""
    a = await world.chat("A")
    await world.queue(a, "bad", "good")
    world.messenger.fail("A", Rejected("can't parse entities"))
    assert await world.dispatcher.drain() == 1
    assert await world.states(a) == [("failed", "can't parse entities"), ("sent", None)]


async def test_a_slow_chat_does_not_hold_up_the_others(world: World) -> None:
    """While one chat's send hangs, another chat's delivery goes out."""
    a, b = await world.chat("A"), await world.chat("B")
    await world.queue(a, "slow")
    await world.queue(b, "fast")
    world.messenger.gates["A"] = asyncio.Event()
    drain = asyncio.create_task(world.dispatcher.drain())
    await asyncio.wait_for(world.messenger.changed.wait(), 5)
    assert world.sent() == ["fast"]
    world.messenger.gates["A"].set()
    assert await asyncio.wait_for(drain, 5) == 2


async def test_a_second_sender_cannot_send_what_the_first_has_on_the_wire(
        world: World) -> None:
    """Two senders drain one outbox: while the first's send hangs, the second finds the
    delivery claimed and sends nothing; each delivery goes out once."""
    a = await world.chat("A")
    await world.queue(a, "one", "two")
    world.messenger.gates["A"] = gate = asyncio.Event()
    first = asyncio.create_task(world.dispatcher.drain())
    await asyncio.wait_for(world.messenger.holding.wait(), 5)
    second = Dispatcher(world.db, {"telegram": world.messenger}, POLICY, world.clock)
    drained = asyncio.create_task(second.drain())
    await asyncio.wait({drained}, timeout=2)
    gate.set()
    assert await asyncio.wait_for(drained, 5) + await asyncio.wait_for(first, 5) == 2
    assert world.sent() == ["one", "two"]


async def test_an_edit_delivery_edits_the_sent_message(world: World) -> None:
    """An 'edit' delivery edits the message recorded for that chat and entry."""
    a = await world.chat("A")
    async with world.db.write() as tx:
        entry_id = await entries.add(tx, world.story_id, Entry("e", T0, "v1"), now=T0)
    await world.queue(a, "v1", entry_id=entry_id)
    await world.dispatcher.drain()
    await world.queue(a, "v2", kind="edit", entry_id=entry_id)
    await world.dispatcher.drain()
    assert [(ref.chat_id, mid, _text(m)) for ref, mid, m in world.messenger.edited] == [
        ("A", "m1", "v2")]


async def test_a_platform_without_a_messenger_keeps_its_deliveries(world: World) -> None:
    """Deliveries for a platform not running stay pending."""
    async with world.db.write() as tx:
        chat = await chats.ensure(tx, ChatRef("discord", "D"), now=T0)
        await outbox.enqueue(tx, [NewDelivery(chat.id, "notice", Notice("hi"), T0)], now=T0)
    assert await world.dispatcher.drain() == 0
    assert await world.states(chat.id) == [("pending", None)]


class TimedMessenger(RecordingMessenger):
    """Records when each send arrived, by the loop's clock."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []

    async def send(self, chat: ChatRef, message: object,  # type: ignore[override]
                   *, pace: Pace | None = None, key: str | None = None) -> str:
        self.times.append(asyncio.get_running_loop().time())
        return await super().send(chat, message, pace=pace)  # type: ignore[arg-type]


async def test_sends_are_paced_overall_without_serialising_chats(tmp_path: Path) -> None:
    """40 chats at 100 a second overall: spaced 10 ms apart, all in about 0.4 s, not 40 turns."""
    messenger = TimedMessenger()
    policy = DispatchPolicy(concurrency=8, pacing={"telegram": Limits(overall=Rate(100),
                                                                      chat=Rate(1))})
    async with Database.open(tmp_path / "d.db") as db:
        async with db.write() as tx:
            story = await stories.add(tx, STORY.url, now=T0, interval=60)
            for n in range(40):
                chat = await chats.ensure(tx, ChatRef("telegram", str(n)), now=T0)
                await outbox.enqueue(tx, [NewDelivery(chat.id, "alert", alert(f"a{n}"), T0,
                                                      story.id)], now=T0)
        dispatcher = Dispatcher(db, {"telegram": messenger}, policy, lambda: datetime.now(UTC))
        assert await dispatcher.drain() == 40
    times = messenger.times
    # Slots are 10 ms apart; a late wake-up may bunch two, but never more than the rate allows.
    assert 0.37 < times[-1] - times[0] < 1.0
    assert all(times[n + 10] - times[n] > 0.08 for n in range(len(times) - 10))


async def test_a_group_over_its_limit_is_put_off_not_waited_for(tmp_path: Path) -> None:
    """A group's second alert within its limit's spacing is deferred in the outbox; the
    worker moves on and the drain ends."""
    messenger = RecordingMessenger()
    limits = Limits(overall=Rate(1000), group=Rate(6 / 60))  # one every 10 s
    policy = DispatchPolicy(linger=0.5, pacing={"telegram": limits})
    async with Database.open(tmp_path / "d.db") as db:
        async with db.write() as tx:
            story = await stories.add(tx, STORY.url, now=T0, interval=60)
            group = await chats.ensure(tx, ChatRef("telegram", "-100"), now=T0, kind="group")
            await outbox.enqueue(tx, [NewDelivery(group.id, "alert", alert(text), T0, story.id)
                                      for text in ("g1", "g2")], now=T0)
        now = datetime.now(UTC)
        dispatcher = Dispatcher(db, {"telegram": messenger}, policy, lambda: now)
        assert await dispatcher.drain() == 1
        waiting = await outbox.list_for_chat(db, group.id, "pending")
    assert [_text(m) for _, m in messenger.sent] == ["g1"]
    assert len(waiting) == 1 and waiting[0].attempts == 0 and waiting[0].error is None
    assert timedelta(seconds=9) < waiting[0].not_before - now <= timedelta(seconds=10)
