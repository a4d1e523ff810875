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
    Transient    tried again later with exponential back-off
    Rejected     this delivery failed with the reason; the chat's next one goes on
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.app.leases import Lease, process_owner
from bot.app.telemetry import SILENT, DeliveryEvents
from bot.core.cadence import failure_delay
from bot.core.errors import ChatGone, ChatMoved, DeliveryError, RateLimited, Rejected, Transient
from bot.core.pacing import Limits, Pacer
from bot.core.ports import Messenger
from bot.edges.config import Config
from bot.platforms import CHAT_PLATFORMS
from storage import Database, chats, outbox, subscriptions
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
    `stop_grace`: how long a stop waits for sends already on the wire to be answered.
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
                   rescan=config.schedule.tick,
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
        self._queue: deque[int] = deque()
        self._busy: set[int] = set()  # chats queued or being served
        self._resting: set[int] = set()  # chats that cannot go on before the next drain
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
        skip = self._busy | self._resting
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
                self._resting.add(chat_id)  # that platform is not running
                return
            # Claimed before its slot is booked: the send goes at its slot, not after a write.
            if not await self._claimed(delivery):
                # Sent, put off or taken by another sender since it was read: the outbox
                # decides, and the next drain looks again.
                self._resting.add(chat_id)
                return
            if not await self._take_slot(chat, delivery):
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

    async def _take_slot(self, chat: Chat, delivery: Delivery) -> bool:
        """Wait for the chat's turn within its platform's limits; returns whether to send now.

        A chat whose own limit is further away than `linger` has the delivery put off
        instead, so no worker sits out a group's three seconds.
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
            # The platform asked everyone to wait (meanwhile, perhaps): try in the next drain.
            self._resting.add(chat.id)
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
        """Send (or, for an edit, edit) the delivery's message; returns the platform message id."""
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
        log.info("delivery %s to chat %s failed: %s", delivery.id, chat.id, reason,
                 extra={"event": "send_failed", "chat_id": chat.id,
                        "story_id": delivery.story_id, "platform": platform})
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
            if isinstance(error, Rejected) or delivery.attempts + 1 >= self._policy.max_attempts:
                await outbox.mark_failed(tx, delivery.id, error=reason)
                self._events.send_failed(platform, error, final=True)
                return True
            self._events.send_failed(platform, error, final=False)
            delay = failure_delay(delivery.attempts + 1, base=self._policy.retry_base,
                                  maximum=self._policy.retry_max)
            await outbox.retry_later(tx, delivery.id, not_before=now + timedelta(seconds=delay),
                                     error=reason, attempt=True)
            return False


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
