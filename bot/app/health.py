"""Liveness and readiness: what /healthz and /readyz answer.

Live: the process runs and the database answers. Ready: besides, every
platform is connected (its own signal, such as Telegram's long poll being
answered or Discord's gateway being open, and the dispatcher's last send to it
not having failed for want of the platform), the scheduler's ticks keep firing,
and no alert has waited in the outbox longer than `ready_max_pending_age`.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from bot.app.scheduler import Tick
from bot.core.errors import DeliveryError, PlatformUnavailable, Transient
from storage import Database, census
from storage.census import Census

Clock = Callable[[], datetime]
DATABASE_TIMEOUT = 2.0
"""How long the database may take to answer before it counts as not answering."""
TICK_SLACK = 10.0
"""Seconds a tick may be late beyond three of its intervals (a busy loop, a slow pass)."""


@runtime_checkable
class Linked(Protocol):
    """A messenger that can tell whether its platform's connection is up."""

    def connected(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class Check:
    """One check's verdict, with what it saw."""

    ok: bool
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Report:
    """All checks of one probe; ok only when every check is."""

    checks: Mapping[str, Check]

    @property
    def ok(self) -> bool:
        """Whether every check passed."""
        return all(check.ok for check in self.checks.values())

    def as_json(self) -> dict[str, Any]:
        """{"ok": ..., "checks": {name: {"ok": ..., "detail": ...}}}"""
        return {"ok": self.ok, "checks": {name: {"ok": c.ok, "detail": c.detail}
                                          for name, c in self.checks.items()}}


class SendOutcomes:
    """The dispatcher's last word on each platform: did its latest send reach the platform?

    Implements the sending half of `DeliveryEvents`. A Transient error (network,
    5xx) means the platform did not answer; any other answer, even a refusal or a
    flood wait, means it did.
    """

    def __init__(self) -> None:
        self._failing: dict[str, str] = {}

    def sent(self, platform: str, kind: str) -> None:
        """The platform took a message: it answers."""
        self._failing.pop(platform, None)

    def send_failed(self, platform: str, error: DeliveryError, *, final: bool) -> None:
        """Remember a failure for want of the platform; forget it on any other answer."""
        if isinstance(error, Transient | PlatformUnavailable):
            self._failing[platform] = str(error) or type(error).__name__
        else:
            self._failing.pop(platform, None)

    def failure(self, platform: str) -> str | None:
        """Why the latest send to `platform` failed for want of it; None when it answered."""
        return self._failing.get(platform)


class Heartbeat:
    """When each scheduler tick last fired."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._every: dict[str, float] = {}
        self._fired: dict[str, datetime] = {}

    def watched(self, ticks: Sequence[Tick]) -> list[Tick]:
        """The same ticks, each noting when it fires."""
        for tick in ticks:
            self._every[tick.name] = tick.every
        return [Tick(tick.name, tick.every, self._noting(tick)) for tick in ticks]

    def _noting(self, tick: Tick) -> Callable[[], Awaitable[object]]:
        async def run() -> object:
            self._fired[tick.name] = self._clock()
            return await tick.run()

        return run

    def check(self, now: datetime) -> Check:
        """Whether every tick fired within three of its intervals (plus slack)."""
        if not self._every:
            return Check(False, "the scheduler has not started")
        late = []
        for name, every in self._every.items():
            fired = self._fired.get(name)
            if fired is None or now - fired > timedelta(seconds=3 * every + TICK_SLACK):
                late.append(f"{name} " + ("never fired" if fired is None else
                                          f"last fired {(now - fired).total_seconds():.0f} s ago"))
        return Check(not late, "; ".join(late) or "ticking")


class Health:
    """Answers the liveness and readiness probes from the database and what it is told."""

    def __init__(self, db: Database, clock: Clock, *, max_pending_age: float) -> None:
        self._db = db
        self._clock = clock
        self._max_pending_age = max_pending_age
        self.outcomes = SendOutcomes()
        self.heartbeat = Heartbeat(clock)
        self._messengers: Mapping[str, object] | None = None

    def watch_platforms(self, messengers: Mapping[str, object]) -> None:
        """The platforms started; until this is called the service is not ready."""
        self._messengers = dict(messengers)

    def connected(self) -> dict[str, bool]:
        """Each started platform: whether it is connected now."""
        return {name: self._platform(name, messenger).ok
                for name, messenger in (self._messengers or {}).items()}

    async def live(self) -> Report:
        """The process answers (it does, to be asked) and so does the database."""
        return Report({"process": Check(True), "database": await self._database()})

    async def ready(self) -> Report:
        """Live, every platform connected, the ticks firing, no alert waiting too long."""
        now = self._clock()
        checks: dict[str, Check] = {}
        taken = None
        try:
            async with asyncio.timeout(DATABASE_TIMEOUT):
                taken = await census.take(self._db, now)
            checks["database"] = Check(True)
        except (sqlite3.Error, TimeoutError) as error:
            checks["database"] = Check(False, _why(error))
        if self._messengers is None:
            checks["platforms"] = Check(False, "the platforms are starting")
        for name, messenger in (self._messengers or {}).items():
            checks[name] = self._platform(name, messenger)
        checks["scheduler"] = self.heartbeat.check(now)
        if taken is not None:
            checks["outbox"] = self._outbox(taken, now)
        return Report(checks)

    def _platform(self, name: str, messenger: object) -> Check:
        if isinstance(messenger, Linked) and not messenger.connected():
            return Check(False, "not connected")
        failure = self.outcomes.failure(name)
        if failure is not None:
            return Check(False, f"the last send failed: {failure}")
        return Check(True, "connected")

    def _outbox(self, taken: Census, now: datetime) -> Check:
        # Only the platforms running: a chat of one not started (the console chats of a
        # `watch` in the same database) waits for good, which says nothing about this run.
        running = self._messengers or {}
        oldest = min((q.oldest_pending for q in taken.queues
                      if q.platform in running and q.oldest_pending is not None), default=None)
        age = 0.0 if oldest is None else (now - oldest).total_seconds()
        detail = f"oldest pending alert {age:.0f} s old (bound {self._max_pending_age:g} s)"
        return Check(age <= self._max_pending_age, detail)

    async def _database(self) -> Check:
        try:
            async with asyncio.timeout(DATABASE_TIMEOUT):
                await self._db.schema_version()
        except (sqlite3.Error, TimeoutError) as error:
            return Check(False, _why(error))
        return Check(True)


def _why(error: BaseException) -> str:
    return "no answer in time" if isinstance(error, TimeoutError) else f"{error}"
