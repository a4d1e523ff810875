"""`storywatch run` with no platform token: the console is a chat (docs/BEHAVIOUR.md, Command line)."""

from __future__ import annotations

from pathlib import Path

from tests.app.cli.console_bot import console_bot
from tests.app.cli.runner import cli_env
from tests.fakes.stories import LiveStory
from tests.fakes.web import WebServer

FAST = {
    "STORYWATCH_FETCH__ALLOW_NETWORKS": '["127.0.0.0/8"]',
    "STORYWATCH_SCHEDULE__INTERVAL": "0.2",
    "STORYWATCH_SCHEDULE__MIN_INTERVAL": "0.2",
    "STORYWATCH_SCHEDULE__MAX_INTERVAL": "0.4",
    "STORYWATCH_SCHEDULE__TICK": "0.1",
}


def story_with_two(server: WebServer, path: str = "/live", title: str = "Strikes: live") -> LiveStory:
    story = LiveStory(server, path, title)
    story.post("Iran condemns the strikes on targets in Syria and Iraq.")
    story.post("Iraq says Washington did not coordinate the attacks with Baghdad.",
               headline="Baghdad denies coordination")
    return story


async def test_subscribe_then_alert_for_each_new_update(web_server: WebServer, tmp_path: Path) -> None:
    """/subscribe answers with title, count and latest; each later update is alerted once."""
    story = story_with_two(web_server)
    async with console_bot(cli_env(tmp_path, **FAST)) as bot:
        reply = await bot.command(f"/subscribe {story.url}", "New updates will be sent here")
        assert "“Strikes: live”" in reply and "2 updates so far" in reply
        assert "Baghdad denies coordination" in reply
        story.post("Russia calls for an emergency meeting of the UN Security Council.")
        alert = await bot.expect("emergency meeting")
        assert "Strikes: live" in alert
        story.post("Oil prices rise two percent in early trading.")
        await bot.expect("Oil prices rise")
        listing = await bot.command("/list", "1. “Strikes: live”")
        assert "active" in bot.printed_since() + listing
    assert bot.output.count("emergency meeting") == 1


async def test_a_bad_url_gets_the_reason(tmp_path: Path, unused_tcp_port: int) -> None:
    """/subscribe of an unreachable page says why it can't be followed, and follows nothing."""
    async with console_bot(cli_env(tmp_path, **FAST)) as bot:
        reply = await bot.command(f"/subscribe http://127.0.0.1:{unused_tcp_port}/live", "Can't follow")
        assert "127.0.0.1" in reply
        await bot.command("/list", "follows no story yet")


async def test_chat_and_subscription_filters_both_apply(web_server: WebServer, tmp_path: Path) -> None:
    """An update must pass the chat's include words and the subscription's exclude words."""
    story = story_with_two(web_server)
    async with console_bot(cli_env(tmp_path, **FAST)) as bot:
        await bot.command(f"/subscribe {story.url}", "New updates")
        await bot.command("/filter add iran", "include iran")
        await bot.command("/filter 1 exclude sport*", "Filters of subscription 1: exclude sport*")
        story.post("Stocks fall in Tokyo as markets open.")
        story.post("Iran's sports minister cancels a visit to Baghdad.")
        story.post("Iran summons the Swiss envoy, who represents US interests.")
        alert = await bot.expect("Swiss envoy")
        assert "Stocks fall" not in alert and "sports minister" not in alert
        alert += await bot.expect("\n\n")
        assert "Matched: iran" in alert


async def test_mute_holds_alerts_and_unmute_sends_one_digest(web_server: WebServer, tmp_path: Path) -> None:
    """While muted nothing is sent; /unmute sends what was held as one digest."""
    story = story_with_two(web_server)
    async with console_bot(cli_env(tmp_path, **FAST)) as bot:
        await bot.command(f"/subscribe {story.url}", "New updates")
        await bot.command("/mute 30m", "Muted until")
        story.post("First update while muted.")
        story.post("Second update while muted.")
        story.post("Third update while muted, to be sure the checks ran.")
        await web_server.fetched_again(story.path)
        assert "while muted" not in bot.printed_since()
        digest = await bot.command("/unmute", "Third update while muted")
        assert "While muted: 3 updates" in digest
        assert digest.count("First update while muted") == 1


async def test_interval_digest_collects_alerts(web_server: WebServer, tmp_path: Path) -> None:
    """/digest every 2s (the floor lowered for the test) sends the updates of each period
    together in one message."""
    story = story_with_two(web_server)
    async with console_bot(cli_env(tmp_path, **FAST, STORYWATCH_LIMITS__DIGEST_FLOOR="1")) as bot:
        await bot.command(f"/subscribe {story.url}", "New updates")
        await bot.command("/digest every 2s", "Digest every 2 seconds")
        story.post("Update one for the digest.")
        story.post("Update two for the digest.")
        digest = await bot.expect("Update two for the digest", within=10)
        assert "Digest: 2 updates" in digest


