"""Commands: every admin-only command is refused for a non-admin on Telegram and on
Discord with nothing changed in storage; overlong arguments, too many subscriptions or filter
words, bad time zones, durations and times get one line with the reason and an example; a
flood of commands from one user is throttled."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.app.root import command_context, extract
from bot.app.watcher import Watcher, WatchPolicy
from bot.core.model import ChatRef
from bot.core.summarize import ExtractiveSummarizer
from bot.edges.config import (
    Config,
    DiscordConfig,
    FetchConfig,
    LimitsConfig,
    StorageConfig,
    TelegramConfig,
)
from bot.edges.fetch import HttpFetcher
from bot.platforms.discord import bindings as discord_bindings
from bot.platforms.discord.messenger import build_client
from bot.platforms.discord.messenger import running as discord_running
from bot.platforms.telegram import bindings as telegram_bindings
from bot.platforms.telegram.messenger import build_application
from bot.platforms.telegram.messenger import running as telegram_running
from handlers.commands import Caller, CommandLayer
from handlers.throttle import MAX_TRACKED, Throttle
from storage import Database, chats, filters, subscriptions
from tests.fakes import discord_objects as objects
from tests.fakes import telegram_updates as updates
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.telegram_api import TelegramApiServer
from tests.fakes.web import WebServer
from tests.platforms.discord.test_bindings import command as discord_command
from tests.platforms.discord.test_bindings import option, sub
from tests.platforms.telegram.test_bindings import live_page

GROUP, ADMIN, MEMBER, OTHER = -1001234, 6002, 6001, 6003
WAIT = 5.0
# Every admin-only command in its text form (docs/BEHAVIOUR.md, Chat commands), each a change if it were carried out.
ADMIN_TEXTS = [
    "/filter add iran", "/filter exclude sport", "/filter remove keep", "/filter clear",
    "/filter 1 add iran", "/filter 1 exclude sport", "/filter 1 remove kept", "/filter 1 clear",
    "/mute 1h", "/unmute", "/mute off", "/digest off", "/digest every 2h",
    "/digest daily 08:00", "/timezone Europe/London", "/edits off", "/edits on", "/lock",
    "/unlock", "/images off", "/images on",
]
# The same commands as Discord options: (name, options).
ADMIN_INTERACTIONS: list[tuple[str, list[dict[str, Any]]]] = [
    ("filter", [sub("add", option("words", "iran"))]),
    ("filter", [sub("exclude", option("words", "sport"))]),
    ("filter", [sub("remove", option("words", "keep"))]),
    ("filter", [sub("clear")]),
    ("filter", [sub("add", option("words", "iran"), option("number", 1, kind=4))]),
    ("filter", [sub("clear", option("number", 1, kind=4))]),
    ("mute", [option("duration", "1h")]), ("unmute", []),
    ("digest", [option("mode", "off")]),
    ("digest", [option("mode", "every"), option("value", "2h")]),
    ("digest", [option("mode", "daily"), option("value", "08:00")]),
    ("timezone", [option("zone", "Europe/London")]),
    ("edits", [option("setting", "off")]), ("edits", [option("setting", "on")]),
    ("lock", []), ("unlock", []),
    ("images", [option("setting", "off")]), ("images", [option("setting", "on")]),
]
# Permission bits a guild member may hold without being an admin of the channel.
NOT_MANAGE_CHANNELS = [0, objects.EVERYONE_PERMISSIONS, (1 << 13) | (1 << 1) | (1 << 2) | (1 << 5)]


def now() -> datetime:
    return datetime.now(UTC)


def config(tmp_path: Path, **limits: int) -> Config:
    return Config(storage=StorageConfig(path=tmp_path / "storywatch.db"),
                  fetch=FetchConfig(allow_networks=["127.0.0.0/8"]),
                  limits=LimitsConfig.model_validate(limits))


@asynccontextmanager
async def layer_for(config: Config) -> AsyncIterator[tuple[CommandLayer, Database]]:
    """The command layer as `storywatch run` builds it, on a fresh database."""
    async with (Database.open(config.storage.path) as db,
                HttpFetcher(config.fetch) as fetcher):
        watcher = Watcher(db, fetcher, lambda fetched: extract(fetched, config),
                          ExtractiveSummarizer(), WatchPolicy.from_config(config), now)
        yield CommandLayer(command_context(config, db, watcher, now)), db


async def snapshot(db: Database, ref: ChatRef) -> tuple[object, ...]:
    """Everything a command could change for the chat at `ref`."""
    chat = await chats.by_ref(db, ref)
    if chat is None:
        return (None,)
    following = await subscriptions.for_chat(db, chat.id)
    levels = [await filters.of_level(db, chat.id, s.id) for s in following]
    return chat, following, await filters.of_level(db, chat.id, None), levels


# --- Telegram ------------------------------------------------------------------------


@dataclass
class TelegramWorld:
    fake: TelegramApiServer
    db: Database

    async def ask(self, update: dict[str, Any], chat_id: int) -> str:
        """Inject `update`; the text of the next message sent to `chat_id`."""
        before = len(self.replies(chat_id))
        self.fake.inject(update)
        await self.fake.wait_for(lambda _: len(self.replies(chat_id)) > before, WAIT)
        return self.replies(chat_id)[before]

    def replies(self, chat_id: int) -> list[str]:
        return [c.params["text"] for c in self.fake.calls_to("sendMessage")
                if c.params["chat_id"] == chat_id]


@asynccontextmanager
async def telegram_world(config: Config) -> AsyncIterator[TelegramWorld]:
    async with TelegramApiServer() as fake, layer_for(config) as (layer, db):
        telegram = TelegramConfig(token=fake.token, base_url=fake.base_url, poll_timeout=1,
                                  rate_per_second=1000, group_rate_per_minute=60000)
        application = build_application(telegram)
        telegram_bindings.install(application, layer, telegram, now)
        async with telegram_running(application, telegram):
            yield TelegramWorld(fake, db)


async def _prepared_group(world: TelegramWorld, web: WebServer) -> ChatRef:
    """A group with a story followed and filter words at both levels, set up by its admin."""
    world.fake.set_member(GROUP, ADMIN, "administrator")
    url = web.set("/live", live_page(2))
    await world.ask(updates.group_command(GROUP, ADMIN, f"/subscribe {url}"), GROUP)
    await world.ask(updates.group_command(GROUP, ADMIN, "/filter add keep"), GROUP)
    await world.ask(updates.group_command(GROUP, ADMIN, "/filter 1 add kept"), GROUP)
    return ChatRef("telegram", str(GROUP))


@pytest.mark.parametrize("status", ["member", "left", "kicked"])
async def test_telegram_non_admins_are_refused_every_admin_command(
        tmp_path: Path, web_server: WebServer, status: str) -> None:
    """A group member (or a departed or banned user) is told each admin command
    is for admins, and the chat's settings, subscriptions and filters stay as they were."""
    async with telegram_world(config(tmp_path)) as world:
        ref = await _prepared_group(world, web_server)
        world.fake.set_member(GROUP, MEMBER, status)
        before = await snapshot(world.db, ref)
        for text in ADMIN_TEXTS:
            reply = await world.ask(updates.group_command(GROUP, MEMBER, text), GROUP)
            assert reply == "Only an admin of this chat can do that.", text
        assert await snapshot(world.db, ref) == before


