"""The corpus README's scoring of extracted entries against a truth file.

An entry matches a truth entry when the truth's title, or the first 30 characters
of its text_start, appears in the entry's title and text (case, spacing and
punctuation ignored); each entry matches at most one truth entry, the nearest in
time where several could.

A time is exact only when its UTC date and minute are the truth's: a right clock on the
wrong day is wrong. Where the truth gives only a `local_time`, that time of day in the
page's zone counts when the truth also gives the date (`local_date`); without a date it is
counted apart (`clock_only`), as it cannot say whether the day was right.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.extract.candidate import normalise
from bot.core.model import Entry


@dataclass(frozen=True, slots=True)
class Score:
    """Counts behind recall, precision and timestamp accuracy for one page."""

    timed_truth: int
    matched_timed: int
    extracted: int
    valid: int
    dated: int
    exact: int
    missed: tuple[str, ...] = ()
    wrong_time: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    clock_only: int = 0
    clock_only_exact: int = 0

    @property
    def recall(self) -> float:
        return self.matched_timed / self.timed_truth if self.timed_truth else 1.0

    @property
    def precision(self) -> float:
        return self.valid / self.extracted if self.extracted else 1.0

    @property
    def timestamps(self) -> float:
        return self.exact / self.dated if self.dated else 1.0


def load_truth(path: Path) -> dict[str, Any]:
    """A truth file as a dict."""
    return json.loads(path.read_text(encoding="utf-8"))


def score(entries: tuple[Entry, ...], truth: dict[str, Any]) -> Score:
    """Score extracted entries against a truth file's entries and also_valid."""
    wanted = truth["entries"]
    extra_ok = truth.get("also_valid", [])
    zone = ZoneInfo(truth.get("time_zone") or "UTC")
    haystacks = [normalise(f"{entry.title or ''} {entry.text}") for entry in entries]
    pairs = _assign(entries, haystacks, wanted, set())
    matched = {truth: entries[position] for position, truth in pairs.items()}
    others = _assign(entries, haystacks, extra_ok, set(pairs))
    extra = [(e.title or e.text)[:60] for i, e in enumerate(entries)
             if i not in pairs and i not in others]
    valid = len(pairs) + len(others)
    return _tally(wanted, matched, zone, len(entries), valid, extra)


def _tally(wanted: list[dict[str, Any]], matched: dict[int, Entry], zone: ZoneInfo,
           extracted: int, valid: int, extra: list[str]) -> Score:
    timed = [i for i, t in enumerate(wanted) if t.get("published_at") or t.get("local_time")]
    missed = tuple(_label(wanted[i]) for i in timed if i not in matched)
    dated = exact = clock_only = clock_exact = 0
    wrong: list[str] = []
    for i, entry in matched.items():
        truth = wanted[i]
        local = entry.published_at.astimezone(zone) if entry.published_at else None
        if truth.get("published_at"):
            good = _same_minute(entry.published_at, _parse(truth["published_at"]))
            want = truth["published_at"]
        elif truth.get("local_time") and truth.get("local_date"):
            good = local is not None and local.strftime("%Y-%m-%d %H:%M") == (
                f"{truth['local_date']} {truth['local_time']}")
            want = f"{truth['local_date']} {truth['local_time']} local"
        elif truth.get("local_time"):
            clock_only += 1
            clock_exact += local is not None and local.strftime("%H:%M") == truth["local_time"]
            continue
        else:
            continue
        dated += 1
        exact += good
        if not good:
            wrong.append(f"{_label(truth)} want {want} got {entry.published_at}")
    matched_timed = sum(1 for i in timed if i in matched)
    return Score(len(timed), matched_timed, extracted, valid, dated, exact, missed,
                 tuple(wrong), tuple(extra), clock_only, clock_exact)


def _needles(truth: dict[str, Any]) -> list[str]:
    needles = [normalise(truth.get("title") or ""), normalise((truth.get("text_start") or "")[:30])]
    return [n for n in needles if n]


def _assign(entries: tuple[Entry, ...], haystacks: list[str], truths: list[dict[str, Any]],
            busy: set[int]) -> dict[int, int]:
    """Entry position -> truth index, nearest in time first, each used once."""
    options = []
    for position, haystack in enumerate(haystacks):
        if position in busy:
            continue
        for index, truth in enumerate(truths):
            if any(needle in haystack for needle in _needles(truth)):
                gap = _distance(entries[position].published_at, truth.get("published_at"))
                options.append((gap, position, index))
    options.sort()
    chosen: dict[int, int] = {}
    used: set[int] = set()
    for _, position, index in options:
        if position not in chosen and index not in used:
            chosen[position] = index
            used.add(index)
    return chosen


def _distance(at: datetime | None, truth: str | None) -> float:
    if at is None or not truth:
        return float("inf")
    return abs((at - _parse(truth)).total_seconds())


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


def _same_minute(at: datetime | None, truth: datetime) -> bool:
    if at is None:
        return False
    return at.astimezone(UTC).replace(second=0, microsecond=0) == truth.replace(second=0, microsecond=0)


def _label(truth: dict[str, Any]) -> str:
    return (truth.get("title") or truth.get("text_start") or "")[:50]
