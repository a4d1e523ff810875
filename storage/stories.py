"""Stories and their check state: validators, schedule, failures, the baseline flag."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core.model import Validators
from storage.db import Reader, Row, Transaction
from storage.times import from_epoch, require_datetime, require_epoch


@dataclass(frozen=True, slots=True)
class Story:
    """One tracked story URL and where its checking stands."""

    id: int
    url: str
    canonical_url: str | None
    final_url: str | None
    title: str | None
    state: str
    validators: Validators
    interval: float
    interval_fixed: bool
    next_check_at: datetime
    last_checked_at: datetime | None
    last_update_at: datetime | None
    failures: int
    last_error: str | None
    baseline_done: bool
    last_entry_count: int
    created_at: datetime
    feed: bool | None = None
    """A feed (True) or a page (False) as its last check read it; None before one."""
    successor_url: str | None = None


@dataclass(frozen=True, slots=True)
class CheckState:
    """What a successful check leaves behind on the story."""

    checked_at: datetime
    interval: float
    next_check_at: datetime
    validators: Validators
    title: str | None = None
    canonical_url: str | None = None
    final_url: str | None = None
    entry_count: int | None = None
    found_new: bool = False


async def add(
    tx: Transaction, url: str, *, now: datetime, interval: float, fixed: bool = False
) -> Story:
    """The story at normalised `url`, created (due now) when it is not tracked yet."""
    await tx.execute(
        "INSERT INTO stories (url, interval, interval_fixed, next_check_at, created_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (url) DO NOTHING",
        (url, interval, int(fixed), require_epoch(now), require_epoch(now)),
    )
    story = await by_url(tx, url)
    assert story is not None
    return story


async def get(db: Reader, story_id: int) -> Story | None:
    """The story with this id, or None."""
    return _story(await db.fetch_one("SELECT * FROM stories WHERE id = ?", (story_id,)))


async def by_url(db: Reader, url: str) -> Story | None:
    """The story tracked under normalised `url` (or whose canonical URL it is), or None."""
    row = await db.fetch_one(
        "SELECT * FROM stories WHERE url = ? OR canonical_url = ? ORDER BY url = ? DESC LIMIT 1",
        (url, url, url),
    )
    return _story(row)


async def due(
    db: Reader, now: datetime, limit: int = 100, after: tuple[datetime, int] | None = None
) -> list[Story]:
    """Stories not ended whose next check is at or before `now`, the most overdue first.

    `after` is the (next check, id) of the last story of the previous page: the
    page starts after it, so a caller pages through every due story once.
    """
    since, since_id = (require_epoch(after[0]), after[1]) if after else (float("-inf"), 0)
    rows = await db.fetch_all(
        "SELECT * FROM stories WHERE state IN ('active', 'failing') AND next_check_at <= ?"
        " AND (next_check_at, id) > (?, ?) ORDER BY next_check_at, id LIMIT ?",
        (require_epoch(now), since, since_id, limit),
    )
    return [story for row in rows if (story := _story(row)) is not None]


async def lease_due(tx: Transaction, now: datetime, *, owner: str, until: datetime,
                    limit: int = 100, expired_by: datetime | None = None) -> list[Story]:
    """Lease up to `limit` stories due by `now` that no other process holds, the most
    overdue first, to `owner` until `until`; returns them. For many processes on one
    database (PostgreSQL).

    Rows another transaction is leasing are skipped, not waited for (SKIP LOCKED), so
    two checkers never get the same story; a lease that ran out by `expired_by` (default
    `now`; its checker died) is free again. A recorded check or failure ends the lease.
    """
    at = require_epoch(now)
    expired = require_epoch(expired_by or now)
    rows = await tx.fetch_all(
        "UPDATE stories SET leased_by = ?, lease_until = ? WHERE id IN (SELECT id FROM stories"
        " WHERE state IN ('active', 'failing') AND next_check_at <= ?"
        " AND (lease_until IS NULL OR lease_until < ?)"
        " ORDER BY next_check_at, id LIMIT ? FOR UPDATE SKIP LOCKED) RETURNING *",
        (owner, require_epoch(until), at, expired, limit),
    )
    found = [story for row in rows if (story := _story(row)) is not None]
    return sorted(found, key=lambda story: (story.next_check_at, story.id))


async def lease(tx: Transaction, story_id: int, *, owner: str, until: datetime,
                now: datetime) -> Story | None:
    """Lease the story to `owner` until `until`, due or not, unless another process holds
    it (its lease runs past `now`); returns it leased, or None."""
    row = await tx.fetch_one(
        "UPDATE stories SET leased_by = ?, lease_until = ? WHERE id = ?"
        " AND (lease_until IS NULL OR lease_until < ? OR leased_by = ?) RETURNING *",
        (owner, require_epoch(until), story_id, require_epoch(now), owner),
    )
    return _story(row)


async def release_leases(tx: Transaction, owner: str) -> None:
    """End every lease `owner` holds (it stops): its stories are free at once."""
    await tx.execute(
        "UPDATE stories SET leased_by = NULL, lease_until = NULL WHERE leased_by = ?", (owner,))


async def set_schedule(
    tx: Transaction, story_id: int, *, interval: float, fixed: bool, next_check_at: datetime
) -> None:
    """Set the story's interval (fixed: no back-off) and its next check."""
    await tx.execute(
        "UPDATE stories SET interval = ?, interval_fixed = ?, next_check_at = ? WHERE id = ?",
        (interval, int(fixed), require_epoch(next_check_at), story_id),
    )


