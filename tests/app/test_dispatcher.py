"""bot.app.dispatcher: the outbox drained per chat, in order, by each messenger answer."""

from __future__ import annotations

import asyncio
import logging
import re
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


async def test_no_worker_sleeps_through_a_platform_wide_flood_wait(world: World) -> None:
    """An hour-long global 429: every other chat rests at once (the drain ends in well under a
    second of real time) instead of a worker sleeping on a send slot until the hour is over."""
    first = await world.chat("A")
    await world.queue(first, "a1")
    world.messenger.fail("A", RateLimited(3600, scope_global=True))
    await world.dispatcher.drain()
    others = [await world.chat(name) for name in "BCDEFG"]
    for chat in others:
        await world.queue(chat, "x")
    async with asyncio.timeout(1):
        assert await world.dispatcher.drain() == 0
    world.clock.now += timedelta(seconds=3600)
    async with asyncio.timeout(1):
        assert await world.dispatcher.drain() == 7


async def queue_many(world: World, names: str, per_chat: int = 2) -> list[int]:
    ids = [await world.chat(name) for name in names]
    for chat, name in zip(ids, names, strict=True):
        await world.queue(chat, *(f"{name}{n}" for n in range(per_chat)))
    return ids


async def test_an_outage_holds_every_chat_without_counting_attempts(world: World) -> None:
    """Sends to many chats failing together are the platform's fault: no delivery counts an
    attempt or backs off, and while it is down one probe at a time asks whether it is back."""
    ids = await queue_many(world, "ABCDEF")
    world.messenger.down = Transient("502 Bad Gateway")
    await world.dispatcher.drain()
    refused = world.messenger.refused
    for _ in range(5):  # every drain within the probe's spacing sends nothing
        assert await world.dispatcher.drain() == 0
    assert world.messenger.refused == refused
    world.clock.now += timedelta(seconds=POLICY.retry_base)
    await world.dispatcher.drain()
    assert world.messenger.refused == refused + 1  # the probe, alone
    pending = [d for chat in ids for d in await outbox.list_for_chat(world.db, chat)]
    assert all(d.state == "pending" and d.not_before <= world.clock.now for d in pending)
    # Only a failure before the outage was called, when just one chat had failed, counted.
    assert sum(d.attempts for d in pending) <= 1


class Outages:
    """Hears the dispatcher's outage events (the rest of `DeliveryEvents` is dropped)."""

    def __init__(self) -> None:
        self.heard: list[tuple[str, str, float]] = []

    def sent(self, platform: str, kind: str) -> None:
        """Dropped."""

    def send_failed(self, platform: str, error: object, *, final: bool) -> None:
        """Dropped."""

    def outage_began(self, platform: str) -> None:
        self.heard.append(("began", platform, 0.0))

    def outage_ended(self, platform: str, seconds: float) -> None:
        self.heard.append(("ended", platform, seconds))


