"""The real `storywatch run` process against the fake Discord and live pages on loopback.

One process serves the whole module (start-up waits for Discord's guild-ready
delay); each test uses a channel and a story of its own.
"""

from __future__ import annotations

import asyncio
import html
import json
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import pytest_asyncio

from bot.core.render.discord_embed import embed_size
from tests.app.cli.runner import cli_env, start
from tests.fakes import discord_objects as objects
from tests.fakes.discord_api import Call, Failure, FakeDiscord
from tests.fakes.web import WebServer

pytestmark = pytest.mark.asyncio(loop_scope="module")

ALERTS = objects.CHANNEL_ID
FORBIDDEN = "1300000000000000011"
DELETED = "1300000000000000012"
LIMITED = "1300000000000000013"
FLAKY = "1300000000000000014"
# Healthy channels following the same stories as FORBIDDEN and DELETED.
WITNESSES = {FORBIDDEN: "1300000000000000021", DELETED: "1300000000000000022"}
CHANNELS = (ALERTS, FORBIDDEN, DELETED, LIMITED, FLAKY, *WITNESSES.values())
WAIT = 20.0


@dataclass(frozen=True)
class Update:
    """One update of a test story."""

    minute: int
    text: str
    headline: str | None = None


def live_page(updates: list[Update]) -> str:
    """A live blog with schema.org JSON-LD updates, newest first."""
    posts = [{"@type": "BlogPosting", "@id": f"#u{u.minute}", "headline": u.headline,
              "datePublished": f"2024-02-03T10:{u.minute:02d}:00+00:00", "articleBody": u.text}
             for u in sorted(updates, key=lambda u: -u.minute)]
    posting = {"@context": "https://schema.org", "@type": "LiveBlogPosting",
               "headline": "Storm live", "liveBlogUpdate": posts}
    blocks = "".join(f'<article id="u{u.minute}"><p>{html.escape(u.text)}</p></article>'
                     for u in sorted(updates, key=lambda u: -u.minute))
    return ('<!doctype html><html><head><title>Storm live</title>'
            f'<script type="application/ld+json">{json.dumps(posting)}</script></head>'
            f"<body><h1>Storm live</h1>{blocks}</body></html>")


def backlog() -> list[Update]:
    return [Update(n, f"Update {n}: the storm moved east past town number {n} overnight.")
            for n in (1, 2)]


@dataclass
class Service:
    """The running process, the fake Discord it talks to, and the pages it watches."""

    fake: FakeDiscord
    web: WebServer
    process: asyncio.subprocess.Process
    stderr: list[str] = field(default_factory=list)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def service(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Service]:
    async with WebServer() as web, FakeDiscord(channel_ids=CHANNELS) as fake:
        env = cli_env(tmp_path_factory.mktemp("run"), STORYWATCH_DISCORD__TOKEN=fake.token,
                      STORYWATCH_DISCORD__API_BASE=fake.api_base,
                      STORYWATCH_DISCORD__GATEWAY_URL=fake.gateway_url,
                      STORYWATCH_FETCH__ALLOW_NETWORKS='["127.0.0.0/8"]',
                      STORYWATCH_SCHEDULE__INTERVAL="0.3",
                      STORYWATCH_SCHEDULE__MIN_INTERVAL="0.3",
                      STORYWATCH_SCHEDULE__MAX_INTERVAL="1",
                      STORYWATCH_SCHEDULE__TICK="0.1",
                      STORYWATCH_DELIVERY__RETRY_BASE="0.2")
        process = await start("run", env=env)
        running = Service(fake, web, process)
        reader = asyncio.create_task(_drain(process, running.stderr))
        try:
            synced = f"/applications/{objects.APP_ID}/commands"
            await fake.wait_for(lambda c: c.method == "PUT" and c.path == synced, timeout=WAIT)
            yield running
        finally:
            status = await _stop(process)
            await reader
        assert status == 0, "".join(running.stderr)


async def _drain(process: asyncio.subprocess.Process, lines: list[str]) -> None:
    """Keep reading stderr so the process never blocks on a full pipe."""
    assert process.stderr is not None
    async for line in process.stderr:
        lines.append(line.decode(errors="replace"))


async def _stop(process: asyncio.subprocess.Process) -> int:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    try:
        return await asyncio.wait_for(process.wait(), WAIT)
    except TimeoutError:
        process.kill()
        raise


def posts_to(fake: FakeDiscord, channel: str) -> list[Call]:
    return fake.calls_to("POST", f"/channels/{channel}/messages")