async def record_check(tx: Transaction, story_id: int, state: CheckState) -> None:
    """Record a successful check (changed or not): clears failures, marks the baseline done."""
    await tx.execute(_RECORD_CHECK, _check_params(story_id, state))


async def record_checks(tx: Transaction, checks: Sequence[tuple[int, CheckState]]) -> None:
    """`record_check` for many stories in one statement run: (story id, state) each."""
    await tx.execute_many(_RECORD_CHECK, [_check_params(*check) for check in checks])


_RECORD_CHECK = (
    "UPDATE stories SET state = 'active', failures = 0, last_error = NULL,"
    " baseline_done = 1, last_checked_at = ?, interval = ?, next_check_at = ?,"
    " etag = ?, last_modified = ?, body_hash = ?,"
    " title = COALESCE(?, title), canonical_url = COALESCE(?, canonical_url),"
    " final_url = COALESCE(?, final_url),"
    " last_entry_count = COALESCE(?, last_entry_count),"
    " last_update_at = CASE WHEN ? = 1 THEN ? ELSE last_update_at END,"
    " leased_by = NULL, lease_until = NULL"
    " WHERE id = ?"
)


def _check_params(story_id: int, state: CheckState) -> tuple[object, ...]:
    return (
        require_epoch(state.checked_at), state.interval, require_epoch(state.next_check_at),
        state.validators.etag, state.validators.last_modified, state.validators.body_hash,
        state.title, state.canonical_url, state.final_url, state.entry_count,
        int(state.found_new), require_epoch(state.checked_at), story_id,
    )


async def record_kind(tx: Transaction, story_id: int, *, feed: bool) -> None:
    """Record whether the story's document is a feed or a page, as a check just read it."""
    await tx.execute("UPDATE stories SET feed = ? WHERE id = ?", (int(feed), story_id))


async def record_failure(
    tx: Transaction, story_id: int, *, now: datetime, error: str, next_check_at: datetime
) -> None:
    """Record a failed check: the story is 'failing' until a check succeeds."""
    await tx.execute(
        "UPDATE stories SET state = CASE WHEN state = 'ended' THEN state ELSE 'failing' END,"
        " failures = failures + 1, last_error = ?, last_checked_at = ?, next_check_at = ?,"
        " leased_by = NULL, lease_until = NULL WHERE id = ?",
        (error, require_epoch(now), require_epoch(next_check_at), story_id),
    )