async def test_telegram_linked_channel_persona_is_not_an_admin(tmp_path: Path,
                                                               web_server: WebServer) -> None:
    """A message sent as some other channel (not the group itself) is refused admin commands."""
    async with telegram_world(config(tmp_path)) as world:
        ref = await _prepared_group(world, web_server)
        before = await snapshot(world.db, ref)
        group = updates.Chat(id=GROUP, type=updates.Chat.SUPERGROUP, title="News room")
        persona = updates.Chat(id=-1009999, type=updates.Chat.CHANNEL, title="Persona")
        for text in ("/lock", "/filter clear", "/edits off"):
            update = updates.command_update(group, text, sender=updates.ANONYMOUS_ADMIN,
                                            sender_chat=persona)
            assert "Only an admin" in await world.ask(update, GROUP)
        assert await snapshot(world.db, ref) == before


async def test_telegram_flood_is_throttled_per_user(tmp_path: Path) -> None:
    """Past limits.commands_per_minute, one "slow down" reply, then silence; others go on."""
    async with telegram_world(config(tmp_path, commands_per_minute=3)) as world:
        for _ in range(8):
            world.fake.inject(updates.group_command(GROUP, MEMBER, "/help"))
        await world.fake.wait_for(lambda _: len(world.replies(GROUP)) >= 4, WAIT)
        other = await world.ask(updates.private_command(OTHER, "/help"), OTHER)
        assert "/subscribe URL" in other
        replies = world.replies(GROUP)
        assert len(replies) == 4 and sum("Slow down" in r for r in replies) == 1
        assert "3 commands a minute" in next(r for r in replies if "Slow down" in r)


