"""The configured summarizer: never raises, falls back with a reason, bounded, observable."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from prometheus_client import CollectorRegistry, generate_latest

from bot.app.metrics import Metrics
from bot.app.status import InstanceStatus, render_status
from bot.app.summaries import COOL_DOWN, FAILURES_TO_PAUSE, Summaries, summarize_all
from bot.core.catchup import Happened
from bot.core.model import Entry, StoryRef
from bot.core.summarize import summarize
from bot.edges.config import SummaryConfig
from bot.edges.llm_summary import LlmSummarizer
from storage.components import ComponentState
from storage.status import ChatCounts, OutboxCounts, StoryCounts
from tests.fakes.chat_endpoint import SHAPES, ChatEndpoint, chat_endpoint

TEXT = "Rescue teams reached the northern villages at dawn. Roads remain blocked."
T0 = datetime(2024, 2, 3, 12, 0, tzinfo=UTC)


@dataclass
class Recorder:
    """The metrics' view: what the summarizer reported."""

    asked: Counter[str] = field(default_factory=Counter)
    fallbacks: Counter[str] = field(default_factory=Counter)

    def summary_asked(self, outcome: str, seconds: float) -> None:
        self.asked[outcome] += 1

    def summary_fell_back(self, reason: str) -> None:
        self.fallbacks[reason] += 1


class Ticker:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Rig:
    endpoint: ChatEndpoint
    edge: LlmSummarizer
    summaries: Summaries
    events: Recorder
    ticker: Ticker


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    """The configured summarizer on a loopback endpoint, llm_timeout 0.5 s, 2 at once."""
    events, ticker = Recorder(), Ticker()
    async with chat_endpoint() as endpoint, aiohttp.ClientSession() as session:
        edge = LlmSummarizer(SummaryConfig(llm_url=endpoint.url, llm_timeout=0.5), session)
        summaries = Summaries(edge, concurrency=2, clock=lambda: T0, events=events,
                              monotonic=ticker)
        yield Rig(endpoint, edge, summaries, events, ticker)


@pytest.mark.parametrize("shape", [shape for shape in SHAPES if shape != "good"])
async def test_every_unusable_answer_gives_the_extractive_summary(rig: Rig, shape: str) -> None:
    """Whatever the endpoint answers, the summary is the extractive one and is counted."""
    rig.endpoint.shape = shape
    assert await rig.summaries.summarize("Quake", TEXT, 120) == summarize("Quake", TEXT, 120)
    assert sum(rig.events.fallbacks.values()) == 1
    assert rig.summaries.health.state == "failing"


async def test_a_good_answer_is_used_and_counted(rig: Rig) -> None:
    """The endpoint's answer is the summary; the request counts as ok."""
    assert await rig.summaries.summarize("Quake", TEXT, 120) == "Rescuers reached the villages."
    assert rig.events.asked == Counter(ok=1) and not rig.events.fallbacks


async def test_health_says_failing_since_and_recovers(rig: Rig) -> None:
    """Health turns failing at the first failure, with its reason, and healthy again after."""
    rig.endpoint.shape = "500"
    await rig.summaries.summarize(None, TEXT, 120)
    assert (rig.summaries.health.state, rig.summaries.health.reason) == ("failing", "status")
    rig.endpoint.shape = "good"
    await rig.summaries.summarize(None, TEXT, 120)
    assert rig.summaries.health.state == "healthy"


