"""Which messages one subscription gets for a check's new entries (docs/BEHAVIOUR.md, Route). Pure.

An entry must pass the chat's filters and the subscription's; of those that
pass, the newest `burst_limit` are alerted one by one and the older rest are
folded into one message, sent before them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bot.core.diff import fold_burst
from bot.core.filters import Levels, entry_words, judge_levels
from bot.core.model import Alert, Entry, Folded, StoryRef


@dataclass(frozen=True, slots=True)
class Routed:
    """One message for one chat. `entry_key` names the entry of an alert (None when folded)."""

    message: Alert | Folded
    sort_key: datetime
    entry_key: str | None

    @property
    def kind(self) -> str:
        """The outbox kind of the message: 'alert' or 'folded'."""
        return "alert" if isinstance(self.message, Alert) else "folded"


def holds_alerts(muted_until: datetime | None, digest_mode: str) -> bool:
    """Whether a chat's alerts wait (muted, or batched into a digest) instead of going out now.

    A mute holds alerts until the digest tick has released what it held (and cleared
    `muted_until`), not only until it runs out: an update found in between joins that
    digest instead of going out alone ahead of older ones.
    """
    return muted_until is not None or digest_mode != "off"


def route_entries(
    story: StoryRef,
    new: Sequence[Entry],
    summaries: Mapping[str, str],
    levels: Levels,
    *,
    timezone: str,
    burst_limit: int,
    now: datetime,
    images: bool = True,
) -> list[Routed]:
    """The messages for one subscription, in sending order, from new entries (oldest first).

    `summaries` maps entry keys to their summaries; `now` stands in for an
    entry's missing publication time in the sort key; without `images` (the chat said
    /images off) alerts go without the update's picture.
    """
    passed: list[tuple[Entry, tuple[str, ...]]] = []
    for entry in new:
        verdict = judge_levels(entry.title, entry_words(entry), levels)
        if verdict.passed:
            passed.append((entry, verdict.matched))
    folded, _ = fold_burst([entry for entry, _ in passed], burst_limit)
    routed: list[Routed] = []
    if folded:
        latest = max(sort_time(entry, now) for entry in folded)
        routed.append(Routed(Folded(story, folded, timezone), latest, None))
    for entry, matched in passed[len(folded):]:
        alert = Alert(story, shown_entry(entry, images), summaries.get(entry.key, ""), matched,
                      timezone)
        routed.append(Routed(alert, sort_time(entry, now), entry.key))
    return routed


def shown_entry(entry: Entry, images: bool) -> Entry:
    """The entry as a chat's alert carries it: without its picture when the chat turned
    pictures off (`images` false), so no platform needs to know the setting."""
    return entry if images or entry.image is None else replace(entry, image=None)


def sort_time(entry: Entry, now: datetime) -> datetime:
    """When an entry sorts in a chat's queue: its publication time, else when it was found."""
    return entry.published_at or now
