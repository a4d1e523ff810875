"""Giving visible clock times their calendar day and zone, as a reader would.

A day header applies to the times under it; an undated time takes the day of the
nearest dated update below it when that keeps the order, else the day of the one
above it (a day earlier when the clock went backwards past midnight); with no dated
neighbour, the page's own date (or the fetch time) anchors the newest update. A time
out of the page's run (a pinned post, a key event shown out of order) is dated where it
stands and moves no other: midnight is crossed only by a step the run could make.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import pairwise

from bot.core.extract.candidate import RANK_SHOWN, Candidate
from bot.core.extract.clock import Shown

_DAY_MINUTES = 24 * 60
_MIN_CROSSING_REACH = 120
"""Minutes: a step back past midnight this short is a crossing, whatever the run's pace."""


@dataclass(frozen=True, slots=True)
class Reference:
    """The page's own idea of "now": its last modification, or its publication, or a day it
    names, or the fetch time; `fetched` is the fetch time itself, which "today" and
    "yesterday" count from. `source` says where it was read ("" for the fetch time);
    `day_only` is a calendar day without a time (`at` is then noon UTC of that day).
    """

    at: datetime
    is_latest: bool
    fetched: datetime | None = None
    source: str = ""
    day_only: bool = False


def date_shown(
    candidates: list[Candidate], zone: tzinfo, reference: Reference
) -> list[datetime | None]:
    """The UTC instant each candidate's shown time stands for (None where nothing is shown).

    `candidates` are in page order; the order (newest or oldest first) is detected.
    """
    newest_first = _newest_first(candidates)
    ordered = candidates if newest_first else candidates[::-1]
    known: list[datetime | None] = [_known_local(c, zone) for c in ordered]
    stray = _out_of_place(ordered, known)
    if not reference.is_latest and not any(known):
        last = len(ordered) - 1
        forward = _forward(ordered[::-1], {last - index for index in stray}, zone,
                           reference)[::-1]
        return forward if newest_first else forward[::-1]
    older = _next_known(known)
    newer: datetime | None = None  # the last time placed above, known or inferred
    result: list[datetime | None] = []
    for index, candidate in enumerate(ordered):
        shown = candidate.shown
        if shown is None:
            result.append(None)
            newer = known[index] or newer
            continue
        day = shown.day or candidate.header_day
        local = known[index] or _infer(shown, day, (older[index], newer), zone, reference)
        if index not in stray:
            newer = local
        result.append(local.astimezone(UTC))
    return result if newest_first else result[::-1]


