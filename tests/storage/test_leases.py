"""Leases and claims for many processes on one PostgreSQL database: due stories leased by
checkers, due chats claimed by senders, both skipping what another holds."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.model import Alert, ChatRef, Entry, StoryRef, Validators
from storage import Database, chats, outbox, stories
from storage.outbox import NewDelivery
from storage.stories import CheckState
from tests.postgres import Cluster

NOW = datetime(2024, 2, 3, 15, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=1)


@pytest.fixture
async def db(postgres: Cluster) -> AsyncIterator[Database]:
    """A fresh PostgreSQL database with ten stories due now."""
    async with Database.open(await postgres.new_database()) as database:
        async with database.write() as tx:
            for number in range(10):
                await stories.add(tx, f"https://example.com/{number}", now=NOW, interval=60)
        yield database


async def test_two_checkers_leasing_at_once_never_share_a_story(db: Database) -> None:
    """While one checker's lease is still being written, another gets the other stories."""
    first_in, second_done = asyncio.Event(), asyncio.Event()
    leased: dict[str, list[int]] = {}

    async def checker(owner: str, limit: int) -> None:
        async with db.write() as tx:
            got = await stories.lease_due(tx, NOW, owner=owner, until=LATER, limit=limit)
            leased[owner] = [story.id for story in got]
            if owner == "a":
                first_in.set()
                await second_done.wait()  # "a" still holds its row locks meanwhile

    async def second() -> None:
        await first_in.wait()
        await checker("b", 100)
        second_done.set()

    await asyncio.wait_for(asyncio.gather(checker("a", 4), second()), 10)
    assert len(leased["a"]) == 4 and len(leased["b"]) == 6
    assert not set(leased["a"]) & set(leased["b"])


async def test_a_lease_runs_out_and_another_checker_takes_the_story(db: Database) -> None:
    """Leased stories are not due to others until the lease ends; then they are."""
    async with db.write() as tx:
        taken = await stories.lease_due(tx, NOW, owner="dead", until=LATER, limit=100)
    async with db.write() as tx:
        assert await stories.lease_due(tx, NOW, owner="b", until=LATER, limit=100) == []
    after = LATER + timedelta(seconds=1)
    async with db.write() as tx:
        again = await stories.lease_due(tx, after, owner="b", until=after, limit=100)
    assert [story.id for story in again] == [story.id for story in taken]


async def test_a_tick_still_running_takes_over_leases_that_ran_out_meanwhile(
        db: Database) -> None:
    """Due by the tick's start, free by the clock: a long tick takes a dead checker's stories
    as soon as their leases run out, not only at its next tick."""
    async with db.write() as tx:
        await stories.lease_due(tx, NOW, owner="dead", until=LATER, limit=100)
    after = LATER + timedelta(seconds=1)
    async with db.write() as tx:
        again = await stories.lease_due(tx, NOW, owner="b", until=after,
                                        limit=100, expired_by=after)
    assert len(again) == 10


async def test_a_story_checked_now_is_leased_unless_another_holds_it(db: Database) -> None:
    """A check asked for now (/subscribe) leases its story, due or not; a story another
    checker holds is left to it until its lease runs out; the tick then skips it."""
    first = (await stories.get(db, 1))
    assert first is not None
    async with db.write() as tx:
        mine = await stories.lease(tx, first.id, owner="a", until=LATER, now=NOW)
        assert mine is not None and mine.id == first.id
        assert await stories.lease(tx, first.id, owner="b", until=LATER, now=NOW) is None
        due = await stories.lease_due(tx, NOW, owner="b", until=LATER, limit=100)
        assert first.id not in [story.id for story in due]
        after = LATER + timedelta(seconds=1)
        assert await stories.lease(tx, first.id, owner="b", until=after, now=after) is not None


async def test_a_recorded_check_ends_the_lease(db: Database) -> None:
    """Once checked, a story is due again at its next check, to any checker."""
    async with db.write() as tx:
        [story] = await stories.lease_due(tx, NOW, owner="a", until=LATER, limit=1)
        await stories.record_check(tx, story.id, CheckState(
            NOW, 60, NOW, Validators(None, None, None)))
    async with db.write() as tx:
        again = await stories.lease_due(tx, NOW, owner="b", until=LATER, limit=100)
    assert story.id in {leased.id for leased in again}


