"""Telegram commands end to end in one process: the real python-telegram-bot Application with
the bindings installed, the real command layer, storage and fetcher, against the fake Bot API
and stories served on loopback."""

from __future__ import annotations

import asyncio
import html
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot.app.root import Pages, command_context, extract
from bot.app.watcher import Watcher, WatchPolicy
from bot.core.model import ChatRef
from bot.core.summarize import ExtractiveSummarizer
from bot.edges.config import Config, FetchConfig, StorageConfig, TelegramConfig
from bot.edges.fetch import HttpFetcher
from bot.platforms.telegram.bindings import install, reply_parts
from bot.platforms.telegram.messenger import build_application, running
from handlers.commands import CommandLayer
from storage import Database, chats, filters, subscriptions
from storage.chats import Chat
from storage.filters import FilterSet
from tests.fakes import telegram_updates as updates
from tests.fakes.telegram_api import TelegramApiServer
from tests.fakes.web import WebServer

TITLE = "Storm <b>live</b> & “more”"
USER, OTHER_USER, MEMBER, ADMIN = 4242, 5151, 6001, 6002
GROUP, CHANNEL, FORUM = -1001234, -1009876, -1005555
WAIT = 5.0


def story_page(posts: Sequence[tuple[str, str]], title: str = TITLE) -> str:
    """A live blog with schema.org JSON-LD of `posts` (headline, text), oldest first: the
    n-th (from 1) is timed 10:n UTC, and the page lists them newest first."""
    numbered = list(enumerate(posts, 1))[::-1]
    items = [{"@type": "BlogPosting", "@id": f"#u{n}", "headline": headline,
              "datePublished": f"2024-02-03T10:{n:02d}:00+00:00", "articleBody": text}
             for n, (headline, text) in numbered]
    posting = {"@context": "https://schema.org", "@type": "LiveBlogPosting",
               "headline": title, "liveBlogUpdate": items}
    blocks = "".join(f'<article id="u{n}"><h2>{html.escape(headline)}</h2>'
                     f"<p>{html.escape(text)}</p></article>" for n, (headline, text) in numbered)
    return (f"<!doctype html><html><head><title>{html.escape(title)}</title>"
            f'<script type="application/ld+json">{json.dumps(posting)}</script></head>'
            f"<body><h1>{html.escape(title)}</h1>{blocks}</body></html>")


def numbered_post(n: int) -> tuple[str, str]:
    """A plain update, distinct from every other number's."""
    return f"Headline {n}", f"Update number {n} says the storm reached town {n} today."


def live_page(count: int) -> str:
    """A live blog of `count` plain updates."""
    return story_page([numbered_post(n) for n in range(1, count + 1)])


@dataclass
class World:
    """The bot under test and what surrounds it."""

    fake: TelegramApiServer
    web: WebServer
    db: Database

    async def ask(self, update: dict[str, Any], chat_id: int) -> dict[str, Any]:
        """Inject `update` and return the params of the next sendMessage to `chat_id`."""
        before = len(self.replies(chat_id))
        self.fake.inject(update)
        await self.fake.wait_for(lambda _: len(self.replies(chat_id)) > before, WAIT)
        return self.replies(chat_id)[before]

    def replies(self, chat_id: int) -> list[dict[str, Any]]:
        """The params of every sendMessage to `chat_id`, in order."""
        return [c.params for c in self.fake.calls_to("sendMessage")
                if c.params["chat_id"] == chat_id]

    async def chat(self, ref: ChatRef) -> Chat | None:
        return await chats.by_ref(self.db, ref)


def config_for(tmp_path: Path, fake: TelegramApiServer) -> Config:
    telegram = TelegramConfig(token=fake.token, base_url=fake.base_url, poll_timeout=1,
                              rate_per_second=1000, group_rate_per_minute=60000,
                              admin_cache_seconds=60)
    return Config(storage=StorageConfig(path=tmp_path / "storywatch.db"),
                  fetch=FetchConfig(allow_networks=["127.0.0.0/8"]), telegram=telegram)


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
async def world(tmp_path: Path, web_server: WebServer) -> AsyncIterator[World]:
    """The composition of `storywatch run` for Telegram, in this process."""
    async with TelegramApiServer() as fake:
        config = config_for(tmp_path, fake)
        async with (Database.open(config.storage.path) as db,
                    HttpFetcher(config.fetch) as fetcher):
            watcher = Watcher(db, fetcher, lambda fetched: extract(fetched, config),
                              ExtractiveSummarizer(), WatchPolicy.from_config(config), now)
            layer = CommandLayer(command_context(config, db, watcher, now,
                                                     pages=Pages(fetcher, config)))
            application = build_application(config.telegram)
            install(application, layer, config.telegram, now)
            async with running(application, config.telegram):
                yield World(fake, web_server, db)


