"""Discord slash commands through the real discord.py client, command layer and storage.

The fake Discord is the only fake: commands arrive as INTERACTION_CREATE over its
gateway, the bindings answer over its REST API, and stories are real pages on loopback.
"""

from __future__ import annotations

import asyncio
import html
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot.app.root import Pages, command_context, extract
from bot.app.watcher import Watcher, WatchPolicy
from bot.core.model import ChatRef, CheckResult
from bot.core.summarize import ExtractiveSummarizer
from bot.edges.config import Config, DiscordConfig, FetchConfig
from bot.edges.fetch import HttpFetcher
from bot.platforms.discord.bindings import install
from bot.platforms.discord.messenger import build_client, running
from handlers.commands import CommandLayer
from handlers.context import StoryChecker
from handlers.registry import SPECS
from storage import Database, chats, filters, subscriptions
from tests.fakes import discord_objects as objects
from tests.fakes.clock import FakeClock
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.web import WebServer

CHANNEL = objects.CHANNEL_ID
THREAD = "1300000000000000077"
DM = "1300000000000000066"
ADMIN = objects.MANAGE_CHANNELS
EPHEMERAL = 64
ADMIN_COMMANDS = {"mute", "unmute", "digest", "timezone", "edits", "images", "lock", "unlock",
                  "status", "successors", "track", "untrack"}


def live_page(count: int = 3, title: str = "Storm live") -> str:
    """A live blog with `count` JSON-LD updates, newest first."""
    updates = [{"@type": "BlogPosting", "@id": f"#u{n}", "datePublished":
                f"2024-02-03T10:{n:02d}:00+00:00",
                "articleBody": f"Update {n}: the storm reached town number {n} overnight."}
               for n in range(count, 0, -1)]
    posting = {"@context": "https://schema.org", "@type": "LiveBlogPosting", "headline": title,
               "liveBlogUpdate": updates}
    blocks = "".join(f'<article id="u{n}"><p>{html.escape(u["articleBody"])}</p></article>'
                     for n, u in zip(range(count, 0, -1), updates, strict=True))
    return (f'<!doctype html><html><head><title>{title}</title><script type="application/ld+json">'
            f"{json.dumps(posting)}</script></head><body><h1>{title}</h1>{blocks}</body></html>")


@dataclass
class Bot:
    """The running bindings and what a test inspects."""

    fake: FakeDiscord
    db: Database


@dataclass(frozen=True)
class Answer:
    """What a user saw in answer to a command."""

    content: str
    ephemeral: bool
    deferred: bool


class BrokenChecker:
    """A story checker whose every check fails unexpectedly (a bug, not a fetch error)."""

    async def check(self, story_id: int) -> CheckResult:
        raise RuntimeError("boom")


def now() -> datetime:
    return datetime.now(UTC)


@asynccontextmanager
async def started(fake: FakeDiscord, tmp_path: Path, checker: StoryChecker | None = None
                  ) -> AsyncIterator[Bot]:
    """The bindings installed on a real client, built as the composition root builds them."""
    discord = DiscordConfig(token=fake.token, api_base=fake.api_base,
                            gateway_url=fake.gateway_url)
    config = Config(fetch=FetchConfig(allow_networks=["127.0.0.0/8"]), discord=discord)
    async with (Database.open(tmp_path / "storywatch.db") as db,
                HttpFetcher(config.fetch) as fetcher):
        watcher = Watcher(db, fetcher, lambda fetched: extract(fetched, config),
                          ExtractiveSummarizer(), WatchPolicy.from_config(config), now)
        layer = CommandLayer(command_context(config, db, checker or watcher, now,
                                                 pages=Pages(fetcher, config)))
        client = build_client(discord, guild_ready_timeout=0.1)
        install(client, layer)
        async with running(client, discord, ready_timeout=5.0):
            yield Bot(fake, db)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(channel_ids=(CHANNEL, THREAD, DM)) as server:
        yield server


