"""A messenger that records what it sent and answers as the test scripts it."""

from __future__ import annotations

import asyncio
from collections import defaultdict

from bot.core.errors import DeliveryError
from bot.core.model import ChatRef, Message
from bot.core.ports import Pace


class RecordingMessenger:
    """Satisfies `bot.core.ports.Messenger`. Scripted errors are raised per chat id, in order.

    `gates[chat_id]`, when set, holds that chat's sends until the event is set;
    `holding` is set once it holds one.
    """

    def __init__(self, platform: str = "telegram") -> None:
        self.platform = platform
        self.sent: list[tuple[ChatRef, Message]] = []
        self.edited: list[tuple[ChatRef, str, Message]] = []
        self.errors: dict[str, list[DeliveryError]] = defaultdict(list)
        self.gates: dict[str, asyncio.Event] = {}
        self.holding = asyncio.Event()
        self.changed = asyncio.Event()

    def fail(self, chat_id: str, *errors: DeliveryError) -> None:
        """Answer the chat's next sends with these errors, one each."""
        self.errors[chat_id].extend(errors)

    async def send(self, chat: ChatRef, message: Message, *, pace: Pace | None = None,
                   key: str | None = None) -> str:
        """Record the message (after the chat's gate opens); raise a scripted error first."""
        await self._answer(chat)
        self.sent.append((chat, message))
        self.changed.set()
        return f"m{len(self.sent)}"

    async def edit(self, chat: ChatRef, message_id: str, message: Message) -> None:
        """Record the edit; raise a scripted error first."""
        await self._answer(chat)
        self.edited.append((chat, message_id, message))

    async def _answer(self, chat: ChatRef) -> None:
        gate = self.gates.get(chat.chat_id)
        if gate is not None:
            self.holding.set()
            await gate.wait()
        if self.errors[chat.chat_id]:
            raise self.errors[chat.chat_id].pop(0)
