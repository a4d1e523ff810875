"""/track in a Telegram group, the real `storywatch run` against the fake Bot API: a member
may not track, an admin may; the section's new matching live page is announced in the group
and its next update arrives there as an alert."""

from __future__ import annotations

from pathlib import Path

from tests.fakes import telegram_updates as updates
from tests.fakes.web import WebServer
from tests.platforms.telegram.test_e2e import GROUP, MEMBER, USER, Story, storywatch_run


def section(web: WebServer, *links: tuple[str, str]) -> str:
    anchors = "".join(f'<p><a href="{path}">{text}</a></p>' for path, text in links)
    return web.set("/world", f"<!doctype html><html><body><h1>World</h1>{anchors}"
                             "<p><a href='/about'>About</a></p></body></html>")


async def test_an_admin_tracks_a_section_and_the_group_hears_its_new_live_page(
        tmp_path: Path, web_server: WebServer) -> None:
    url = section(web_server)
    async with storywatch_run(tmp_path) as bot:
        bot.fake.set_member(GROUP, USER, "administrator")
        refused = await bot.command(updates.group_command(GROUP, MEMBER, f"/track {url}"), GROUP)
        assert "admin" in refused
        reply = await bot.command(updates.group_command(GROUP, USER, f"/track {url} storm"),
                                  GROUP)
        assert reply.startswith(f"Tracking {url} (number 1 under Tracking in /list)"), reply
        story = Story(web_server, path="/live/storm")
        section(web_server, ("/live/storm", "Storm live: the coast braces"),
                ("/live/vote", "Vote count live"))
        await bot.fake.wait_for(lambda _: bool(bot.sends(GROUP, "Now following:")), 10)
        [notice] = bot.sends(GROUP, "Now following:")
        assert f"{story.url}\n(new on {url}; number 1 in /list)" in notice["text"]
        story.post("Storm reaches the pier", "Waves break over the pier at noon.")
        await bot.wait_alerts(GROUP, "Waves break over the pier")
    assert web_server.hits["/live/vote"] == 0