@pytest.fixture
async def bot(fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[Bot]:
    async with started(fake, tmp_path) as running_bot:
        yield running_bot


def option(name: str, value: Any, kind: int = 3) -> dict[str, Any]:
    return {"name": name, "type": kind, "value": value}


def sub(name: str, *options: dict[str, Any]) -> dict[str, Any]:
    """A subcommand option (type 1), as /filter add arrives."""
    return {"name": name, "type": 1, "options": list(options)}


async def command(fake: FakeDiscord, name: str, *options: dict[str, Any],
                  **where: Any) -> Answer:
    """Send a slash command and return its answer: the callback's, or the deferral's follow-up."""
    sent = await fake.send_command(name, list(options), **where)
    iid = sent["id"]

    def answered() -> bool:
        callback = fake.callbacks.get(iid)
        return callback is not None and (callback["type"] == 4 or bool(fake.followups.get(iid)))

    await fake.wait_until(answered, timeout=10.0)
    callback = fake.callbacks[iid]
    body = callback["data"] if callback["type"] == 4 else fake.followups[iid][0]
    return Answer(body["content"], bool((body.get("flags") or 0) & EPHEMERAL),
                  callback["type"] == 5)


async def subscribe(bot: Bot, url: str, **where: Any) -> Answer:
    return await command(bot.fake, "subscribe", option("url", url), **where)


async def test_commands_are_synced_with_admin_defaults(bot: Bot) -> None:
    """Start-up syncs every command globally; admin ones default to Manage Channels."""
    [put] = bot.fake.calls_to("PUT", f"/applications/{objects.APP_ID}/commands")
    synced = {c["name"]: c for c in put.json}
    assert set(synced) == {spec.name for spec in SPECS}
    assert {"subscribe", "unsubscribe", "list", "help", "filter", *ADMIN_COMMANDS} <= set(synced)
    for name, spec in synced.items():
        wanted = str(ADMIN) if name in ADMIN_COMMANDS else None
        found = spec.get("default_member_permissions")
        assert (None if found is None else str(found)) == wanted, name
    filter_actions = {o["name"] for o in synced["filter"]["options"]}
    assert filter_actions == {"add", "exclude", "remove", "clear", "list", "test"}
    digest_modes = [c["value"] for c in synced["digest"]["options"][0]["choices"]]
    assert digest_modes == ["off", "every", "daily"]


async def test_subscribe_defers_then_follows_up_with_the_story(
        bot: Bot, web_server: WebServer) -> None:
    """/subscribe defers, then a public follow-up names the title, the count and the latest."""
    url = web_server.set("/storm", live_page(3))
    answer = await subscribe(bot, url, permissions=0)
    assert answer.deferred and not answer.ephemeral
    assert "Storm live" in answer.content and "3 updates" in answer.content
    assert "Update 3" in answer.content
    [post] = [c for c in bot.fake.calls if c.path.startswith(f"/webhooks/{objects.APP_ID}/")]
    assert post.json["allowed_mentions"] == {"parse": []}


async def test_slow_subscribe_is_answered_after_the_deadline(tmp_path: Path) -> None:
    """A page slower than Discord's 3 s still gets its answer: the defer came first."""
    clock = FakeClock()
    gate = asyncio.Event()
    async with (GatedPage(gate) as page, FakeDiscord(clock=clock.seconds) as fake,
                started(fake, tmp_path)):
        sent = await fake.send_command("subscribe", [option("url", page.url)], permissions=0)
        await fake.wait_until(lambda: sent["id"] in fake.callbacks)
        clock.advance(60.0)  # the page takes a minute
        gate.set()
        await fake.wait_until(lambda: bool(fake.followups.get(sent["id"])), timeout=10.0)
    assert fake.callbacks[sent["id"]]["type"] == 5
    assert "Storm live" in fake.followups[sent["id"]][0]["content"]
    assert not [c for c in fake.calls if c.status == 404]


async def test_failed_subscribe_tells_only_the_caller(bot: Bot, web_server: WebServer) -> None:
    """A /subscribe that cannot follow its URL drops the public "thinking…" and answers privately."""
    answer = await subscribe(bot, web_server.url("/missing"))
    assert answer.ephemeral and "Can't follow" in answer.content
    assert bot.fake.calls_to(
        "DELETE", f"/webhooks/{objects.APP_ID}/{_token(bot.fake)}/messages/@original")


async def test_filter_add_needs_manage_channels(bot: Bot) -> None:
    """A member without Manage Channels cannot add a filter word; one with it can."""
    words = sub("add", option("words", 'iran "red sea"'))
    refused = await command(bot.fake, "filter", words, permissions=0)
    assert refused.ephemeral and "Only an admin" in refused.content
    assert await chats.by_ref(bot.db, ChatRef("discord", CHANNEL)) is None
    done = await command(bot.fake, "filter", words, permissions=ADMIN)
    assert not done.ephemeral and "include iran" in done.content
    chat = await chats.by_ref(bot.db, ChatRef("discord", CHANNEL))
    assert chat is not None and chat.kind == "guild"
    assert (await filters.of_level(bot.db, chat.id, None)).include == ("iran", "red sea")


async def test_status_is_for_admins_and_answers_privately(
        bot: Bot, web_server: WebServer) -> None:
    """/status: a member without Manage Channels is refused; an admin sees, privately, the
    channel's story with its last check, last update and next check."""
    url = web_server.set("/storm", live_page(3))
    await subscribe(bot, url, permissions=0)
    refused = await command(bot.fake, "status", permissions=0)
    assert refused.ephemeral and "Only an admin" in refused.content
    shown = await command(bot.fake, "status", permissions=ADMIN)
    assert shown.ephemeral
    assert "1. “Storm live” — active" in shown.content
    assert "last check 20" in shown.content and "next check 20" in shown.content
    assert "errors: none" in shown.content


async def test_in_a_dm_the_user_is_admin(bot: Bot) -> None:
    """In a DM the user may use admin commands without any permission."""
    answer = await command(bot.fake, "mute", option("duration", "1h30m"),
                           guild_id=None, channel_id=DM)
    assert answer.content.startswith("Muted until")
    chat = await chats.by_ref(bot.db, ChatRef("discord", DM))
    assert chat is not None and chat.kind == "dm" and chat.muted_until is not None


async def test_a_thread_is_a_chat_of_its_own(bot: Bot, web_server: WebServer) -> None:
    """A story followed in a thread belongs to the thread, not to its parent channel."""
    url = web_server.set("/storm", live_page(2))
    await subscribe(bot, url, channel_id=THREAD, parent_id=CHANNEL)
    in_thread = await command(bot.fake, "list", channel_id=THREAD, parent_id=CHANNEL)
    in_channel = await command(bot.fake, "list")
    assert "Storm live" in in_thread.content
    assert "follows no story" in in_channel.content
    chat = await chats.by_ref(bot.db, ChatRef("discord", THREAD))
    assert chat is not None and len(await subscriptions.for_chat(bot.db, chat.id)) == 1


async def test_unsubscribe_autocompletes_the_channels_stories(
        bot: Bot, web_server: WebServer) -> None:
    """/unsubscribe offers the channel's subscriptions as "N. title", and N unsubscribes."""
    await subscribe(bot, web_server.set("/storm", live_page(2)))
    await subscribe(bot, web_server.set("/flood", live_page(2, title="Flood live")))
    typed = {"name": "story", "type": 3, "value": "flo", "focused": True}
    sent = await bot.fake.send_autocomplete("unsubscribe", [typed])
    await bot.fake.wait_until(lambda: sent["id"] in bot.fake.callbacks)
    callback = bot.fake.callbacks[sent["id"]]
    assert callback["type"] == 8
    assert callback["data"]["choices"] == [{"name": "2. Flood live", "value": "2"}]
    answer = await command(bot.fake, "unsubscribe", option("story", "2"))
    assert "Stopped following “Flood live”" in answer.content


async def test_timezone_autocompletes_iana_names(bot: Bot) -> None:
    """/timezone offers IANA zones containing what was typed."""
    typed = {"name": "zone", "type": 3, "value": "london", "focused": True}
    sent = await bot.fake.send_autocomplete("timezone", [typed], permissions=ADMIN)
    await bot.fake.wait_until(lambda: sent["id"] in bot.fake.callbacks)
    choices = bot.fake.callbacks[sent["id"]]["data"]["choices"]
    assert {"name": "Europe/London", "value": "Europe/London"} in choices


async def test_private_replies_are_ephemeral(bot: Bot) -> None:
    """/help and /list concern only the caller: answered with flags 64, without mentions."""
    for name in ("help", "list"):
        sent = await bot.fake.send_command(name)
        await bot.fake.wait_until(lambda s=sent: s["id"] in bot.fake.callbacks)
        callback = bot.fake.callbacks[sent["id"]]
        assert callback["type"] == 4 and callback["data"]["flags"] == EPHEMERAL
        assert callback["data"]["allowed_mentions"] == {"parse": []}


async def test_bad_option_values_get_a_reason_and_an_example(bot: Bot) -> None:
    """A bad duration or a missing digest value is answered privately with an example."""
    mute = await command(bot.fake, "mute", option("duration", "soon"), permissions=ADMIN)
    digest = await command(bot.fake, "digest", option("mode", "every"), permissions=ADMIN)
    daily = await command(bot.fake, "digest", option("mode", "daily"), option("value", "25:00"),
                          permissions=ADMIN)
    assert mute.ephemeral and "not a duration" in mute.content and "/mute 1h30m" in mute.content
    assert digest.ephemeral and "needs a duration" in digest.content
    assert daily.ephemeral and "not a time" in daily.content
    assert await chats.by_ref(bot.db, ChatRef("discord", CHANNEL)) is None


async def test_digest_and_timezone_options_reach_the_chat(bot: Bot) -> None:
    """/digest daily 08:00 and /timezone europe/paris are stored for the channel."""
    zone = await command(bot.fake, "timezone", option("zone", "europe/paris"), permissions=ADMIN)
    digest = await command(bot.fake, "digest", option("mode", "daily"), option("value", "08:00"),
                           permissions=ADMIN)
    assert "Europe/Paris" in zone.content and "08:00" in digest.content
    chat = await chats.by_ref(bot.db, ChatRef("discord", CHANNEL))
    assert chat is not None and chat.timezone == "Europe/Paris" and chat.digest_at == "08:00"


async def test_a_failing_command_answers_in_one_line(
        fake: FakeDiscord, tmp_path: Path, web_server: WebServer) -> None:
    """An unexpected error in a command is answered with one line instead of silence."""
    async with started(fake, tmp_path, checker=BrokenChecker()) as bot:
        answer = await subscribe(bot, web_server.set("/storm", live_page(1)))
    assert answer.content.startswith("Something went wrong") and "\n" not in answer.content


def _token(fake: FakeDiscord) -> str:
    [(_, data)] = fake.rest.interactions.values()
    return str(data["token"])


class GatedPage:
    """A live page on loopback that answers only once the test opens its gate."""

    def __init__(self, gate: asyncio.Event) -> None:
        self._gate = gate
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def _serve(self, request: web.Request) -> web.Response:
        await self._gate.wait()
        return web.Response(text=live_page(2), content_type="text/html")

    async def __aenter__(self) -> GatedPage:
        app = web.Application()
        app.router.add_get("/live", self._serve)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/live"
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._gate.set()
        if self._runner is not None:
            await self._runner.cleanup()


async def test_catchup_defers_then_answers_the_channel(bot: Bot, web_server: WebServer) -> None:
    """/catchup with its options: deferred (an LLM may be slow), then one public message
    with the story's update of the last hour and its time."""
    recent = (datetime.now(UTC) - timedelta(minutes=20)).replace(second=0, microsecond=0)
    page = live_page(2).replace("2024-02-03T10:02:00+00:00", recent.isoformat())
    await subscribe(bot, web_server.set("/storm", page), permissions=0)
    answer = await command(bot.fake, "catchup", option("number", 1, kind=4),
                           option("duration", "1h"), permissions=0)
    assert answer.deferred and not answer.ephemeral
    assert answer.content.startswith("Catch-up of the last 1 h: 1 update in “Storm live”")
    # The time, with the day when that was before midnight.
    assert f"{recent:%H:%M} · Update 2: the storm reached town number 2" in answer.content
    assert "town number 1" not in answer.content


async def test_preview_defers_then_shows_the_story_in_the_channel(
        bot: Bot, web_server: WebServer) -> None:
    """/preview defers at once (it fetches a page), then answers in public with the title,
    the count and the newest updates; the channel follows nothing."""
    url = web_server.set("/storm", live_page(4))
    answer = await command(bot.fake, "preview", option("url", url), permissions=0)
    assert answer.deferred and not answer.ephemeral
    assert answer.content.startswith("“Storm live”: 4 updates; the newest:")
    assert "2024-02-03 10:04 UTC: Update 4" in answer.content
    assert "Update 1" not in answer.content
    assert await chats.by_ref(bot.db, ChatRef("discord", CHANNEL)) is None


async def test_filter_test_subcommand_answers_a_member_privately(
        bot: Bot, web_server: WebServer) -> None:
    """/filter test number:1 by a member without Manage Channels: the story's updates, each
    with what the subscription's filter decided, in a reply only they see."""
    url = web_server.set("/storm", live_page(3))
    await subscribe(bot, url, permissions=0)
    await command(bot.fake, "filter", sub("exclude", option("words", "3"), option("number", 1, 4)),
                  permissions=ADMIN)
    answer = await command(bot.fake, "filter", sub("test", option("number", 1, 4)),
                           permissions=0)
    assert answer.ephemeral
    assert answer.content.splitlines() == [
        "Filter test on the latest 3 updates of subscription 1: 2 pass, 1 dropped.",
        "2024-02-03 10:03 UTC dropped: exclude '3' (subscription's filter): "
        "Update 3: the storm reached town number 3 overnight.",
        "2024-02-03 10:02 UTC passes: no exclude word matched (subscription's filter): "
        "Update 2: the storm reached town number 2 overnight.",
        "2024-02-03 10:01 UTC passes: no exclude word matched (subscription's filter): "
        "Update 1: the storm reached town number 1 overnight."]