async def test_unsubscribe_stops_alerts(web_server: WebServer, tmp_path: Path) -> None:
    """After /unsubscribe 1 the first story is silent while a second story still alerts."""
    first = story_with_two(web_server, "/one", "Story one")
    second = story_with_two(web_server, "/two", "Story two")
    async with console_bot(cli_env(tmp_path, **FAST)) as bot:
        await bot.command(f"/subscribe {first.url}", "number 1 in /list")
        await bot.command(f"/subscribe {second.url}", "number 2 in /list")
        await bot.command("/unsubscribe 1", "Stopped following “Story one”")
        first.post("Story one moves on without us.")
        second.post("Story two has news.")
        await bot.expect("Story two has news")
        await web_server.fetched_again("/two")
        assert "without us" not in bot.output


async def test_restart_carries_on_without_repeats(web_server: WebServer, tmp_path: Path) -> None:
    """Stopped and started on the same database: what was posted meanwhile is alerted once."""
    story = story_with_two(web_server)
    env = cli_env(tmp_path, **FAST)
    async with console_bot(env) as bot:
        await bot.command(f"/subscribe {story.url}", "New updates")
        story.post("Posted while the bot runs.")
        await bot.expect("Posted while the bot runs")
    story.post("Posted while the bot is stopped.")
    async with console_bot(env) as bot:
        await bot.expect("Posted while the bot is stopped")
        story.post("Posted after the restart.")
        await bot.expect("Posted after the restart")
        await bot.command("/list", "1. “Strikes: live”")
    assert "Posted while the bot runs" not in bot.output


async def test_several_stories_at_once(web_server: WebServer, tmp_path: Path) -> None:
    """Two stories followed at once each alert their own updates."""
    first = story_with_two(web_server, "/a", "Story A")
    second = story_with_two(web_server, "/b", "Story B")
    async with console_bot(cli_env(tmp_path, **FAST)) as bot:
        await bot.command(f"/subscribe {first.url}", "New updates")
        await bot.command(f"/subscribe {second.url}", "New updates")
        first.post("Ministers meet in Brussels to agree the sanctions package on story A.")
        second.post("Rescue teams reach the northern villages cut off on story B.")
        await bot.expect("story A", within=10)
        assert "story B" in bot.output or "story B" in await bot.expect("story B", within=10)


async def test_one_story_under_two_urls_is_followed_once(web_server: WebServer, tmp_path: Path) -> None:
    """A URL that redirects to, or names as canonical, a story already followed is that story."""
    story = story_with_two(web_server)
    web_server.set("/old-link", "", status=301, headers={"Location": story.url})
    web_server.set("/amp", story.render().replace(
        "<head>", f'<head><link rel="canonical" href="{story.url}">'))
    async with console_bot(cli_env(tmp_path, **FAST)) as bot:
        await bot.command(f"/subscribe {story.url}", "number 1 in /list")
        await bot.command(f"/subscribe {web_server.url('/old-link')}", "already follows “Strikes: live”")
        await bot.command(f"/subscribe {web_server.url('/amp')}", "already follows “Strikes: live”")
        listing = await bot.command("/list", "Stories followed here (1)")
        assert "2." not in listing


async def test_a_story_that_starts_with_one_update_alerts_only_what_is_new(
    web_server: WebServer, tmp_path: Path,
) -> None:
    """A live blog followed when it has a single post: as it grows, only the new posts are alerted."""
    story = LiveStory(web_server, "/new", "Election night: live")
    story.post("Polls have closed across the country and counting begins.")
    async with console_bot(cli_env(tmp_path, **FAST)) as bot:
        reply = await bot.command(f"/subscribe {story.url}", "New updates")
        assert "1 update so far" in reply
        story.post("The first result is declared in the north-east, a hold for the incumbents.")
        await bot.expect("first result is declared")
        story.post("Turnout is estimated at sixty-one percent, up four points on the last vote.")
        await bot.expect("Turnout is estimated")
        await web_server.fetched_again("/new")
    assert "counting begins" not in bot.output.split("New updates will be sent here")[1]


async def test_preview_shows_a_story_without_following_it(web_server: WebServer,
                                                          tmp_path: Path) -> None:
    """/preview at the console prints the title, count and newest updates; /list stays empty."""
    story = story_with_two(web_server)
    async with console_bot(cli_env(tmp_path, **FAST)) as bot:
        reply = await bot.command(f"/preview {story.url}", "Not followed here")
        assert "“Strikes: live”: 2 updates; the newest:" in reply
        assert "Baghdad denies coordination" in reply
        await bot.command("/list", "This chat follows no story yet")
