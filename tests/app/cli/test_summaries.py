"""`storywatch run` and `watch` with an LLM endpoint on loopback: the configured summary is
used, and no answer of the endpoint costs an alert, fails the check or hides from `status`."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.app.cli.console_bot import console_bot
from tests.app.cli.runner import cli_env, storywatch
from tests.app.cli.test_watch import update, watching
from tests.fakes.chat_endpoint import ChatEndpoint, chat_endpoint
from tests.fakes.stories import LiveStory
from tests.fakes.web import WebServer

# Checked every second while the scheduler ticks ten times a second: a check that crashed
# unrecorded used to be retried at every tick.
STEADY = {
    "STORYWATCH_FETCH__ALLOW_NETWORKS": '["127.0.0.0/8"]',
    "STORYWATCH_SCHEDULE__INTERVAL": "1",
    "STORYWATCH_SCHEDULE__MIN_INTERVAL": "1",
    "STORYWATCH_SCHEDULE__MAX_INTERVAL": "1",
    "STORYWATCH_SCHEDULE__TICK": "0.1",
    "STORYWATCH_SUMMARY__LLM_TIMEOUT": "1",
}


@pytest.fixture
async def endpoint() -> AsyncIterator[ChatEndpoint]:
    """A chat-completions endpoint on loopback."""
    async with chat_endpoint() as served:
        yield served


async def test_run_alerts_once_and_reports_a_failing_endpoint(
        web_server: WebServer, endpoint: ChatEndpoint, tmp_path: Path) -> None:
    """An endpoint answering {"choices": []} (a content filter): the update is alerted once
    with the extractive summary, the story is fetched at its interval, not at every tick,
    and `status` says the summarizer is failing, and why."""
    endpoint.shape = "no_choices"
    story = LiveStory(web_server, "/live", "Strikes: live")
    story.post("Iran condemns the strikes on targets in Syria and Iraq.")
    env = cli_env(tmp_path, **STEADY, STORYWATCH_SUMMARY__LLM_URL=endpoint.url)
    async with console_bot(env) as bot:
        await bot.command(f"/subscribe {story.url}", "New updates will be sent here")
        story.post("Russia calls for an emergency meeting of the UN Security Council.")
        await bot.expect("emergency meeting")
        started = time.monotonic()
        await web_server.fetched_again("/live", times=2)
        two_checks = time.monotonic() - started
        status = json.loads((await storywatch("status", "--json", env=env)).stdout)
        listing = await bot.command("/list", "1. “Strikes: live”")
    assert bot.output.count("emergency meeting") == 1 and "failing" not in listing
    assert len(endpoint.requests) == 1
    assert status["stories"]["failing"] == 0
    assert status["summarizer"]["state"] == "failing"
    assert status["summarizer"]["reason"] == "bad_shape" and status["summarizer"]["since"]
    # Two more checks took about two intervals (a tick is a tenth of one): none was retried.
    assert two_checks > 1.0


async def test_watch_uses_the_configured_endpoint(
        web_server: WebServer, endpoint: ChatEndpoint, tmp_path: Path) -> None:
    """`watch` prints the endpoint's summary (it used to ignore summary.llm_url)."""
    endpoint.summary = "An endpoint's summary of update three."
    async with watching(web_server, tmp_path, [update(2), update(1)],
                        STORYWATCH_SUMMARY__LLM_URL=endpoint.url) as watch:
        watch.show([update(3), update(2), update(1)])
        [line] = await watch.lines(1)
    assert line["summary"] == "An endpoint's summary of update three."
    assert "Update number 3" in str(endpoint.requests[0]["messages"])


async def test_console_catchup_is_the_endpoints_sourced_lines(
        web_server: WebServer, endpoint: ChatEndpoint, tmp_path: Path) -> None:
    """/catchup in the console: one reply whose line is the endpoint's sentence citing the
    update, with the update's time and link; the request carried the update."""
    endpoint.summary = "Russia asked for an emergency UN meeting [1]"
    story = LiveStory(web_server, "/live", "Strikes: live")
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    story.post("Russia calls for an emergency meeting of the UN Security Council.",
               at=now - timedelta(minutes=5))
    env = cli_env(tmp_path, **STEADY, STORYWATCH_SUMMARY__LLM_URL=endpoint.url)
    async with console_bot(env) as bot:
        await bot.command(f"/subscribe {story.url}", "New updates will be sent here")
        reply = await bot.command("/catchup 1h", "Catch-up of the last 1 h")
    when, line = reply.strip().splitlines()[1].split(" · ")
    assert when.endswith(f"{now - timedelta(minutes=5):%H:%M}")  # with the day past midnight
    assert line == f"Russia asked for an emergency UN meeting {story.url}#post-1"
    assert "emergency meeting of the UN Security Council" in str(endpoint.requests[-1])


async def test_console_preview_uses_the_endpoint(
        web_server: WebServer, endpoint: ChatEndpoint, tmp_path: Path) -> None:
    """/preview shows the configured summarizer's summary of each update it lists."""
    endpoint.summary = "An endpoint's gist of the update."
    story = LiveStory(web_server, "/live", "Strikes: live")
    story.post("Iran condemns the strikes on targets in Syria and Iraq.")
    env = cli_env(tmp_path, **STEADY, STORYWATCH_SUMMARY__LLM_URL=endpoint.url)
    async with console_bot(env) as bot:
        reply = await bot.command(f"/preview {story.url}", "Not followed here")
    assert "An endpoint's gist of the update." in reply
