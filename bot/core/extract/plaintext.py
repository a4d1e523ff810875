"""Updates in plain text: timestamp lines, a date carried forward, day headers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.core.extract.candidate import Candidate
from bot.core.extract.caps import MAX_TEXT_STAMPS, Tally
from bot.core.extract.clock import Shown, find_clock, find_day
from bot.core.extract.furniture import clean_paragraphs

_BULLET = re.compile(r"^[\s•*·▪◦‣–—-]+")
_WEEKDAYS = re.compile(
    r"\b(mon|tues|wednes|thurs|fri|satur|sun)day\b|\b(montag|dienstag|mittwoch|donnerstag"
    r"|freitag|samstag|sonntag|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
    r"|poniedziałek|wtorek|środa|czwartek|piątek|sobota|niedziela)\b",
    re.IGNORECASE,
)
_LABEL_WORDS = re.compile(
    r"\b(update[ds]?|posted|at|um|vom|le|à|gmt|utc|uhr|today|yesterday|heute|gestern|hier)\b",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(r"^\s*[:|–—-]\s*")
_STAMP_HEAD = 200  # characters of a line a leading time stamp may take


@dataclass(slots=True)
class _Open:
    shown: Shown
    header_day: tuple[int | None, int, int] | None
    lines: list[str] = field(default_factory=list)


def text_title(text: str) -> str | None:
    """The first non-empty line of a text page when it is short enough to be a title."""
    for line in text.splitlines():
        line = " ".join(line.split())
        if line:
            return line if len(line) <= 200 else None
    return None


def text_candidates(text: str, *, month_first: bool = False,
                    tally: Tally | None = None) -> list[Candidate]:
    """One candidate per timestamp line, with the lines under it as its text, page order.

    `month_first` reads numeric dates as US pages write them. Past MAX_TEXT_STAMPS
    timestamp lines the rest of the text is not read, and counted in `tally`.
    """
    header: tuple[int | None, int, int] | None = None
    current: _Open | None = None
    found: list[_Open] = []
    for raw in text.splitlines():
        line = _BULLET.sub("", raw).strip()
        day_only = _day_header(line, month_first)
        if day_only is not None:
            header = day_only
            continue
        stamp = _stamp(line, month_first)
        if stamp is not None and len(found) == MAX_TEXT_STAMPS:
            if tally is not None:
                tally.over("timestamp lines", 1)
            current = None
            continue
        if stamp is not None:
            shown, rest = stamp
            current = _Open(shown, header, [rest] if rest else [])
            found.append(current)
        elif current is not None:
            current.lines.append(line)
    # A timestamp with no words under it is no update (a clock, a list of bare times).
    return [c for c in map(_candidate, found) if c.text]


def _day_header(line: str, month_first: bool) -> tuple[int | None, int, int] | None:
    if not line or len(line) > 40:
        return None
    found = find_day(line, month_first=month_first)
    if found is None or find_clock(line) is not None:
        return None
    day, match = found
    rest = _WEEKDAYS.sub("", line[: match.start()] + line[match.end() :])
    return day if len(re.sub(r"[\W\d]+", "", rest)) <= 3 else None


def _stamp(line: str, month_first: bool) -> tuple[Shown, str] | None:
    if not line:
        return None
    # A stamp line starts with its time (after a date or label at most): the time is looked
    # for in the line's head only, so a 10 MB line costs no more than a short one.
    found = find_clock(line[:_STAMP_HEAD], loose=len(line) <= 12, month_first=month_first)
    if found is None:
        return None
    shown, match = found
    before = line[: match.start()]
    day = find_day(before, month_first=month_first)
    label = _LABEL_WORDS.sub("", (day and before.replace(day[1][0], "")) or before)
    if re.sub(r"[\W\d]+", "", _WEEKDAYS.sub("", label)):
        return None
    rest = line[match.end() :]
    if len(rest) > 2 and not _SEPARATOR.match(rest):
        return None
    return shown, _SEPARATOR.sub("", rest)


def _candidate(item: _Open) -> Candidate:
    paragraphs: list[str] = []
    block: list[str] = []
    for line in [*item.lines, ""]:
        if line:
            block.append(line)
        elif block:
            paragraphs.append(" ".join(" ".join(block).split()))
            block = []
    return Candidate(
        "text",
        "\n\n".join(clean_paragraphs(paragraphs)),
        shown=item.shown,
        header_day=item.header_day,
    )
