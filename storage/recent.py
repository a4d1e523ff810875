"""What happened in some stories during a window of time, for `/catchup`: their entries timed
(published, else first seen) within it, newest first, with the stories they belong to."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.core.catchup import Happened
from bot.core.model import Entry, StoryRef
from storage.db import Reader, Row
from storage.payloads import decode_embeds
from storage.times import from_epoch, require_epoch

WINDOW_LIMIT = 500
"""Updates read for one catch-up at most: more than one message can show, or a model read."""


async def in_window(db: Reader, story_ids: Sequence[int], *, since: datetime, until: datetime,
                    limit: int = WINDOW_LIMIT) -> list[Happened]:
    """The stories' entries that happened within [since, until], newest first, at most `limit`."""
    return await _newest(db, story_ids, limit,
                         " AND COALESCE(e.published_at, e.first_seen_at) BETWEEN ? AND ?",
                         (require_epoch(since), require_epoch(until)))


async def latest(db: Reader, story_ids: Sequence[int], limit: int) -> list[Happened]:
    """The stories' newest `limit` entries (by published time, else first seen), newest first."""
    return await _newest(db, story_ids, limit, "", ())


async def _newest(db: Reader, story_ids: Sequence[int], limit: int, condition: str,
                  bound: tuple[float, ...]) -> list[Happened]:
    if not story_ids:
        return []
    marks = ", ".join("?" * len(story_ids))
    rows = await db.fetch_all(
        # Only "?" placeholders and a fixed condition are formatted in; the values are bound.
        "SELECT s.url AS story_url, s.title AS story_title, e.key, e.published_at,"
        " e.updated_at, e.title, e.text, e.url, e.embeds,"
        " COALESCE(e.published_at, e.first_seen_at) AS at"
        f" FROM entries e JOIN stories s ON s.id = e.story_id WHERE e.story_id IN ({marks})"
        f"{condition} ORDER BY at DESC, e.id DESC LIMIT ?",
        (*story_ids, *bound, limit),
    )
    return [_happened(row) for row in rows]


def _happened(row: Row) -> Happened:
    entry = Entry(row["key"], from_epoch(row["published_at"]), row["text"], row["title"],
                  from_epoch(row["updated_at"]), row["url"], embeds=decode_embeds(row["embeds"]))
    at = from_epoch(row["at"])
    assert at is not None  # first_seen_at is NOT NULL
    return Happened(StoryRef(row["story_url"], row["story_title"]), entry, at)
