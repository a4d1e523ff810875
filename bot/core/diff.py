"""Which fetched entries are new, edited or already known (docs/BEHAVIOUR.md, Diff). Pure.

Against everything storage holds for the story, not only the last fetch:

- identity comes from the source's key; an entry whose key is not stored is
  matched by the fuzzy likeness of its text to a stored entry not matched by
  key, within a few minutes of it, so a corrected update is an edit;
- an entry whose key or (time, text) fingerprint was ever stored ("marks") is
  never new again, wherever it moved on the page;
- an entry keeps the time first resolved for it;
- the first check is a baseline: its entries are stored, nobody is alerted;
- a page that suddenly yields no entries, or far fewer than before, is a failed
  check, not a removal.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.core.model import Entry

FUZZY_WINDOW = timedelta(minutes=5)
"""How far apart two versions of one update may be timed (a correction may retime it)."""
FUZZY_THRESHOLD = 80.0
"""The likeness (0-100) from which an unkeyed entry is taken for a stored one, corrected."""
SHRINK_FLOOR = 4
"""A story must have had this many entries before a drop in their number means breakage."""
SHRINK_RATIO = 0.5
"""Fewer than this share of the previous count is a failed check, not a removal."""

_NON_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True, slots=True)
class StoredEntry:
    """An entry as storage holds it, with its row id."""

    id: int
    key: str
    published_at: datetime | None
    text: str
    title: str | None = None
    updated_at: datetime | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Edit:
    """A stored entry the source corrected: `entry` is the new content under the stored key/time.

    `fetched_key` is the key the source gave it this time (the stored one, unless re-keyed).
    """

    stored: StoredEntry
    entry: Entry
    fetched_key: str


@dataclass(frozen=True, slots=True)
class Diff:
    """The outcome of comparing one fetch with storage.

    `new` (oldest first) is to be stored, and alerted unless this is the baseline.
    `failed_reason` set means the check failed: nothing is to be stored or removed.
    """

    new: tuple[Entry, ...] = ()
    edited: tuple[Edit, ...] = ()
    baseline: bool = False
    failed_reason: str | None = None

    @property
    def alerts(self) -> tuple[Entry, ...]:
        """The new entries to alert, oldest first: none for a baseline."""
        return () if self.baseline else self.new


def normalize_text(text: str) -> str:
    """Text reduced to what identifies it: compatibility forms, case, punctuation, spacing."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _NON_WORD.sub(" ", folded).strip()


def fingerprint(published_at: datetime | None, text: str) -> str:
    """The (time, text) mark of an update: the minute it was published and its normalised text."""
    minute = "-" if published_at is None else str(int(published_at.timestamp() // 60))
    digest = hashlib.sha1(normalize_text(text).encode()).hexdigest()[:20]
    return f"f:{minute}:{digest}"


def marks_of(key: str, published_at: datetime | None, text: str) -> tuple[str, str]:
    """Every mark an entry leaves in storage: its key and its fingerprint."""
    return (f"k:{key}", fingerprint(published_at, text))


def diff_entries(
    stored: Sequence[StoredEntry],
    fetched: Sequence[Entry],
    marks: Collection[str],
    previous_count: int,
    baseline: bool,
) -> Diff:
    """Compare the entries of one fetch (newest first) with what storage holds for the story.

    `marks` are the story's marks ever stored (`marks_of`); `previous_count` is
    how many entries the last successful check found; `baseline` is true on the
    story's first check. Returns a `Diff`; never raises.
    """
    reason = _failure(len(fetched), previous_count)
    if reason is not None:
        return Diff(failed_reason=reason)
    by_key = {entry.key: entry for entry in stored}
    claimed: set[int] = set()
    edited: list[Edit] = []
    unmatched: list[Entry] = []
    for entry in fetched:
        match = by_key.get(entry.key)
        if match is not None:
            if match.id not in claimed:
                claimed.add(match.id)
                edited.extend(_edit(match, entry))
            continue
        if any(mark in marks for mark in marks_of(entry.key, entry.published_at, entry.text)):
            continue
        unmatched.append(entry)
    candidates = [entry for entry in stored if entry.id not in claimed]
    new: list[Entry] = []
    seen: set[str] = set()
    for entry in unmatched:
        match = _closest(entry, candidates)
        if match is not None:
            candidates.remove(match)
            edited.extend(_edit(match, entry))
            continue
        mark = fingerprint(entry.published_at, entry.text)
        if mark not in seen:  # the same update twice on one page is one update
            seen.add(mark)
            new.append(entry)
    return Diff(new=_oldest_first(new), edited=tuple(edited), baseline=baseline)


def fold_burst(new: Sequence[Entry], limit: int) -> tuple[tuple[Entry, ...], tuple[Entry, ...]]:
    """Split new entries (oldest first) into (folded, one by one): the newest `limit` go singly."""
    if limit <= 0:
        return tuple(new), ()
    cut = max(len(new) - limit, 0)
    return tuple(new[:cut]), tuple(new[cut:])


def _failure(count: int, previous_count: int) -> str | None:
    if count == 0:
        return "the page yielded no updates"
    if previous_count >= SHRINK_FLOOR and count < previous_count * SHRINK_RATIO:
        return f"the page yielded {count} updates, down from {previous_count}"
    return None


def _edit(stored: StoredEntry, entry: Entry) -> list[Edit]:
    """The edit `entry` makes to `stored`, or none when what a reader sees is the same."""
    same_text = normalize_text(stored.text) == normalize_text(entry.text)
    if same_text and (stored.title or "") == (entry.title or ""):
        return []
    published = stored.published_at or entry.published_at
    return [Edit(stored, replace(entry, key=stored.key, published_at=published), entry.key)]


def _closest(entry: Entry, candidates: Sequence[StoredEntry]) -> StoredEntry | None:
    text = normalize_text(entry.text)
    best: StoredEntry | None = None
    best_score = FUZZY_THRESHOLD
    for candidate in candidates:
        if not _near(entry.published_at, candidate.published_at):
            continue
        score = _likeness(text, normalize_text(candidate.text))
        if score >= best_score:
            best, best_score = candidate, score
    return best


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
