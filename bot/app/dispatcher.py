"""Drain the outbox (docs/BEHAVIOUR.md): per chat, in order, by the messenger's answer,
as fast as each platform allows and no faster.

A pool of at most `concurrency` workers serves the chats with due work,
longest waiting first, one chat per worker at a time, so one slow or failing
chat never holds up the others. Before each send a worker books a slot from its
platform's `Pacer` (bot.pacing) and waits for it (a message that goes as several,
a long digest, books one for each part); when the chat's own limit
(one a second, twenty a minute per group) is further away than `linger`, the
delivery is put off in the outbox and the worker moves on to another chat. A
delivery is claimed in the outbox before it goes on the wire (one read stale, or
one another sender holds, is not sent), and marked sent only after its messenger
returned. What a `DeliveryError` means is decided here, once for every platform:

    ChatGone     the chat's subscriptions are deactivated, its pending work dropped
    ChatMoved    the chat takes its new id and the message is sent again there
    RateLimited  the chat (or the whole platform) waits as told; others go on
    Transient    whom it points at decides (bot.core.outage): while other chats' sends
                 succeed, tried again later with exponential back-off; when sends to
                 several chats fail together, the platform is down: every chat waits,
                 counting no attempt, while one probe at a time asks whether it is back,
                 and all go on at once when it is
    Rejected     this delivery failed with the reason; the chat's next one goes on

A send that gets no answer within `send_timeout` is a Transient failure: a hanging
call holds its own chat that long, and no other.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import deque
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.app.leases import Lease, process_owner
from bot.app.telemetry import SILENT, DeliveryEvents
from bot.core.cadence import failure_delay
from bot.core.errors import ChatGone, ChatMoved, DeliveryError, RateLimited, Rejected, Transient
from bot.core.outage import Blame, Outage
from bot.core.pacing import Limits, Pacer
from bot.core.ports import Messenger
from bot.edges.config import Config
from bot.platforms import CHAT_PLATFORMS
from storage import Database, census, chats, outbox, subscriptions
from storage.chats import Chat
from storage.outbox import Delivery

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
MAX_MOVES = 3
"""A chat that keeps moving is not followed further in one pass."""
SCAN = 1000
"""How many due chats one look at the outbox queues, besides those already being served."""
SEND_CLAIM = 300.0
"""Seconds a delivery stays claimed by its sender without a lease of chats (one process on
SQLite, which takes back its claims when it starts): longer than any send takes."""


@dataclass(frozen=True, slots=True)
class DispatchPolicy:
    """How the dispatcher retries, how many chats it serves at once, and each platform's limits.

    `linger`: the longest a worker waits for a chat's own limit before putting the
    delivery off; `rescan`: how often a drain looks for chats that became due;
    `stop_grace`: how long a stop waits for sends already on the wire to be answered;
    `send_timeout`: how long one send may go unanswered before it counts as failed;
    `outage_after`: how many chats' sends failing together, with no success between,
    mean the platform is down; `probe_max`: the longest wait between two probes of a
    platform that is down (the first waits `retry_base`, or `probe_max` when less).
    """

    retry_base: float = 2.0
    retry_max: float = 300.0
    max_attempts: int = 1000
    concurrency: int = 32
    linger: float = 1.0
    rescan: float = 1.0
    # A healthy platform answers in well under a second; a silent one must not hold a
    # SIGTERM past the 5 s an operator (or systemd's stop) expects, with the other stops.
    stop_grace: float = 2.0
    send_timeout: float = 15.0
    outage_after: int = 3
    # One request every 2 s costs a platform that is down nothing, and an outage's end is
    # seen within 2 s: every chat's alerts wait that much less.
    probe_max: float = 2.0
    pacing: Mapping[str, Limits] = field(default_factory=dict)
    shared_kinds: Mapping[str, frozenset[str]] = field(default_factory=lambda: {
        platform.name: platform.shared_kinds for platform in CHAT_PLATFORMS})
    """Per platform, the chat kinds its per-group limit applies to (groups, channels)."""

    @classmethod
    def from_config(cls, config: Config) -> DispatchPolicy:
        """The policy of a loaded configuration: each platform's limits as it configures them."""
        delivery = config.delivery
        sections = [(platform, getattr(config, platform.name)) for platform in CHAT_PLATFORMS]
        return cls(delivery.retry_base, delivery.retry_max, delivery.max_attempts,
                   rescan=config.schedule.tick, send_timeout=delivery.send_timeout,
                   pacing={platform.name: platform.limits(section)
                           for platform, section in sections})


