"""A check with the configured summarizer: no answer costs an alert, only what is sent is
asked for, and an unexpected error is the check's recorded failure."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest

from bot.app.summaries import Summaries
from bot.app.watcher import Watcher
from bot.core.model import Alert, Fetched, Page
from bot.core.summarize import ExtractiveSummarizer
from bot.edges.config import SummaryConfig
from bot.edges.llm_summary import LlmSummarizer
from storage import stories
from tests.app.test_watcher import POLICY, T0, World, update
from tests.app.test_watcher import world as world  # the fixture
from tests.fakes.chat_endpoint import SHAPES, ChatEndpoint, chat_endpoint


@pytest.fixture
async def endpoint() -> AsyncIterator[ChatEndpoint]:
    """A chat-completions endpoint on loopback."""
    async with chat_endpoint() as served:
        yield served


@pytest.fixture
async def summaries(endpoint: ChatEndpoint) -> AsyncIterator[Summaries]:
    """The configured summarizer on that endpoint (llm_timeout 0.3 s)."""
    async with aiohttp.ClientSession() as session:
        edge = LlmSummarizer(SummaryConfig(llm_url=endpoint.url, llm_timeout=0.3), session)
        yield Summaries(edge, concurrency=4, clock=lambda: T0)


def watcher(world: World, summaries: Summaries, burst_limit: int = 3) -> Watcher:
    policy = dataclasses.replace(POLICY, burst_limit=burst_limit, summary_budget=2.0)
    return Watcher(world.db, world.source, world.source.extract, summaries, policy, world.clock)


@pytest.mark.parametrize("shape", SHAPES)
async def test_every_answer_shape_gives_exactly_one_alert(
        world: World, endpoint: ChatEndpoint, summaries: Summaries, shape: str) -> None:
    """Whatever the endpoint answers, the update is alerted once and the story is not failing:
    its next check is at its interval."""
    world.source.show([update(1)])
    await watcher(world, summaries).check(world.story_id)
    endpoint.shape = shape
    world.source.show([update(2), update(1)])
    result = await watcher(world, summaries).check(world.story_id)
    assert result.outcome == "checked" and result.next_check_at == world.clock.now + timedelta(
        seconds=POLICY.interval)
    [delivery] = await world.deliveries()
    assert isinstance(delivery.message, Alert) and delivery.message.summary
    story = await stories.get(world.db, world.story_id)
    assert story is not None and (story.state, story.failures) == ("active", 0)


async def test_folded_updates_are_not_summarized(
        world: World, endpoint: ChatEndpoint, summaries: Summaries) -> None:
    """Eight new updates with a burst limit of three: three requests, one per alert sent."""
    world.source.show([update(1)])
    await watcher(world, summaries).check(world.story_id)
    world.source.show([*(update(n) for n in range(9, 1, -1)), update(1)])
    await watcher(world, summaries).check(world.story_id)
    assert len(await world.deliveries()) == 4  # one folded message and three alerts
    assert len(endpoint.requests) == 3


async def test_nobody_subscribed_asks_for_nothing(
        world: World, endpoint: ChatEndpoint, summaries: Summaries) -> None:
    """A story whose followers all left gets no summary requests."""
    world.source.show([update(1)])
    await watcher(world, summaries).check(world.story_id)
    async with world.db.write() as tx:
        await tx.execute("UPDATE subscriptions SET active = 0")
    world.source.show([update(2), update(1)])
    await watcher(world, summaries).check(world.story_id)
    assert endpoint.requests == []


async def test_an_unexpected_error_is_a_recorded_failure_that_backs_off(world: World) -> None:
    """A crash inside a check is recorded as its failure, with the error, and backs off."""
    world.source.show([update(1)])
    await world.watcher().check(world.story_id)

    def broken(fetched: Fetched) -> Page:
        raise IndexError("list index out of range")

    world.source.show([update(2), update(1)])
    crashing = Watcher(world.db, world.source, broken, ExtractiveSummarizer(), POLICY,
                       world.clock)
    first = await crashing.check(world.story_id)
    second = await crashing.check(world.story_id)
    assert first.outcome == "failed" and "IndexError" in (first.error or "")
    assert second.next_check_at - world.clock.now == timedelta(seconds=120)
    story = await stories.get(world.db, world.story_id)
    assert story is not None and (story.state, story.failures) == ("failing", 2)
    assert "IndexError" in (story.last_error or "")
    await world.watcher().check(world.story_id)
    assert await world.alerted() == ["u2"]
