"""The digest tick (bot.digester) in the assembled service, with a clock that jumps: a daily
digest comes at its wall-clock time in the chat's zone, across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.fakes.web import WebServer
from tests.inprocess import Service, service

CHAT = 6001


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
        ) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


async def digest_at(bot: Service, due: datetime, text: str) -> list[str]:
    """Post an update, check the story; a second before `due` no digest goes, at `due` one
    does. Returns the chat's messages after it."""
    bot.story.post(text)
    bot.clock.now = due - timedelta(hours=2)
    await bot.poll()
    before = len(bot.alerts(CHAT))
    bot.clock.now = due - timedelta(seconds=1)
    assert await bot.digester.tick() == 0
    await bot.dispatcher.drain()
    assert len(bot.alerts(CHAT)) == before
    bot.clock.now = due
    assert await bot.digester.tick() == 1
    await bot.dispatcher.drain()
    return bot.alerts(CHAT)[before:]


async def test_daily_digest_keeps_its_wall_clock_time_across_spring_forward(
    tmp_path: Path, web_server: WebServer
) -> None:
    """/digest daily 08:00 in London: 08:00 GMT (08:00 UTC) before clocks go forward on
    31 March 2024, 08:00 BST (07:00 UTC) that morning and after, one digest each day."""
    async with service(tmp_path, web_server, utc(2024, 3, 29, 12, 0)) as bot:
        await bot.command(CHAT, "/timezone Europe/London")
        assert (await bot.command(CHAT, f"/subscribe {bot.story.url}")).startswith("Following")
        reply = await bot.command(CHAT, "/digest daily 08:00")
        assert "08:00" in reply
        [saturday] = await digest_at(bot, utc(2024, 3, 30, 8, 0), "U-1 on Saturday.")
        [sunday] = await digest_at(bot, utc(2024, 3, 31, 7, 0), "U-2 on the Sunday clocks change.")
        [monday] = await digest_at(bot, utc(2024, 4, 1, 7, 0), "U-3 on Monday.")
    assert "Digest: 1 update" in saturday and "U-1" in saturday
    assert "U-2" in sunday and "U-1" not in sunday
    assert "U-3" in monday


async def test_daily_digest_keeps_its_wall_clock_time_across_fall_back(
    tmp_path: Path, web_server: WebServer
) -> None:
    """/digest daily 08:00 in London the weekend clocks go back (27 October 2024): 07:00 UTC
    on Saturday, 08:00 UTC from Sunday, never at the hour the old offset gave."""
    async with service(tmp_path, web_server, utc(2024, 10, 25, 12, 0)) as bot:
        await bot.command(CHAT, "/timezone Europe/London")
        await bot.command(CHAT, f"/subscribe {bot.story.url}")
        await bot.command(CHAT, "/digest daily 08:00")
        [saturday] = await digest_at(bot, utc(2024, 10, 26, 7, 0), "U-1 on Saturday.")
        [sunday] = await digest_at(bot, utc(2024, 10, 27, 8, 0), "U-2 on the Sunday clocks change.")
    assert "U-1" in saturday and "U-2" in sunday


async def test_a_mute_ending_releases_one_digest_without_unmute(
    tmp_path: Path, web_server: WebServer
) -> None:
    """/mute 1h: updates meanwhile are held; the first digest tick after the hour sends them in
    one "While muted" message, and a later tick sends nothing more."""
    async with service(tmp_path, web_server, utc(2024, 5, 1, 9, 0)) as bot:
        await bot.command(CHAT, f"/subscribe {bot.story.url}")
        await bot.command(CHAT, "/mute 1h")
        bot.story.post("U-1 while muted.")
        bot.story.post("U-2 while muted, too.")
        bot.clock.now = utc(2024, 5, 1, 9, 30)
        await bot.poll()
        assert await bot.digester.tick() == 0
        await bot.dispatcher.drain()
        assert bot.alerts(CHAT) == []
        bot.clock.now = utc(2024, 5, 1, 10, 0, 1)
        assert await bot.digester.tick() == 1
        bot.clock.now += timedelta(minutes=1)
        assert await bot.digester.tick() == 0
        await bot.dispatcher.drain()
        [digest] = bot.alerts(CHAT)
    assert "While muted: 2 updates" in digest
    assert digest.index("U-1") < digest.index("U-2")


async def test_an_update_found_as_the_mute_ends_joins_its_digest(
    tmp_path: Path, web_server: WebServer
) -> None:
    """An update found after the mute ran out but before the digest tick released the held ones
    comes in that digest, after them, not alone ahead of older updates."""
    async with service(tmp_path, web_server, utc(2024, 5, 1, 9, 0)) as bot:
        await bot.command(CHAT, f"/subscribe {bot.story.url}")
        await bot.command(CHAT, "/mute 1h")
        bot.story.post("U-1 while muted.")
        bot.clock.now = utc(2024, 5, 1, 9, 30)
        await bot.poll()
        bot.story.post("U-2 as the mute ends.")
        bot.clock.now = utc(2024, 5, 1, 10, 0, 1)
        await bot.poll()
        await bot.dispatcher.drain()
        assert bot.alerts(CHAT) == []
        assert await bot.digester.tick() == 1
        await bot.dispatcher.drain()
        [digest] = bot.alerts(CHAT)
    assert "While muted: 2 updates" in digest
    assert digest.index("U-1") < digest.index("U-2")
