"""Which fetched entries are new, edited or already known (docs/BEHAVIOUR.md, Diff). Pure.

Against everything storage holds for the story, not only the last fetch:

- an entry carrying a mark ever stored (`bot.core.identity`: its key, its own text,
  its (time, text) fingerprint) is that stored entry, never new again, wherever it
  moved on the page and whatever date it is given now; a copy of it on the same page
  is the same update;
- an entry with no stored mark is taken for a stored entry not recognised on this page
  when it has the same own text (at any time), or when its text is nearly the same and
  its time within a few minutes: a correction, so an edit;
- an entry keeps the time first resolved for it, unless a later fetch dates it by strictly
  stronger evidence (`Entry.dated`: its own date over the page's, the page's over the fetch
  day): then it moves, as an edit, never a new update;
- the first check is a baseline: its entries are stored, nobody is alerted;
- a page that suddenly yields no entries, or far fewer than before, is a failed
  check, not a removal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.core.filters import entry_words
from bot.core.identity import (
    Known,
    copy_mark,
    is_own_text,
    is_shared,
    marks_of,
    normalize_text,
)
from bot.core.model import Entry

FUZZY_WINDOW = timedelta(minutes=5)
"""How far apart two versions of one update may be timed (a correction may retime it)."""
FUZZY_THRESHOLD = 80.0
"""The likeness (0-100) from which an unkeyed entry is taken for a stored one, corrected."""
SHRINK_FLOOR = 4
"""A story must have had this many entries before a drop in their number means breakage."""
SHRINK_RATIO = 0.5
"""Fewer than this share of the previous count is a failed check, not a removal."""

NO_UPDATES = "the page yielded no updates"
"""Why a check failed that found no updates at all: the page is no live page (or broke)."""


@dataclass(frozen=True, slots=True)
class Edit:
    """A stored entry the source corrected: `entry` is the new content under the stored key/time.

    `fetched_key` is the key the source gave it this time (the stored one, unless re-keyed).
    """

    stored: Known
    entry: Entry
    fetched_key: str


@dataclass(frozen=True, slots=True)
class Recognised:
    """A stored entry (`ref`) seen again with marks it does not carry yet: storage adds them,
    so the next fetch knows it by them too (a new key, a new time, a key from before)."""

    ref: int
    marks: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Confirmed:
    """A stored entry (`ref`) whose stored time a fetch dates by stronger evidence (`dated`):
    storage keeps the stronger strength, so weaker evidence met later cannot move it."""

    ref: int
    dated: int


@dataclass(frozen=True, slots=True)
class Diff:
    """The outcome of comparing one fetch with storage.

    `new` (oldest first) is to be stored, and alerted unless this is the baseline.
    `recognised` are marks to add to stored entries; `confirmed` strengths to raise.
    `failed_reason` set means the check failed: nothing is to be stored or removed.
    """

    new: tuple[Entry, ...] = ()
    edited: tuple[Edit, ...] = ()
    baseline: bool = False
    failed_reason: str | None = None
    recognised: tuple[Recognised, ...] = ()
    confirmed: tuple[Confirmed, ...] = ()

    @property
    def alerts(self) -> tuple[Entry, ...]:
        """The new entries to alert, oldest first: none for a baseline."""
        return () if self.baseline else self.new


def diff_entries(
    known: Sequence[Known],
    fetched: Sequence[Entry],
    marks: Mapping[str, int | None],
    previous_count: int,
    baseline: bool,
) -> Diff:
    """Compare the entries of one fetch (newest first) with what storage holds for the story.

    `known` are the stored entries this fetch can match; `marks` maps the fetched
    entries' marks that were ever stored (`marks_of`) to the stored entry holding them
    (None once it was pruned); `previous_count` is how many entries the last successful
    check found; `baseline` is true on the story's first check. Never raises.
    """
    reason = _failure(len(fetched), previous_count)
    if reason is not None:
        return Diff(failed_reason=reason)
    matcher = _Matcher(known, marks)
    # Keys first, on the whole page: a weaker mark must not claim an entry its key claims.
    unmatched = [entry for entry in fetched if not matcher.recognise(entry, by_key=True)]
    unmatched = [entry for entry in unmatched if not matcher.recognise(entry, by_key=False)]
    new: list[Entry] = []
    seen: set[str] = set()
    for entry in unmatched:
        if matcher.correction(entry):
            continue
        copy = copy_mark(entry)
        if copy is None or copy not in seen:  # the same update twice on a page is one update
            seen.update(() if copy is None else (copy,))
            new.append(entry)
    return Diff(new=_oldest_first(new), edited=tuple(matcher.edited), baseline=baseline,
                recognised=tuple(matcher.recognised), confirmed=tuple(matcher.confirmed))


class _Matcher:
    """Claims stored entries for fetched ones, each stored entry once per fetch."""

    def __init__(self, known: Sequence[Known], marks: Mapping[str, int | None]) -> None:
        self._by_ref = {item.ref: item for item in known}
        self._texts = {item.ref: normalize_text(item.entry.text) for item in known}
        # Likeness reads what an entry quotes too: a page (or this program, once it learnt to
        # set a quoted post apart) moving a post's words out of the text corrects nothing.
        self._likes = {item.ref: normalize_text(entry_words(item.entry)) if item.entry.embeds
                       else self._texts[item.ref] for item in known}
        self._by_text: dict[str, list[int]] = {}
        for ref, text in self._texts.items():
            self._by_text.setdefault(text, []).append(ref)
        self._marks = marks
        self._claimed: set[int] = set()
        self.edited: list[Edit] = []
        self.recognised: list[Recognised] = []
        self.confirmed: list[Confirmed] = []

    def recognise(self, entry: Entry, *, by_key: bool) -> bool:
        """Whether `entry` carries a stored mark: its key (`by_key`), else its own text or
        its fingerprint. Known then: its stored entry is claimed, or was pruned, or (an own
        text) is a copy claimed already. A fingerprint claimed already proves nothing: short
        texts repeat, at one minute or none."""
        own = marks_of(entry)
        for mark in own[:1] if by_key else own[1:]:
            if mark not in self._marks:
                continue
            ref = self._marks[mark]
            if ref is None:
                return True
            if ref not in self._claimed:
                self._claim(ref, entry, tuple(m for m in own if m not in self._marks))
                return True
            if not is_shared(mark):
                return True
        return False

    def correction(self, entry: Entry) -> bool:
        """Whether `entry` is an unclaimed stored entry corrected (then it is claimed): the
        same own text at any time, else the likest text timed within FUZZY_WINDOW of it."""
        text = normalize_text(entry.text)
        match = self._same_text(text) if is_own_text(entry.text) else None
        match = match or self._likest(entry, normalize_text(entry_words(entry))
                                      if entry.embeds else text)
        if match is None:
            return False
        self._claim(match.ref, entry, marks_of(entry))
        return True

    def _same_text(self, text: str) -> Known | None:
        return next((self._by_ref[ref] for ref in self._by_text.get(text, ())
                     if ref not in self._claimed), None)

    def _likest(self, entry: Entry, text: str) -> Known | None:
        best: Known | None = None
        best_score = FUZZY_THRESHOLD
        for ref, candidate in self._by_ref.items():
            if ref in self._claimed or not _near(entry.published_at,
                                                 candidate.entry.published_at):
                continue
            score = _likeness(text, self._likes[ref])
            if score >= best_score:
                best, best_score = candidate, score
        return best

    def _claim(self, ref: int, entry: Entry, missing: tuple[str, ...]) -> None:
        self._claimed.add(ref)
        stored = self._by_ref.get(ref)
        edit = _edit(stored, entry) if stored is not None else None
        if edit is not None:
            self.edited.append(edit)
            missing = tuple(dict.fromkeys((*missing, *marks_of(edit.entry))))
        elif stored is not None and _confirms(stored.entry, entry):
            self.confirmed.append(Confirmed(ref, entry.dated))
        if missing:
            self.recognised.append(Recognised(ref, missing))


def fold_burst(new: Sequence[Entry], limit: int) -> tuple[tuple[Entry, ...], tuple[Entry, ...]]:
    """Split new entries (oldest first) into (folded, one by one): the newest `limit` go singly."""
    if limit <= 0:
        return tuple(new), ()
    cut = max(len(new) - limit, 0)
    return tuple(new[:cut]), tuple(new[cut:])


def _failure(count: int, previous_count: int) -> str | None:
    if count == 0:
        return NO_UPDATES
    if previous_count >= SHRINK_FLOOR and count < previous_count * SHRINK_RATIO:
        return f"the page yielded {count} updates, down from {previous_count}"
    return None


def _edit(stored: Known, entry: Entry) -> Edit | None:
    """The edit `entry` makes to `stored`, or None when what a reader sees is the same. The
    stored time stands unless `entry`'s is dated by strictly stronger evidence."""
    was = stored.entry
    if _retimed(was, entry):
        return Edit(stored, replace(entry, key=was.key), entry.key)
    if normalize_text(was.text) == normalize_text(entry.text) and (
            (was.title or "") == (entry.title or "")):
        return None
    if was.published_at is None:
        return Edit(stored, replace(entry, key=was.key), entry.key)
    return Edit(stored, replace(entry, key=was.key, published_at=was.published_at,
                                dated=was.dated), entry.key)


