"""The service loop's moving parts: the poll tick that starts due checks, and the delivery loop.

A slow story never holds up the others: each due story is checked in a task
of its own (at most `concurrency` at once) and a story already being checked
is not started again. A check asked for now (a chat's /subscribe of a new
story) takes the same path, so it too is never run twice at once. Every check
that may have written deliveries wakes the delivery loop, so an alert leaves
within moments of its check.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from bot.app.dispatcher import Dispatcher
from bot.app.leases import Lease
from bot.app.watcher import Watcher
from bot.core.model import CheckResult
from storage import Database, stories
from storage.stories import Story

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
    """The poll tick: starts a check of every due story not already being checked.

    Memory stays flat however many stories are due: the tick pages through them
    with a cursor and at most `concurrency * 4` checks wait at once. A check
    takes a slot of its host (`per_host`) before a global slot (`concurrency`),
    so a host with many due stories queues on its own and never holds global
    slots the other hosts could use. With a `lease` (many checkers on one database)
    the tick leases the due stories it starts, so no other checker starts them too.
    """

    def __init__(self, db: Database, watcher: Watcher, *, concurrency: int, per_host: int,
                 clock: Callable[[], datetime], checked: Callable[[], None],
                 lease: Lease | None = None,
                 failed: Callable[[CheckResult], None] = lambda _result: None) -> None:
        """`checked` is called after each check that may have written deliveries, `failed`
        with each failed check's result."""
        self._db = db
        self._lease = lease
        self._watcher = watcher
        self._gate = asyncio.Semaphore(concurrency)
        self._hosts = HostGates(per_host)
        self._batch = concurrency * 4
        self._room = asyncio.Semaphore(self._batch)
        self._clock = clock
        self._checked = checked
        self._failed = failed
        self._running: dict[int, asyncio.Task[CheckResult]] = {}

    async def tick(self) -> int:
        """Start checks of every story due now; returns how many were started.

        Returns once the last is started: with more due than may wait at once,
        that is after earlier checks have made room.
        """
        now = self._clock()
        after: tuple[datetime, int] | None = None
        started = 0
        while due := await self._due(now, after):
            after = (due[-1].next_check_at, due[-1].id)
            for story in due:
                if story.id in self._running:
                    continue
                await self._room.acquire()
                self._start(story)
                started += 1
        return started

    async def check(self, story_id: int) -> CheckResult:
        """Check the story now, as the tick checks a due story (within its host's and the
        global limits), and return what the check did; when it is being checked already,
        what that check did. Leasing, a story another checker holds is left to it, and its
        outcome read from the story once that check is recorded."""
        task = self._running.get(story_id)
        if task is None:
            story = await self._claim(story_id)
            if story is None:
                return await self._checked_elsewhere(story_id)
            task = self._running.get(story_id)  # the tick may have started it meanwhile
            if task is None:
                await self._room.acquire()
                task = self._start(story)
        # Shielded: a caller who stops waiting (a stop) does not cancel the check itself.
        return await asyncio.shield(task)

    def _start(self, story: Story) -> asyncio.Task[CheckResult]:
        task = self._running[story.id] = asyncio.create_task(self._check(story))
        return task

    async def _claim(self, story_id: int) -> Story | None:
        """The story, leased to this checker when leasing; None when another holds it."""
        if self._lease is None:
            story = await stories.get(self._db, story_id)
        else:
            now = self._clock()
            async with self._db.write() as tx:
                story = await stories.lease(
                    tx, story_id, owner=self._lease.owner,
                    until=now + timedelta(seconds=self._lease.seconds), now=now)
            if story is None:
                return None
        if story is None:
            raise LookupError(f"no story {story_id}")
        return story

    async def _checked_elsewhere(self, story_id: int) -> CheckResult:
        """What another checker's check of the story did, once it is recorded (or its lease
        ran out)."""
        assert self._lease is not None
        before = await stories.get(self._db, story_id)
        deadline = self._clock() + timedelta(seconds=self._lease.seconds)
        story = before
        while story is not None and before is not None and self._clock() < deadline and (
                story.last_checked_at, story.failures) == (before.last_checked_at,
                                                            before.failures):
            # The other checker's record is in its own process: only the row tells.
            await asyncio.sleep(0.1)
            story = await stories.get(self._db, story_id)
        if story is None:
            raise LookupError(f"no story {story_id}")
        if before is not None and story.failures > before.failures:
            return CheckResult(story_id, "failed", story.next_check_at,
                               error=story.last_error or "the check failed")
        return CheckResult(story_id, "checked", story.next_check_at)

    async def _due(self, now: datetime, after: tuple[datetime, int] | None) -> list[Story]:
        """The next page of due stories: after the cursor, or (leasing) those still free."""
        if self._lease is None:
            return await stories.due(self._db, now, limit=self._batch, after=after)
        # Due by the tick's start (a tick ends), but leases judged by the clock: a tick that
        # runs on while a dead checker's leases run out takes its stories over.
        current = self._clock()
        until = current + timedelta(seconds=self._lease.seconds)
        async with self._db.write() as tx:
            return await stories.lease_due(tx, now, owner=self._lease.owner, until=until,
                                           limit=self._batch, expired_by=current)

    async def idle(self) -> None:
        """Wait until every check started so far has finished."""
        while self._running:
            await asyncio.gather(*self._running.values(), return_exceptions=True)

    async def aclose(self) -> None:
        """Cancel the checks in flight (their transactions roll back) and wait for them;
        a leasing checker then hands its stories back."""
        for task in self._running.values():
            task.cancel()
        await self.idle()
        if self._lease is not None:
            async with self._db.write() as tx:
                await stories.release_leases(tx, self._lease.owner)

    async def _check(self, story: Story) -> CheckResult:
        try:
            async with self._hosts.hold(story.url), self._gate:
                result = await self._watcher.check(story.id, story)
            if result.new or result.edited or result.moved_to:
                self._checked()
            if result.outcome == "failed":
                self._failed(result)
            return result
        except Exception as error:
            # A job boundary: one story's failure is logged, the others go on.
            log.exception("checking story %s (%s) failed", story.id, story.url,
                          extra={"event": "check_crashed", "story_id": story.id})
            return CheckResult(story.id, "failed", story.next_check_at,
                               error=f"the check crashed ({type(error).__name__})")
        finally:
            self._running.pop(story.id, None)
            self._room.release()


class HostGates:
    """At most `per_host` checks at once per host; a host's gate lives while it is in use."""

    def __init__(self, per_host: int) -> None:
        self._per_host = per_host
        self._gates: dict[str, tuple[asyncio.Semaphore, list[int]]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, url: str) -> AsyncIterator[None]:
        """Hold one of the slots of `url`'s host (host and port) for the block."""
        host = urlsplit(url).netloc.lower()
        gate, users = self._gates.setdefault(host, (asyncio.Semaphore(self._per_host), [0]))
        users[0] += 1
        try:
            async with gate:
                yield
        finally:
            users[0] -= 1
            if not users[0]:
                del self._gates[host]
