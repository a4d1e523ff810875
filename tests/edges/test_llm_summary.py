"""The optional LLM summarizer: used when it answers well, replaced when it doesn't."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest
from aiohttp import web

from bot.edges.config import SummaryConfig
from bot.edges.llm_summary import LlmSummarizer

TEXT = (
    "Rescue teams reached the northern villages at dawn. Roads remain blocked by "
    "landslides. The army has sent helicopters with food and medicine."
)
Answer = Callable[[web.Request], web.StreamResponse]


@pytest.fixture
async def endpoint() -> AsyncIterator[tuple[str, list[Answer], list[dict[str, object]]]]:
    """A chat-completions endpoint on loopback answering with whatever the test queues."""
    answers: list[Answer] = []
    seen: list[dict[str, object]] = []

    async def handle(request: web.Request) -> web.StreamResponse:
        seen.append(await request.json())
        return await answers.pop(0)(request)  # type: ignore[misc]

    app = web.Application()
    app.router.add_post("/v1/chat/completions", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}/v1/chat/completions", answers, seen
    await runner.cleanup()


def respond(body: object) -> Answer:
    async def answer(_: web.Request) -> web.StreamResponse:
        return web.json_response(body)

    return answer  # type: ignore[return-value]


def reply(content: str) -> Answer:
    return respond({"choices": [{"message": {"content": content}}]})


async def summarize_with(url: str, **config: object) -> str:
    async with aiohttp.ClientSession() as session:
        summarizer = LlmSummarizer(SummaryConfig(llm_url=url, **config), session)  # type: ignore[arg-type]
        return await summarizer.summarize("Quake rescue", TEXT, 120)


async def test_endpoint_summary_is_used(
    endpoint: tuple[str, list[Answer], list[dict[str, object]]],
) -> None:
    """A good answer from the endpoint becomes the summary, whitespace tidied."""
    url, answers, seen = endpoint
    answers.append(reply("  Rescuers reached cut-off villages;\nhelicopters bring aid. "))
    assert await summarize_with(url) == "Rescuers reached cut-off villages; helicopters bring aid."
    assert "Rescue teams reached" in str(seen[0]["messages"])


async def test_server_error_falls_back(
    endpoint: tuple[str, list[Answer], list[dict[str, object]]],
) -> None:
    """A 500 from the endpoint gives the extractive summary."""
    url, answers, _ = endpoint

    async def broken(_: web.Request) -> web.StreamResponse:
        return web.Response(status=500)

    answers.append(broken)  # type: ignore[arg-type]
    summary = await summarize_with(url)
    assert summary.startswith("Quake rescue") and "Rescue teams reached" in summary


async def test_slow_endpoint_falls_back(
    endpoint: tuple[str, list[Answer], list[dict[str, object]]],
) -> None:
    """An endpoint slower than summary.llm_timeout gives the extractive summary."""
    url, answers, _ = endpoint
    release = asyncio.Event()

    async def slow(_: web.Request) -> web.StreamResponse:
        await release.wait()
        return web.json_response({})

    answers.append(slow)  # type: ignore[arg-type]
    summary = await summarize_with(url, llm_timeout=0.2)
    release.set()
    assert "Rescue teams reached" in summary


async def test_overlong_answer_falls_back(
    endpoint: tuple[str, list[Answer], list[dict[str, object]]],
) -> None:
    """An answer over the budget is not cut: the extractive summary is used."""
    url, answers, _ = endpoint
    answers.append(reply("word " * 100))
    summary = await summarize_with(url)
    assert len(summary) <= 120 and "Rescue teams" in summary


async def test_malformed_answer_falls_back(
    endpoint: tuple[str, list[Answer], list[dict[str, object]]],
) -> None:
    """A JSON answer without choices gives the extractive summary."""
    url, answers, _ = endpoint
    answers.append(respond({"error": "no model"}))
    assert "Rescue teams" in await summarize_with(url)