async def test_releasing_frees_every_story_of_a_stopped_checker(db: Database) -> None:
    """A checker that stops cleanly hands its stories back at once."""
    async with db.write() as tx:
        await stories.lease_due(tx, NOW, owner="a", until=LATER, limit=100)
        await stories.release_leases(tx, "a")
    async with db.write() as tx:
        assert len(await stories.lease_due(tx, NOW, owner="b", until=LATER, limit=100)) == 10


async def test_senders_claim_due_chats_without_sharing(db: Database) -> None:
    """A chat one sender claimed is not another's until the claim runs out; its holder
    claims it again."""
    story = await stories.by_url(db, "https://example.com/0")
    assert story is not None
    async with db.write() as tx:
        ids = []
        for number in range(3):
            chat = await chats.ensure(tx, ChatRef("telegram", str(number)), now=NOW)
            ids.append(chat.id)
            alert = Alert(StoryRef(story.url, None), Entry(f"k{number}", NOW, "Text"), "Text")
            await outbox.enqueue(tx, [NewDelivery(chat.id, "alert", alert, NOW, story.id)],
                                 now=NOW)
    async with db.write() as tx:
        mine = await outbox.claim_chats_with_due(tx, NOW, owner="a", until=LATER, limit=2)
    async with db.write() as tx:
        theirs = await outbox.claim_chats_with_due(tx, NOW, owner="b", until=LATER)
    async with db.write() as tx:
        again = await outbox.claim_chats_with_due(tx, NOW, owner="a", until=LATER)
    assert len(mine) == 2 and len(theirs) == 1 and not set(mine) & set(theirs)
    assert sorted(again) == sorted(mine)
    after = LATER + timedelta(seconds=1)
    async with db.write() as tx:
        taken = await outbox.claim_chats_with_due(tx, after, owner="b", until=after)
    assert sorted(taken) == sorted(ids)


async def test_an_alert_written_wakes_a_listening_sender(db: Database) -> None:
    """A commit that enqueues deliveries notifies the outbox channel; one without does not."""
    woken = asyncio.Event()
    story = await stories.by_url(db, "https://example.com/0")
    assert story is not None
    async with db.listen(outbox.OUTBOX_CHANNEL, woken.set):
        async with db.write() as tx:
            await outbox.enqueue(tx, [], now=NOW)
        async with db.write() as tx:
            chat = await chats.ensure(tx, ChatRef("telegram", "1"), now=NOW)
            assert not woken.is_set()
            alert = Alert(StoryRef(story.url, None), Entry("k", NOW, "Text"), "Text")
            await outbox.enqueue(tx, [NewDelivery(chat.id, "alert", alert, NOW)], now=NOW)
            await asyncio.sleep(0)
            assert not woken.is_set()  # not before the commit
        await asyncio.wait_for(woken.wait(), 5)


async def test_one_process_holds_a_lock_and_a_standby_takes_it_when_it_goes(
        postgres: Cluster) -> None:
    """A second holder waits while the first holds the lock, and gets it once the first's
    connection is gone."""
    url = await postgres.new_database()
    async with Database.open(url) as first, Database.open(url) as second:
        holding = first.hold_lock("telegram:token")
        await holding.__aenter__()
        standby = asyncio.ensure_future(_take(second))
        await _until(lambda: _waiting(first), 1)
        assert not standby.done()
        await holding.__aexit__(None, None, None)
        await asyncio.wait_for(standby, 5)


async def _take(db: Database) -> None:
    async with db.hold_lock("telegram:token"):
        pass


async def _waiting(db: Database) -> int:
    row = await db.fetch_one(
        "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
    return int(row[0]) if row else 0


async def _until(count: Callable[[], Awaitable[int]], wanted: int, within: float = 5.0) -> None:
    async with asyncio.timeout(within):
        # Another session's lock queue has no event to wait on: look again, bounded.
        while await count() != wanted:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
