"""The storage repositories on a real database: stories, entries, chats, subscriptions, filters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.diff import Confirmed, Edit
from bot.core.identity import Known, marks_of
from bot.core.model import (
    DATED_BY_FETCH,
    DATED_BY_PAGE,
    DATED_OWN,
    ChatRef,
    Embed,
    Entry,
    Validators,
)
from bot.core.route import holds_alerts
from storage import Database, chats, entries, filters, stories, subscriptions
from storage.stories import CheckState

NOW = datetime(2024, 2, 3, 15, 0, tzinfo=UTC)


async def test_a_story_is_tracked_once_per_normalised_url(db: Database) -> None:
    """Adding a story twice returns the one row."""
    async with db.write() as tx:
        first = await stories.add(tx, "https://example.com/live", now=NOW, interval=60)
        again = await stories.add(tx, "https://example.com/live", now=NOW, interval=5)
    assert first == again
    assert first.interval == 60 and first.next_check_at == NOW and not first.baseline_done
    assert first.created_at.tzinfo is not None


async def test_due_stories_and_check_state_round_trip(db: Database) -> None:
    """A recorded check sets validators, schedule and the baseline flag; due() follows it."""
    async with db.write() as tx:
        story = await stories.add(tx, "https://example.com/live", now=NOW, interval=60)
    assert [s.id for s in await stories.due(db, NOW)] == [story.id]
    state = CheckState(checked_at=NOW, interval=120, next_check_at=NOW + timedelta(seconds=120),
                       validators=Validators('"e1"', "Sat, 03 Feb", "abc"), title="Live",
                       canonical_url="https://example.com/c", final_url="https://example.com/f",
                       entry_count=7, found_new=True)
    async with db.write() as tx:
        await stories.record_check(tx, story.id, state)
    stored = await stories.get(db, story.id)
    assert stored is not None
    assert stored.validators == Validators('"e1"', "Sat, 03 Feb", "abc")
    assert (stored.title, stored.last_entry_count, stored.baseline_done) == ("Live", 7, True)
    assert stored.last_update_at == NOW and stored.next_check_at == state.next_check_at
    assert await stories.due(db, NOW) == []
    assert await stories.by_url(db, "https://example.com/c") == stored


async def test_a_failure_counts_up_and_a_success_clears_it(db: Database) -> None:
    """Failures make a story 'failing' with the reason; a good check makes it active again."""
    async with db.write() as tx:
        story = await stories.add(tx, "https://example.com/live", now=NOW, interval=60)
        await stories.record_failure(tx, story.id, now=NOW, error="boom", next_check_at=NOW)
        await stories.record_failure(tx, story.id, now=NOW, error="again", next_check_at=NOW)
    failing = await stories.get(db, story.id)
    assert failing is not None and failing.failures == 2
    assert (failing.state, failing.last_error) == ("failing", "again")
    async with db.write() as tx:
        await stories.record_check(tx, story.id, CheckState(NOW, 60, NOW, Validators()))
    healed = await stories.get(db, story.id)
    assert healed is not None and (healed.state, healed.failures) == ("active", 0)


async def test_entries_and_their_marks_are_kept(db: Database) -> None:
    """Entries come back as Known with aware times; their marks name them."""
    async with db.write() as tx:
        story = await stories.add(tx, "https://example.com/live", now=NOW, interval=60)
        entry = Entry("k1", NOW, "Text one", "Head", None, "https://example.com/live#1")
        entry_id = await entries.add(tx, story.id, entry, now=NOW, marks=marks_of(entry))
        assert await entries.add(tx, story.id, entry, now=NOW) == entry_id
    [stored] = await entries.for_story(db, story.id)
    assert stored == Known(entry_id, entry)
    marks = await entries.marks(db, story.id)
    assert marks == dict.fromkeys(marks_of(entry), entry_id) and "k:k1" in marks
    assert await entries.count(db, story.id) == 1
    assert await entries.latest(db, story.id) == entry


async def test_an_edit_keeps_old_marks_and_adds_new_ones(db: Database) -> None:
    """A correction replaces the text; the old fingerprint still marks the entry as known."""
    old = Entry("k1", NOW, "Old text")
    async with db.write() as tx:
        story = await stories.add(tx, "https://example.com/live", now=NOW, interval=60)
        entry_id = await entries.add(tx, story.id, old, now=NOW, marks=marks_of(old))
        await entries.update(tx, Edit(Known(entry_id, old), Entry("k1", NOW, "New text"), "k9"),
                             now=NOW)
        await entries.mark(tx, story.id, entry_id, ["k:k9", *marks_of(Entry("k9", NOW, "x"))])
    [row] = await entries.for_story(db, story.id)
    assert row.entry.text == "New text"
    marks = await entries.marks(db, story.id)
    assert {"k:k1", "k:k9"} <= set(marks) and len(marks) == 4
    assert set(marks.values()) == {entry_id}


async def test_how_strongly_an_entry_is_dated_is_kept_and_only_raised(db: Database) -> None:
    """The strength of an entry's time is stored, raised by a confirmation (never lowered),
    and set with the time an edit moves."""
    weak = Entry("k1", NOW, "Text one", dated=DATED_BY_FETCH)
    async with db.write() as tx:
        story = await stories.add(tx, "https://example.com/live", now=NOW, interval=60)
        entry_id = await entries.add(tx, story.id, weak, now=NOW)
        await entries.confirm(tx, Confirmed(entry_id, DATED_BY_PAGE))
        await entries.confirm(tx, Confirmed(entry_id, DATED_BY_FETCH))
    [row] = await entries.for_story(db, story.id)
    assert row.entry.dated == DATED_BY_PAGE
    async with db.write() as tx:
        moved = Entry("k1", NOW - timedelta(days=1), "Text one", dated=DATED_OWN)
        await entries.update(tx, Edit(row, moved, "k1"), now=NOW)
    [row] = await entries.for_story(db, story.id)
    assert (row.entry.published_at, row.entry.dated) == (moved.published_at, DATED_OWN)


async def test_an_entrys_picture_and_embeds_are_kept_and_follow_its_edits(db: Database) -> None:
    """What an update shows besides its words comes back as stored, and an edit replaces it."""
    post = Embed("post", "https://x.com/a/status/1", "We are safe", "a")
    entry = Entry("k1", NOW, "Text", image="https://cdn.example.com/1.jpg", embeds=(post,))
    async with db.write() as tx:
        story = await stories.add(tx, "https://example.com/live", now=NOW, interval=60)
        entry_id = await entries.add(tx, story.id, entry, now=NOW)
    [row] = await entries.for_story(db, story.id)
    assert row.entry == entry
    video = Embed("video", "https://www.youtube.com/watch?v=x", "Briefing")
    edited = Entry("k1", NOW, "Text, corrected", embeds=(video,))
    async with db.write() as tx:
        await entries.update(tx, Edit(Known(entry_id, entry), edited, "k1"), now=NOW)
    [row] = await entries.for_story(db, story.id)
    assert (row.entry.image, row.entry.embeds) == (None, (video,))


async def test_chats_are_unique_per_platform_chat_and_thread(db: Database) -> None:
    """A forum topic is a chat of its own; ensure() returns the existing row."""
    async with db.write() as tx:
        group = await chats.ensure(tx, ChatRef("telegram", "-100"), now=NOW, kind="supergroup")
        topic = await chats.ensure(tx, ChatRef("telegram", "-100", "7"), now=NOW)
        again = await chats.ensure(tx, ChatRef("telegram", "-100"), now=NOW)
    assert group.id != topic.id and again == group and group.kind == "supergroup"


async def test_chat_settings_and_holding(db: Database) -> None:
    """Mute and digest settings make a chat hold its alerts; a move changes its id."""
    ref = ChatRef("telegram", "-1")
    async with db.write() as tx:
        chat = await chats.ensure(tx, ref, now=NOW)
        await chats.set_muted_until(tx, chat.id, NOW + timedelta(hours=1))
        await chats.set_timezone(tx, chat.id, "Europe/Paris")
        await chats.set_locked(tx, chat.id, True)
        await chats.move(tx, chat.id, "-1009")
    moved = await chats.get(db, chat.id)
    assert moved is not None and moved.ref == ChatRef("telegram", "-1009")
    # An ended mute still holds until the digest tick releases it (clears muted_until).
    assert holds_alerts(moved.muted_until, moved.digest_mode)
    assert (moved.timezone, moved.locked) == ("Europe/Paris", True)
    async with db.write() as tx:
        await chats.set_muted_until(tx, chat.id, None)
        await chats.set_digest(tx, chat.id, mode="every", every=3600, next_at=NOW)
        await chats.set_edits(tx, chat.id, False)
    digesting = await chats.get(db, chat.id)
    assert digesting is not None and not digesting.edits
    assert holds_alerts(digesting.muted_until, digesting.digest_mode)
    assert digesting.next_digest_at == NOW


async def test_subscriptions_are_numbered_in_creation_order(db: Database) -> None:
    """for_chat lists subscriptions by id, as /list numbers them; subscribe is idempotent."""
    async with db.write() as tx:
        chat = await chats.ensure(tx, ChatRef("discord", "5"), now=NOW)
        one = await stories.add(tx, "https://a.example/1", now=NOW, interval=60)
        two = await stories.add(tx, "https://a.example/2", now=NOW, interval=60)
        s2 = await subscriptions.subscribe(tx, chat.id, two.id, now=NOW)
        s1 = await subscriptions.subscribe(tx, chat.id, one.id, now=NOW)
        assert await subscriptions.subscribe(tx, chat.id, two.id, now=NOW) == s2
    assert [s.id for s in await subscriptions.for_chat(db, chat.id)] == [s2.id, s1.id]


async def test_audience_carries_chat_and_subscription_filter_levels(db: Database) -> None:
    """Each active subscription comes with (chat level, own level) words, as written."""
    async with db.write() as tx:
        story = await stories.add(tx, "https://a.example/1", now=NOW, interval=60)
        chat = await chats.ensure(tx, ChatRef("telegram", "1"), now=NOW)
        other = await chats.ensure(tx, ChatRef("telegram", "2"), now=NOW)
        sub = await subscriptions.subscribe(tx, chat.id, story.id, now=NOW)
        await subscriptions.subscribe(tx, other.id, story.id, now=NOW)
        await filters.add(tx, chat.id, None, "include", ["Iran", "red sea"], now=NOW)
        await filters.add(tx, chat.id, sub.id, "exclude", ["sport*"], now=NOW)
        await filters.add(tx, chat.id, sub.id, "exclude", ["sport*"], now=NOW)
    audience = await subscriptions.audience(db, story.id)
    assert [a.chat.id for a in audience] == [chat.id, other.id]
    assert audience[0].levels == ((("Iran", "red sea"), ()), ((), ("sport*",)))
    assert audience[1].levels == (((), ()), ((), ()))
    assert await filters.of_level(db, chat.id, None) == filters.FilterSet(("Iran", "red sea"))


async def test_removing_and_clearing_filters(db: Database) -> None:
    """remove() drops the named words of a level; clear() all of them."""
    async with db.write() as tx:
        chat = await chats.ensure(tx, ChatRef("telegram", "1"), now=NOW)
        await filters.add(tx, chat.id, None, "include", ["a", "b", "c"], now=NOW)
        await filters.remove(tx, chat.id, None, ["b"])
    assert (await filters.of_level(db, chat.id, None)).include == ("a", "c")
    async with db.write() as tx:
        await filters.clear(tx, chat.id, None)
    assert await filters.of_level(db, chat.id, None) == filters.FilterSet()


async def test_a_gone_chat_leaves_no_audience(db: Database) -> None:
    """Deactivated subscriptions are not routed to."""
    async with db.write() as tx:
        story = await stories.add(tx, "https://a.example/1", now=NOW, interval=60)
        chat = await chats.ensure(tx, ChatRef("telegram", "1"), now=NOW)
        await subscriptions.subscribe(tx, chat.id, story.id, now=NOW)
        await subscriptions.deactivate_chat(tx, chat.id)
    assert await subscriptions.audience(db, story.id) == []


async def test_a_story_s_followers_move_to_its_successor_once_with_their_filters(
        db: Database) -> None:
    """Subscriptions that follow successors move, keeping their id (their /list number) and
    filters; one turned off, or a chat already following the successor, stays; the old story
    records its successor and the chain back from the successor names it."""
    async with db.write() as tx:
        old = await stories.add(tx, "https://example.com/live/1", now=NOW, interval=60)
        new = await stories.add(tx, "https://example.com/live/2", now=NOW, interval=60)
        moving, staying, both = [
            await chats.ensure(tx, ChatRef("telegram", str(n)), now=NOW) for n in (1, 2, 3)]
        sub = await subscriptions.subscribe(tx, moving.id, old.id, now=NOW)
        await filters.add(tx, moving.id, sub.id, "include", ("iran",), now=NOW)
        await subscriptions.subscribe(tx, staying.id, old.id, now=NOW)
        await chats.set_successors(tx, staying.id, False)
        await subscriptions.subscribe(tx, both.id, old.id, now=NOW)
        await subscriptions.subscribe(tx, both.id, new.id, now=NOW)
        assert await subscriptions.move_to_successor(tx, old.id, new.id) == [moving.id]
        assert await subscriptions.move_to_successor(tx, old.id, new.id) == []
        await stories.set_successor(tx, old.id, new.url, ended=False)
    [moved] = await subscriptions.for_chat(db, moving.id)
    assert (moved.id, moved.story_id) == (sub.id, new.id)
    [member] = [m for m in await subscriptions.audience(db, new.id) if m.chat.id == moving.id]
    assert member.levels[1][0] == ("iran",)
    assert sorted(await subscriptions.stayers(db, old.id)) == sorted([staying.id, both.id])
    again = await stories.get(db, old.id)
    assert again is not None and again.successor_url == new.url and again.state == "active"
    assert await stories.chain_before(db, new.url) == [old.url]
    async with db.write() as tx:
        await stories.set_successor(tx, new.id, "https://example.com/live/3", ended=True)
    assert [s.id for s in await stories.due(db, NOW)] == [old.id]  # an ended story is not due
    assert await stories.chain_before(db, "https://example.com/live/3") == [new.url, old.url]