async def eventually(condition: Callable[[], Awaitable[bool]]) -> None:
    """Wait (at most WAIT seconds) until `condition()` holds."""
    async with asyncio.timeout(WAIT):
        # Storage has no change event to wait on, so poll it briefly within the bound.
        while not await condition():  # noqa: ASYNC110
            await asyncio.sleep(0.02)


class GatedPage:
    """A page that answers only when the test opens the gate: a slow story site."""

    def __init__(self, body: str) -> None:
        self.body = body
        self.requested = asyncio.Event()
        self.gate = asyncio.Event()
        self.url = ""

    async def __aenter__(self) -> GatedPage:
        app = web.Application()
        app.router.add_get("/slow", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/slow"
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.gate.set()
        await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        self.requested.set()
        await self.gate.wait()
        return web.Response(text=self.body, content_type="text/html")


async def test_private_subscribe_replies_with_title_count_and_latest(world: World) -> None:
    """/subscribe in a private chat answers with the story's title, its count and the latest."""
    url = world.web.set("/live", live_page(3))
    reply = await world.ask(updates.private_command(USER, f"/subscribe {url}"), USER)
    assert TITLE in reply["text"]
    assert "3 updates" in reply["text"]
    assert "Update number 3" in reply["text"]
    assert "parse_mode" not in reply
    stored = world.fake.messages[(str(USER), max(k[1] for k in world.fake.messages))]
    assert TITLE in stored["text"]  # shown literally: the title's markup is not markup here
    assert await world.chat(ChatRef("telegram", str(USER))) is not None


async def test_list_numbers_the_subscriptions(world: World) -> None:
    """/list shows the chat's subscriptions, numbered, with their URLs."""
    url = world.web.set("/live", live_page(2))
    await world.ask(updates.private_command(USER, f"/subscribe {url}"), USER)
    reply = await world.ask(updates.private_command(USER, "/list"), USER)
    assert f"1. “{TITLE}”" in reply["text"]
    assert url in reply["text"]


async def test_member_cannot_filter_but_admin_can(world: World) -> None:
    """In a group a member is told only admins may /filter; an administrator may."""
    group = ChatRef("telegram", str(GROUP))
    url = world.web.set("/live", live_page(2))
    await world.ask(updates.group_command(GROUP, MEMBER, f"/subscribe {url}"), GROUP)
    refused = await world.ask(updates.group_command(GROUP, MEMBER, "/filter add iran"), GROUP)
    assert refused["text"] == "Only an admin of this chat can do that."
    chat = await world.chat(group)
    assert chat is not None and await filters.of_level(world.db, chat.id, None) == FilterSet()
    world.fake.set_member(GROUP, ADMIN, "administrator")
    done = await world.ask(updates.group_command(GROUP, ADMIN, "/filter add iran"), GROUP)
    assert "include iran" in done["text"]
    assert (await filters.of_level(world.db, chat.id, None)).include == ("iran",)
    asked = [(c.params["chat_id"], c.params["user_id"])
             for c in world.fake.calls_to("getChatMember")]
    assert asked == [(GROUP, MEMBER), (GROUP, ADMIN)]


async def test_status_is_for_admins_in_a_group(world: World) -> None:
    """/status in a group: a member gets the usual refusal; an admin gets each story with
    its last check, last update, next check and errors, in the group's time zone."""
    url = world.web.set("/live", live_page(2))
    await world.ask(updates.group_command(GROUP, MEMBER, f"/subscribe {url}"), GROUP)
    refused = await world.ask(updates.group_command(GROUP, MEMBER, "/status"), GROUP)
    assert refused["text"] == "Only an admin of this chat can do that."
    world.fake.set_member(GROUP, ADMIN, "administrator")
    await world.ask(updates.group_command(GROUP, ADMIN, "/timezone Asia/Tokyo"), GROUP)
    shown = (await world.ask(updates.group_command(GROUP, ADMIN, "/status"), GROUP))["text"]
    assert "times in Asia/Tokyo" in shown
    assert f"1. “{TITLE}” — active" in shown
    assert re.search(r"last update 20\S+ \S+ JST \(page time\), last found new 20\S+ \S+ JST"
                     r"\n   last check 20\S+ \S+ JST, next check 20\S+ \S+ JST", shown), shown
    assert "errors: none" in shown
    assert "status" in [command["command"] for command in world.fake.commands]


async def test_admin_answer_is_cached(world: World) -> None:
    """A second admin command by the same user does not ask getChatMember again."""
    world.fake.set_member(GROUP, ADMIN, "creator")
    await world.ask(updates.group_command(GROUP, ADMIN, "/timezone Europe/London"), GROUP)
    await world.ask(updates.group_command(GROUP, ADMIN, "/lock"), GROUP)
    assert len(world.fake.calls_to("getChatMember")) == 1


async def test_anonymous_admin_is_an_admin(world: World) -> None:
    """A message sent on behalf of the group itself is an admin's, without asking Telegram."""
    reply = await world.ask(updates.anonymous_admin_command(GROUP, "/filter exclude sport*"),
                            GROUP)
    assert "exclude sport*" in reply["text"]
    assert not world.fake.calls_to("getChatMember")


async def test_channel_post_subscribe_is_accepted(world: World) -> None:
    """/subscribe posted in a channel follows the story for the channel."""
    url = world.web.set("/live", live_page(2))
    reply = await world.ask(updates.channel_post(CHANNEL, f"/subscribe {url}"), CHANNEL)
    assert "Following" in reply["text"]
    chat = await world.chat(ChatRef("telegram", str(CHANNEL)))
    assert chat is not None and chat.kind == "channel"
    admin = await world.ask(updates.channel_post(CHANNEL, "/mute 1h"), CHANNEL)
    assert "Only an admin" not in admin["text"]


async def test_forum_topic_is_a_chat_of_its_own(world: World) -> None:
    """/subscribe in a forum topic subscribes that topic, and the reply goes to it."""
    url = world.web.set("/live", live_page(2))
    reply = await world.ask(updates.topic_command(FORUM, 77, USER, f"/subscribe {url}"), FORUM)
    assert reply["message_thread_id"] == 77
    topic = await world.chat(ChatRef("telegram", str(FORUM), "77"))
    assert topic is not None and topic.kind == "supergroup"
    assert len(await subscriptions.for_chat(world.db, topic.id)) == 1
    other = await world.ask(updates.topic_command(FORUM, 88, USER, "/list"), FORUM)
    assert other["message_thread_id"] == 88
    assert "follows no story" in other["text"]


async def test_locked_group_refuses_subscribe_by_a_member(world: World) -> None:
    """After an admin's /lock, a member's /subscribe is refused and nothing is followed."""
    world.fake.set_member(GROUP, ADMIN, "administrator")
    await world.ask(updates.group_command(GROUP, ADMIN, "/lock"), GROUP)
    url = world.web.set("/live", live_page(2))
    reply = await world.ask(updates.group_command(GROUP, MEMBER, f"/subscribe {url}"), GROUP)
    assert "locked" in reply["text"]
    chat = await world.chat(ChatRef("telegram", str(GROUP)))
    assert chat is not None and await subscriptions.for_chat(world.db, chat.id) == []


@pytest.mark.parametrize("text", ["/subscribe", "/mute soon", "/digest weekly"])
async def test_bad_arguments_get_one_line_reason_with_example(world: World, text: str) -> None:
    """A bad argument is answered with one line: the reason and an example."""
    reply = await world.ask(updates.private_command(USER, text), USER)
    assert "\n" not in reply["text"]
    assert "example: /" in reply["text"].lower()


async def test_command_for_another_bot_is_ignored(world: World) -> None:
    """In a group, /help@other_bot gets no answer; /help@storywatch_bot does."""
    world.fake.inject(updates.group_command(GROUP, MEMBER, "/help@other_bot"))
    reply = await world.ask(updates.group_command(GROUP, MEMBER, "/help@storywatch_bot"), GROUP)
    assert "/subscribe URL" in reply["text"]
    assert len(world.replies(GROUP)) == 1


async def test_slow_subscribe_does_not_stall_other_chats(world: World) -> None:
    """While one chat's /subscribe waits on a slow page, /help in another chat is answered."""
    async with GatedPage(live_page(2)) as page:
        world.fake.inject(updates.private_command(USER, f"/subscribe {page.url}"))
        async with asyncio.timeout(WAIT):
            await page.requested.wait()
        helped = await world.ask(updates.private_command(OTHER_USER, "/help"), OTHER_USER)
        assert "/subscribe URL" in helped["text"]
        assert world.replies(USER) == []
        page.gate.set()
        await world.fake.wait_for(lambda _: world.replies(USER), WAIT)
    assert "Following" in world.replies(USER)[0]["text"]


async def test_removal_then_readding_restores_subscriptions(world: World) -> None:
    """my_chat_member: removed switches the chat and its subscriptions off, re-added on."""
    url = world.web.set("/live", live_page(2))
    await world.ask(updates.group_command(GROUP, MEMBER, f"/subscribe {url}"), GROUP)
    ref = ChatRef("telegram", str(GROUP))

    async def state() -> tuple[bool, list[bool]]:
        chat = await world.chat(ref)
        assert chat is not None
        return chat.active, [s.active for s in await subscriptions.for_chat(world.db, chat.id)]

    bot_user = world.fake.bot_user
    world.fake.inject(updates.bot_membership(GROUP, bot_user, MEMBER, added=False))
    await eventually(lambda: _equals(state(), (False, [False])))
    world.fake.inject(updates.bot_membership(GROUP, bot_user, MEMBER, added=True))
    await eventually(lambda: _equals(state(), (True, [True])))


async def test_readding_restores_the_forum_topics_subscriptions(world: World) -> None:
    """my_chat_member names the whole forum: removing the bot pauses every topic's
    subscriptions, adding it back restores them, topics and the general chat alike."""
    url = world.web.set("/live", live_page(2))
    for thread in (77, 88):
        await world.ask(updates.topic_command(FORUM, thread, USER, f"/subscribe {url}"), FORUM)
    await world.ask(updates.group_command(FORUM, USER, f"/subscribe {url}"), FORUM)
    refs = [ChatRef("telegram", str(FORUM), thread) for thread in ("77", "88", "")]

    async def state() -> list[tuple[bool, list[bool]]]:
        found = []
        for ref in refs:
            chat = await world.chat(ref)
            assert chat is not None
            found.append((chat.active,
                          [s.active for s in await subscriptions.for_chat(world.db, chat.id)]))
        return found

    bot_user = world.fake.bot_user
    world.fake.inject(updates.bot_membership(FORUM, bot_user, USER, added=False))
    await eventually(lambda: _equals(state(), [(False, [False])] * 3))
    world.fake.inject(updates.bot_membership(FORUM, bot_user, USER, added=True))
    await eventually(lambda: _equals(state(), [(True, [True])] * 3))


async def test_membership_of_an_unknown_chat_is_ignored(world: World) -> None:
    """The bot added to a chat that never used it stores nothing, and keeps serving."""
    world.fake.inject(updates.bot_membership(-1007777, world.fake.bot_user, MEMBER, added=True))
    reply = await world.ask(updates.private_command(USER, "/start"), USER)
    assert "/subscribe URL" in reply["text"]
    assert await world.chat(ChatRef("telegram", "-1007777")) is None


def test_long_replies_are_split_within_the_limit() -> None:
    """A reply over 4096 UTF-16 units goes as several parts, at line ends where it can."""
    lines = [f"{n}. " + "é" * 50 + "😀" * 20 for n in range(200)]
    parts = list(reply_parts("\n".join(lines)))
    assert len(parts) > 1
    assert all(len(p.encode("utf-16-le")) // 2 <= 4096 for p in parts)
    assert "\n".join(parts) == "\n".join(lines)
    one_long_line = "x" * 9000
    assert [len(p) for p in reply_parts(one_long_line)] == [4096, 4096, 808]


async def _equals(value: Awaitable[object], expected: object) -> bool:
    return await value == expected


async def test_preview_shows_the_story_in_the_group_without_following_it(world: World) -> None:
    """/preview by a member: the title and count, the newest three with their times, in plain
    text; the group follows nothing."""
    url = world.web.set("/live", live_page(5))
    reply = await world.ask(updates.group_command(GROUP, MEMBER, f"/preview {url}"), GROUP)
    first, *newest, last = reply["text"].splitlines()
    assert TITLE in first and "5 updates" in first and "parse_mode" not in reply
    assert [line[:21] for line in newest] == [
        "2024-02-03 10:05 UTC:", "2024-02-03 10:04 UTC:", "2024-02-03 10:03 UTC:"]
    assert "Headline 5" in newest[0] and last.endswith(f"/subscribe {url}")
    assert await world.chat(ChatRef("telegram", str(GROUP))) is None


async def test_a_group_become_supergroup_keeps_its_subscriptions(world: World) -> None:
    """The migration message moves the group's subscriptions and settings to its new id."""
    url = world.web.set("/live", live_page(2))
    old, new = -4321, -1009999
    await world.ask(updates.group_command(old, MEMBER, f"/subscribe {url}", kind="group"), old)
    world.fake.inject(updates.migration(old, new))

    async def moved() -> bool:
        return (await world.chat(ChatRef("telegram", str(new))) is not None
                and await world.chat(ChatRef("telegram", str(old))) is None)

    await eventually(moved)
    chat = await world.chat(ChatRef("telegram", str(new)))
    assert chat is not None and len(await subscriptions.for_chat(world.db, chat.id)) == 1


async def test_filter_test_shows_what_the_filters_let_through(world: World) -> None:
    """/filter test by a member, after an admin's filters: each stored update with the word
    that decided it, newest first, in plain text (the page's "<" and "&" arrive as written)."""
    url = world.web.set("/live", story_page([
        ("Iran strikes: 3 < 5 & more", "Missiles hit the base."),
        ("Cup final", "Iran football team wins the cup."),
        ("Weather", "Calm skies over the city.")]))
    world.fake.set_member(GROUP, ADMIN, "administrator")
    await world.ask(updates.group_command(GROUP, ADMIN, f"/subscribe {url}"), GROUP)
    await world.ask(updates.group_command(GROUP, ADMIN, "/filter add iran"), GROUP)
    await world.ask(updates.group_command(GROUP, ADMIN, "/filter exclude football"), GROUP)
    reply = await world.ask(updates.group_command(GROUP, MEMBER, "/filter test"), GROUP)
    assert "parse_mode" not in reply
    assert reply["text"].splitlines() == [
        "Filter test on the latest 3 updates of this chat's stories: 1 pass, 2 dropped.",
        "2024-02-03 10:03 UTC #1 dropped: no include word matched: Weather",
        "2024-02-03 10:02 UTC #1 dropped: exclude 'football': Cup final",
        "2024-02-03 10:01 UTC #1 passes: include 'iran': Iran strikes: 3 < 5 & more"]


async def test_a_member_cannot_turn_images_off_in_a_group_but_an_admin_can(world: World) -> None:
    """/images off by a member of a group is refused (Telegram says they are a member) and
    pictures stay on; the same command by an administrator turns them off."""
    group = ChatRef("telegram", str(GROUP))
    url = world.web.set("/live", live_page(2))
    await world.ask(updates.group_command(GROUP, MEMBER, f"/subscribe {url}"), GROUP)
    refused = await world.ask(updates.group_command(GROUP, MEMBER, "/images off"), GROUP)
    assert refused["text"] == "Only an admin of this chat can do that."
    chat = await world.chat(group)
    assert chat is not None and chat.images
    world.fake.set_member(GROUP, ADMIN, "administrator")
    done = await world.ask(updates.group_command(GROUP, ADMIN, "/images off"), GROUP)
    assert done["text"].startswith("Images off")
    chat = await world.chat(group)
    assert chat is not None and not chat.images
