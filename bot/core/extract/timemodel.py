"""One time model for every page: the time evidence each update carries, reconciled.

Every source records what it saw as `Evidence` on its candidate: a `datetime` attribute,
an epoch data attribute, structured data (JSON-LD, microdata, feeds), a clock shown on the
page with its zone word, a day header, a relative time. The page adds its own date
(`Reference`: metadata, URL, title, byline, else the fetch time). Reconciling, per page:

- relative times ("5 min ago") count from the fetch, unless the page's own date says it is
  a copy saved long before the fetch: then they count from that date;
- shown times are dated (`dating.date_shown`): their own date or day header, the dated
  neighbours in page order (a day back past midnight), else the page's own date;
- a visible update and its structured twin give one instant: the more trusted source,
  unless the attribute and the structured data differ by one constant zone offset across
  the page (a `Z` that is really local time), or the structured data wrote the shown local
  time as UTC;
- each update keeps which evidence won (`basis`) for `check --explain`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from bot.core.extract.candidate import (
    RANK_ATTRIBUTE,
    RANK_EPOCH,
    RANK_RELATIVE,
    RANK_SHOWN,
    RANK_STRUCTURED,
    Candidate,
    Evidence,
)
from bot.core.extract.dating import Reference, date_shown
from bot.core.model import DATED_BY_FETCH, DATED_BY_PAGE, DATED_NOT, DATED_OWN

# A page whose own date is older than this before the fetch is a saved or cached copy:
# its "minutes ago" were counted when it was made, not when it was fetched.
_STALE = timedelta(days=30)
# Offsets a mislabelled zone can make: whole quarter hours up to 14 hours.
_QUARTER = timedelta(minutes=15)
_WIDEST = timedelta(hours=14)
_RANK_BASIS = {
    RANK_ATTRIBUTE: "datetime attribute",
    RANK_STRUCTURED: "structured data",
    RANK_EPOCH: "epoch data attribute",
    RANK_SHOWN: "shown time",
    RANK_RELATIVE: "relative time",
}


@dataclass(frozen=True, slots=True)
class Dating:
    """How one update was dated: the evidence that won, everything seen, and whether the
    date is the page's own (False when nothing on the page gave one: the fetch day was
    assumed)."""

    basis: str
    evidence: tuple[Evidence, ...]
    trusted: bool


def date_candidates(
    candidates: list[Candidate], zone: tzinfo, reference: Reference
) -> list[Candidate]:
    """Candidates with relative times re-based where the page is stale and shown times
    dated where nothing better was known."""
    candidates = _rebased(candidates, reference)
    instants = _on_the_pages_day(candidates, zone, reference)
    where = reference.source or "the fetch time (the page gives no date)"
    return [
        replace(c, instant=at, rank=RANK_SHOWN, basis=f"shown time, dated by {_day_basis(c)}"
                if _own_day(c) else f"shown time, day from {where}")
        if at is not None and c.rank < RANK_SHOWN else c
        for c, at in zip(candidates, instants, strict=True)
    ]


def _on_the_pages_day(
    candidates: list[Candidate], zone: tzinfo, reference: Reference
) -> list[datetime | None]:
    """Shown times dated from the page's own date. A calendar day without a time does not say
    whether the page's updates start on it (running on past midnight) or end on it (having
    begun the evening before): of the two readings, the one that puts more of them on the
    day the page names wins (the first on a tie)."""
    instants = date_shown(candidates, zone, reference)
    if not reference.day_only:
        return instants
    day = reference.at.date()
    ending = replace(reference, at=datetime.combine(day, time(23, 59), zone).astimezone(UTC),
                     is_latest=True)
    closing = date_shown(candidates, zone, ending)
    if _count_on(closing, day, zone) > _count_on(instants, day, zone):
        return closing
    return instants


def _count_on(instants: list[datetime | None], day: date, zone: tzinfo) -> int:
    return sum(1 for at in instants if at is not None and at.astimezone(zone).date() == day)


def _own_day(candidate: Candidate) -> bool:
    shown = candidate.shown
    return shown is not None and (shown.day is not None or candidate.header_day is not None
                                  or shown.days_back is not None)


def _day_basis(candidate: Candidate) -> str:
    shown = candidate.shown
    if shown is not None and shown.day is not None:
        return "the date beside it"
    if candidate.header_day is not None:
        return "the day header above it"
    return "a named day (today, yesterday)"


def _rebased(candidates: list[Candidate], reference: Reference) -> list[Candidate]:
    fetched = reference.fetched
    if fetched is None or (reference.is_latest and not reference.source):
        return candidates
    if fetched - reference.at <= _STALE:
        return candidates
    shift = reference.at - fetched
    return [replace(c, instant=c.instant + shift, basis=f"relative time, counted from "
                    f"{reference.source} (a copy older than the fetch)")
            if c.rank == RANK_RELATIVE and c.instant is not None else c for c in candidates]


def mislabelled_offset(
    pairs: list[tuple[Candidate, Candidate]], zone: tzinfo = UTC
) -> timedelta | None:
    """The one zone offset by which the page's `datetime` attributes run ahead of (or behind)
    its structured data, when every matched pair differs by it (to the minute: attributes
    often drop the seconds) and that says the attributes, not the structured data, are the
    ones that wrote local time with a `Z`. The page's `zone` decides which: a gap equal to
    the zone's offset is the attributes' local clock, its negative is the structured data's
    (then None: the attributes stand). None too when they agree or differ unevenly
    (different clocks, not a zone)."""
    deltas: Counter[timedelta] = Counter()
    local_offsets: set[timedelta | None] = set()
    for seen, data in pairs:
        if (seen.rank == RANK_ATTRIBUTE and data.rank == RANK_STRUCTURED
                and seen.instant is not None and data.instant is not None):
            deltas[_minute(seen.instant) - _minute(data.instant)] += 1
            local_offsets.add(data.instant.astimezone(zone).utcoffset())
    if len(deltas) != 1:
        return None
    delta, count = deltas.most_common(1)[0]
    if not delta or abs(delta) > _WIDEST or delta % _QUARTER or count < 2:
        return None
    if local_offsets == {-delta}:
        return None
    return delta


def _minute(instant: datetime) -> datetime:
    return instant.replace(second=0, microsecond=0)


def unslipped(candidate: Candidate, offset: timedelta | None, zone: tzinfo = UTC) -> Candidate:
    """A visible candidate with a mislabelled attribute zone corrected by `offset` (the page's
    `zone` is named in the basis when its offset is that one)."""
    if offset is None or candidate.rank != RANK_ATTRIBUTE or candidate.instant is None:
        return candidate
    hours = offset.total_seconds() / 3600
    corrected = candidate.instant - offset
    why = (f"the page's zone, {zone}, is UTC{hours:+g} then, and "
           if corrected.astimezone(zone).utcoffset() == offset else "")
    return replace(candidate, instant=corrected,
                   basis=f"datetime attribute read as UTC{hours:+g}: its Z is local time "
                         f"({why}the structured data differs by that offset on every update)")


def stated_zone_holds(pairs: list[tuple[Candidate, Candidate]]) -> bool:
    """Whether times shown in a zone the page names (beside them or in words: "All times
    Eastern") beat the structured data: it differs from them by one whole-zone offset on
    every update, so it wrote the wrong offset (standard time in summer, local time as UTC)."""
    deltas = {
        _minute(seen.instant) - _minute(data.instant) for seen, data in pairs
        if seen.rank == RANK_SHOWN and data.rank == RANK_STRUCTURED and _named_zone(seen)
        and seen.instant is not None and data.instant is not None
    }
    if len(deltas) != 1:
        return False
    delta = deltas.pop()
    return bool(delta) and abs(delta) <= _WIDEST and not delta % _QUARTER and len(pairs) >= 2


def _named_zone(candidate: Candidate) -> bool:
    return candidate.shown is not None and isinstance(candidate.shown.zone, tzinfo)


def paired_time(
    seen: Candidate, data: Candidate, zone_holds: bool = False
) -> tuple[datetime | None, int, str]:
    """The instant, rank and basis of a visible update and its structured twin
    (`zone_holds`: `stated_zone_holds` on the page)."""
    if seen.rank >= data.rank:
        return seen.instant, seen.rank, basis(seen)
    if zone_holds and seen.rank == RANK_SHOWN and _named_zone(seen):
        return seen.instant, seen.rank, (f"{basis(seen)}, in the zone the page names: the "
                                         "structured data is off by one zone offset on "
                                         "every update")
    corrected = _zone_slip(seen, data)
    if corrected is not None:
        return corrected, data.rank, (f"{basis(data)}, read in the shown zone: it wrote the "
                                      "local time shown as UTC")
    return data.instant, data.rank, basis(data)


def basis(candidate: Candidate) -> str:
    """What a candidate's instant came from."""
    if candidate.instant is None:
        return "no time"
    if candidate.basis:
        return candidate.basis
    if candidate.rank == RANK_STRUCTURED:
        return f"{candidate.source} date"
    return _RANK_BASIS.get(candidate.rank, candidate.source)


def dating_of(candidate: Candidate, reference: Reference) -> Dating:
    """How `candidate` was dated, for `check --explain`."""
    trusted = candidate.instant is not None and not (
        candidate.rank == RANK_SHOWN and not reference.source and not _own_day(candidate)
    ) and not (candidate.rank == RANK_RELATIVE and not reference.source)
    return Dating(basis(candidate), candidate.evidence, trusted)


def strength_of(candidate: Candidate, reference: Reference) -> int:
    """How strongly `candidate`'s instant is dated (`bot.core.model.DATED_*`): its own date or
    instant, else a shown time dated by the page's own date, else by the fetch (or an age)."""
    if candidate.instant is None:
        return DATED_NOT
    if candidate.rank == RANK_RELATIVE:
        return DATED_BY_FETCH
    if candidate.rank != RANK_SHOWN or _own_day(candidate):
        return DATED_OWN
    return DATED_BY_PAGE if reference.source else DATED_BY_FETCH


def _zone_slip(seen: Candidate, data: Candidate) -> datetime | None:
    """The true instant when structured data wrote the local time shown on the page
    ("12.50 BST") as UTC ("12:50Z"); None when it did not."""
    shown, instant = seen.shown, data.instant
    if shown is None or not isinstance(shown.zone, tzinfo) or instant is None:
        return None
    local = instant.replace(tzinfo=shown.zone)
    if not local.utcoffset() or (instant.hour, instant.minute) != (shown.hour, shown.minute):
        return None
    return local.astimezone(UTC)
