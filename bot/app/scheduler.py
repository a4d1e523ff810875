"""The service's clock (docs/BEHAVIOUR.md, Scheduler): APScheduler runs a few periodic ticks.

What is due lives in storage (a story's next check, a chat's next digest),
never in one scheduler job per story or chat: a tick asks storage what is due
now, so a restart resumes where it was and 100,000 chats cost rows, not jobs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType

from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Tick:
    """A job run every `every` seconds; a run still going when the next is due is not doubled."""

    name: str
    every: float
    run: Callable[[], Awaitable[object]]


class Scheduler:
    """Runs ticks on APScheduler's asyncio scheduler for the life of an `async with` block."""

    def __init__(self, ticks: Sequence[Tick]) -> None:
        self._ticks = tuple(ticks)
        self._scheduler = AsyncIOScheduler(timezone=UTC)

    async def __aenter__(self) -> Scheduler:
        for tick in self._ticks:
            self._scheduler.add_job(
                _guarded(tick), "interval", seconds=tick.every, id=tick.name, name=tick.name,
                max_instances=1, coalesce=True, misfire_grace_time=None,
                next_run_time=datetime.now(UTC),
            )
        self._scheduler.start()
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        trace: TracebackType | None) -> None:
        self._scheduler.shutdown(wait=False)


def _guarded(tick: Tick) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        try:
            await tick.run()
        except asyncio.CancelledError:
            # The scheduler's shutdown cancels a run in flight (its transaction rolls back):
            # a stop, which APScheduler would log as the job raising an exception.
            return
        except Exception:
            # A job boundary: a failing tick is logged and runs again next time.
            log.exception("the %s tick failed", tick.name)

    run.__name__ = tick.name
    return run