# --- Discord -------------------------------------------------------------------------


@asynccontextmanager
async def discord_world(config: Config) -> AsyncIterator[tuple[FakeDiscord, Database]]:
    async with (FakeDiscord(channel_ids=(objects.CHANNEL_ID,)) as fake,
                layer_for(config) as (layer, db)):
        discord = DiscordConfig(token=fake.token, api_base=fake.api_base,
                                gateway_url=fake.gateway_url)
        client = build_client(discord, guild_ready_timeout=0.1)
        discord_bindings.install(client, layer)
        async with discord_running(client, discord, ready_timeout=5.0):
            yield fake, db


@pytest.mark.parametrize("permissions", NOT_MANAGE_CHANNELS)
async def test_discord_members_without_manage_channels_are_refused(
        tmp_path: Path, web_server: WebServer, permissions: int) -> None:
    """A guild member lacking Manage Channels is refused every admin command, privately, and
    nothing in storage changes; a member with it is obeyed."""
    admin = objects.MANAGE_CHANNELS
    ref = ChatRef("discord", objects.CHANNEL_ID)
    async with discord_world(config(tmp_path)) as (fake, db):
        url = web_server.set("/live", live_page(2))
        await discord_command(fake, "subscribe", option("url", url), permissions=admin)
        await discord_command(fake, "filter", sub("add", option("words", "keep")),
                              permissions=admin)
        before = await snapshot(db, ref)
        for name, options in ADMIN_INTERACTIONS:
            answer = await discord_command(fake, name, *options, permissions=permissions)
            assert answer.ephemeral and "Only an admin" in answer.content, (name, options)
        assert await snapshot(db, ref) == before
        done = await discord_command(fake, "edits", option("setting", "off"), permissions=admin)
        assert done.content.startswith("Edits off")
        chat = await chats.by_ref(db, ref)
        assert chat is not None and chat.edits is False


async def test_discord_flood_is_throttled(tmp_path: Path) -> None:
    """Past the limit a Discord user gets one "slow down", then no answer; others still do."""
    async with discord_world(config(tmp_path, commands_per_minute=2)) as (fake, _):
        sent = [await fake.send_command("help") for _ in range(6)]
        await fake.wait_until(lambda: sum(s["id"] in fake.callbacks for s in sent) >= 3)
        other = await discord_command(fake, "help", user_id="1300000000000000555")
        assert "/subscribe URL" in other.content
        answered = [fake.callbacks[s["id"]]["data"]["content"] for s in sent
                    if s["id"] in fake.callbacks]
        assert len(answered) == 3 and sum("Slow down" in a for a in answered) == 1


async def test_discord_overlong_option_gets_a_reason(tmp_path: Path) -> None:
    """An option over limits.argument_chars is refused with the limit and an example."""
    async with discord_world(config(tmp_path, argument_chars=40)) as (fake, _):
        answer = await discord_command(fake, "filter", sub("add", option("words", "w " * 30)),
                                       permissions=objects.MANAGE_CHANNELS)
    assert answer.ephemeral and "over 40 characters" in answer.content
    assert "example: /filter" in answer.content and "\n" not in answer.content


