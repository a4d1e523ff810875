"""What the command layer works with: storage, the story checker, limits and a clock."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from bot.core.catchup import ExtractiveCatchup
from bot.core.model import ChatRef, CheckResult, Page
from bot.core.ports import CatchupWriter, Summarizer
from bot.core.summarize import ExtractiveSummarizer
from storage import Database, Transaction, chats
from storage.chats import Chat

if TYPE_CHECKING:
    from bot.core.discover import Discovered

logger = logging.getLogger(__name__)


class StoryChecker(Protocol):
    """Checks a story now, as every check is made: never twice at once (the first check of
    a new story is its baseline)."""

    async def check(self, story_id: int) -> CheckResult: ...


class PageReader(Protocol):
    """Reads a story page as `storywatch check` does, storing nothing."""

    async def read(self, url: str) -> Page:
        """The page at `url`. Raises FetchError (NoUpdates when it holds no updates)."""
        ...

    async def discover(self, url: str) -> Discovered:
        """The live pages and feeds the page at `url` offers (`bot.core.discover`). Raises
        FetchError."""
        ...


class Later:
    """What a command goes on doing after its reply (a first check that takes long):
    tasks the composition root cancels at the stop (`aclose`)."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, job: Coroutine[Any, Any, None]) -> None:
        """Run `job` in the background until it ends or the stop."""
        task = asyncio.ensure_future(job)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # A job boundary: the reply went out long ago; the failure is logged, not lost.
            logger.error("a command's background work failed", exc_info=task.exception())

    async def aclose(self) -> None:
        """Cancel what still runs and wait for it."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


@dataclass(frozen=True, slots=True)
class Limits:
    """Caps on what one chat or user may ask for, and how /list pages (the [limits] section)."""

    subscriptions_per_chat: int = 50
    filters_per_subscription: int = 50
    argument_chars: int = 2000
    commands_per_minute: int = 30
    page_size: int = 10
    digest_floor: float = 300.0  # seconds: the shortest /digest every


@dataclass(frozen=True, slots=True)
class Context:
    """Everything a command needs, passed in by the composition root (`command_context`)."""

    db: Database
    checker: StoryChecker
    clock: Callable[[], datetime]
    interval: float = 120.0
    default_timezone: str = "UTC"
    summary_chars: int = 300
    limits: Limits = Limits()
    edits: bool = True  # whether a chat that never said /edits has corrections edited in
    # How long /subscribe waits for a new story's first check before it answers without it.
    first_check_wait: float = 20.0
    later: Later = field(default_factory=Later)
    pages: PageReader | None = None  # None where no command reads pages (watch, tests)
    # The configured summarizer (/preview), /catchup's writer (the same, when an LLM is
    # configured), and how long /catchup may wait for the LLM.
    summarizer: Summarizer = field(default_factory=ExtractiveSummarizer)
    catchup: CatchupWriter = field(default_factory=ExtractiveCatchup)
    catchup_within: float | None = None

    async def ensure_chat(self, tx: Transaction, ref: ChatRef, kind: str) -> Chat:
        """The chat at `ref`, created with this deployment's defaults when new."""
        return await chats.ensure(tx, ref, now=self.clock(), kind=kind, edits=self.edits)

    async def chat(self, ref: ChatRef) -> Chat | None:
        """The stored chat at `ref`, or None when it never used the bot."""
        return await chats.by_ref(self.db, ref)

    def zone(self, chat: Chat | None) -> str:
        """The time zone times are shown in for `chat`."""
        return (chat.timezone if chat else None) or self.default_timezone