class Dispatcher:
    """Sends pending deliveries through the messenger of each chat's platform."""

    def __init__(self, db: Database, messengers: Mapping[str, Messenger],
                 policy: DispatchPolicy, clock: Clock, claim: Lease | None = None,
                 events: DeliveryEvents = SILENT) -> None:
        """`claim`: with many senders on one database, the chats served are claimed first.
        `events` hears of every send's outcome (metrics, readiness)."""
        self._db = db
        self._claim = claim
        self._owner = claim.owner if claim is not None else process_owner()
        self._messengers = dict(messengers)
        self._policy = policy
        self._clock = clock
        self._pacers = {name: Pacer(policy.pacing.get(name, Limits())) for name in messengers}
        probe_base = min(policy.retry_base, policy.probe_max)
        self._outages = {name: Outage(after=policy.outage_after, probe_base=probe_base,
                                      probe_max=policy.probe_max) for name in messengers}
        self._down_chats: dict[str, set[int]] = {name: set() for name in messengers}
        self._queue: deque[int] = deque()
        self._busy: set[int] = set()  # chats queued or being served
        # Chats that cannot go on before a moment (a timestamp; inf: the next drain).
        self._resting: dict[int, float] = {}
        self._workers: set[asyncio.Task[None]] = set()
        self._sent = 0
        self._events = events

    async def drain(self) -> int:
        """Send every delivery that is due, until none is left that can go now; returns how
        many were sent. Chats that become due meanwhile are served in the same drain.

        Cancelled (a stop), it cancels the workers and waits for them: a send already on
        the wire gets `stop_grace` seconds to be answered, and one the platform took is
        recorded before the database closes, so a restart does not send it again.
        """
        sent_before = self._sent
        self._resting.clear()
        for waiting in self._down_chats.values():
            waiting.clear()
        try:
            while await self._queue_due() or self._workers:
                await asyncio.wait(self._workers, timeout=self._policy.rescan)
        finally:
            for worker in self._workers:
                worker.cancel()
            await asyncio.gather(*self._workers, return_exceptions=True)
        return self._sent - sent_before

    async def _queue_due(self) -> int:
        """Queue the chats that became due and start workers for them; returns how many."""
        now = self._clock().timestamp()
        for chat_id in [chat_id for chat_id, until in self._resting.items() if until <= now]:
            del self._resting[chat_id]  # its wait (a flood wait, a probe's turn) is over
        skip = self._busy | self._resting.keys()
        due = await self._chats_with_due(limit=SCAN + len(skip))
        fresh = [chat_id for chat_id in due if chat_id not in skip]
        self._queue.extend(fresh)
        self._busy.update(fresh)
        while self._queue and len(self._workers) < self._policy.concurrency:
            worker = asyncio.create_task(self._work())
            self._workers.add(worker)
            worker.add_done_callback(self._workers.discard)
        return len(fresh)

    async def _chats_with_due(self, limit: int) -> list[int]:
        now = self._clock()
        if self._claim is None:
            return await outbox.chats_with_due(self._db, now, limit=limit)
        until = now + timedelta(seconds=self._claim.seconds)
        async with self._db.write() as tx:
            return await outbox.claim_chats_with_due(tx, now, owner=self._claim.owner,
                                                     until=until, limit=limit)

    async def _work(self) -> None:
        while self._queue:
            chat_id = self._queue.popleft()
            try:
                await self._send_due(chat_id)
            except Exception:
                # A job boundary: one chat's unexpected failure must not stop the others.
                log.exception("dispatching to chat %s failed", chat_id,
                              extra={"event": "dispatch_crashed", "chat_id": chat_id})
            finally:
                self._busy.discard(chat_id)

    async def _send_due(self, chat_id: int) -> None:
        """Send the chat's due deliveries in order until one must wait."""
        moves = 0
        while (delivery := await outbox.next_pending(self._db, chat_id)) is not None:
            chat = await chats.get(self._db, chat_id)
            if chat is None or delivery.not_before > self._clock():
                return
            messenger = self._messengers.get(chat.ref.platform)
            if messenger is None:
                self._resting[chat_id] = math.inf  # that platform is not running
                return
            if not self._may_send(chat):
                return
            # Claimed before its slot is booked: the send goes at its slot, not after a write.
            if not await self._claimed(delivery):
                # Sent, put off or taken by another sender since it was read: the outbox
                # decides, and a later rescan looks again.
                self._outages[chat.ref.platform].abandon_probe()
                self._resting[chat_id] = self._clock().timestamp() + self._policy.rescan
                return
            if not await self._take_slot(chat, delivery):
                self._outages[chat.ref.platform].abandon_probe()
                return
            try:
                await _settled(self._send_and_record(messenger, chat, delivery),
                               grace=self._policy.stop_grace)
            except ChatMoved as error:
                moves += 1
                if not await self._moved(chat, delivery, error, moves):
                    return
                continue
            except DeliveryError as error:
                if not await self._failed(chat, delivery, error):
                    return
                continue
            self._sent += 1
            self._events.sent(chat.ref.platform, delivery.kind)
            await self._answered(chat.ref.platform)

    def _may_send(self, chat: Chat) -> bool:
        """Whether the chat may send now as far as its platform goes: not while a flood wait
        holds the whole platform, and while it is down only as the probe. A chat that may
        not rests until the platform is back (or the next drain)."""
        platform = chat.ref.platform
        now = self._clock().timestamp()
        pacer, outage = self._pacers[platform], self._outages[platform]
        if pacer.paused(now):
            self._resting[chat.id] = pacer.paused_until
            return False
        if outage.may_send(now):
            return True
        self._wait_for_platform(chat)
        return False

    def _wait_for_platform(self, chat: Chat) -> None:
        """Rest the chat while its platform is down: until the next probe's turn (it may be
        the probe; while one is out, a rescan later), or until a probe succeeds."""
        again = self._clock().timestamp() + self._policy.rescan
        self._resting[chat.id] = max(self._outages[chat.ref.platform].probe_at, again)
        self._down_chats[chat.ref.platform].add(chat.id)

    async def _answered(self, platform: str) -> None:
        """A send to `platform` succeeded: an outage it was in is over, and every chat that
        waited for it goes on at once."""
        ended = self._outages[platform].succeeded(self._clock().timestamp())
        if ended is None:
            return
        for chat_id in self._down_chats[platform]:
            self._resting.pop(chat_id, None)
        self._down_chats[platform].clear()
        queues = (await census.take(self._db, self._clock())).queues
        waiting = sum(queue.pending for queue in queues if queue.platform == platform)
        log.warning("%s is back after %.1f s down; %d deliveries waiting go out now",
                    platform, ended.seconds, waiting,
                    extra={"event": "outage_ended", "platform": platform,
                           "seconds": round(ended.seconds, 1), "waiting": waiting})
        self._events.outage_ended(platform, ended.seconds)

    async def _take_slot(self, chat: Chat, delivery: Delivery) -> bool:
        """Wait for the chat's turn within its platform's limits; returns whether to send now.

        A chat whose own limit is further away than `linger` has the delivery put off
        instead, so no worker sits out a group's three seconds. Called only while the
        platform is not paused (`_may_send`): a worker never sleeps through a flood wait.
        """
        pacer = self._pacers[chat.ref.platform]
        key, group = chat.ref.chat_id, self._is_group(chat)
        now = self._clock()
        wait = pacer.wait(key, group=group, now=now.timestamp())
        if wait > self._policy.linger:
            async with self._db.write() as tx:
                await outbox.defer(tx, delivery.id, not_before=now + timedelta(seconds=wait))
            return False
        await self._book(chat, now.timestamp())
        if pacer.paused(self._clock().timestamp()):
            # The platform asked everyone to wait meanwhile: try when that is over.
            self._resting[chat.id] = pacer.paused_until
            return False
        return True

    async def _claimed(self, delivery: Delivery) -> bool:
        """Claim the delivery for this sender before it goes on the wire; returns whether
        it is ours to send."""
        now = self._clock()
        seconds = self._claim.seconds if self._claim is not None else SEND_CLAIM
        async with self._db.write() as tx:
            return await outbox.claim(tx, delivery, owner=self._owner, now=now,
                                      until=now + timedelta(seconds=seconds))

    async def _book(self, chat: Chat, now: float) -> None:
        """Book the chat's next slot within its platform's limits and wait for it."""
        at = self._pacers[chat.ref.platform].reserve(chat.ref.chat_id,
                                                     group=self._is_group(chat), now=now)
        if at > now:
            await asyncio.sleep(at - now)

    def _is_group(self, chat: Chat) -> bool:
        """Whether the per-group limit applies: the chat is shared (a group or a channel)."""
        return chat.kind in self._policy.shared_kinds.get(chat.ref.platform, frozenset())

    async def _send_and_record(self, messenger: Messenger, chat: Chat, delivery: Delivery
                               ) -> None:
        """Send the delivery, then record it sent. Raises DeliveryError."""
        message_id = await self._send(messenger, chat, delivery)
        await _even_if_cancelled(self._mark_sent(delivery, message_id))

    async def _mark_sent(self, delivery: Delivery, message_id: str) -> None:
        async with self._db.write() as tx:
            await outbox.mark_sent(tx, delivery, message_id=message_id, now=self._clock())

    async def _send(self, messenger: Messenger, chat: Chat, delivery: Delivery) -> str:
        """Send (or, for an edit, edit) the delivery's message; returns the platform message id.
        Raises Transient when the platform does not answer within `send_timeout`."""
        try:
            async with asyncio.timeout(self._policy.send_timeout):
                return await self._send_now(messenger, chat, delivery)
        except TimeoutError:
            raise Transient(f"no answer within {self._policy.send_timeout:g} s") from None

    async def _send_now(self, messenger: Messenger, chat: Chat, delivery: Delivery) -> str:
        if delivery.kind != "edit" or delivery.entry_id is None:
            # A long digest's later parts each book a slot of their own, as Telegram counts them.
            return await messenger.send(chat.ref, delivery.message,
                                        pace=lambda: self._book(chat, self._clock().timestamp()),
                                        key=str(delivery.id))
        message_id = await outbox.sent_message(self._db, chat.id, delivery.entry_id)
        if message_id is None:
            raise Rejected("no sent message to edit")
        await messenger.edit(chat.ref, message_id, delivery.message)
        return message_id

    async def _moved(self, chat: Chat, delivery: Delivery, error: ChatMoved, moves: int) -> bool:
        """Move the chat to its new id; returns whether to send again there."""
        if moves > MAX_MOVES:
            return await self._failed(chat, delivery, Transient(str(error)))
        async with self._db.write() as tx:
            await chats.move(tx, chat.id, error.new_chat_id)
        return True

    async def _failed(self, chat: Chat, delivery: Delivery, error: DeliveryError) -> bool:
        """Record a delivery's failure; returns whether the chat's next delivery may go now."""
        now = self._clock()
        reason = str(error) or type(error).__name__
        platform = chat.ref.platform
        if isinstance(error, Transient):
            return await self._unanswered(chat, delivery, error, reason)
        await self._answered(platform)  # a refusal or a flood wait is an answer too
        self._log_failure(chat, delivery, reason, logging.INFO)
        async with self._db.write() as tx:
            if isinstance(error, ChatGone):
                await chats.set_active(tx, chat.id, False)
                await subscriptions.deactivate_chat(tx, chat.id)
                await outbox.fail_pending(tx, chat.id, error=f"chat gone: {reason}")
                self._events.send_failed(platform, error, final=True)
                return False
            if isinstance(error, RateLimited):
                self._events.send_failed(platform, error, final=False)
                until = now + timedelta(seconds=error.retry_after)
                scope = None if error.scope_global else chat.ref.chat_id
                self._pacers[chat.ref.platform].hold(scope, until.timestamp())
                await outbox.retry_later(tx, delivery.id, not_before=until, error=reason,
                                         attempt=False)
                return False
            await outbox.mark_failed(tx, delivery.id, error=reason)
            self._events.send_failed(platform, error, final=True)
            return True

    async def _unanswered(self, chat: Chat, delivery: Delivery, error: Transient, reason: str
                          ) -> bool:
        """A send got no answer, or a 5xx: blamed on the chat it went to while other chats'
        sends succeed (an attempt, with back-off), on the platform when many fail together
        (no attempt; the chat waits for the platform). Returns False: the chat stops here."""
        now = self._clock()
        platform = chat.ref.platform
        outage = self._outages[platform]
        blame = outage.failed(chat.ref.chat_id, now.timestamp(), reason)
        self._report_outage(platform)
        final = blame is Blame.CHAT and delivery.attempts + 1 >= self._policy.max_attempts
        self._log_failure(chat, delivery, reason,
                          logging.INFO if blame is Blame.CHAT else logging.DEBUG)
        self._events.send_failed(platform, error, final=final)
        async with self._db.write() as tx:
            if final:
                await outbox.mark_failed(tx, delivery.id, error=reason)
                return True
            if blame is Blame.CHAT:
                delay = failure_delay(delivery.attempts + 1, base=self._policy.retry_base,
                                      maximum=self._policy.retry_max)
                await outbox.retry_later(tx, delivery.id, error=reason, attempt=True,
                                         not_before=now + timedelta(seconds=delay))
                return False
            # Unsure: soon again, counting nothing; down: as soon as the platform answers.
            soon = timedelta(seconds=self._policy.retry_base if blame is Blame.UNSURE else 0)
            await outbox.retry_later(tx, delivery.id, not_before=now + soon, error=reason,
                                     attempt=False)
        if blame is Blame.PLATFORM:
            self._wait_for_platform(chat)
        return False

    def _report_outage(self, platform: str) -> None:
        """Log and count an outage the last failure began: once, when it begins."""
        outage = self._outages[platform]
        began, outage.began = outage.began, None
        if began is None:
            return
        since = datetime.fromtimestamp(began.since, UTC)
        log.warning("%s is down: sends to %d chats failed since %s UTC (%s); alerts wait "
                    "and go out in order when it answers", platform, began.chats,
                    since.strftime("%H:%M:%S"), began.reason,
                    extra={"event": "outage_began", "platform": platform,
                           "since": since.isoformat(), "reason": began.reason})
        self._events.outage_began(platform)

    @staticmethod
    def _log_failure(chat: Chat, delivery: Delivery, reason: str, level: int) -> None:
        log.log(level, "delivery %s to chat %s failed: %s", delivery.id, chat.id, reason,
                extra={"event": "send_failed", "chat_id": chat.id,
                       "story_id": delivery.story_id, "platform": chat.ref.platform})


async def _settled(coroutine: Coroutine[Any, Any, None], *, grace: float) -> None:
    """Run `coroutine`; when the caller is cancelled meanwhile (a stop), give it `grace`
    seconds more to end before cancelling it, then pass the cancel on.

    A send on the wire when the bot is told to stop has most likely reached the platform:
    cut off, it would be left pending and sent again after the restart, a duplicate.
    """
    task = asyncio.ensure_future(coroutine)
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        await asyncio.wait({task}, timeout=grace)
        task.cancel()  # no-op when it ended; otherwise the platform took too long
        await asyncio.gather(task, return_exceptions=True)
        raise


async def _even_if_cancelled(coroutine: Coroutine[Any, Any, None]) -> None:
    """Finish `coroutine` even when the caller is cancelled meanwhile, then pass the cancel on.

    Once a platform has a message, a stop (SIGTERM) must not lose the record of
    it: a delivery left pending would be sent again after the restart.
    """
    task = asyncio.ensure_future(coroutine)
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        await task
        raise