async def command(service: Service, channel: str, name: str,
                  options: list[dict[str, Any]] | None = None) -> str:
    """Send a slash command in `channel` and return the text that answered it."""
    fake = service.fake
    sent = await fake.send_command(name, options or [], channel_id=channel, permissions=0)
    iid = sent["id"]

    def answered() -> bool:
        callback = fake.callbacks.get(iid)
        return callback is not None and (callback["type"] == 4 or bool(fake.followups.get(iid)))

    await fake.wait_until(answered, timeout=WAIT)
    callback = fake.callbacks[iid]
    body = callback["data"] if callback["type"] == 4 else fake.followups[iid][0]
    return str(body["content"])


async def follow(service: Service, channel: str, path: str) -> str:
    """Serve a story at `path` and subscribe `channel` to it; returns its URL."""
    url = service.web.set(path, live_page(backlog()))
    answer = await command(service, channel, "subscribe",
                           [{"name": "url", "type": 3, "value": url}])
    assert answer.startswith("Following"), answer
    return url


async def test_a_new_update_is_posted_as_an_embed_that_pings_nobody(service: Service) -> None:
    """A story's new update reaches the channel as one embed within limits, without mentions."""
    url = await follow(service, ALERTS, "/alerts")
    news = Update(3, "@everyone Flood warnings now cover the whole coast and the bridge is shut.",
                  headline="Flood warnings widen")
    service.web.set("/alerts", live_page([*backlog(), news]))
    post = await service.fake.wait_for(
        lambda c: c.path == f"/channels/{ALERTS}/messages", timeout=WAIT)
    assert post.status == 200
    assert post.json["allowed_mentions"] == {"parse": []}
    [embed] = post.json["embeds"]
    assert embed["title"] == "Flood warnings widen"
    assert embed["url"].startswith(url)
    assert "Flood warnings now cover the whole coast" in embed["description"]
    assert "@everyone" not in embed["description"]
    assert embed["timestamp"].startswith("2024-02-03T10:03:00")
    assert embed["footer"]["text"] == "Storm live"
    assert embed_size(embed) <= 6000
    assert len(posts_to(service.fake, ALERTS)) == 1


@pytest.mark.parametrize(("channel", "failure"), [
    (FORBIDDEN, Failure.missing_access()), (DELETED, Failure.unknown_channel())])
async def test_a_channel_discord_refuses_is_paused_and_not_retried(
        service: Service, channel: str, failure: Failure) -> None:
    """403 or 404 on a channel deactivates its subscriptions; nothing is sent there again."""
    path, witness = f"/gone-{channel}", WITNESSES[channel]
    url = await follow(service, channel, path)
    await command(service, witness, "subscribe", [{"name": "url", "type": 3, "value": url}])
    service.fake.fail(channel, failure, times=None)
    first = Update(3, "The river burst its banks.")
    service.web.set(path, live_page([*backlog(), first]))
    await service.fake.wait_until(lambda: len(posts_to(service.fake, witness)) == 1
                                  and len(posts_to(service.fake, channel)) == 1, timeout=WAIT)
    [refused] = posts_to(service.fake, channel)
    assert refused.status == failure.status
    async with asyncio.timeout(WAIT):  # each /list is a round trip: no sleep needed
        while "paused" not in await command(service, channel, "list"):
            pass
    service.web.set(path, live_page([*backlog(), first, Update(4, "Rescue boats arrived.")]))
    await service.fake.wait_until(lambda: len(posts_to(service.fake, witness)) == 2, timeout=WAIT)
    assert len(posts_to(service.fake, channel)) == 1


async def test_a_rate_limit_is_waited_out_then_delivered(service: Service) -> None:
    """A 429 with retry_after and Via is honoured, and the alert is delivered after it."""
    await follow(service, LIMITED, "/limited")
    service.fake.fail(LIMITED, Failure.rate_limited(0.5), times=1)
    service.web.set("/limited", live_page([*backlog(), Update(3, "Schools close early.")]))
    await service.fake.wait_until(
        lambda: [c.status for c in posts_to(service.fake, LIMITED)] == [429, 200], timeout=WAIT)
    limited, sent = posts_to(service.fake, LIMITED)
    assert sent.at - limited.at >= 0.45


async def test_server_errors_are_retried_until_delivered(service: Service) -> None:
    """5xx answers are retried with back-off and the alert is delivered once."""
    await follow(service, FLAKY, "/flaky")
    service.fake.fail(FLAKY, Failure.server_error(503), times=2)
    service.web.set("/flaky", live_page([*backlog(), Update(3, "Power is back in the north.")]))
    await service.fake.wait_until(
        lambda: [c.status for c in posts_to(service.fake, FLAKY)] == [503, 503, 200],
        timeout=WAIT)
    [delivered] = [m for m in service.fake.messages.values() if m["channel_id"] == FLAKY
                   and m["embeds"]]
    assert "Power is back" in delivered["embeds"][0]["description"]
