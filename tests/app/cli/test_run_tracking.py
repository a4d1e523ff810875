"""`storywatch run` with the console as its chat: discovery from a front page and /track of a
section page, end to end (the track tick runs on the bot's own scheduler)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.core.model import ChatRef
from storage import Database, chats, tracks
from tests.app.cli.console_bot import console_bot
from tests.app.cli.runner import cli_env, storywatch
from tests.app.cli.test_run_console import FAST
from tests.fakes.stories import LiveStory
from tests.fakes.web import WebServer


def front(server: WebServer, *links: tuple[str, str]) -> str:
    """The front page at /world, linking to each (path, text); returns its URL."""
    anchors = "".join(f'<p><a href="{path}">{text}</a></p>' for path, text in links)
    return server.set("/world", "<!doctype html><html><head><title>World</title>"
                      '<link rel="alternate" type="application/atom+xml" href="/atom.xml">'
                      f"</head><body>{anchors}<p><a href='/about'>About us</a></p></body></html>")


def live(server: WebServer, path: str, title: str) -> LiveStory:
    story = LiveStory(server, path, title)
    story.post("The first update of the day.")
    return story


async def test_a_front_page_is_discovered_and_subscribe_n_follows_its_choice(
        web_server: WebServer, tmp_path: Path) -> None:
    storm = live(web_server, "/live/storm", "Storm live")
    vote = live(web_server, "/live/vote", "Vote count live")
    url = front(web_server, ("/live/storm", "LIVE: The storm"), ("/live/vote", "Live: the vote"))
    async with console_bot(cli_env(tmp_path, **FAST)) as bot:
        offer = await bot.command(f"/subscribe {url}", "/track")
        assert f"1. LIVE: The storm\n   {storm.url}" in offer
        assert f"2. Live: the vote\n   {vote.url}" in offer
        assert f"3. Atom: {web_server.url('/atom.xml')} (feed)" in offer
        reply = await bot.command("/subscribe 2", "New updates will be sent here")
        assert "Following “Vote count live” (number 1 in /list)" in reply
        vote.post("The first constituency declares.")
        await bot.expect("The first constituency declares.")
    assert web_server.hits["/live/storm"] == 0


async def test_track_follows_a_new_matching_live_page_and_its_updates_arrive(
        web_server: WebServer, tmp_path: Path) -> None:
    live(web_server, "/live/ukraine-1", "Ukraine war: day 1")
    links = [("/live/ukraine-1", "Ukraine war live: day 1")]
    url = front(web_server, *links)
    async with console_bot(cli_env(tmp_path, **FAST)) as bot:
        await bot.command(f"/track {url} ukraine", "will be followed here and announced")
        await web_server.fetched_again("/world")  # the track tick has checked it since
        budget = live(web_server, "/live/budget", "Budget day")
        day2 = live(web_server, "/live/ukraine-2", "Ukraine war: day 2")
        front(web_server, *links, ("/live/budget", "Budget live"),
              ("/live/ukraine-2", "Ukraine war live: day 2"))
        await bot.expect(f"Now following: Ukraine war: day 2 {day2.url}")
        day2.post("Talks resume in Istanbul.")
        await bot.expect("Talks resume in Istanbul.")
        await bot.command("/list", "Tracking (1;")
    assert web_server.hits[budget.path] == 0
    assert web_server.hits["/live/ukraine-1"] == 0


async def test_run_once_checks_due_tracks_too(web_server: WebServer, tmp_path: Path) -> None:
    """A cron job's `run --once` follows what a due tracked page gained, and says so."""
    live(web_server, "/live/ukraine-1", "Ukraine war: day 1")
    url = front(web_server, ("/live/ukraine-1", "Ukraine war live: day 1"))
    now = datetime.now(UTC)
    async with Database.open(tmp_path / "storywatch.db") as db, db.write() as tx:
        chat = await chats.ensure(tx, ChatRef("console", "console"), now=now)
        await tracks.add(tx, chat.id, url, ((), ()), [web_server.url("/live/ukraine-1")],
                         now=now, next_check_at=now)
    day2 = live(web_server, "/live/ukraine-2", "Ukraine war: day 2")
    front(web_server, ("/live/ukraine-1", "Ukraine war live: day 1"),
          ("/live/ukraine-2", "Ukraine war live: day 2"))
    env = cli_env(tmp_path, STORYWATCH_FETCH__ALLOW_NETWORKS='["127.0.0.0/8"]')
    ran = await storywatch("run", "--once", env=env)
    assert ran.status == 0, ran.stderr
    assert f"Now following: Ukraine war: day 2 {day2.url}" in ran.stdout
    assert web_server.hits["/live/ukraine-1"] == 0
