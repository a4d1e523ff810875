"""Prometheus metrics: counters moved by the use cases' events, gauges read from storage.

Imported only when `[metrics] listen` is set (prometheus_client is not loaded
otherwise). Every metric lives in the registry the composition root hands in,
never in the library's global one, so two instances (tests) never share counts.

Names follow Prometheus' conventions: `storywatch_` prefix, `_total` on
counters, `_seconds` for durations; labels are bounded (an outcome, a platform,
a delivery kind, an error class), never a URL or a chat id.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.process_collector import ProcessCollector

from bot.app.telemetry import error_label
from bot.core.errors import DeliveryError, RateLimited
from storage.census import Census

CONTENT_TYPE = CONTENT_TYPE_LATEST
# Fetches of live pages take tens of milliseconds to tens of seconds (the total timeout).
FETCH_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# A summary from a chat endpoint: a fraction of a second to the timeout (10 s by default).
SUMMARY_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# Extraction of one page: a millisecond for a feed, about a second for a 2 MB live blog.
EXTRACT_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

STORY_GAUGES = {
    "followed": "Stories with at least one active subscription.",
    "polled": "Stories checked on schedule (active or failing).",
    "failing": "Stories whose last checks failed.",
    "retired": "Stories no longer polled: quiet, or failing, for too long.",
    "due": "Polled stories whose check is due now or overdue.",
}


class Metrics:
    """The instance's metrics; implements `WatchEvents`, `DeliveryEvents`, `SummaryEvents`."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry
        ProcessCollector(namespace="storywatch", registry=registry)  # RSS, CPU, open fds
        self._fetches = Counter("storywatch_fetches_total",
                                'Story fetches by outcome: "200", "304" or the error class.',
                                ["outcome"], registry=registry)
        self._fetch_seconds = Histogram("storywatch_fetch_seconds", "Time to fetch a story.",
                                        buckets=FETCH_BUCKETS, registry=registry)
        self._extract_seconds = Histogram("storywatch_extraction_seconds",
                                          "Time to extract a fetched page's entries.",
                                          buckets=EXTRACT_BUCKETS, registry=registry)
        self._checks = Counter("storywatch_checks_total",
                               "Story checks by outcome (baseline, checked, unchanged, failed).",
                               ["outcome"], registry=registry)
        self._updates = Counter("storywatch_updates_found_total",
                                "Updates found by checks after the baseline, new or edited.",
                                ["kind"], registry=registry)
        self._queued = Counter("storywatch_alerts_queued_total",
                               "Deliveries written to the outbox by checks.",
                               ["platform", "kind"], registry=registry)
        self._sent = Counter("storywatch_alerts_sent_total",
                             "Deliveries the platform accepted.",
                             ["platform", "kind"], registry=registry)
        self._failed = Counter("storywatch_alerts_failed_total",
                               "Deliveries given up on, by the error that ended them.",
                               ["platform", "reason"], registry=registry)
        self._send_errors = Counter("storywatch_send_errors_total",
                                    "Failed send attempts, retried or not, by error class.",
                                    ["platform", "reason"], registry=registry)
        self._limited = Counter("storywatch_rate_limited_total",
                                "429 answers (flood waits) from a platform.",
                                ["platform"], registry=registry)
        self._limited_seconds = Counter("storywatch_rate_limit_wait_seconds_total",
                                        "Seconds the platforms' 429s asked to wait.",
                                        ["platform"], registry=registry)
        self._outages = Counter("storywatch_outages_total",
                                "Times a platform was held to be down (sends to many chats "
                                "failing together).", ["platform"], registry=registry)
        self._outage_seconds = Counter("storywatch_outage_seconds_total",
                                       "Seconds platforms were down, counted when each outage "
                                       "ends.", ["platform"], registry=registry)

        self._summaries = Counter("storywatch_summary_requests_total",
                                  'Requests to the summary endpoint by outcome: "ok" or why not.',
                                  ["outcome"], registry=registry)
        self._summary_seconds = Histogram("storywatch_summary_seconds",
                                          "Time the summary endpoint took to answer (or fail).",
                                          buckets=SUMMARY_BUCKETS, registry=registry)
        self._fallbacks = Counter("storywatch_summary_fallbacks_total",
                                  "Extractive summaries used instead of the endpoint's, by reason.",
                                  ["reason"], registry=registry)
        # Separate gauges, not one with a state label: the sets overlap (a due story is
        # polled and usually followed), so a sum over such a label would mean nothing.
        self._stories = {name: Gauge(f"storywatch_stories_{name}", about, registry=registry)
                         for name, about in STORY_GAUGES.items()}
        self._poll_lag = Gauge("storywatch_poll_lag_seconds",
                               "How long the most overdue due story has waited for its check.",
                               registry=registry)
        self._pending = Gauge("storywatch_outbox_pending", "Deliveries waiting to be sent.",
                              ["platform"], registry=registry)
        self._oldest = Gauge("storywatch_outbox_oldest_pending_age_seconds",
                             "Age of the oldest delivery waiting to be sent.",
                             ["platform"], registry=registry)
        self._held = Gauge("storywatch_digest_backlog",
                           "Alerts held for a digest or a mute.", ["platform"], registry=registry)
        self._connected = Gauge("storywatch_platform_connected",
                                "1 while the platform answers (as /readyz sees it), else 0.",
                                ["platform"], registry=registry)

    # ----- WatchEvents ----------------------------------------------------------------

    def fetched(self, outcome: str, seconds: float) -> None:
        """Count the fetch and time it."""
        self._fetches.labels(outcome).inc()
        self._fetch_seconds.observe(seconds)

    def extracted(self, seconds: float) -> None:
        """Time the extraction."""
        self._extract_seconds.observe(seconds)

    def checked(self, outcome: str, new: int, edited: int) -> None:
        """Count the check; a baseline's entries are not updates found."""
        self._checks.labels(outcome).inc()
        if outcome == "checked":
            self._updates.labels("new").inc(new)
            self._updates.labels("edited").inc(edited)

    def queued(self, platform: str, kind: str, count: int) -> None:
        """Count deliveries written to the outbox."""
        self._queued.labels(platform, kind).inc(count)

    # ----- DeliveryEvents -------------------------------------------------------------

    def sent(self, platform: str, kind: str) -> None:
        """Count a delivery the platform took."""
        self._sent.labels(platform, kind).inc()

    def send_failed(self, platform: str, error: DeliveryError, *, final: bool) -> None:
        """Count the failed attempt, the delivery given up, and a flood wait's seconds."""
        reason = error_label(error)
        self._send_errors.labels(platform, reason).inc()
        if final:
            self._failed.labels(platform, reason).inc()
        if isinstance(error, RateLimited):
            self._limited.labels(platform).inc()
            self._limited_seconds.labels(platform).inc(error.retry_after)

    def outage_began(self, platform: str) -> None:
        """Count the outage."""
        self._outages.labels(platform).inc()

    def outage_ended(self, platform: str, seconds: float) -> None:
        """Add its length."""
        self._outage_seconds.labels(platform).inc(seconds)

    # ----- SummaryEvents --------------------------------------------------------------

    def summary_asked(self, outcome: str, seconds: float) -> None:
        """Count the request and time it."""
        self._summaries.labels(outcome).inc()
        self._summary_seconds.observe(seconds)

    def summary_fell_back(self, reason: str) -> None:
        """Count an extractive summary used instead of the endpoint's."""
        self._fallbacks.labels(reason).inc()

    # ----- scrape ---------------------------------------------------------------------

    def render(self, census: Census, connected: Mapping[str, bool], now: datetime) -> bytes:
        """The text exposition, with the gauges set from `census` and `connected` first.

        Platform series are replaced wholesale: a platform whose queue emptied shows
        0 for the running ones and disappears for the others, never a stale count.
        """
        for name, gauge in self._stories.items():
            gauge.set(getattr(census, name))
        self._poll_lag.set(_age(census.oldest_due, now))
        for gauge in (self._pending, self._oldest, self._held, self._connected):
            gauge.clear()
        for platform in connected:
            for gauge in (self._pending, self._oldest, self._held):
                gauge.labels(platform).set(0)
        for queue in census.queues:
            self._pending.labels(queue.platform).set(queue.pending)
            self._oldest.labels(queue.platform).set(_age(queue.oldest_pending, now))
            self._held.labels(queue.platform).set(queue.held)
        for platform, up in connected.items():
            self._connected.labels(platform).set(int(up))
        return generate_latest(self._registry)


def _age(since: datetime | None, now: datetime) -> float:
    return 0.0 if since is None else max((now - since).total_seconds(), 0.0)
