"""The service loop's moving parts: the poll tick that starts due checks, and the delivery loop.

A slow story never holds up the others: each due story is checked in a task
of its own (at most `concurrency` at once) and a story already being checked
is not started again. Every check that may have written deliveries wakes the
delivery loop, so an alert leaves within moments of its check.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

from bot.dispatcher import Dispatcher
from bot.watcher import Watcher
from storage import Database, stories

log = logging.getLogger(__name__)


class DeliveryLoop:
    """Drains the outbox when woken, and at least every `idle` seconds (for retries due later)."""

    def __init__(self, dispatcher: Dispatcher, idle: float) -> None:
        self._dispatcher = dispatcher
        self._idle = idle
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Ask for a drain now: something was just written to the outbox."""
        self._wake.set()

    async def run(self) -> None:
        """Drain forever; cancel the task to stop."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._idle)
            self._wake.clear()
            try:
                await self._dispatcher.drain()
            except Exception:
                # A job boundary: the loop must outlive one failed pass.
                log.exception("draining the outbox failed")


class Poller:
    """The poll tick: starts a check for every due story not already being checked."""

    def __init__(self, db: Database, watcher: Watcher, *, concurrency: int,
                 clock: Callable[[], datetime], checked: Callable[[], None]) -> None:
        self._db = db
        self._watcher = watcher
        self._gate = asyncio.Semaphore(concurrency)
        self._limit = concurrency * 4
        self._clock = clock
        self._checked = checked
        self._running: dict[int, asyncio.Task[None]] = {}

    async def tick(self) -> int:
        """Start checks of the stories due now; returns how many were started."""
        due = await stories.due(self._db, self._clock(), limit=self._limit + len(self._running))
        started = 0
        for story in due:
            if story.id not in self._running and len(self._running) < self._limit:
                self._running[story.id] = asyncio.create_task(self._check(story.id, story.url))
                started += 1
        return started

    async def idle(self) -> None:
        """Wait until every check started so far has finished."""
        while self._running:
            await asyncio.gather(*self._running.values(), return_exceptions=True)

    async def aclose(self) -> None:
        """Cancel the checks in flight (their transactions roll back) and wait for them."""
        for task in self._running.values():
            task.cancel()
        await self.idle()

    async def _check(self, story_id: int, url: str) -> None:
        try:
            async with self._gate:
                result = await self._watcher.check(story_id)
            if result.new or result.edited:
                self._checked()
        except Exception:
            # A job boundary: one story's failure is logged, the others go on.
            log.exception("checking story %s (%s) failed", story_id, url)
        finally:
            self._running.pop(story_id, None)
