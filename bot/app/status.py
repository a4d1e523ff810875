"""`storywatch status`: the whole instance at a glance, as readable text or one JSON object."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage import Database, components
from storage import status as queries
from storage.components import ComponentState
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
    summarizer: ComponentState | None = None


async def instance_status(db: Database, now: datetime) -> InstanceStatus:
    """The instance's stories, chats, outbox, most recent errors and summarizer as of `now`."""
    parts = {state.name: state for state in await components.all_states(db)}
    return InstanceStatus(now, await queries.story_counts(db, now),
                          await queries.chat_counts(db), await queries.outbox_counts(db, now),
                          tuple(await queries.recent_errors(db, ERRORS_SHOWN)),
                          parts.get("summarizer"))


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
    lines.append("last errors:" if status.last_errors else "last errors: none")
    for failing in status.last_errors:
        when = f"{failing.checked_at:%Y-%m-%d %H:%M} UTC" if failing.checked_at else "never"
        lines.append(f"  {failing.url} — {failing.failures} failed, last at {when}: "
                     f"{failing.error or 'no reason given'}")
    lines.append(f"summaries: {_summarizer_text(status.summarizer)}")
    return "\n".join(lines)


def _summarizer_text(part: ComponentState | None) -> str:
    if part is None:
        return "not recorded yet"
    if part.state == "extractive":
        return "extractive (no LLM endpoint configured)"
    since = f" since {part.since:%Y-%m-%d %H:%M:%S} UTC" if part.since else ""
    reason = f" ({part.reason})" if part.reason else ""
    return f"LLM endpoint {part.state}{since}{reason}"


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
        "summarizer": _summarizer_dict(status.summarizer),
    }


def _summarizer_dict(part: ComponentState | None) -> dict[str, Any] | None:
    if part is None:
        return None
    return {"state": part.state, "since": part.since.isoformat() if part.since else None,
            "reason": part.reason, "recorded_at": part.updated_at.isoformat()}
