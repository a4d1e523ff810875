"""Digests, pure: when a chat's next one is due, and what goes in it.

A daily digest is due at a wall-clock time in the chat's zone, so it moves
with daylight-saving changes: 08:00 in London is 08:00 GMT in winter and
08:00 BST in summer. A wall-clock time skipped by a spring-forward gap is
shifted forward by the gap (01:30 on the night London skips 01:00-02:00 is
02:30 BST), as PEP 495 reads it; a repeated one is taken the first time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, time, timedelta

from bot.core.model import Alert, Digest, Entry, Folded, Message, Notice
from bot.core.render import zone_of
from bot.core.summarize import summarize


def next_daily(at: time, zone: str, now: datetime) -> datetime:
    """The first moment after `now` whose wall clock in `zone` shows `at`, in UTC."""
    tz = zone_of(zone)
    local_now = now.astimezone(tz)
    day = local_now.date()
    for offset in range(3):
        local = datetime.combine(day + timedelta(days=offset), at).replace(tzinfo=tz)
        candidate = local.astimezone(UTC)
        if candidate > now:
            return candidate
    raise AssertionError("a wall-clock time recurs within three days")


def next_every(every: float, previous_due: datetime | None, now: datetime) -> datetime:
    """The next due time of an interval digest: one period after the last due time.

    Periods missed while the bot was stopped are skipped, not sent one by one.
    """
    period = timedelta(seconds=every)
    due = (previous_due or now) + period
    if due <= now:
        missed = (now - due) // period + 1
        due += missed * period
    return due


def compose_digest(held: Sequence[Message], *, timezone: str, reason: str, max_chars: int,
                   summaries: Mapping[str, str] | None = None) -> Digest | None:
    """One digest of the alerts a chat held, in the order they were held; None when empty.

    A folded burst is unfolded into its alerts: a digest has room for each. Their
    summaries come from `summaries` (by entry key), else are extractive.
    """
    made = summaries or {}
    alerts: list[Alert] = []
    for message in held:
        match message:
            case Alert():
                alerts.append(message)
            case Folded(story, entries):
                alerts += [Alert(story, entry, made.get(entry.key)
                                 or summarize(entry.title, entry.text, max_chars), (), timezone)
                           for entry in entries]
            case Digest():
                alerts += message.alerts
            case Notice():
                continue
    return Digest(tuple(alerts), timezone, reason) if alerts else None


def folded_entries(held: Sequence[Message]) -> list[Entry]:
    """The entries of the folded bursts among `held`: those a digest shows unfolded."""
    return [entry for message in held if isinstance(message, Folded) for entry in message.entries]


def next_digest(mode: str, *, every: float | None, at: str | None, zone: str,
                previous_due: datetime | None, now: datetime) -> datetime | None:
    """When the digest after this one is due for a chat in `mode` ('off', 'every', 'daily')."""
    if mode == "every" and every:
        return next_every(every, previous_due, now)
    if mode == "daily" and at:
        hours, minutes = (int(part) for part in at.split(":"))
        return next_daily(time(hours, minutes), zone, now)
    return None
