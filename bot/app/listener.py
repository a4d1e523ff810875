"""The operations listener: /metrics, /healthz and /readyz on `[metrics] listen`.

    async with serving(config, db, CollectorRegistry(), clock) as operations:
        watcher = Watcher(..., events=operations.events)
        ...
        operations.watch_platforms(messengers)
        Scheduler(operations.watched(ticks))

Imported only when the listener is configured: it loads prometheus_client.
Probes answer JSON `{"ok": bool, "checks": {...}}` with 200 or 503.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import datetime

from aiohttp import web
from prometheus_client import CollectorRegistry

from bot.app.health import Health, Report
from bot.app.metrics import CONTENT_TYPE, Metrics
from bot.app.scheduler import Tick
from bot.core.errors import DeliveryError, StorywatchError
from bot.edges.config import Config, listen_address
from storage import Database, census

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Events:
    """The observer the use cases get: metrics hear everything, readiness hears sends."""

    def __init__(self, metrics: Metrics, health: Health) -> None:
        self._metrics = metrics
        self._outcomes = health.outcomes

    def fetched(self, outcome: str, seconds: float) -> None:
        """See `WatchEvents`."""
        self._metrics.fetched(outcome, seconds)

    def extracted(self, seconds: float) -> None:
        """See `WatchEvents`."""
        self._metrics.extracted(seconds)

    def checked(self, outcome: str, new: int, edited: int) -> None:
        """See `WatchEvents`."""
        self._metrics.checked(outcome, new, edited)

    def queued(self, platform: str, kind: str, count: int) -> None:
        """See `WatchEvents`."""
        self._metrics.queued(platform, kind, count)

    def sent(self, platform: str, kind: str) -> None:
        """See `DeliveryEvents`."""
        self._metrics.sent(platform, kind)
        self._outcomes.sent(platform, kind)

    def send_failed(self, platform: str, error: DeliveryError, *, final: bool) -> None:
        """See `DeliveryEvents`."""
        self._metrics.send_failed(platform, error, final=final)
        self._outcomes.send_failed(platform, error, final=final)

    def outage_began(self, platform: str) -> None:
        """See `DeliveryEvents`."""
        self._metrics.outage_began(platform)

    def outage_ended(self, platform: str, seconds: float) -> None:
        """See `DeliveryEvents`."""
        self._metrics.outage_ended(platform, seconds)

    def summary_asked(self, outcome: str, seconds: float) -> None:
        """See `SummaryEvents`."""
        self._metrics.summary_asked(outcome, seconds)

    def summary_fell_back(self, reason: str) -> None:
        """See `SummaryEvents`."""
        self._metrics.summary_fell_back(reason)


class Operations:
    """What the composition root wires in: the observer, the platforms, the ticks."""

    def __init__(self, metrics: Metrics, health: Health) -> None:
        self.events = Events(metrics, health)
        self._health = health

    def watch_platforms(self, messengers: Mapping[str, object]) -> None:
        """The platforms are started: readiness looks at their connections from now on."""
        self._health.watch_platforms(messengers)

    def watched(self, ticks: Sequence[Tick]) -> list[Tick]:
        """The ticks, each noting when it fires (readiness: the scheduler is ticking)."""
        return self._health.heartbeat.watched(ticks)


@asynccontextmanager
async def serving(config: Config, db: Database, registry: CollectorRegistry,
                  clock: Clock) -> AsyncIterator[Operations]:
    """Serve the listener on `config.metrics.listen` for the block.

    Raises StorywatchError when the address cannot be bound (in use, not local).
    """
    assert config.metrics.listen is not None
    host, port = listen_address(config.metrics.listen)
    metrics = Metrics(registry)
    health = Health(db, clock, max_pending_age=config.metrics.ready_max_pending_age)
    app = web.Application()
    app.router.add_get("/metrics", _metrics_handler(metrics, health, db, clock))
    app.router.add_get("/healthz", _probe(health.live))
    app.router.add_get("/readyz", _probe(health.ready))
    # No access log: Prometheus and the orchestrator ask every few seconds.
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    try:
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError as error:
            raise StorywatchError(f"cannot listen for metrics on {config.metrics.listen}: "
                                  f"{error.strerror or error}") from None
        yield Operations(metrics, health)
    finally:
        await runner.cleanup()


def _probe(answer: Callable[[], Awaitable[Report]]) -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        report = await answer()
        return web.json_response(report.as_json(), status=200 if report.ok else 503)

    return handle


def _metrics_handler(metrics: Metrics, health: Health, db: Database,
                     clock: Clock) -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        now = clock()
        try:
            taken = await census.take(db, now)
        except sqlite3.Error as error:
            log.warning("metrics: the database did not answer: %s", error,
                        extra={"event": "metrics_failed"})
            return web.Response(status=503, text=f"the database did not answer: {error}\n")
        body = metrics.render(taken, health.connected(), now)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})

    return handle