def _retimed(was: Entry, entry: Entry) -> bool:
    """Whether a stored timed entry moves to the time fetched now: a different time, on
    stronger evidence (its own date over the page's, the page's over the fetch day)."""
    return (was.published_at is not None and entry.published_at is not None
            and entry.published_at != was.published_at and entry.dated > was.dated)


def _confirms(was: Entry, entry: Entry) -> bool:
    """Whether `entry` dates the stored time of `was` by stronger evidence than it had."""
    return (was.published_at is not None and entry.published_at == was.published_at
            and entry.dated > was.dated)


def _near(one: datetime | None, other: datetime | None) -> bool:
    if one is None or other is None:
        return one is None and other is None
    return abs(one - other) <= FUZZY_WINDOW


def _likeness(one: str, other: str) -> float:
    # Imported on first use: only a check that has unmatched entries to compare pays for it.
    from rapidfuzz import fuzz

    score = fuzz.ratio(one, other)
    shorter, longer = sorted((len(one), len(other)))
    # A correction that appends a sentence keeps the old text whole inside the new one.
    if longer and shorter >= longer * 0.5:
        score = max(score, fuzz.partial_ratio(one, other) - 5)
    return score


def _oldest_first(new: list[Entry]) -> tuple[Entry, ...]:
    # Pages list newest first; reversing keeps the page's order for untimed updates.
    ordered = list(reversed(new))
    if all(entry.published_at is not None for entry in ordered):
        ordered.sort(key=lambda entry: entry.published_at)  # type: ignore[arg-type, return-value]
    return tuple(ordered)
