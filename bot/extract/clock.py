"""Times and dates as pages write them: ISO values, epoch numbers, visible clock text.

Explicit formats come first (they are fast and exact); `dateparser` is never
called on the hot path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from bot.extract.zones import zone_for_abbreviation

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "january jan januar jänner janvier janv stycznia styczeń styczen enero gennaio",
        "february feb februar février fevrier févr fevr lutego luty febrero febbraio",
        "march mar märz maerz mars marca marzec marzo",
        "april apr avril avr kwietnia kwiecień kwiecien abril aprile",
        "may mai maja maj mayo maggio",
        "june jun juni juin czerwca czerwiec junio giugno",
        "july jul juli juillet juil lipca lipiec julio luglio",
        "august aug août aout sierpnia sierpień sierpien agosto",
        "september sep sept septembre września wrzesień wrzesien septiembre settembre",
        "october oct oktober octobre października październik pazdziernika octubre ottobre okt",
        "november nov novembre listopada listopad noviembre",
        "december dec dezember décembre decembre déc grudnia grudzień grudzien diciembre"
        " dicembre dez",
    ),
    start=1,
):
    for _name in _names.split():
        _MONTHS[_name] = _number

# Any word in month position, checked against _MONTHS afterwards: far faster than an
# alternation of a hundred month names.
_WORD = r"(?P<mon>[^\W\d_]{3,12})"
_DAY_FIRST = re.compile(
    rf"(?<!\d)(?P<d>[0-3]?\d)(?:st|nd|rd|th)?\.?\s+{_WORD}\b\.?(?:,?\s*(?P<y>\d{{4}}))?"
)
_MONTH_FIRST = re.compile(
    rf"\b{_WORD}\.?\s+(?P<d>[0-3]?\d)(?:st|nd|rd|th)?\b(?:,?\s*(?P<y>\d{{4}}))?"
)
_NUMERIC = re.compile(r"(?<![\d.])(?P<d>[0-3]?\d)[./](?P<m>[01]?\d)[./](?P<y>\d{4}|\d{2})(?![\d])")
_ISO_DAY = re.compile(r"(?<!\d)(?P<y>\d{4})-(?P<m>[01]\d)-(?P<d>[0-3]\d)(?!\d)")

_CLOCK = re.compile(
    r"(?<![\d:.,/])(?P<h>[01]?\d|2[0-3])(?P<sep>[:.h])(?P<m>[0-5]\d)(?::(?P<s>[0-5]\d))?(?![\d%])"
    r"(?:\s*(?P<ap>[ap]\.?\s?m\b\.?))?(?:\s*(?P<uhr>Uhr|h)\b)?"
    r"(?:\s*\(?(?P<zone>[A-Z]{2,5})\b\)?(?!\s+[A-Z][a-z]))?"
)
_RELATIVE = re.compile(
    r"(?:(?P<n>\d+|an?|one)\s*(?P<u>s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?)\s+ago"
    r"|vor\s+(?P<dn>\d+|einer?)\s+(?P<du>Sekunden?|Minuten?|Stunden?|Tag(?:en)?)"
    r"|il\s+y\s+a\s+(?P<fn>\d+|une?)\s*(?P<fu>s|sec|secondes?|min|minutes?|h|heures?|jours?))\b",
    re.IGNORECASE,
)
_JUST_NOW = re.compile(r"^\s*(just now|gerade eben|à l'instant|a l'instant)\s*$", re.IGNORECASE)
_UNITS = (
    ("min", 60), ("stund", 3600), ("sek", 1), ("sec", 1), ("s", 1), ("m", 60),
    ("h", 3600), ("d", 86400), ("tag", 86400), ("j", 86400),
)


@dataclass(frozen=True, slots=True)
class Shown:
    """A time of day a page shows, with the date and zone when it shows them.

    `day` is (year or None, month, day); `zone` is an abbreviation's tzinfo.
    """

    hour: int
    minute: int
    second: int = 0
    day: tuple[int | None, int, int] | None = None
    zone: tzinfo | None = None
    dotted: bool = False
    explicit: bool = False


def parse_iso(value: str) -> datetime | None:
    """Parse an ISO 8601 date-time; returns it as given (aware or naive), or None."""
    value = value.strip()
    if len(value) < 10 or not value[:4].isdigit():
        return None
    if value.endswith(("z", "Z")):
        value = value[:-1] + "+00:00"
    if len(value) > 5 and value[-5] in "+-" and value[-4:].isdigit() and value[-3] != ":":
        value = value[:-2] + ":" + value[-2:]
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def parse_epoch(value: str) -> datetime | None:
    """An epoch timestamp in seconds or milliseconds (years 2000-2099) as UTC, else None."""
    value = value.strip()
    if not value.isdigit() or len(value) not in (10, 13):
        return None
    seconds = int(value) / (1000 if len(value) == 13 else 1)
    if not 946_684_800 <= seconds < 4_102_444_800:
        return None
    return datetime.fromtimestamp(int(seconds), UTC)


def find_day(text: str) -> tuple[tuple[int | None, int, int], re.Match[str]] | None:
    """The first calendar date written in `text`: ((year or None, month, day), match)."""
    for pattern in (_ISO_DAY, _NUMERIC, _DAY_FIRST, _MONTH_FIRST):
        for match in pattern.finditer(text):
            day = _day(match.groupdict())
            if day is not None:
                return day, match
    return None


def _day(groups: dict[str, str | None]) -> tuple[int | None, int, int] | None:
    name = groups.get("mon")
    month = _MONTHS.get(name.lower(), 0) if name else int(groups["m"] or 0)
    day = int(groups["d"] or 0)
    written = groups.get("y")
    year = int(written) if written else None
    if year is not None and year < 100:
        year += 2000
    return (year, month, day) if 1 <= month <= 12 and 1 <= day <= 31 else None


def find_clock(text: str, *, loose: bool = False) -> tuple[Shown, re.Match[str]] | None:
    """The first time of day in `text` with its date and zone when written beside it.

    A dotted time ("14.05") counts only with "Uhr", am/pm, a zone, or when `loose`
    (the text is nothing but a time), so prices and scores are not taken for times.
    """
    for match in _CLOCK.finditer(text):
        shown = _shown(match, text, loose)
        if shown is not None:
            return shown, match
    return None


def _shown(match: re.Match[str], text: str, loose: bool) -> Shown | None:
    hour, minute = int(match["h"]), int(match["m"])
    sep, ampm, uhr = match["sep"], match["ap"], match["uhr"]
    zone = zone_for_abbreviation(match["zone"]) if match["zone"] else None
    marked = bool(ampm or uhr or zone)
    if sep == "h" and not (len(match[0]) > 2 and match["m"]):
        return None
    if sep == "." and not (marked or loose):
        return None
    if ampm:
        if hour > 12 or hour == 0:
            return None
        hour = hour % 12 + (12 if ampm.lower().startswith("p") else 0)
    found = find_day(text)
    day = found[0] if found else None
    second = int(match["s"]) if match["s"] else 0
    return Shown(hour, minute, second, day, zone, sep == ".", marked)


def find_relative(text: str, now: datetime) -> datetime | None:
    """Resolve "5 min ago", "vor 3 Stunden", "il y a 2 h", "just now" against `now`."""
    if _JUST_NOW.match(text):
        return now
    match = _RELATIVE.search(text)
    if match is None:
        return None
    number = match["n"] or match["dn"] or match["fn"]
    unit = (match["u"] or match["du"] or match["fu"]).lower()
    count = int(number) if number.isdigit() else 1
    return now - timedelta(seconds=count * _unit_seconds(unit))


def _unit_seconds(unit: str) -> int:
    for prefix, seconds in _UNITS:
        if unit.startswith(prefix):
            return seconds
    return 60