async def test_fallbacks_log_once_a_minute_per_reason(
        rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    """Two failures a second apart log one line; the next minute's says how many were quiet."""
    rig.endpoint.shape = "not_json"
    with caplog.at_level(logging.WARNING, logger="bot.app.summaries"):
        await rig.summaries.summarize(None, TEXT, 120)
        rig.ticker.now += 1
        await rig.summaries.summarize(None, TEXT, 120)
        assert len(caplog.records) == 1 and "not_json" in caplog.records[0].getMessage()
        rig.ticker.now += 61
        await rig.summaries.summarize(None, TEXT, 120)
    assert len(caplog.records) == 2 and "1 more" in caplog.records[1].getMessage()


async def test_a_failing_endpoint_is_left_alone_for_a_while(rig: Rig) -> None:
    """After a few failures in a row the endpoint is not asked until the cool-down ends."""
    rig.endpoint.shape = "500"
    for _ in range(FAILURES_TO_PAUSE + 2):
        await rig.summaries.summarize(None, TEXT, 120)
    assert len(rig.endpoint.requests) == FAILURES_TO_PAUSE
    assert rig.events.fallbacks["paused"] == 2
    rig.ticker.now += COOL_DOWN
    rig.endpoint.shape = "good"
    assert await rig.summaries.summarize(None, TEXT, 120) == "Rescuers reached the villages."


async def test_requests_in_flight_stay_within_the_bound(rig: Rig) -> None:
    """However many summaries are asked at once, at most `concurrency` reach the endpoint."""
    rig.endpoint.delay = 0.05
    found = [Entry(f"u{n}", T0, f"{TEXT} {n}") for n in range(6)]
    made = await summarize_all(rig.summaries, found, 120, budget=None)
    assert set(made.values()) == {"Rescuers reached the villages."}
    assert rig.endpoint.peak == 2


async def test_the_budget_bounds_a_batch(rig: Rig) -> None:
    """Summaries not ready within the budget are extractive, and the batch returns then."""
    rig.endpoint.delay = 0.3  # the endpoint's timeout is 0.5 s
    found = [Entry(f"u{n}", T0, f"{TEXT} {n}") for n in range(6)]
    started = time.monotonic()
    made = await summarize_all(rig.summaries, found, 120, budget=0.6)
    assert time.monotonic() - started < 1.5
    endpoint_made = [key for key, text in made.items() if text == "Rescuers reached the villages."]
    assert len(endpoint_made) == 2 and len(made) == 6
    assert rig.events.fallbacks["budget"] == 4
    # Two were asked and cut off by the budget: the endpoint is slow, health says so.
    assert rig.events.asked["budget"] == 2 and rig.summaries.health.state == "failing"


async def test_without_an_endpoint_the_summary_is_extractive() -> None:
    """No endpoint configured: extractive, and health says so."""
    summaries = Summaries(None, concurrency=1, clock=lambda: T0)
    assert await summaries.summarize("Quake", TEXT, 120) == summarize("Quake", TEXT, 120)
    assert summaries.health.state == "extractive"
    assert await summaries.complete("system", "user", 100) is None


async def test_a_cancelled_batch_leaves_no_request_running(rig: Rig) -> None:
    """Cancelling the check cancels its summaries too."""
    rig.endpoint.shape = "hang"
    found = [Entry(f"u{n}", T0, TEXT) for n in range(3)]
    batch = asyncio.ensure_future(summarize_all(rig.summaries, found, 120, budget=None))
    await rig.endpoint.wait(lambda: bool(rig.endpoint.requests))
    batch.cancel()
    with pytest.raises(asyncio.CancelledError):
        await batch
    await rig.endpoint.wait(lambda: not rig.endpoint.in_flight)


def window_of(count: int) -> list[Happened]:
    """`count` updates of one story, ten minutes apart, the newest now."""
    story = StoryRef("https://news.example/live", "Live")
    return [Happened(story, Entry(f"u{n}", T0 - timedelta(minutes=10 * n),
                                  f"Development {n} was confirmed. Details follow."),
                     T0 - timedelta(minutes=10 * n)) for n in range(count)]


async def test_catchup_uses_the_endpoints_sourced_lines(rig: Rig) -> None:
    """The endpoint's sentences, each citing updates given, become the lines; one request
    carrying the updates, newest first."""
    rig.endpoint.summary = "Development 0 was confirmed [1] after development 1 [2]"
    text = await rig.summaries.catchup(window_of(3), since=T0 - timedelta(hours=2), until=T0,
                                       zone="UTC", limit=2000)
    assert text.splitlines()[1:] == [
        "12:00 · Development 0 was confirmed https://news.example/live",
        "11:50 · after development 1 https://news.example/live"]
    [request] = rig.endpoint.requests
    assert "[1] 2024-02-03 12:00 UTC | Live | Development 0" in str(request["messages"])


@pytest.mark.parametrize("shape", ["hang", "no_choices", "good"])
async def test_catchup_falls_back_to_extractive(rig: Rig, shape: str) -> None:
    """A hanging or broken endpoint, or an answer citing nothing ("good" cites no update),
    gives the extractive catch-up of 200 updates in one message within its limit."""
    rig.endpoint.shape = shape
    started = time.monotonic()
    text = await rig.summaries.catchup(window_of(200), since=T0 - timedelta(hours=24),
                                       until=T0, zone="UTC", limit=2000, within=0.4)
    assert time.monotonic() - started < 1.5
    assert len(text) <= 2000 and text.splitlines()[1].startswith("12:00 · Development 0")
    assert text.splitlines()[-1].endswith("earlier updates.")
    prompt = str(rig.endpoint.requests[0]["messages"])
    assert len(prompt) < 16_000


async def test_metrics_count_requests_latency_and_fallbacks(rig: Rig) -> None:
    """Prometheus sees each request by outcome, its latency, and each fallback by reason."""
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    summaries = Summaries(rig.edge, concurrency=1, clock=lambda: T0, events=metrics)
    await summaries.summarize(None, TEXT, 120)
    rig.endpoint.shape = "deep"
    await summaries.summarize(None, TEXT, 120)
    text = generate_latest(registry).decode()
    assert 'storywatch_summary_requests_total{outcome="ok"} 1.0' in text
    assert 'storywatch_summary_requests_total{outcome="too_deep"} 1.0' in text
    assert 'storywatch_summary_fallbacks_total{reason="too_deep"} 1.0' in text
    assert "storywatch_summary_seconds_count 2.0" in text


def test_status_text_says_the_endpoint_is_failing_and_since_when() -> None:
    """`storywatch status` ends with the summarizer's state, since when and why."""
    failing = ComponentState("summarizer", "failing", T0, "timeout", T0)
    status = InstanceStatus(T0, StoryCounts(1, 0, 0, 0), ChatCounts(1, 1),
                            OutboxCounts(0, None, 0, 0), (), failing)
    assert render_status(status).splitlines()[-1] == (
        "summaries: LLM endpoint failing since 2024-02-03 12:00:00 UTC (timeout)")
