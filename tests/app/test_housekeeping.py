"""The housekeeping tick (bot.housekeeping) in the assembled service, with a clock that jumps:
stories that went quiet or keep failing retire, their followers are told once, /list says
ended, and the page is no longer fetched."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.fakes.web import WebServer
from tests.inprocess import Service, service

CHAT, OTHER = 7001, 7002
T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


async def follow(bot: Service, *chats: int) -> None:
    for chat in chats:
        reply = await bot.command(chat, f"/subscribe {bot.story.url}")
        assert reply.startswith("Following"), reply


async def test_a_quiet_story_retires_and_each_follower_is_told_once(
    tmp_path: Path, web_server: WebServer
) -> None:
    """No new update for schedule.retire_after (1 h): the story ends, each following chat gets
    one notice, /list shows it as ended, and the page is not fetched any more."""
    async with service(tmp_path, web_server, T0, retire_after=3600) as bot:
        await follow(bot, CHAT, OTHER)
        bot.clock.now = T0 + timedelta(minutes=30)
        await bot.poll()
        assert await bot.housekeeping.tick() == 0
        bot.clock.now = T0 + timedelta(minutes=61)
        assert await bot.housekeeping.tick() == 1
        await bot.dispatcher.drain()
        hits = web_server.hits[bot.story.path]
        for hours in (2, 3, 4):
            bot.clock.now = T0 + timedelta(hours=hours)
            await bot.poll()
            assert await bot.housekeeping.tick() == 0
            await bot.dispatcher.drain()
        listed = await bot.command(CHAT, "/list")
        assert web_server.hits[bot.story.path] == hits
        for chat in (CHAT, OTHER):
            [notice] = [text for text in bot.alerts(chat) if "no longer followed" in text]
            assert "has had no new update for a while" in notice
    assert "— ended" in listed


async def test_a_story_failing_max_failures_times_retires_with_the_reason(
    tmp_path: Path, web_server: WebServer
) -> None:
    """A page answering 500 check after check: after schedule.max_failures (3) failed checks
    the story ends and its follower is told why, once; before that it is only failing."""
    async with service(tmp_path, web_server, T0, max_failures=3) as bot:
        await follow(bot, CHAT)
        web_server.set(bot.story.path, "down for maintenance", status=500)
        for failures in (1, 2, 3):
            assert await bot.housekeeping.tick() == 0
            bot.clock.now = (await bot.tracked()).next_check_at
            await bot.poll()
            assert (await bot.tracked()).failures == failures
        assert await bot.housekeeping.tick() == 1
        assert await bot.housekeeping.tick() == 0
        await bot.dispatcher.drain()
        listed = await bot.command(CHAT, "/list")
        [notice] = bot.alerts(CHAT)
    assert "keeps failing" in notice and "HTTP 500" in notice
    assert "— ended" in listed


async def test_subscribing_again_resumes_a_retired_story(
    tmp_path: Path, web_server: WebServer
) -> None:
    """The retirement notice says /subscribe resumes the story: typed in a chat that still lists
    it as ended, it is checked and polled again (not retired at once as still quiet), and new
    updates are alerted."""
    async with service(tmp_path, web_server, T0, retire_after=3600) as bot:
        await follow(bot, CHAT)
        bot.clock.now = T0 + timedelta(hours=2)
        assert await bot.housekeeping.tick() == 1
        await bot.command(CHAT, f"/subscribe {bot.story.url}")
        assert (await bot.tracked()).state == "active"
        assert await bot.housekeeping.tick() == 0  # resumed just now: not quiet yet
        bot.story.post("U-1 after the story resumed.")
        bot.clock.now += timedelta(hours=1)
        await bot.poll()
        await bot.dispatcher.drain()
        assert any("U-1" in text for text in bot.alerts(CHAT))
