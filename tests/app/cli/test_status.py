"""`storywatch status [--json]`: the whole instance at a glance, from its database."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.model import ChatRef, Notice
from storage import Database, chats, outbox, stories, subscriptions
from storage.outbox import NewDelivery
from tests.app.cli.runner import cli_env, storywatch


async def an_instance(db_path: Path) -> None:
    """Four stories (one retired, one failing, two due), two chats (one gone), and an outbox
    of two pending (the older queued ten minutes ago), one held and one failed."""
    now = datetime.now(UTC)
    async with Database.open(db_path) as db, db.write() as tx:
        retired = await stories.add(tx, "https://news.example/old", now=now, interval=60)
        await stories.retire(tx, quiet_since=now + timedelta(days=1), max_failures=1000)
        failing = await stories.add(tx, "https://news.example/down", now=now, interval=60)
        await stories.record_failure(tx, failing.id, now=now, error="HTTP 503 from news.example",
                                     next_check_at=now + timedelta(hours=1))
        due = await stories.add(tx, "https://news.example/live", now=now, interval=60)
        later = await stories.add(tx, "https://news.example/later", now=now, interval=60)
        await stories.set_schedule(tx, later.id, interval=60, fixed=False,
                                   next_check_at=now + timedelta(hours=1))
        here = await chats.ensure(tx, ChatRef("telegram", "1"), now=now)
        gone = await chats.ensure(tx, ChatRef("telegram", "2"), now=now)
        await chats.set_active(tx, gone.id, False)
        for story in (retired, failing, due, later):
            await subscriptions.subscribe(tx, here.id, story.id, now=now)
        await outbox.enqueue(tx, [NewDelivery(here.id, "notice", Notice("old"), now)],
                             now=now - timedelta(minutes=10))
        await outbox.enqueue(tx, [NewDelivery(here.id, "notice", Notice(text), now, state=state)
                                  for text, state in (("new", "pending"), ("held", "held"),
                                                      ("bad", "pending"))], now=now)
        [*_, bad] = await outbox.list_for_chat(tx, here.id, "pending")
        await outbox.mark_failed(tx, bad.id, error="Bad Request: can't parse entities")


async def test_status_json_is_one_object_of_the_instance(tmp_path: Path) -> None:
    """--json: stories by state and due, chats, the outbox with its oldest pending age, and
    the failing story's error."""
    await an_instance(tmp_path / "storywatch.db")
    result = await storywatch("status", "--json", env=cli_env(tmp_path))
    assert result.status == 0, result.stderr
    [line] = result.stdout.splitlines()
    report = json.loads(line)
    assert report["stories"] == {"followed": 3, "due": 1, "failing": 1, "retired": 1}
    assert report["chats"] == {"total": 2, "active": 1}
    box = report["outbox"]
    assert (box["pending"], box["held"], box["failed"]) == (2, 1, 1)
    assert 600 <= box["oldest_pending_seconds"] < 660
    [error] = report["last_errors"]
    assert error["url"] == "https://news.example/down" and error["failures"] == 1
    assert error["error"] == "HTTP 503 from news.example"
    assert report["at"].endswith("+00:00")


async def test_status_text_is_readable(tmp_path: Path) -> None:
    """Without --json: a line each for stories, chats and the outbox, then the last errors."""
    await an_instance(tmp_path / "storywatch.db")
    result = await storywatch("status", env=cli_env(tmp_path))
    assert result.status == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1] == "stories: 3 followed, 1 due now, 1 failing, 1 retired"
    assert lines[2] == "chats:   2 (1 active)"
    assert lines[3] == "outbox:  2 pending (oldest waiting 10 min), 1 held, 1 failed"
    assert lines[4] == "last errors:"
    assert lines[5].startswith("  https://news.example/down — 1 failed, last at ")
    assert lines[5].endswith(": HTTP 503 from news.example")


async def test_status_of_a_new_instance(tmp_path: Path) -> None:
    """An empty database: zeros, no oldest pending, no errors."""
    result = await storywatch("status", "--json", env=cli_env(tmp_path))
    report = json.loads(result.stdout)
    assert report["outbox"]["oldest_pending_seconds"] is None and report["last_errors"] == []
    assert report["stories"] == {"followed": 0, "due": 0, "failing": 0, "retired": 0}
