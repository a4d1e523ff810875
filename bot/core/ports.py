"""The small ports that the edges implement and the use cases depend on."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Protocol

from bot.core.catchup import Happened
from bot.core.model import ChatRef, Fetched, Message, Validators

Pace = Callable[[], Awaitable[None]]
"""Waits for the chat's next send slot within its platform's limits (and books it)."""


class Fetcher(Protocol):
    """Fetches a story URL (raises `bot.core.errors.FetchError`)."""

    async def fetch(self, url: str, validators: Validators | None = None) -> Fetched: ...


class Messenger(Protocol):
    """Sends to one platform. Raises `bot.core.errors.DeliveryError` subclasses, nothing else.

    `send` returns the platform's id of the message sent, so it can be edited later.
    A message that goes as several platform messages (a long digest) awaits `pace`
    before each after the first: every part takes a slot of the chat's rate. `key`
    names this message among all sends (its delivery): a platform that can drop a
    repeat of one send (Discord's nonce) is given it.
    """

    platform: str

    async def send(self, chat: ChatRef, message: Message, *, pace: Pace | None = None,
                   key: str | None = None) -> str: ...

    async def edit(self, chat: ChatRef, message_id: str, message: Message) -> None: ...


class Summarizer(Protocol):
    """Summarizes one update's text within a character budget.

    `offline` is true when a summary is made in-process at once (no endpoint to wait
    for): a check then needs no budget, nor to work out which entries are sent first.
    """

    @property
    def offline(self) -> bool: ...

    async def summarize(self, title: str | None, text: str, max_chars: int) -> str: ...


class CatchupWriter(Protocol):
    """Writes `/catchup`'s message of a window of updates; never raises (it falls back)."""

    async def catchup(self, window: Sequence[Happened], *, since: datetime, until: datetime,
                      zone: str, limit: int, within: float | None = None) -> str: ...
