"""The one summarizer every path uses (`run`, `watch`, digests, `/catchup`, `/preview`).

`Summaries` satisfies `bot.core.ports.Summarizer` and never raises: whatever
the endpoint does (an error, a hang, an answer of any shape or size, an
exception of any kind), the caller gets the extractive summary. It bounds how
many requests are in flight at once (`summary.concurrency`), logs each
fallback's reason at most once a minute per reason, reports requests, their
latency and fallbacks to the metrics, and knows whether the endpoint is
healthy or failing and since when. After a few failures in a row it stops
asking for a while (`COOL_DOWN`), so a dead endpoint costs no check its budget.

`summarize_all` summarizes a check's entries concurrently within a time
budget: what is not ready by then gets the extractive summary, so a slow
endpoint never holds an alert back for longer than the budget.

Why a budget rather than sending at once and editing the LLM's summary in
later: an edit is a second request to the platform per alert per chat, taken
from the same per-chat rate (Telegram: one message a second, 20 a minute in a
group), so a burst would take twice as long to reach every chat; the console,
`watch --json` and chats that turned edits off cannot be edited at all; and a
reader would see the text change under them. The budget (`summary.budget`,
default `llm_timeout`) bounds the delay instead, the same for every output.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.app.telemetry import SILENT, SummaryEvents
from bot.core.catchup import (
    CatchupLine,
    Happened,
    compose_catchup,
    newest_first,
    parse_catchup_answer,
)
from bot.core.errors import SummaryUnavailable
from bot.core.model import Entry
from bot.core.ports import Summarizer
from bot.core.summarize import summarize
from bot.edges.config import Config
from bot.edges.llm_catchup import ANSWER_CHARS, catchup_request
from storage import Database, components
from storage.components import ComponentState

log = logging.getLogger(__name__)

LOG_EVERY = 60.0
"""Seconds between two log lines for the same fallback reason."""
FAILURES_TO_PAUSE = 3
"""Failures in a row after which the endpoint is left alone for `COOL_DOWN` seconds."""
COOL_DOWN = 30.0

Clock = Callable[[], datetime]


class Endpoint(Protocol):
    """What `Summaries` asks: `bot.edges.llm_summary.LlmSummarizer` (raises SummaryUnavailable)."""

    async def summarize(self, title: str | None, text: str, max_chars: int) -> str: ...

    async def complete(self, system: str, user: str, max_chars: int) -> str: ...


@dataclass(frozen=True, slots=True)
class SummarizerHealth:
    """"extractive" (no endpoint configured), "healthy" or "failing", since when, and why."""

    state: str
    since: datetime | None = None
    reason: str | None = None


class Summaries:
    """The configured summarizer with its fallback, bound, logs, metrics and health."""

    def __init__(self, endpoint: Endpoint | None, *, concurrency: int, clock: Clock,
                 events: SummaryEvents = SILENT, monotonic: Callable[[], float] = time.monotonic,
                 changed: Callable[[SummarizerHealth], None] = lambda health: None) -> None:
        """`changed` hears of each change of `health` (to record it for `status`)."""
        self._endpoint = endpoint
        self._changed = changed
        self._gate = asyncio.Semaphore(concurrency)
        self._clock = clock
        self._events = events
        self._monotonic = monotonic
        self._logged: dict[str, tuple[float, int]] = {}
        self._failures = 0
        self._paused_until = 0.0
        self._health = SummarizerHealth("extractive" if endpoint is None else "healthy",
                                        None if endpoint is None else clock())

    @property
    def offline(self) -> bool:
        """True without an endpoint: every summary is extractive, made at once."""
        return self._endpoint is None

    @property
    def health(self) -> SummarizerHealth:
        """Whether the endpoint answers (healthy), fails (failing), or there is none."""
        return self._health

    async def summarize(self, title: str | None, text: str, max_chars: int) -> str:
        """The endpoint's summary, else the extractive one. Never raises."""
        endpoint = self._endpoint
        if endpoint is not None:
            answer = await self._ask(lambda: endpoint.summarize(title, text, max_chars))
            if answer is not None:
                return answer
        return summarize(title, text, max_chars)

    async def complete(self, system: str, user: str, max_chars: int) -> str | None:
        """The endpoint's answer to a prompt (`/catchup`), or None: the caller falls back."""
        endpoint = self._endpoint
        if endpoint is None:
            return None
        return await self._ask(lambda: endpoint.complete(system, user, max_chars))

    async def catchup(self, window: Sequence[Happened], *, since: datetime, until: datetime,
                      zone: str, limit: int, within: float | None = None) -> str:
        """The `/catchup` message of `window` within `limit` characters: the endpoint's
        lines when it gives usable ones within `within` seconds (None: its own timeout),
        else extractive. Never raises."""
        ordered = newest_first(window)
        lines = await self._catchup_lines(ordered, zone, within) if ordered else None
        return compose_catchup(ordered, since=since, until=until, zone=zone, limit=limit,
                               lines=lines)

    async def _catchup_lines(self, ordered: list[Happened], zone: str,
                             within: float | None) -> list[CatchupLine] | None:
        if self._endpoint is None:
            return None
        request = catchup_request(ordered, zone)
        try:
            answer = await asyncio.wait_for(
                self.complete(request.system, request.user, ANSWER_CHARS), within)
        except TimeoutError:
            return None  # counted and logged as a fallback for the budget
        if answer is None:
            return None
        lines = parse_catchup_answer(answer, request.count)
        if not lines:
            self._fell_back("unsourced", "the catch-up cited none of the updates given")
        return lines or None

    async def _ask(self, call: Callable[[], Awaitable[str]]) -> str | None:
        if self._monotonic() < self._paused_until:
            self._fell_back("paused", "the endpoint failed repeatedly; not asked for a while")
            return None
        started: float | None = None
        try:
            async with self._gate:
                started = self._monotonic()
                try:
                    answer = await call()
                finally:
                    seconds = self._monotonic() - started
        except asyncio.CancelledError:
            # The check's budget ran out first (or the bot is stopping). A request the
            # endpoint held that long is its failure; one still queued here is not.
            if started is None:
                self._fell_back("budget", "not asked within the check's budget")
            else:
                self._failed("budget", "no answer within the check's budget", seconds)
            raise
        except SummaryUnavailable as error:
            self._failed(error.reason, error.detail or error.reason, seconds)
            return None
        except Exception as error:  # no summarizer fault may cost an alert
            self._failed("error", f"{type(error).__name__}: {error}", seconds)
            return None
        self._events.summary_asked("ok", seconds)
        self._failures = 0
        if self._health.state != "healthy":
            self._set_health(SummarizerHealth("healthy", self._clock()))
            log.info("summary endpoint answers again", extra={"event": "summary_recovered"})
        return answer

    def _failed(self, reason: str, detail: str, seconds: float) -> None:
        self._events.summary_asked(reason, seconds)
        self._failures += 1
        if self._failures >= FAILURES_TO_PAUSE:
            self._paused_until = self._monotonic() + COOL_DOWN
        if self._health.state != "failing":
            self._set_health(SummarizerHealth("failing", self._clock(), reason))
        self._fell_back(reason, detail)

    def _set_health(self, health: SummarizerHealth) -> None:
        self._health = health
        self._changed(health)

    def _fell_back(self, reason: str, detail: str) -> None:
        """Count the fallback; log it unless this reason was logged within `LOG_EVERY` s."""
        self._events.summary_fell_back(reason)
        now = self._monotonic()
        last, quiet = self._logged.get(reason, (float("-inf"), 0))
        if now - last < LOG_EVERY:
            self._logged[reason] = (last, quiet + 1)
            return
        self._logged[reason] = (now, 0)
        also = f" ({quiet} more since the last such line)" if quiet else ""
        log.warning("summary endpoint: %s (%s); the extractive summary is used%s",
                    reason, detail, also,
                    extra={"event": "summary_fallback"})


