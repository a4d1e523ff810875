"""storage.recent: a window of a chat's stories' updates for /catchup, and the summarizer's
recorded health, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.model import Entry
from storage import Database, components, entries, recent, stories
from storage.components import ComponentState

NOW = datetime(2024, 2, 3, 14, 0, tzinfo=UTC)


async def test_the_window_holds_the_stories_updates_within_it_newest_first(db: Database) -> None:
    """Timed entries by their time, untimed ones by when they were first seen; other
    stories and times outside the window are left out."""
    async with db.write() as tx:
        live = await stories.add(tx, "https://news.example/live", now=NOW, interval=60)
        other = await stories.add(tx, "https://news.example/other", now=NOW, interval=60)
        for minutes in (10, 50, 200):
            await entries.add(tx, live.id, Entry(f"t{minutes}", NOW - timedelta(minutes=minutes),
                                                 f"Timed {minutes}."), now=NOW)
        await entries.add(tx, live.id, Entry("untimed", None, "Untimed."),
                          now=NOW - timedelta(minutes=30))
        await entries.add(tx, other.id, Entry("o", NOW, "Other story."), now=NOW)
    window = await recent.in_window(db, [live.id], since=NOW - timedelta(hours=2), until=NOW)
    assert [h.entry.key for h in window] == ["t10", "untimed", "t50"]
    assert window[1].at == NOW - timedelta(minutes=30)
    assert window[0].story.url == "https://news.example/live"
    assert await recent.in_window(db, [], since=NOW, until=NOW) == []


async def test_a_components_state_is_replaced_when_recorded_again(db: Database) -> None:
    """The summarizer's health as last recorded: one row, the newest state."""
    async with db.write() as tx:
        await components.record(tx, ComponentState("summarizer", "healthy", NOW, None, NOW))
        await components.record(tx, ComponentState("summarizer", "failing", NOW, "timeout", NOW))
    [state] = await components.all_states(db)
    assert (state.state, state.reason, state.since) == ("failing", "timeout", NOW)
