"""What a check reads and keeps of a story's entries: a window, and marks that outlive pruning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.diff import FUZZY_WINDOW, diff_entries
from bot.core.identity import marks_of
from bot.core.model import Entry
from storage import Database, entries, stories

NOW = datetime(2024, 2, 3, 15, 0, tzinfo=UTC)


def update(number: int) -> Entry:
    return Entry(key=f"post-{number}", published_at=NOW + timedelta(hours=number),
                 text=f"Update number {number} on the strikes.")


async def story_with(db: Database, count: int) -> int:
    async with db.write() as tx:
        story = await stories.add(tx, "https://example.com/live", now=NOW, interval=60)
        for number in range(count):
            await entries.add(tx, story.id, update(number), now=NOW,
                              marks=marks_of(update(number)))
    return story.id


async def diff_of(db: Database, story_id: int, fetched: list[Entry]) -> tuple[int, int]:
    """(new, edited) counts of a diff made the way the watcher makes it."""
    wanted = [m for e in fetched for m in marks_of(e)]
    marks = await entries.marks_among(db, story_id, wanted)
    refs = {ref for ref in marks.values() if ref is not None}
    stored = await entries.near(db, story_id, fetched, FUZZY_WINDOW, refs)
    diff = diff_entries(stored, fetched, marks, previous_count=0, baseline=False)
    return len(diff.new), len(diff.edited)


async def test_a_pruned_update_is_never_new_again(db: Database) -> None:
    """Pruning keeps the newest entries; an old update seen again is known by its marks."""
    story_id = await story_with(db, 5)
    async with db.write() as tx:
        assert await entries.prune(tx, story_id, keep=2) == 3
    assert [e.entry.key for e in await entries.for_story(db, story_id)] == ["post-4", "post-3"]
    assert await diff_of(db, story_id, [update(4), update(0)]) == (0, 0)
    assert await diff_of(db, story_id, [update(5), update(0)]) == (1, 0)


async def test_a_check_reads_only_the_entries_it_can_match(db: Database) -> None:
    """near() returns the entries named and those timed within the page's span and window."""
    story_id = await story_with(db, 10)
    far_keyed = Entry(key="post-1", published_at=NOW + timedelta(hours=7), text="retimed")
    [ref] = (await entries.marks_among(db, story_id, ["k:post-1"])).values()
    assert ref is not None
    near = await entries.near(db, story_id, [update(7), far_keyed], FUZZY_WINDOW, {ref})
    assert [e.entry.key for e in near] == ["post-7", "post-1"]



async def test_a_correction_far_back_is_still_an_edit(db: Database) -> None:
    """A keyed correction of an old update is matched by its key, whatever its time."""
    story_id = await story_with(db, 10)
    corrected = Entry(key="post-0", published_at=NOW, text="Update number zero, corrected.")
    assert await diff_of(db, story_id, [update(9), corrected]) == (0, 1)


async def test_due_pages_through_every_story_once(db: Database) -> None:
    """due(after=...) continues after the last story of the previous page."""
    async with db.write() as tx:
        for number in range(5):
            await stories.add(tx, f"https://example.com/{number}", now=NOW, interval=60)
    first = await stories.due(db, NOW, limit=3)
    rest = await stories.due(db, NOW, limit=3, after=(first[-1].next_check_at, first[-1].id))
    assert [s.id for s in first + rest] == [1, 2, 3, 4, 5]


async def test_entries_are_found_by_their_text(db: Database) -> None:
    """with_texts() finds a story's entries by their exact text, at any time."""
    story_id = await story_with(db, 10)
    found = await entries.with_texts(db, story_id, [update(4).text, "never stored"])
    assert [e.entry.key for e in found] == ["post-4"]
