"""`storywatch run --once`: check every due story once, send what is due, exit 0 (cron-friendly)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.core.model import ChatRef
from storage import Database, chats, stories, subscriptions
from tests.app.cli.runner import cli_env, storywatch
from tests.fakes.stories import LiveStory
from tests.fakes.web import WebServer

LOOPBACK = {"STORYWATCH_FETCH__ALLOW_NETWORKS": '["127.0.0.0/8"]'}


async def follow(db_path: Path, *urls: str) -> None:
    """The console chat follows each URL, as a /subscribe would have left it."""
    now = datetime.now(UTC)
    async with Database.open(db_path) as db, db.write() as tx:
        chat = await chats.ensure(tx, ChatRef("console", "console"), now=now)
        for url in urls:
            story = await stories.add(tx, url, now=now, interval=120)
            await subscriptions.subscribe(tx, chat.id, story.id, now=now)


async def make_due(db_path: Path) -> None:
    """Every story due now, as if its interval had passed."""
    now = datetime.now(UTC)
    async with Database.open(db_path) as db:
        due = [s for s in [await stories.get(db, n) for n in (1, 2)] if s is not None]
        async with db.write() as tx:
            for story in due:
                await stories.set_schedule(tx, story.id, interval=story.interval, fixed=False,
                                           next_check_at=now)


async def test_run_once_baselines_then_alerts_new_updates_and_exits(
        web_server: WebServer, tmp_path: Path) -> None:
    """The first --once is a silent baseline; after new updates, the next prints their alerts."""
    env = cli_env(tmp_path, **LOOPBACK)
    red, oil = LiveStory(web_server, "/red-sea", "Red Sea: live"), LiveStory(web_server, "/oil")
    # Two updates each: a page of one update is extracted differently (no repeated blocks).
    red.post("Ships turn back from the strait.")
    red.post("Insurers raise war-risk premiums for the route.")
    oil.post("Brent opens flat.")
    oil.post("Traders wait for the OPEC statement.")
    await follow(tmp_path / "storywatch.db", red.url, oil.url)

    first = await storywatch("run", "--once", env=env)
    assert (first.status, first.stdout) == (0, ""), first.stderr

    red.post("A second convoy is turned away by the navy.")
    oil.post("Oil prices rise two percent in early trading.")
    await make_due(tmp_path / "storywatch.db")
    second = await storywatch("run", "--once", env=env)
    assert second.status == 0, second.stderr
    assert "second convoy" in second.stdout and "Red Sea: live" in second.stdout
    assert "Oil prices rise" in second.stdout and "Brent opens flat" not in second.stdout


async def test_run_once_with_nothing_due_fetches_nothing(
        web_server: WebServer, tmp_path: Path) -> None:
    """A story checked moments ago is not due: --once exits 0 without fetching it."""
    env = cli_env(tmp_path, **LOOPBACK)
    story = LiveStory(web_server, "/live")
    story.post("Iran condemns the strikes.")
    story.post("Iraq says it was not consulted.")
    await follow(tmp_path / "storywatch.db", story.url)
    assert (await storywatch("run", "--once", env=env)).status == 0
    hits = web_server.hits[story.path]
    again = await storywatch("run", "--once", env=env)
    assert (again.status, again.stdout, web_server.hits[story.path]) == (0, "", hits)
