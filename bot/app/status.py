"""`storywatch status`: the whole instance at a glance, as readable text or one JSON object."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage import Database
from storage import status as queries
from storage.status import ChatCounts, OutboxCounts, StoryCounts, StoryError

ERRORS_SHOWN = 5


@dataclass(frozen=True, slots=True)
class InstanceStatus:
    """What `storywatch status` reports, as of `at`."""

    at: datetime
    stories: StoryCounts
    chats: ChatCounts
    outbox: OutboxCounts
    last_errors: tuple[StoryError, ...]


async def instance_status(db: Database, now: datetime) -> InstanceStatus:
    """The instance's stories, chats, outbox and most recent errors as of `now`."""
    return InstanceStatus(now, await queries.story_counts(db, now),
                          await queries.chat_counts(db), await queries.outbox_counts(db, now),
                          tuple(await queries.recent_errors(db, ERRORS_SHOWN)))


def render_status(status: InstanceStatus, *, as_json: bool = False) -> str:
    """The status as a few readable lines, or (`as_json`) one JSON object."""
    return json.dumps(_as_dict(status), ensure_ascii=False) if as_json else _as_text(status)


def _as_text(status: InstanceStatus) -> str:
    stories, chats, box = status.stories, status.chats, status.outbox
    oldest = (f" (oldest waiting {_seconds(box.oldest_pending.total_seconds())})"
              if box.oldest_pending is not None else "")
    lines = [f"storywatch status at {status.at:%Y-%m-%d %H:%M:%S} UTC",
             f"stories: {stories.followed} followed, {stories.due} due now, "
             f"{stories.failing} failing, {stories.retired} retired",
             f"chats:   {chats.total} ({chats.active} active)",
             f"outbox:  {box.pending} pending{oldest}, {box.held} held, {box.failed} failed"]
    if not status.last_errors:
        return "\n".join([*lines, "last errors: none"])
    lines.append("last errors:")
    for failing in status.last_errors:
        when = f"{failing.checked_at:%Y-%m-%d %H:%M} UTC" if failing.checked_at else "never"
        lines.append(f"  {failing.url} — {failing.failures} failed, last at {when}: "
                     f"{failing.error or 'no reason given'}")
    return "\n".join(lines)


def _seconds(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _as_dict(status: InstanceStatus) -> dict[str, Any]:
    box = status.outbox
    return {
        "at": status.at.isoformat(),
        "stories": {"followed": status.stories.followed, "due": status.stories.due,
                    "failing": status.stories.failing, "retired": status.stories.retired},
        "chats": {"total": status.chats.total, "active": status.chats.active},
        "outbox": {"pending": box.pending, "held": box.held, "failed": box.failed,
                   "oldest_pending_seconds": (round(box.oldest_pending.total_seconds(), 3)
                                              if box.oldest_pending is not None else None)},
        "last_errors": [{"url": e.url, "title": e.title, "failures": e.failures,
                         "error": e.error,
                         "checked_at": e.checked_at.isoformat() if e.checked_at else None}
                        for e in status.last_errors],
    }
