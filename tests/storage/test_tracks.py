"""Tracks, the links seen on them and a chat's last discovery, on each backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.model import ChatRef
from storage import Database, chats, tracks

NOW = datetime(2024, 2, 3, 15, 0, 0, 123456, tzinfo=UTC)
SECTION = "https://news.example.com/world"


async def test_a_track_keeps_its_words_baseline_and_is_due_after_its_interval(
        db: Database) -> None:
    async with db.write() as tx:
        chat = await chats.ensure(tx, ChatRef("telegram", "-1"), now=NOW)
        track = await tracks.add(tx, chat.id, SECTION, (("ukraine", "red sea"), ("sport*",)),
                                 ["https://news.example.com/live/1"] * 2, now=NOW,
                                 next_check_at=NOW + timedelta(seconds=60))
    assert (track.include, track.exclude) == (("ukraine", "red sea"), ("sport*",))
    assert await tracks.seen(db, track.id) == {"https://news.example.com/live/1"}
    assert await tracks.due(db, NOW, limit=10) == []
    [due] = await tracks.due(db, NOW + timedelta(seconds=60), limit=10)
    assert due == track and await tracks.for_chat(db, chat.id) == [track]


async def test_a_due_track_is_claimed_by_one_checker_only(db: Database) -> None:
    """Two checkers that read the same due track: the first claim moves its next check on,
    the second finds it moved and leaves it."""
    async with db.write() as tx:
        chat = await chats.ensure(tx, ChatRef("telegram", "-1"), now=NOW)
        await tracks.add(tx, chat.id, SECTION, ((), ()), [], now=NOW, next_check_at=NOW)
    [seen_by_one] = await tracks.due(db, NOW, limit=10)
    [seen_by_other] = await tracks.due(db, NOW, limit=10)
    later = NOW + timedelta(seconds=60)
    async with db.write() as tx:
        assert await tracks.claim(tx, seen_by_one, until=later)
    async with db.write() as tx:
        assert not await tracks.claim(tx, seen_by_other, until=later)
    assert await tracks.due(db, NOW + timedelta(seconds=30), limit=10) == []


async def test_links_seen_after_a_track_stopped_are_dropped_with_it(db: Database) -> None:
    async with db.write() as tx:
        chat = await chats.ensure(tx, ChatRef("telegram", "-1"), now=NOW)
        track = await tracks.add(tx, chat.id, SECTION, ((), ()), ["https://a.example/live"],
                                 now=NOW, next_check_at=NOW)
        await tracks.mark_seen(tx, track.id, ["https://a.example/live", "https://b.example/live"],
                               now=NOW)
    assert len(await tracks.seen(db, track.id)) == 2
    async with db.write() as tx:
        await tracks.remove(tx, track.id)
        await tracks.mark_seen(tx, track.id, ["https://c.example/live"], now=NOW)
    assert await tracks.seen(db, track.id) == set()
    assert await tracks.for_chat(db, chat.id) == []


async def test_a_chats_last_discovery_replaces_the_one_before(db: Database) -> None:
    async with db.write() as tx:
        chat = await chats.ensure(tx, ChatRef("telegram", "-1"), now=NOW)
        await tracks.save_choices(tx, chat.id, [("https://a.example/live", "A", "live"),
                                                ("https://a.example/rss", "RSS: A", "feed")])
        await tracks.save_choices(tx, chat.id, [("https://b.example/live", "B", "live")])
    picked = await tracks.choice(db, chat.id, 1)
    assert picked is not None and (picked.url, picked.title, picked.kind) == (
        "https://b.example/live", "B", "live")
    assert await tracks.choice(db, chat.id, 2) is None


async def test_links_gone_from_the_page_for_long_are_forgotten(db: Database) -> None:
    later = NOW + timedelta(days=31)
    shown = [f"https://a.example/live/{n}" for n in range(1200)]
    async with db.write() as tx:
        chat = await chats.ensure(tx, ChatRef("telegram", "-1"), now=NOW)
        track = await tracks.add(tx, chat.id, SECTION, ((), ()), [*shown, "https://gone.example/"],
                                 now=NOW, next_check_at=NOW)
        await tracks.refresh(tx, track.id, shown, now=later,
                             forget_before=later - timedelta(days=30))
    assert await tracks.seen(db, track.id) == set(shown)