def _out_of_place(ordered: list[Candidate], known: list[datetime | None]) -> set[int]:
    """Positions (newest first) of undated clock times out of the page's run: a pinned or
    key-event post whose clock is behind the one below it by less than the run could have
    crossed midnight in. Such a post is dated where it stands, and dates nothing else."""
    clocks = [(index, _minutes(candidate.shown)) for index, candidate in enumerate(ordered)
              if candidate.shown is not None and known[index] is None
              and candidate.shown.day is None and candidate.header_day is None
              and candidate.shown.days_back is None]
    steps = sorted(above - below for (_, above), (_, below) in pairwise(clocks) if above >= below)
    if not steps:
        return set()
    # A crossing of midnight is a step as long as the run's usual ones, not most of a day.
    reach = max(3 * steps[len(steps) // 2], _MIN_CROSSING_REACH)
    stray: set[int] = set()
    for position, ((index, above), (below_index, below)) in enumerate(pairwise(clocks)):
        if above >= below or above + _DAY_MINUTES - below <= reach:
            continue
        higher = clocks[position - 1][1] if position > 0 else None
        lower = clocks[position + 2][1] if position + 2 < len(clocks) else None
        if higher is None or higher >= below:
            stray.add(index)
        elif lower is None or above >= lower:
            stray.add(below_index)
    return stray


def _minutes(shown: Shown | None) -> int:
    return 0 if shown is None else shown.hour * 60 + shown.minute


def _forward(oldest_first: list[Candidate], stray: set[int], zone: tzinfo,
             reference: Reference) -> list[datetime | None]:
    """Shown times dated onwards from the page's publication: the oldest update is on the day
    the page was published (or the first time its clock reads after that), and each newer
    one a day later whenever the clock goes backwards past midnight; a time out of the
    page's run (`stray` positions) takes the day before it and moves no other."""
    result: list[datetime | None] = []
    previous: datetime | None = None
    for position, candidate in enumerate(oldest_first):
        shown = candidate.shown
        if shown is None:
            result.append(None)
            continue
        day = shown.day or candidate.header_day
        if day is not None or shown.days_back is not None:
            local = _infer(shown, day, (None, None), zone, reference)
        elif previous is not None:
            ahead = position not in stray and (
                time(shown.hour, shown.minute, shown.second) < previous.time())
            local = _local(previous.date() + timedelta(days=ahead), shown, zone)
        else:
            local = _first_after(shown, zone, reference)
        if position not in stray:
            previous = local.astimezone(_zone_of(shown, zone))
        result.append(local.astimezone(UTC))
    return result


def _first_after(shown: Shown, zone: tzinfo, reference: Reference) -> datetime:
    published = reference.at.astimezone(_zone_of(shown, zone))
    local = _local(published.date(), shown, zone)
    if not reference.day_only and local < published - timedelta(hours=1):
        local = _local(published.date() + timedelta(days=1), shown, zone)
    return local


def _next_known(known: list[datetime | None]) -> list[datetime | None]:
    """For each position, the nearest time known below it (one pass: pages can hold
    tens of thousands of updates)."""
    below: list[datetime | None] = [None] * len(known)
    nearest: datetime | None = None
    for index in range(len(known) - 1, -1, -1):
        below[index] = nearest
        nearest = known[index] or nearest
    return below


def _newest_first(candidates: list[Candidate]) -> bool:
    instants = [c.instant for c in candidates if c.instant is not None]
    clocks = [_clock_key(c.shown) for c in candidates if c.instant is None and c.shown]
    rising = sum(a < b for a, b in pairwise(instants)) + sum(a < b for a, b in pairwise(clocks))
    falling = sum(a > b for a, b in pairwise(instants)) + sum(a > b for a, b in pairwise(clocks))
    return rising <= falling


def _clock_key(shown: Shown | None) -> tuple[int, ...]:
    if shown is None:
        return ()
    day = shown.day or (0, 0, 0)
    return (day[0] or 0, day[1], day[2], shown.hour, shown.minute, shown.second)


def _known_local(candidate: Candidate, zone: tzinfo) -> datetime | None:
    shown = candidate.shown
    if candidate.instant is not None and (shown is None or candidate.rank > RANK_SHOWN):
        return candidate.instant.astimezone(_zone_of(shown, zone))
    if shown is None:
        return None
    day = shown.day or candidate.header_day
    if day is not None and day[0] is not None:
        return _local(date(day[0], day[1], day[2]), shown, zone)
    if candidate.instant is not None:
        # A coarse relative time ("3 hours ago") beside the exact clock ("06:10 GMT") says
        # which day that clock is on.
        return _nearest(candidate.instant, shown, zone)
    return None


def _nearest(instant: datetime, shown: Shown, zone: tzinfo) -> datetime:
    """The shown clock time on the day that puts it closest to `instant`."""
    around = instant.astimezone(_zone_of(shown, zone))
    options = [_local(around.date() + timedelta(days=d), shown, zone) for d in (-1, 0, 1)]
    return min(options, key=lambda option: abs(option - instant))


def _infer(
    shown: Shown,
    day: tuple[int | None, int, int] | None,
    neighbours: tuple[datetime | None, datetime | None],
    zone: tzinfo,
    reference: Reference,
) -> datetime:
    """A day for a shown time: its own or its header's, a named day, else the nearest
    neighbours' (`neighbours` is the time known below it and the one placed above it)."""
    if day is not None:
        return _local(_with_year(day, reference, zone), shown, zone)
    if shown.days_back is not None:
        today = (reference.fetched or reference.at).astimezone(_zone_of(shown, zone)).date()
        return _local(today - timedelta(days=shown.days_back), shown, zone)
    clock = time(shown.hour, shown.minute, shown.second)
    older, newer = neighbours
    if older is not None and older.time() <= clock:
        return _local(older.date(), shown, zone)
    if newer is not None:
        back = 1 if clock > newer.time() else 0
        return _local(newer.date() - timedelta(days=back), shown, zone)
    now = reference.at.astimezone(_zone_of(shown, zone))
    late = datetime.combine(now.date(), clock) > now.replace(tzinfo=None) + timedelta(hours=1)
    back = 1 if late and reference.is_latest else 0
    return _local(now.date() - timedelta(days=back), shown, zone)


def _with_year(day: tuple[int | None, int, int], reference: Reference, zone: tzinfo) -> date:
    year, month, dom = day
    if year is not None:
        return date(year, month, dom)
    now = reference.at.astimezone(zone).date()
    guess = date(now.year, month, min(dom, 28) if month == 2 and dom > 28 else dom)
    if not reference.is_latest:
        # A publication date: the page's days run on from it (into the next year, perhaps).
        return guess if guess >= now - timedelta(days=1) else guess.replace(year=now.year + 1)
    return guess if guess <= now + timedelta(days=1) else guess.replace(year=now.year - 1)


def _zone_of(shown: Shown | None, zone: tzinfo) -> tzinfo:
    explicit = shown.zone if shown is not None else None
    return explicit if isinstance(explicit, tzinfo) else zone


def _local(day: date, shown: Shown, zone: tzinfo) -> datetime:
    clock = time(shown.hour, shown.minute, shown.second)
    return datetime.combine(day, clock, tzinfo=_zone_of(shown, zone))

