"""The track tick: checks each tracked page that is due (`/track`), at the base poll interval
(backing off while it fails).

What is due lives in storage (a track's next check). A checker claims a due track by moving
its next check on in one conditional update, so two checkers sharing a database never check
one track at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from bot.core.cadence import failure_delay
from handlers.context import Context
from storage import tracks
from storage.tracks import Track

log = logging.getLogger(__name__)

FIRST_CHECK_WAIT = 600.0
"""Seconds a new page's first check is waited for: past any fetch's time limits."""


class Tracker:
    """Checks due tracks through the command layer's `context` (its fetcher, its story
    checker, its limits), at most `concurrency` at once; `notified` is called when a check
    wrote notices, to wake the delivery loop."""

    def __init__(self, context: Context, clock: Callable[[], datetime], *, concurrency: int,
                 max_interval: float, notified: Callable[[], None]) -> None:
        # No one waits for a reply here: a new page's first check is waited for to its end,
        # so a page that turns out to have no updates is never announced.
        self._context = replace(context, first_check_wait=FIRST_CHECK_WAIT)
        self._clock = clock
        self._gate = asyncio.Semaphore(concurrency)
        self._batch = concurrency * 4
        self._notified = notified
        self._max_interval = max(max_interval, context.interval)

    async def tick(self) -> int:
        """Check every track due now; returns how many were checked."""
        now = self._clock()
        db = self._context.db
        claimed = []
        for track in await tracks.due(db, now, limit=self._batch):
            # A page failing in a row is asked less often, as a story is: the base interval
            # doubling per failure, up to the longest.
            wait = failure_delay(track.failures + 1, base=self._context.interval,
                                 maximum=self._max_interval)
            async with db.write() as tx:
                if await tracks.claim(tx, track, until=now + timedelta(seconds=wait)):
                    claimed.append(track)
        written = await asyncio.gather(*(self._check(track) for track in claimed))
        if any(written):
            self._notified()
        return len(claimed)

    async def aclose(self) -> None:
        """Stop what the checks started and still runs (a slow first check of a new story)."""
        await self._context.later.aclose()

    async def _check(self, track: Track) -> int:
        # Here, not above: the page reading it brings is imported only once a track is due
        # (an idle `run --once` imports no parser).
        from handlers.tracking import check_track

        try:
            async with self._gate:
                return await check_track(self._context, track)
        except Exception:
            # A job boundary: one track's failure is logged, the others go on.
            log.exception("checking track %s (%s) failed", track.id, track.url,
                          extra={"event": "track_crashed"})
            return 0