# --- one-line reasons, through the command layer ------------------------------------


def caller(user: str = "u1", admin: bool = True) -> Caller:
    async def is_admin() -> bool:
        return admin

    return Caller(ChatRef("telegram", "42"), "private", user, is_admin)


BAD_ARGUMENTS = [
    # time zones
    "/timezone Mars/Olympus", "/timezone ../../etc/passwd", "/timezone UTC+25",
    "/timezone Europe/London/extra", "/timezone Europe\\London", "/timezone " + "A" * 300,
    "/timezone", "/timezone Europe/London America/New_York", "/timezone /etc/localtime",
    "/timezone Europe", "/timezone Etc", "/timezone Europe/", "/timezone localtime",
    "/timezone UTC\x00",
    # durations
    "/mute 0m", "/mute -5m", "/mute 1y", "/mute 999999999d", "/mute 367d", "/mute 1h-30m",
    "/mute abc", "/mute 1.5.5h", "/mute 5", "/mute m", "/mute 1e9s", "/mute NaN",
    "/mute ١h", "/mute", "/digest every 0s", "/digest every forever", "/digest every",
    # times
    "/digest daily 24:00", "/digest daily 12:60", "/digest daily 8", "/digest daily 08:00:00",
    "/digest daily -1:00", "/digest daily noon", "/digest daily 8pm", "/digest daily ٠٨:٠٠",
    "/digest daily", "/digest weekly",
    # other arguments
    "/list 0", "/list -1", "/list 9999999999", "/list two", "/edits maybe", "/edits",
    "/images maybe", "/images", "/images off please",
    "/filter frobnicate x", "/filter add", "/filter clear now", "/lock please",
    "/subscribe", "/subscribe not a url", "/subscribe hello", "/subscribe ftp://x.example/",
    "/subscribe javascript:alert(1)", "/nosuchcommand",
]


@pytest.mark.parametrize("text", BAD_ARGUMENTS)
async def test_a_bad_argument_gets_one_line_with_an_example(tmp_path: Path, text: str) -> None:
    """Each bad argument is answered with one line naming the problem and an example."""
    async with layer_for(config(tmp_path)) as (layer, db):
        reply = await layer.run_text(caller(), text)
        assert reply is not None and reply.private
        assert "\n" not in reply.text
        assert "example: /" in reply.text.lower() or "/help" in reply.text
        assert await chats.by_ref(db, ChatRef("telegram", "42")) is None


@pytest.mark.parametrize("text", [
    "/subscribe https://example.com/" + "a" * 100, "/filter add " + "word " * 30,
    "/timezone " + "Europe/" * 20, "/unsubscribe " + "9" * 120, "/help " + "x" * 200,
])
async def test_overlong_arguments_are_refused_before_they_are_read(tmp_path: Path,
                                                                  text: str) -> None:
    """With limits.argument_chars = 100, any longer argument gets the cap and an example."""
    async with layer_for(config(tmp_path, argument_chars=100)) as (layer, _):
        reply = await layer.run_text(caller(), text)
    assert reply is not None and "over 100 characters" in reply.text
    assert "example: /" in reply.text and "\n" not in reply.text


async def test_subscriptions_per_chat_is_capped(tmp_path: Path, web_server: WebServer) -> None:
    """A chat at limits.subscriptions_per_chat is told to unsubscribe first; nothing is added."""
    async with layer_for(config(tmp_path, subscriptions_per_chat=2)) as (layer, db):
        for n in range(2):
            reply = await layer.run_text(caller(), f"/subscribe {web_server.set(f'/s{n}', live_page(2))}")
            assert reply is not None and "Following" in reply.text
        refused = await layer.run_text(caller(), f"/subscribe {web_server.set('/s3', live_page(2))}")
        assert refused is not None and "the most allowed" in refused.text
        assert "example: /unsubscribe" in refused.text and "\n" not in refused.text
        chat = await chats.by_ref(db, ChatRef("telegram", "42"))
        assert chat is not None and len(await subscriptions.for_chat(db, chat.id)) == 2
    assert web_server.hits["/s3"] == 0


