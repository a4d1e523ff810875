"""How much there is and how far behind it stands: the counts that metrics and readiness read.

One look at the tables, made when Prometheus scrapes or /readyz is asked, so
the numbers are the database's, never a copy kept in memory that a restart or
a second process would get wrong. Each query is an aggregate over an index
(`stories_due`, `deliveries_queue`, `subscriptions_story`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Reader
from storage.times import from_epoch, require_epoch


@dataclass(frozen=True, slots=True)
class PlatformQueue:
    """One platform's share of the outbox: deliveries waiting to be sent, and those held
    for a digest or a mute."""

    platform: str
    pending: int
    oldest_pending: datetime | None
    held: int


@dataclass(frozen=True, slots=True)
class Census:
    """Stories by where they stand, and the outbox by platform."""

    followed: int
    """Stories with at least one active subscription."""
    polled: int
    """Stories checked on schedule (active or failing)."""
    failing: int
    retired: int
    """Stories no longer polled (ended: quiet or failing too long)."""
    due: int
    """Polled stories whose next check is due now or overdue."""
    oldest_due: datetime | None
    queues: tuple[PlatformQueue, ...]


async def take(db: Reader, now: datetime) -> Census:
    """Count the stories and the outbox as they stand at `now`."""
    states = {row[0]: int(row[1]) for row in await db.fetch_all(
        "SELECT state, COUNT(*) FROM stories GROUP BY state")}
    due = await db.fetch_one(
        "SELECT COUNT(*), MIN(next_check_at) FROM stories"
        " WHERE state IN ('active', 'failing') AND next_check_at <= ?", (require_epoch(now),))
    followed = await db.fetch_one(
        "SELECT COUNT(DISTINCT story_id) FROM subscriptions WHERE active = 1")
    return Census(
        followed=int(followed[0]) if followed else 0,
        polled=states.get("active", 0) + states.get("failing", 0),
        failing=states.get("failing", 0),
        retired=states.get("ended", 0),
        due=int(due[0]) if due else 0,
        oldest_due=from_epoch(due[1]) if due else None,
        queues=await _queues(db),
    )


async def _queues(db: Reader) -> tuple[PlatformQueue, ...]:
    rows = await db.fetch_all(
        "SELECT c.platform, d.state, COUNT(*), MIN(d.created_at) FROM deliveries d"
        " JOIN chats c ON c.id = d.chat_id WHERE d.state IN ('pending', 'held')"
        " GROUP BY c.platform, d.state")
    counts: dict[str, dict[str, tuple[int, float]]] = {}
    for row in rows:
        counts.setdefault(row[0], {})[row[1]] = (int(row[2]), float(row[3]))
    queues = []
    for platform, by_state in sorted(counts.items()):
        pending = by_state.get("pending")
        queues.append(PlatformQueue(platform, pending[0] if pending else 0,
                                    from_epoch(pending[1]) if pending else None,
                                    by_state.get("held", (0, 0.0))[0]))
    return tuple(queues)
