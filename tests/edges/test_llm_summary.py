"""The LLM endpoint's adapter: a usable summary, or SummaryUnavailable with the reason."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.core.errors import SummaryUnavailable
from bot.edges.config import SummaryConfig
from bot.edges.llm_summary import LlmSummarizer
from tests.fakes.chat_endpoint import ChatEndpoint, chat_endpoint

TEXT = (
    "Rescue teams reached the northern villages at dawn. Roads remain blocked by "
    "landslides. The army has sent helicopters with food and medicine."
)


@pytest.fixture
async def endpoint() -> AsyncIterator[ChatEndpoint]:
    """A chat-completions endpoint on loopback."""
    async with chat_endpoint() as served:
        yield served


async def summarize_with(endpoint: ChatEndpoint, **config: object) -> str:
    async with aiohttp.ClientSession() as session:
        settings = SummaryConfig(llm_url=endpoint.url, **config)  # type: ignore[arg-type]
        return await LlmSummarizer(settings, session).summarize("Quake rescue", TEXT, 120)


async def test_endpoint_summary_is_used(endpoint: ChatEndpoint) -> None:
    """A good answer becomes the summary, whitespace tidied; the request carries the text,
    the model and the key."""
    endpoint.summary = "  Rescuers reached cut-off villages;\nhelicopters bring aid. "
    summary = await summarize_with(endpoint, llm_model="tiny", api_key="sk-test")
    assert summary == "Rescuers reached cut-off villages; helicopters bring aid."
    assert "Rescue teams reached" in str(endpoint.requests[0]["messages"])
    assert endpoint.requests[0]["model"] == "tiny"
    assert endpoint.headers[0]["Authorization"] == "Bearer sk-test"


@pytest.mark.parametrize(("shape", "reason"), [
    ("no_choices", "bad_shape"),
    ("no_choices_key", "bad_shape"),
    ("deep", "too_deep"),
    ("500", "status"),
    ("hang", "timeout"),
    ("not_json", "not_json"),
    ("empty", "empty"),
    ("null", "no_text"),
    ("too_long", "too_long"),
    ("huge", "too_large"),
    ("bomb", "too_large"),
])
async def test_unusable_answers_are_named(endpoint: ChatEndpoint, shape: str,
                                          reason: str) -> None:
    """Every unusable answer raises SummaryUnavailable with its reason, nothing else."""
    endpoint.shape = shape
    with pytest.raises(SummaryUnavailable) as raised:
        await summarize_with(endpoint, llm_timeout=0.5)
    assert raised.value.reason == reason


async def test_unreachable_endpoint_is_a_network_reason() -> None:
    """An endpoint nobody listens on is a network failure, not a crash."""
    async with aiohttp.ClientSession() as session:
        settings = SummaryConfig(llm_url="http://127.0.0.1:9/v1/chat/completions")
        with pytest.raises(SummaryUnavailable) as raised:
            await LlmSummarizer(settings, session).summarize(None, TEXT, 120)
    assert raised.value.reason == "network"
