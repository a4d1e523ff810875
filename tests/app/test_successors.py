"""Successors in the assembled service (bot/app/successors.py): a followed live page on loopback
ends and points to the page that continues it; every following chat moves there once, with its
filters, hears one notice, then hears the successor's next update at the next poll; /list
shows the successor and the old page is no longer fetched. And what is refused: another site,
a loop, a page that is not live, a blocked address, a chat that turned successors off."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.model import ChatRef
from storage import chats, stories, subscriptions
from tests.fakes.stories import START, LiveStory
from tests.fakes.web import WebServer
from tests.inprocess import POLICY, Service, service

CHAT, OTHER = 7001, 7002
T0 = datetime(2024, 2, 3, 12, 0, tzinfo=UTC)
NEXT = "/live-2"
CONTINUES = "The story continues at"


async def follow(bot: Service, *chats: int) -> None:
    for chat in chats:
        reply = await bot.command(chat, f"/subscribe {bot.story.url}")
        assert reply.startswith("Following"), reply


def successor(web: WebServer, path: str = NEXT) -> LiveStory:
    """The page that continues the story, with two timed updates already."""
    page = LiveStory(web, path, "Strikes across the Middle East: live, day two")
    page.post("Day two: the first update.", at=START + timedelta(hours=1))
    page.post("Day two: the second update.", at=START + timedelta(hours=1, minutes=5))
    return page


def close(bot: Service, web: WebServer, line: str, head: str = "") -> None:
    """Serve the followed page with a closing line (HTML) above its updates."""
    page = bot.story.render().replace("<main>", f"<main>\n{line}", 1)
    web.set(bot.story.path, page.replace("</head>", f"{head}</head>", 1))


async def next_poll(bot: Service, seconds: float = POLICY.interval) -> None:
    """The clock moves on by one interval, one poll tick runs, the outbox is drained."""
    bot.clock.now += timedelta(seconds=seconds)
    await bot.poll()
    await bot.dispatcher.drain()


def notices(bot: Service, chat: int) -> list[str]:
    return [text for text in bot.alerts(chat) if CONTINUES in text]


async def old_story_ended(bot: Service) -> bool:
    return (await bot.tracked()).state == "ended"


async def assert_moved(bot: Service, web: WebServer, nxt: LiveStory) -> None:
    """Both chats moved to `nxt` once, CHAT with its filter; the successor's next updates reach
    them through their filters at the next poll (one interval after the move); /list shows it;
    the old page is not fetched again."""
    await next_poll(bot)
    assert await old_story_ended(bot)
    for chat in (CHAT, OTHER):
        [notice] = notices(bot, chat)
        assert nxt.url in notice
    # What the successor showed when it was taken is its baseline: an update after it is new.
    nxt.post("Iran answers the strikes.")
    nxt.post("Markets open calmly.")
    hits = web.hits[bot.story.path]
    await next_poll(bot)
    assert any("Iran answers" in t for t in bot.alerts(CHAT))
    assert not any("Markets open" in t for t in bot.alerts(CHAT))  # its filter: iran
    assert any("Markets open" in t for t in bot.alerts(OTHER))
    assert any("Iran answers" in t for t in bot.alerts(OTHER))
    for _ in range(3):
        await next_poll(bot, 600)
    assert web.hits[bot.story.path] == hits
    for chat in (CHAT, OTHER):
        assert len(notices(bot, chat)) == 1
    listed = await bot.command(CHAT, "/list")
    assert NEXT in listed or nxt.title in listed, listed
    assert "iran" in listed


CLOSING_LINES = {
    "en": '<p>This blog is now closed. <a href="/live-2">Follow our new live blog here</a></p>',
    "de": '<p>Dieser Liveblog ist beendet. <a href="/live-2">Weiter im neuen Ticker</a></p>',
    "fr": '<p>Ce direct est terminé. <a href="/live-2">Suivez notre nouveau direct</a></p>',
}


@pytest.mark.parametrize("language", sorted(CLOSING_LINES))
async def test_a_closing_line_moves_every_chat_to_the_successor_with_its_filters(
    tmp_path: Path, web_server: WebServer, language: str
) -> None:
    async with service(tmp_path, web_server, T0) as bot:
        await follow(bot, CHAT, OTHER)
        await bot.command(CHAT, "/filter 1 add iran")
        nxt = successor(web_server)
        close(bot, web_server, CLOSING_LINES[language])
        await assert_moved(bot, web_server, nxt)


async def test_a_permanent_redirect_moves_every_chat_to_the_successor(
    tmp_path: Path, web_server: WebServer
) -> None:
    """The followed page now answers 301 to the next live page: a move, and the next page's
    updates are not alerted as the old page's."""
    async with service(tmp_path, web_server, T0) as bot:
        await follow(bot, CHAT, OTHER)
        await bot.command(CHAT, "/filter 1 add iran")
        nxt = successor(web_server)
        web_server.set(bot.story.path, "", status=301, headers={"Location": NEXT}, etag=False)
        await assert_moved(bot, web_server, nxt)
        assert not any("Day two" in text for text in bot.alerts(OTHER))