async def summarize_all(summarizer: Summarizer, found: Sequence[Entry], max_chars: int,
                        budget: float | None) -> dict[str, str]:
    """Summaries of `found` by entry key, asked concurrently; those not ready within
    `budget` seconds (None: no limit) are extractive. Never raises but on cancellation."""
    wanted = {entry.key: entry for entry in found}
    tasks = {key: asyncio.ensure_future(summarizer.summarize(entry.title, entry.text, max_chars))
             for key, entry in wanted.items()}
    if not tasks:
        return {}
    try:
        await asyncio.wait(tasks.values(), timeout=budget)
    finally:
        late = [task for task in tasks.values() if not task.done()]
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
    return {key: _result(task) or summarize(wanted[key].title, wanted[key].text, max_chars)
            for key, task in tasks.items()}


def _result(task: asyncio.Future[str]) -> str | None:
    if task.cancelled() or task.exception() is not None:
        return None
    return task.result()


class HealthRecord:
    """Writes the summarizer's health to storage as it changes, for `storywatch status`."""

    NAME = "summarizer"

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._writing: set[asyncio.Task[None]] = set()

    def __call__(self, health: SummarizerHealth) -> None:
        """Record `health` soon (a write of its own; the caller does not wait for it)."""
        task = asyncio.ensure_future(self._write(health))
        self._writing.add(task)
        task.add_done_callback(self._writing.discard)

    async def _write(self, health: SummarizerHealth) -> None:
        state = ComponentState(self.NAME, health.state, health.since, health.reason,
                               self._clock())
        try:
            async with self._db.write() as tx:
                await components.record(tx, state)
        except Exception:  # a job boundary: status shows an older state, nothing else suffers
            log.exception("recording the summarizer's health failed")

    async def aclose(self) -> None:
        """Wait for the writes under way."""
        await asyncio.gather(*self._writing, return_exceptions=True)


async def summaries_from_config(config: Config, stack: AsyncExitStack, clock: Clock,
                                events: SummaryEvents = SILENT,
                                db: Database | None = None) -> Summaries:
    """The configured summarizer: the endpoint's when `summary.llm_url` is set (its HTTP
    session closed with `stack`), else the extractive one alone. With `db`, its health
    is recorded there from now on (`storywatch status` shows it)."""
    summary = config.summary
    changed: Callable[[SummarizerHealth], None] = lambda health: None  # noqa: E731
    if db is not None:
        record = HealthRecord(db, clock)
        stack.push_async_callback(record.aclose)
        changed = record
    endpoint = None
    if summary.llm_url is not None:
        import aiohttp

        from bot.edges.llm_summary import LlmSummarizer

        session = await stack.enter_async_context(aiohttp.ClientSession())
        endpoint = LlmSummarizer(summary, session)
    summaries = Summaries(endpoint, concurrency=summary.concurrency, clock=clock,
                          events=events, changed=changed)
    changed(summaries.health)
    return summaries


def summary_budget(config: Config) -> float | None:
    """How long a check waits for its summaries: `summary.budget`, else `llm_timeout`;
    None without an endpoint (the extractive summary is immediate)."""
    summary = config.summary
    if summary.llm_url is None:
        return None
    return summary.budget if summary.budget is not None else summary.llm_timeout
