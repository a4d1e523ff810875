"""`storywatch db copy`: an instance moved SQLite -> PostgreSQL -> SQLite comes back whole."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.diff import Edit
from bot.core.identity import Known, marks_of
from bot.core.model import Alert, ChatRef, Entry, StoryRef
from storage import Database, chats, entries, filters, outbox, stories, subscriptions, tracks
from storage.outbox import NewDelivery
from tests.app.cli.runner import cli_env, storywatch
from tests.postgres import Cluster

NOW = datetime(2024, 2, 3, 15, 0, tzinfo=UTC)
URL = "https://example.com/live"
TABLES = ("stories", "entries", "entry_marks", "chats", "subscriptions", "filters",
          "deliveries", "sent_messages", "tracks", "track_links", "discoveries")


async def _instance(path: Path) -> None:
    """Stories, entries and their marks (an edit among them), chats with settings,
    subscriptions, filters of both levels, and deliveries pending, held and sent."""
    async with Database.open(path) as db, db.write() as tx:
        story = await stories.add(tx, URL, now=NOW, interval=60)
        await stories.add(tx, "https://example.com/other", now=NOW, interval=90.5, fixed=True)
        first = Entry("k1", NOW, "First update", "Head", None, f"{URL}#1")
        first_id = await entries.add(tx, story.id, first, now=NOW, marks=marks_of(first))
        untimed = Entry("k2", None, "Untimed update")
        await entries.add(tx, story.id, untimed, now=NOW, marks=marks_of(untimed))
        corrected = Entry("k1", NOW, "First, corrected")
        await entries.update(tx, Edit(Known(first_id, first), corrected, "k1b"),
                             now=NOW + timedelta(minutes=1))
        await entries.mark(tx, story.id, first_id, ["k:k1b", *marks_of(corrected)])
        group = await chats.ensure(tx, ChatRef("telegram", "-100", "7"), now=NOW,
                                   kind="supergroup")
        private = await chats.ensure(tx, ChatRef("discord", "42"), now=NOW, edits=False)
        await chats.set_timezone(tx, group.id, "Europe/Paris")
        await chats.set_muted_until(tx, private.id, NOW + timedelta(hours=2))
        await chats.set_digest(tx, group.id, mode="every", every=3600.0,
                               next_at=NOW + timedelta(hours=1))
        for chat in (group, private):
            subscription = await subscriptions.subscribe(tx, chat.id, story.id, now=NOW)
            await filters.add(tx, chat.id, subscription.id, "include", ["red sea"], now=NOW)
        await filters.add(tx, group.id, None, "exclude", ["football"], now=NOW)
        alert = Alert(StoryRef(URL, "Live"), first, "Head. First update", (), "UTC")
        await outbox.enqueue(tx, [
            NewDelivery(group.id, "alert", alert, NOW, story.id, first_id),
            NewDelivery(private.id, "alert", alert, NOW, story.id, first_id, state="held"),
            NewDelivery(group.id, "alert", alert, NOW + timedelta(seconds=1), story.id, first_id),
        ], now=NOW)
        sent = (await outbox.list_for_chat(tx, group.id))[0]
        await outbox.mark_sent(tx, sent, message_id="m-1", now=NOW)
        await tracks.add(tx, group.id, "https://example.com/world", (("ukraine",), ("sport",)),
                         [URL], now=NOW, next_check_at=NOW + timedelta(minutes=2))
        await tracks.save_choices(tx, private.id, [(URL, "Live", "live"),
                                                   ("https://example.com/rss", "RSS", "feed")])


def _dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(path) as connection:
        return {table: connection.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
                for table in TABLES}


async def test_an_instance_copied_to_postgresql_and_back_is_unchanged(
        tmp_path: Path, postgres: Cluster) -> None:
    """Every row of every table survives SQLite -> PostgreSQL -> SQLite, and PostgreSQL's
    next ids continue after the copied ones."""
    original, back = tmp_path / "original.db", tmp_path / "back.db"
    await _instance(original)
    url = await postgres.new_database()
    env = cli_env(tmp_path)
    there = await storywatch("db", "copy", str(original), url, env=env)
    assert there.status == 0, there.stderr
    assert "2 stories" in there.stdout and "3 deliveries" in there.stdout
    home = await storywatch("db", "copy", url, str(back), env=env)
    assert home.status == 0, home.stderr
    before, after = _dump(original), _dump(back)
    assert all(before[table] for table in TABLES)
    assert after == before
    async with Database.open(url) as db, db.write() as tx:
        story = await stories.add(tx, "https://example.com/third", now=NOW, interval=60)
    assert story.id == 3


async def test_a_copy_into_a_database_in_use_is_refused(tmp_path: Path) -> None:
    """The destination must be empty: two instances are never mixed."""
    source, destination = tmp_path / "a.db", tmp_path / "b.db"
    await _instance(source)
    await _instance(destination)
    before = _dump(destination)
    copied = await storywatch("db", "copy", str(source), str(destination),
                              env=cli_env(tmp_path))
    assert copied.status == 1
    assert "not empty" in copied.stderr and copied.stderr.count("\n") == 1
    assert _dump(destination) == before