async def test_a_passed_coverage_end_with_a_link_moves_every_chat(
    tmp_path: Path, web_server: WebServer
) -> None:
    """LiveBlogPosting coverageEndTime passed (an hour and more ago), no update since, and a
    link naming the next live page."""
    blog = {"@context": "https://schema.org", "@type": "LiveBlogPosting",
            "coverageStartTime": "2024-02-03T09:00:00Z", "coverageEndTime": "2024-02-03T10:30:00Z"}
    head = f'<script type="application/ld+json">{json.dumps(blog)}</script>'
    async with service(tmp_path, web_server, T0) as bot:
        await follow(bot, CHAT, OTHER)
        await bot.command(CHAT, "/filter 1 add iran")
        nxt = successor(web_server)
        close(bot, web_server, '<p><a href="/live-2">Middle East live: day two</a></p>', head)
        await assert_moved(bot, web_server, nxt)


async def assert_stays(bot: Service, web: WebServer) -> None:
    """Nobody moved: no notice, the old page is still followed and fetched."""
    hits = web.hits[bot.story.path]
    await next_poll(bot)
    await next_poll(bot)
    assert web.hits[bot.story.path] > hits
    story = await bot.tracked()
    assert story.state == "active" and story.successor_url is None
    assert notices(bot, CHAT) == []
    chat = await chats.by_ref(bot.db, ChatRef("telegram", str(CHAT)))
    assert chat is not None
    [sub] = await subscriptions.for_chat(bot.db, chat.id)
    assert sub.story_id == story.id


@pytest.mark.parametrize("target", ["other site", "not live", "blocked address", "metadata"])
async def test_a_successor_that_cannot_continue_the_story_is_refused(
    tmp_path: Path, web_server: WebServer, target: str
) -> None:
    """Another site (localhost is not 127.0.0.1), a page without timed updates, a same-site
    link redirecting to a private address or the cloud metadata address: refused, nobody moves,
    the page is still followed."""
    async with service(tmp_path, web_server, T0) as bot:
        await follow(bot, CHAT)
        successor(web_server)
        href = {
            "other site": f"http://localhost:{web_server.port}{NEXT}",
            "not live": "/article",
            "blocked address": "/go-private",
            "metadata": "http://169.254.169.254/live",
        }[target]
        web_server.set("/article", "<html><body><h1>Analysis</h1><p>Words.</p></body></html>")
        web_server.set("/go-private", "", status=302,
                       headers={"Location": "http://10.1.2.3/live"}, etag=False)
        close(bot, web_server, f'<p>This blog is now closed. <a href="{href}">Follow our new '
                               "live blog</a></p>")
        await assert_stays(bot, web_server)
        assert web_server.hits[NEXT] == 0


async def test_a_temporary_redirect_is_no_move(tmp_path: Path, web_server: WebServer) -> None:
    """The followed page answers 302 to another live page: nobody moves."""
    async with service(tmp_path, web_server, T0) as bot:
        await follow(bot, CHAT)
        successor(web_server)
        web_server.set(bot.story.path, "", status=302, headers={"Location": NEXT}, etag=False)
        await assert_stays(bot, web_server)


async def test_a_loop_is_refused(tmp_path: Path, web_server: WebServer) -> None:
    """The successor closes pointing back to the page its chats came from: refused, they stay."""
    async with service(tmp_path, web_server, T0) as bot:
        await follow(bot, CHAT)
        nxt = successor(web_server)
        close(bot, web_server, CLOSING_LINES["en"])
        await next_poll(bot)
        await next_poll(bot, 1)
        back = f'<p>This blog is now closed. <a href="{bot.story.path}">Follow our new live ' \
               "blog</a></p>"
        web_server.set(NEXT, nxt.render().replace("<main>", f"<main>{back}", 1))
        for _ in range(3):
            await next_poll(bot)
        moved = await stories.by_url(bot.db, nxt.url)
        assert moved is not None and moved.state == "active" and moved.successor_url is None
        assert len(notices(bot, CHAT)) == 1


async def test_successors_off_keeps_a_chat_on_its_page(
    tmp_path: Path, web_server: WebServer
) -> None:
    """/successors off in one chat: it stays on the old page, which is still polled for it, and
    is told once where the story went on; the other chat moves."""
    async with service(tmp_path, web_server, T0) as bot:
        await follow(bot, CHAT, OTHER)
        assert (await bot.command(CHAT, "/successors off")).startswith("Successors off")
        successor(web_server)
        close(bot, web_server, CLOSING_LINES["en"])
        hits = web_server.hits[bot.story.path]
        await next_poll(bot)
        await next_poll(bot, 600)
        assert len(notices(bot, OTHER)) == 1 and notices(bot, CHAT) == []
        [stays] = [text for text in bot.alerts(CHAT) if "This chat stays on its page" in text]
        assert NEXT in stays
        assert web_server.hits[bot.story.path] >= hits + 2
        assert (await bot.tracked()).state == "active"
        assert NEXT not in await bot.command(CHAT, "/list")
        assert NEXT in await bot.command(OTHER, "/list")


