"""The health of the instance's parts beyond the database (the summary endpoint), as the
processes last recorded it: written when it changes, read by `storywatch status`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from storage.db import Reader, Transaction
from storage.times import from_epoch, require_epoch, to_epoch


@dataclass(frozen=True, slots=True)
class ComponentState:
    """A part's state ("healthy", "failing", ...), since when, why, and when it was recorded."""

    name: str
    state: str
    since: datetime | None
    reason: str | None
    updated_at: datetime


async def record(tx: Transaction, state: ComponentState) -> None:
    """Store a part's state, replacing what was stored for it."""
    await tx.execute(
        "INSERT INTO components (name, state, since, reason, updated_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (name) DO UPDATE SET state = excluded.state, since = excluded.since,"
        " reason = excluded.reason, updated_at = excluded.updated_at",
        (state.name, state.state, to_epoch(state.since), state.reason,
         require_epoch(state.updated_at)),
    )


async def all_states(db: Reader) -> list[ComponentState]:
    """Every part's last recorded state, by name."""
    rows = await db.fetch_all(
        "SELECT name, state, since, reason, updated_at FROM components ORDER BY name")
    return [ComponentState(row["name"], row["state"], from_epoch(row["since"]), row["reason"],
                           datetime.fromtimestamp(row["updated_at"], UTC))
            for row in rows]