async def test_when_the_platform_answers_every_chat_goes_on_at_once_in_order(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """The first probe that succeeds ends the outage: every chat's deliveries go out in the
    same drain, in order, with no back-off left to wait out. The outage logs one warning
    as it begins and one line as it ends, and is counted with its length."""
    events = Outages()
    world.dispatcher = Dispatcher(world.db, {"telegram": world.messenger}, POLICY, world.clock,
                                  events=events)  # type: ignore[arg-type]
    ids = await queue_many(world, "ABCDEF", per_chat=3)
    world.messenger.down = Transient("connection refused")
    for _ in range(6):  # a long outage: the probes back off
        await world.dispatcher.drain()
        world.clock.now += timedelta(seconds=POLICY.probe_max)
    world.messenger.down = None
    assert await world.dispatcher.drain() == 18
    down = 6 * POLICY.probe_max
    assert events.heard == [("began", "telegram", 0.0), ("ended", "telegram", down)]
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 2 and not any(r.exc_info for r in caplog.records)
    assert "telegram is down: sends to 3 chats failed since 12:00:00 UTC" in warnings[0]
    assert re.search(rf"telegram is back after {down:.1f} s down; 1[5-7] deliveries waiting",
                     warnings[1])  # all but those the probe and sends in flight took
    for name in "ABCDEF":
        assert world.sent(name) == [f"{name}{n}" for n in range(3)]
    for chat in ids:
        assert {d.state for d in await outbox.list_for_chat(world.db, chat)} == {"sent"}


async def test_a_failure_while_other_chats_succeed_is_the_chats_own(world: World) -> None:
    """One chat's 5xx while the others' sends go through: that delivery counts an attempt
    and backs off, and the platform is not held to be down."""
    ids = await queue_many(world, "ABCD", per_chat=1)
    world.messenger.fail("A", Transient("502"), Transient("502"))
    assert await world.dispatcher.drain() == 3
    world.clock.now += timedelta(seconds=2)
    assert await world.dispatcher.drain() == 0  # backed off again, 4 s this time
    [failing] = await outbox.list_for_chat(world.db, ids[0])
    assert (failing.state, failing.attempts) == ("pending", 2)
    assert failing.not_before == world.clock.now + timedelta(seconds=4)


async def test_a_hanging_send_holds_only_its_chat_until_the_send_timeout(
    tmp_path: Path
) -> None:
    """A send that never answers fails after `send_timeout` (a Transient, retried later), and
    the other chats' deliveries go out meanwhile."""
    messenger = RecordingMessenger()
    messenger.gates["A"] = asyncio.Event()  # never set: A's send hangs
    policy = DispatchPolicy(send_timeout=0.3, concurrency=4)
    async with Database.open(tmp_path / "d.db") as db:
        async with db.write() as tx:
            story = await stories.add(tx, STORY.url, now=T0, interval=60)
            ids = []
            for name in "AB":
                chat = await chats.ensure(tx, ChatRef("telegram", name), now=T0)
                ids.append(chat.id)
                await outbox.enqueue(tx, [NewDelivery(chat.id, "alert", alert(name), T0,
                                                      story.id)], now=T0)
        dispatcher = Dispatcher(db, {"telegram": messenger}, policy, lambda: T0)
        async with asyncio.timeout(3):
            assert await dispatcher.drain() == 1
        [hung] = await outbox.list_for_chat(db, ids[0])
    assert [_text(m) for _, m in messenger.sent] == ["B"]
    assert (hung.state, hung.error) == ("pending", "no answer within 0.3 s")


async def test_a_global_flood_wait_holds_chats_only_until_it_ends(world: World) -> None:
    """While another chat's send keeps the drain going, a chat held by a global 429 goes on
    as soon as the wait is over, not at some later drain."""
    world.dispatcher = Dispatcher(world.db, {"telegram": world.messenger},
                                  DispatchPolicy(rescan=0.05, concurrency=2), world.clock)
    a, b, c = await world.chat("A"), await world.chat("B"), await world.chat("C")
    for chat, text in ((a, "a1"), (b, "b1"), (c, "c1")):
        await world.queue(chat, text)
    world.messenger.fail("A", RateLimited(5, scope_global=True))
    world.messenger.gates["B"] = asyncio.Event()  # B's send hangs: the drain goes on
    # Two workers: A's fails and holds the platform; that worker then finds C held.
    drain = asyncio.create_task(world.dispatcher.drain())
    async with asyncio.timeout(5):
        while world.messenger.errors["A"]:  # noqa: ASYNC110 (the fake has no event for it)
            await asyncio.sleep(0.01)
    world.clock.now += timedelta(seconds=5)
    async with asyncio.timeout(5):
        while len(world.sent()) < 2:
            world.messenger.changed.clear()
            await world.messenger.changed.wait()
    assert sorted(world.sent()) == ["a1", "c1"]
    world.messenger.gates["B"].set()
    assert await asyncio.wait_for(drain, 5) == 3