async def test_filters_per_subscription_are_capped(tmp_path: Path, web_server: WebServer) -> None:
    """Past limits.filters_per_subscription words on a level, an edit is refused whole."""
    async with layer_for(config(tmp_path, filters_per_subscription=3)) as (layer, db):
        await layer.run_text(caller(), f"/subscribe {web_server.set('/s', live_page(2))}")
        for level in ("", "1 "):
            assert await layer.run_text(caller(), f"/filter {level}add a b") is not None
            refused = await layer.run_text(caller(), f"/filter {level}exclude c d")
            assert refused is not None and "At most 3 filter words" in refused.text
            assert "example: /filter" in refused.text
        chat = await chats.by_ref(db, ChatRef("telegram", "42"))
        assert chat is not None
        [following] = await subscriptions.for_chat(db, chat.id)
        for level_id in (None, following.id):
            assert (await filters.of_level(db, chat.id, level_id)).include == ("a", "b")


async def test_edits_on_and_off_are_stored(tmp_path: Path) -> None:
    """/edits off and /edits on switch whether corrections edit the alert already sent."""
    async with layer_for(config(tmp_path)) as (layer, db):
        off = await layer.run_text(caller(), "/edits off")
        chat = await chats.by_ref(db, ChatRef("telegram", "42"))
        assert off is not None and off.text.startswith("Edits off")
        assert chat is not None and chat.edits is False
        await layer.run_text(caller(), "/edits ON")
        chat = await chats.by_ref(db, ChatRef("telegram", "42"))
        assert chat is not None and chat.edits is True


async def test_the_layer_throttles_per_platform_and_user(tmp_path: Path) -> None:
    """The same user id on another platform, or another user, is counted apart; the console
    operator is never throttled."""
    async with layer_for(config(tmp_path, commands_per_minute=2)) as (layer, _):
        replies = [await layer.run_text(caller("flooder"), "/help") for _ in range(5)]
        assert [r is None for r in replies] == [False, False, False, True, True]
        assert replies[2] is not None and replies[2].text.startswith("Slow down")
        assert await layer.run_text(caller("someone else"), "/help") is not None
        discord_twin = Caller(ChatRef("discord", "42"), "guild", "flooder", caller().is_admin)
        assert await layer.run_text(discord_twin, "/help") is not None
        bad = await layer.run_text(caller("bad-args"), "/mute never")
        assert bad is not None and "not a duration" in bad.text
        operator = Caller(ChatRef("console", "console"), "console", "console",
                          caller().is_admin, limited=False)
        assert all([await layer.run_text(operator, "/help") for _ in range(10)])


# --- the throttle's arithmetic --------------------------------------------------------


def test_throttle_passes_the_limit_then_warns_once_then_ignores() -> None:
    """N commands in a minute pass, the next is warned, the rest ignored until the hold ends."""
    throttle = Throttle(3, window=60.0)
    user = ("telegram", "1")
    verdicts = [throttle.check(user, t) for t in (0.0, 1.0, 2.0, 3.0, 4.0, 62.9)]
    assert verdicts == ["pass", "pass", "pass", "warn", "ignore", "ignore"]
    assert throttle.check(user, 63.0) == "pass"  # a minute after the warning


def test_throttle_window_slides() -> None:
    """Commands spread out over more than a minute never trip the limit."""
    throttle = Throttle(2, window=60.0)
    assert all(throttle.check(("discord", "9"), t * 31.0) == "pass" for t in range(20))


def test_throttle_memory_stays_bounded() -> None:
    """A flood of distinct user ids does not grow the table without end."""
    throttle = Throttle(1, window=1.0)
    for n in range(MAX_TRACKED * 3):
        throttle.check(("telegram", str(n)), n * 0.001)
    assert len(throttle._users) <= MAX_TRACKED + 1
