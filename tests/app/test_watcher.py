"""bot.app.watcher: one check of a story, end to end on a real database with a fake source."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app.watcher import Watcher, WatchPolicy
from bot.core.errors import FetchError, Unreachable
from bot.core.identity import fingerprint
from bot.core.model import Alert, ChatRef, Entry, Fetched, Folded, Page, Validators
from bot.core.summarize import ExtractiveSummarizer
from storage import Database, chats, entries, filters, outbox, stories, subscriptions
from storage.outbox import Delivery
from storage.stories import CheckState
from tests.fakes.clock import FakeClock

URL = "https://news.example/live"
T0 = datetime(2024, 2, 3, 12, 0, tzinfo=UTC)
POLICY = WatchPolicy(interval=60, min_interval=30, max_interval=600, burst_limit=3, max_chars=80)


class FakeSource:
    """The fetcher and extractor of pages the test sets as lists of entries (newest first)."""

    def __init__(self, clock: FakeClock) -> None:
        self._clock = clock
        self._pages: dict[bytes, Page] = {}
        self.current: Page = Page("Live", ())
        self.error: FetchError | None = None

    def show(self, entries: Sequence[Entry], title: str = "Live") -> None:
        self.current = Page(title, tuple(entries))

    async def fetch(self, url: str, validators: Validators | None = None) -> Fetched:
        if self.error is not None:
            raise self.error
        body = hashlib.sha1(repr(self.current).encode()).hexdigest().encode()
        self._pages[body] = self.current
        unchanged = validators is not None and validators.etag == body.decode()
        return Fetched(url, url, self._clock(), None if unchanged else body, "text/html", None,
                       Validators(etag=body.decode()), unchanged)

    def extract(self, fetched: Fetched) -> Page:
        assert fetched.body is not None
        return self._pages[fetched.body]


@dataclass
class World:
    db: Database
    source: FakeSource
    clock: FakeClock
    story_id: int
    chat_id: int

    def watcher(self, policy: WatchPolicy = POLICY) -> Watcher:
        return Watcher(self.db, self.source, self.source.extract, ExtractiveSummarizer(), policy,
                       self.clock)

    async def deliveries(self, state: str | None = None) -> list[Delivery]:
        return await outbox.list_for_chat(self.db, self.chat_id, state)

    async def alerted(self) -> list[str]:
        found = []
        for delivery in await self.deliveries():
            message = delivery.message
            if isinstance(message, Alert):
                found.append(message.entry.key)
            elif isinstance(message, Folded):
                found.append("folded:" + ",".join(e.key for e in message.entries))
        return found


def update(n: int, text: str | None = None, title: str | None = None) -> Entry:
    return Entry(f"u{n}", T0 + timedelta(minutes=n), text or f"Update {n}: a distinct event {n}.",
                 title)


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    clock = FakeClock(T0 + timedelta(hours=1))
    async with Database.open(tmp_path / "w.db") as db:
        async with db.write() as tx:
            story = await stories.add(tx, URL, now=clock(), interval=60)
            chat = await chats.ensure(tx, ChatRef("console", "1"), now=clock())
            await subscriptions.subscribe(tx, chat.id, story.id, now=clock())
        yield World(db, FakeSource(clock), clock, story.id, chat.id)


async def test_first_check_is_a_baseline_without_deliveries(world: World) -> None:
    """The backlog is stored, nobody is alerted."""
    world.source.show([update(2), update(1)])
    result = await world.watcher().check(world.story_id)
    assert (result.outcome, result.new) == ("baseline", 2)
    assert await world.deliveries() == []
    assert await entries.count(world.db, world.story_id) == 2
    story = await stories.get(world.db, world.story_id)
    assert story is not None and story.baseline_done and story.title == "Live"


async def test_a_new_update_becomes_one_pending_alert(world: World) -> None:
    """An update added after the baseline is routed with a summary within max_chars."""
    world.source.show([update(1)])
    await world.watcher().check(world.story_id)
    long_text = "The first sentence is short. " + "Then a second sentence goes on and on. " * 5
    world.source.show([update(2, long_text, "Headline"), update(1)])
    result = await world.watcher().check(world.story_id)
    assert (result.outcome, result.new) == ("checked", 1)
    [delivery] = await world.deliveries("pending")
    assert isinstance(delivery.message, Alert) and delivery.kind == "alert"
    assert delivery.message.story.title == "Live"
    assert 0 < len(delivery.message.summary) <= POLICY.max_chars
    assert delivery.sort_key == update(2).published_at and delivery.entry_id is not None


async def test_an_unchanged_page_only_schedules_the_next_check(world: World) -> None:
    """A 304 stores nothing and backs the interval off."""
    world.source.show([update(1)])
    await world.watcher().check(world.story_id)
    world.clock.now += timedelta(minutes=1)
    result = await world.watcher().check(world.story_id)
    assert result.outcome == "unchanged"
    assert result.next_check_at == world.clock.now + timedelta(seconds=120)
    assert await world.deliveries() == []


async def test_a_fetch_error_is_a_recorded_failure_that_backs_off(world: World) -> None:
    """A failed fetch records its reason, backs off, and removes nothing."""
    world.source.show([update(1)])
    await world.watcher().check(world.story_id)
    world.source.error = Unreachable("connection refused")
    first = await world.watcher().check(world.story_id)
    second = await world.watcher().check(world.story_id)
    assert (first.outcome, first.error) == ("failed", "connection refused")
    assert second.next_check_at - world.clock.now == timedelta(seconds=120)
    story = await stories.get(world.db, world.story_id)
    assert story is not None and (story.state, story.failures) == ("failing", 2)
    assert await entries.count(world.db, world.story_id) == 1


async def test_a_page_that_lost_its_updates_fails_and_recovers(world: World) -> None:
    """No entries is a failed check; when they come back only the truly new is alerted."""
    world.source.show([update(5), update(4), update(3), update(2), update(1)])
    await world.watcher().check(world.story_id)
    world.source.show([])
    assert (await world.watcher().check(world.story_id)).outcome == "failed"
    world.source.show([update(2), update(1)])
    assert (await world.watcher().check(world.story_id)).error == (
        "the page yielded 2 updates, down from 5")
    world.source.show([update(6), update(5), update(4), update(3), update(2), update(1)])
    assert (await world.watcher().check(world.story_id)).outcome == "checked"
    assert await world.alerted() == ["u6"]
    assert await entries.count(world.db, world.story_id) == 6


async def test_chat_and_subscription_filters_both_apply(world: World) -> None:
    """An entry must pass the chat's and the subscription's filters; matched words as written."""
    [sub] = await subscriptions.for_chat(world.db, world.chat_id)
    async with world.db.write() as tx:
        await filters.add(tx, world.chat_id, None, "include", ["Iran", "Red Sea"], now=T0)
        await filters.add(tx, world.chat_id, sub.id, "exclude", ["football"], now=T0)
    world.source.show([update(1)])
    await world.watcher().check(world.story_id)
    world.source.show([
        update(4, "IRAN and the red sea again."), update(3, "Iran football result."),
        update(2, "Nothing relevant here."), update(1),
    ])
    await world.watcher().check(world.story_id)
    [delivery] = await world.deliveries()
    assert isinstance(delivery.message, Alert)
    assert (delivery.message.entry.key, delivery.message.matched) == ("u4", ("Iran", "Red Sea"))


async def test_a_muted_chat_gets_held_deliveries(world: World) -> None:
    """Alerts for a muted chat wait as 'held' for its digest."""
    async with world.db.write() as tx:
        await chats.set_muted_until(tx, world.chat_id, world.clock.now + timedelta(hours=1))
    world.source.show([update(1)])
    await world.watcher().check(world.story_id)
    world.source.show([update(2), update(1)])
    await world.watcher().check(world.story_id)
    assert [d.state for d in await world.deliveries()] == ["held"]


async def test_a_burst_folds_the_older_new_updates(world: World) -> None:
    """Over burst_limit: one folded message of the older ones first, then the newest singly."""
    world.source.show([update(1)])
    await world.watcher().check(world.story_id)
    world.source.show([update(n) for n in range(7, 0, -1)])
    await world.watcher().check(world.story_id)
    assert await world.alerted() == ["folded:u2,u3,u4", "u5", "u6", "u7"]


async def test_a_restart_alerts_what_was_posted_meanwhile_once(world: World, tmp_path: Path) -> None:
    """A new watcher on the reopened database alerts missed updates once, and nothing twice."""
    world.source.show([update(2), update(1)])
    await world.watcher().check(world.story_id)
    world.source.show([update(3), update(2), update(1)])
    await world.watcher().check(world.story_id)
    world.source.show([update(5), update(4), update(3), update(2), update(1)])
    async with Database.open(tmp_path / "w.db") as reopened:
        restarted = Watcher(reopened, world.source, world.source.extract, ExtractiveSummarizer(),
                            POLICY, world.clock)
        assert (await restarted.check(world.story_id)).outcome == "checked"
        world.clock.now += timedelta(minutes=5)
        await restarted.check(world.story_id)
    assert await world.alerted() == ["u3", "u4", "u5"]


async def test_a_correction_edits_the_sent_message_and_is_not_new(world: World) -> None:
    """A corrected update stores the new text and queues an edit where the alert was sent."""
    world.source.show([update(1)])
    await world.watcher().check(world.story_id)
    world.source.show([update(2, "Three people were hurt."), update(1)])
    await world.watcher().check(world.story_id)
    [sent] = await world.deliveries()
    async with world.db.write() as tx:
        await outbox.mark_sent(tx, sent, message_id="m1", now=world.clock.now)
    world.source.show([update(2, "Four people were hurt."), update(1)])
    result = await world.watcher().check(world.story_id)
    assert (result.new, result.edited) == (0, 1)
    edit = (await world.deliveries("pending"))[0]
    assert edit.kind == "edit" and edit.entry_id == sent.entry_id
    assert isinstance(edit.message, Alert) and edit.message.entry.text == "Four people were hurt."
    stored = await entries.for_story(world.db, world.story_id)
    assert stored[0].entry.text == "Four people were hurt."


async def test_no_edit_for_a_chat_that_turned_edits_off(world: World) -> None:
    """A chat with edits off gets no edit delivery."""
    async with world.db.write() as tx:
        await chats.set_edits(tx, world.chat_id, False)
    world.source.show([update(1, "Old.")])
    await world.watcher().check(world.story_id)
    world.source.show([update(1, "New.")])
    assert (await world.watcher().check(world.story_id)).edited == 1
    assert await world.deliveries() == []


async def test_a_fixed_interval_never_backs_off(world: World) -> None:
    """A story with a fixed interval (watch --every) is checked at that interval."""
    async with world.db.write() as tx:
        await stories.set_schedule(tx, world.story_id, interval=0.5, fixed=True,
                                   next_check_at=world.clock.now)
    world.source.show([update(1)])
    await world.watcher().check(world.story_id)
    result = await world.watcher().check(world.story_id)
    assert result.next_check_at - world.clock.now == timedelta(seconds=0.5)


async def test_an_unknown_story_is_a_lookup_error(world: World) -> None:
    """Checking a story id that does not exist raises LookupError."""
    with pytest.raises(LookupError):
        await world.watcher().check(999)


async def test_entries_stored_under_dated_keys_are_known_after_the_upgrade(world: World) -> None:
    """Rows stored before keys were content (a date in the key, marks key and fingerprint) are
    known to content keys, then also once the page re-dates them; only the added one alerts."""
    texts = ["Ferries between the islands have stopped for the rest of the day.", "No update"]
    old = [Entry(f"t:2024-02-03T12:0{n}Z:{n}", T0 + timedelta(minutes=n), text)
           for n, text in enumerate(texts)]
    async with world.db.write() as tx:
        for entry in old:
            await entries.add(tx, world.story_id, entry, now=world.clock(), marks=(
                f"k:{entry.key}", fingerprint(entry.published_at, entry.text)))
        await stories.record_check(tx, world.story_id, CheckState(
            world.clock(), 60, world.clock(), Validators(), entry_count=2))
    upgraded = [Entry(f"t:12:0{n}:{n}", e.published_at, e.text) for n, e in enumerate(old)]
    world.source.show(upgraded[::-1])
    assert (await world.watcher().check(world.story_id)).new == 0
    redated = [replace(e, published_at=T0 + timedelta(minutes=n, days=-1))
               for n, e in enumerate(upgraded)]
    world.source.show([update(9), *redated[::-1]])
    assert (await world.watcher().check(world.story_id)).new == 1
    assert await world.alerted() == ["u9"]


async def test_an_old_row_re_keyed_and_re_dated_at_once_is_found_by_its_text(
        world: World) -> None:
    """A row stored before texts were marks, seen first under a content key and another
    date, is still that update: found by its text, not alerted."""
    text = "Ferries between the islands have stopped for the rest of the day."
    old = Entry("t:2024-02-03T12:00Z:a", T0, text)
    async with world.db.write() as tx:
        await entries.add(tx, world.story_id, old, now=world.clock(), marks=(
            f"k:{old.key}", fingerprint(old.published_at, old.text)))
        await stories.record_check(tx, world.story_id, CheckState(
            world.clock(), 60, world.clock(), Validators(), entry_count=1))
    added = Entry("t:12:30:b", T0 - timedelta(days=1, minutes=-30), "Update: a new event.")
    world.source.show([added, Entry("t:12:00:a", T0 - timedelta(days=1), text)])
    assert (await world.watcher().check(world.story_id)).new == 1
    assert await world.alerted() == [added.key]
