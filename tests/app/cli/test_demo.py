"""`storywatch demo`: the bundled story served on loopback, watched with a temporary database."""

from __future__ import annotations

import asyncio
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app.demo import load_story, render_page, shown_updates
from bot.core.extract import extract_page
from tests.app.cli.runner import cli_env, start, storywatch


async def test_demo_prints_three_alerts_and_exits_zero(tmp_path: Path) -> None:
    """`demo --updates 3` prints three alerts (story, time, headline, summary) and exits 0."""
    env = cli_env(tmp_path)
    del env["STORYWATCH_STORAGE__PATH"]  # the demo must not need (or touch) a configured database
    result = await storywatch("demo", "--updates", "3", "--reveal-every", "0.2", env=env,
                              within=30)
    assert result.status == 0, result.stderr
    alerts = [block for block in result.stdout.split("\n\n") if block.strip()]
    story = load_story()
    headlines = [u.headline for u in story.updates[story.initial:story.initial + 3]]
    assert len(alerts) == 3
    for alert, headline in zip(alerts, headlines, strict=True):
        first, summary, *_ = alert.splitlines()
        assert first.startswith(story.title) and " UTC" in first
        assert summary.startswith(headline)
    assert not (tmp_path / "storywatch.db").exists()


async def test_demo_stops_cleanly_on_sigint(tmp_path: Path) -> None:
    """Without --updates the demo runs until SIGINT, then exits 0."""
    process = await start("demo", "--reveal-every", "0.2", env=cli_env(tmp_path))
    assert process.stdout is not None
    first = await asyncio.wait_for(process.stdout.readline(), 15)
    assert first.decode().startswith(load_story().title)
    process.send_signal(signal.SIGINT)
    await asyncio.wait_for(process.communicate(), 10)
    assert process.returncode == 0


def test_the_demo_page_reveals_one_update_per_interval() -> None:
    """The page starts with the initial updates and gains one every reveal interval, newest first."""
    story = load_story()
    start_at = datetime(2024, 1, 1, tzinfo=UTC)
    assert len(shown_updates(story, start_at, start_at, 5)) == story.initial
    later = shown_updates(story, start_at, start_at + timedelta(seconds=11), 5)
    assert [number for number, _, _ in later] == list(range(story.initial + 2, 0, -1))
    assert len(shown_updates(story, start_at, start_at + timedelta(days=1), 5)) == len(story.updates)


def test_the_demo_page_is_readable_by_the_extractor() -> None:
    """Every update shown on the demo page is extracted with its headline and time."""
    story = load_story()
    now = datetime(2024, 1, 1, 12, tzinfo=UTC)
    shown = shown_updates(story, now, now, 5)
    page = extract_page(render_page(story, shown, "http://127.0.0.1:1/live"),
                        url="http://127.0.0.1:1/live", fetched_at=now, content_type="text/html")
    assert page.title == story.title
    assert [(e.title, e.published_at) for e in page.entries] == [
        (update.headline, published) for _, update, published in shown]
