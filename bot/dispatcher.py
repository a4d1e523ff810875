"""Drain the outbox (DESIGN §2 Dispatch, §5): per chat, in order, by the messenger's answer.

Each chat with due work gets a task of its own (at most `concurrency` at once),
so one slow or failing chat never holds up the others. A delivery is marked
sent only after its messenger returned. What a `DeliveryError` means is decided
here, once for every platform:

    ChatGone     the chat's subscriptions are deactivated, its pending work dropped
    ChatMoved    the chat takes its new id and the message is sent again there
    RateLimited  the chat (or the whole platform) waits as told; others go on
    Transient    tried again later with exponential back-off
    Rejected     this delivery failed with the reason; the chat's next one goes on
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.cadence import failure_delay
from bot.config import Config
from bot.errors import ChatGone, ChatMoved, DeliveryError, RateLimited, Rejected, Transient
from bot.ports import Messenger
from storage import Database, chats, outbox, subscriptions
from storage.chats import Chat
from storage.outbox import Delivery

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
MAX_MOVES = 3
"""A chat that keeps moving is not followed further in one pass."""


@dataclass(frozen=True, slots=True)
class DispatchPolicy:
    """How the dispatcher retries and how many chats it serves at once."""

    retry_base: float = 2.0
    retry_max: float = 300.0
    max_attempts: int = 1000
    concurrency: int = 32

    @classmethod
    def from_config(cls, config: Config) -> DispatchPolicy:
        """The policy of a loaded configuration."""
        delivery = config.delivery
        return cls(delivery.retry_base, delivery.retry_max, delivery.max_attempts)


class Dispatcher:
    """Sends pending deliveries through the messenger of each chat's platform."""

    def __init__(self, db: Database, messengers: Mapping[str, Messenger],
                 policy: DispatchPolicy, clock: Clock) -> None:
        self._db = db
        self._messengers = dict(messengers)
        self._policy = policy
        self._clock = clock
        self._paused: dict[str, datetime] = {}  # platform -> until (a global rate limit)

    async def drain(self) -> int:
        """Send every delivery that is due now, chat by chat in parallel; returns how many."""
        chat_ids = await outbox.chats_with_due(self._db, self._clock())
        gate = asyncio.Semaphore(self._policy.concurrency)
        # A TaskGroup, not gather: on a stop it waits for every chat's task, so a send
        # the platform took is recorded before the database closes.
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(self._drain_chat(chat_id, gate)) for chat_id in chat_ids]
        return sum(task.result() for task in tasks)

    async def _drain_chat(self, chat_id: int, gate: asyncio.Semaphore) -> int:
        async with gate:
            try:
                return await self._send_due(chat_id)
            except Exception:
                # A job boundary: one chat's unexpected failure must not stop the others.
                log.exception("dispatching to chat %s failed", chat_id)
                return 0

    async def _send_due(self, chat_id: int) -> int:
        """Send the chat's due deliveries in order until one must wait; returns how many."""
        sent = moves = 0
        while (delivery := await outbox.next_pending(self._db, chat_id)) is not None:
            chat = await chats.get(self._db, chat_id)
            now = self._clock()
            if chat is None or delivery.not_before > now:
                break
            messenger = self._messengers.get(chat.ref.platform)
            if messenger is None or self._paused.get(chat.ref.platform, now) > now:
                break  # that platform is not running, or is waiting out a global limit
            try:
                message_id = await self._send(messenger, chat, delivery)
            except ChatMoved as error:
                moves += 1
                if not await self._moved(chat, delivery, error, moves):
                    break
                continue
            except DeliveryError as error:
                if not await self._failed(chat, delivery, error):
                    break
                continue
            await _even_if_cancelled(self._mark_sent(delivery, message_id))
            sent += 1
        return sent

    async def _mark_sent(self, delivery: Delivery, message_id: str) -> None:
        async with self._db.write() as tx:
            await outbox.mark_sent(tx, delivery, message_id=message_id, now=self._clock())

    async def _send(self, messenger: Messenger, chat: Chat, delivery: Delivery) -> str:
        """Send (or, for an edit, edit) the delivery's message; returns the platform message id."""
        if delivery.kind != "edit" or delivery.entry_id is None:
            return await messenger.send(chat.ref, delivery.message)
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
        async with self._db.write() as tx:
            if isinstance(error, ChatGone):
                await chats.set_active(tx, chat.id, False)
                await subscriptions.deactivate_chat(tx, chat.id)
                await outbox.fail_pending(tx, chat.id, error=f"chat gone: {reason}")
                return False
            if isinstance(error, RateLimited):
                until = now + timedelta(seconds=error.retry_after)
                if error.scope_global:
                    self._paused[chat.ref.platform] = until
                await outbox.retry_later(tx, delivery.id, not_before=until, error=reason,
                                         attempt=False)
                return False
            if isinstance(error, Rejected) or delivery.attempts + 1 >= self._policy.max_attempts:
                await outbox.mark_failed(tx, delivery.id, error=reason)
                return True
            delay = failure_delay(delivery.attempts + 1, base=self._policy.retry_base,
                                  maximum=self._policy.retry_max)
            await outbox.retry_later(tx, delivery.id, not_before=now + timedelta(seconds=delay),
                                     error=reason, attempt=True)
            return False


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