async def twin_of(db: Reader, story: Story) -> Story | None:
    """Another tracked story that is the same page: its URL, canonical link or final URL
    is one of this story's. None when there is none."""
    names = [name for name in (story.url, story.canonical_url, story.final_url) if name]
    marks = ", ".join("?" * len(names))
    row = await db.fetch_one(
        # Only "?" placeholders are formatted in; the values are bound.
        f"SELECT * FROM stories WHERE id != ? AND (url IN ({marks})"
        f" OR canonical_url IN ({marks}) OR final_url IN ({marks})) ORDER BY id LIMIT 1",
        (story.id, *names, *names, *names),
    )
    return _story(row)


async def delete_unfollowed(tx: Transaction, story_id: int) -> None:
    """Forget the story when no chat follows it any more (nor ever will without subscribing)."""
    await tx.execute(
        "DELETE FROM stories WHERE id = ?"
        " AND NOT EXISTS (SELECT 1 FROM subscriptions WHERE story_id = ?)",
        (story_id, story_id),
    )


async def resume(tx: Transaction, story_id: int, *, now: datetime) -> None:
    """Poll an ended story again, due now, its quiet time counted from `now`."""
    await tx.execute(
        "UPDATE stories SET state = 'active', failures = 0, last_error = NULL,"
        " resumed_at = ?, next_check_at = ? WHERE id = ? AND state = 'ended'",
        (require_epoch(now), require_epoch(now), story_id),
    )


async def retire(
    tx: Transaction, *, quiet_since: datetime, max_failures: int
) -> list[Story]:
    """End the stories quiet since `quiet_since` or failing `max_failures` times in a row.

    Returns them as they were before they ended (their state says why).
    """
    rows = await tx.fetch_all(
        "SELECT * FROM stories WHERE state IN ('active', 'failing')"
        # CASE, not SQLite's two-argument MAX or PostgreSQL's GREATEST: both have it.
        " AND (CASE WHEN COALESCE(last_update_at, created_at) > COALESCE(resumed_at, 0)"
        " THEN COALESCE(last_update_at, created_at) ELSE COALESCE(resumed_at, 0) END < ?"
        " OR failures >= ?)",
        (require_epoch(quiet_since), max_failures),
    )
    await tx.execute_many(
        "UPDATE stories SET state = 'ended' WHERE id = ?", [(row["id"],) for row in rows]
    )
    return [story for row in rows if (story := _story(row)) is not None]


async def chain_before(db: Reader, url: str, *, limit: int = 50) -> list[str]:
    """The URLs of the pages this story continues, nearest first: each moved its followers to
    the next (successors). At most `limit` hops back."""
    chain: list[str] = []
    current = url
    for _ in range(limit):
        row = await db.fetch_one("SELECT url FROM stories WHERE successor_url = ?"
                                 " ORDER BY id LIMIT 1", (current,))
        if row is None or row["url"] in chain or row["url"] == url:
            break
        chain.append(row["url"])
        current = row["url"]
    return chain


async def set_successor(tx: Transaction, story_id: int, successor_url: str, *,
                        ended: bool) -> None:
    """Record the page the story continues at; `ended`: no one is left to poll it for."""
    await tx.execute(
        "UPDATE stories SET successor_url = ?,"
        " state = CASE WHEN ? = 1 THEN 'ended' ELSE state END,"
        " leased_by = NULL, lease_until = NULL WHERE id = ?",
        (successor_url, int(ended), story_id))


def _story(row: Row | None) -> Story | None:
    if row is None:
        return None
    return Story(
        id=row["id"],
        url=row["url"],
        canonical_url=row["canonical_url"],
        final_url=row["final_url"],
        title=row["title"],
        state=row["state"],
        validators=Validators(row["etag"], row["last_modified"], row["body_hash"]),
        interval=row["interval"],
        interval_fixed=bool(row["interval_fixed"]),
        next_check_at=require_datetime(row["next_check_at"]),
        last_checked_at=from_epoch(row["last_checked_at"]),
        last_update_at=from_epoch(row["last_update_at"]),
        failures=row["failures"],
        last_error=row["last_error"],
        baseline_done=bool(row["baseline_done"]),
        last_entry_count=row["last_entry_count"],
        created_at=require_datetime(row["created_at"]),
        feed=None if row["feed"] is None else bool(row["feed"]),
        successor_url=row["successor_url"],
    )