async def test_a_successor_not_live_yet_is_taken_once_it_is(
    tmp_path: Path, web_server: WebServer
) -> None:
    """The closing line points to a page with one timed update: not live yet, nobody moves; the
    old page, unchanged since, is read again at its next check, and once the new page shows a
    second update the chats move."""
    async with service(tmp_path, web_server, T0) as bot:
        await follow(bot, CHAT)
        nxt = LiveStory(web_server, NEXT, "Day two: live")
        nxt.post("Day two: the first update.", at=START + timedelta(hours=1))
        close(bot, web_server, CLOSING_LINES["en"])
        await next_poll(bot)
        assert notices(bot, CHAT) == [] and not await old_story_ended(bot)
        nxt.post("Day two: the second update.", at=START + timedelta(hours=1, minutes=5))
        await next_poll(bot, 600)
        [notice] = notices(bot, CHAT)
        assert nxt.url in notice and await old_story_ended(bot)


async def test_a_page_that_closed_before_it_was_followed_moves_at_its_next_check(
    tmp_path: Path, web_server: WebServer
) -> None:
    """/subscribe to a page that already points to its successor: the chat follows it, and
    its next check moves the chat on."""
    async with service(tmp_path, web_server, T0) as bot:
        nxt = successor(web_server)
        close(bot, web_server, CLOSING_LINES["en"])
        await follow(bot, CHAT)
        await next_poll(bot, 600)
        [notice] = notices(bot, CHAT)
        assert nxt.url in notice
        assert NEXT in await bot.command(CHAT, "/list")


async def test_a_chat_that_follows_the_old_page_later_is_moved_too(
    tmp_path: Path, web_server: WebServer
) -> None:
    """After the move a third chat subscribes to the old page: at its next check it moves to
    the same successor, with one notice, and the old page retires again."""
    async with service(tmp_path, web_server, T0) as bot:
        await follow(bot, CHAT)
        nxt = successor(web_server)
        close(bot, web_server, CLOSING_LINES["en"])
        await next_poll(bot)
        assert await old_story_ended(bot)
        await follow(bot, OTHER)
        await next_poll(bot, 600)
        [notice] = notices(bot, OTHER)
        assert nxt.url in notice and await old_story_ended(bot)
        assert NEXT in await bot.command(OTHER, "/list")
        assert len(notices(bot, CHAT)) == 1


async def test_following_again_a_retired_page_that_closed_meanwhile_moves_to_its_successor(
    tmp_path: Path, web_server: WebServer
) -> None:
    """A page retired as quiet closes later with a link; its follower's /subscribe resumes it,
    and the check moves the chat to the successor."""
    async with service(tmp_path, web_server, T0, retire_after=3600) as bot:
        await follow(bot, CHAT)
        bot.clock.now = T0 + timedelta(hours=2)
        assert await bot.housekeeping.tick() == 1
        nxt = successor(web_server)
        close(bot, web_server, CLOSING_LINES["en"])
        await follow(bot, CHAT)
        await next_poll(bot, 600)
        [notice] = notices(bot, CHAT)
        assert nxt.url in notice and await old_story_ended(bot)
        assert NEXT in await bot.command(CHAT, "/list")


async def test_a_check_stopped_mid_move_moves_nothing_and_the_next_moves_once(
    tmp_path: Path, web_server: WebServer
) -> None:
    """The check is stopped (as a stop or a crash stops it) while it fetches the successor:
    nobody moved, no notice; the next check moves each chat once, with one notice."""
    async with service(tmp_path, web_server, T0) as bot:
        await follow(bot, CHAT, OTHER)
        nxt = successor(web_server)
        close(bot, web_server, CLOSING_LINES["en"])
        gate = web_server.gates[NEXT] = asyncio.Event()
        bot.clock.now += timedelta(seconds=POLICY.interval)
        assert await bot.poller.tick() == 1
        await web_server.wait_hits(NEXT, 1)
        await bot.poller.aclose()
        await bot.dispatcher.drain()
        assert not await old_story_ended(bot)
        assert notices(bot, CHAT) == notices(bot, OTHER) == []
        assert await stories.by_url(bot.db, nxt.url) is None
        gate.set()
        await next_poll(bot, 1)
        await next_poll(bot, 600)
        assert await old_story_ended(bot)
        for chat in (CHAT, OTHER):
            assert len(notices(bot, chat)) == 1
            assert NEXT in await bot.command(chat, "/list")
