"""Times and dates as pages write them: ISO values, epoch numbers, visible clock text.

Explicit formats come first (they are fast and exact); `dateparser` is never
called on the hot path.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from bot.core.extract.zones import zone_for_abbreviation

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
_NUMERIC = re.compile(r"(?<![\d.])(?P<d>[0-3]?\d)[./](?P<m>[0-3]?\d)[./](?P<y>\d{4}|\d{2})(?![\d])")
# Day and month without a year after a weekday, as German day headers write them
# ("Donnerstag, 18. 7."): the weekday and the space after the first dot keep clock times
# ("um 16.06.") and ranks ("1. 2. Liga") out.
_DOTTED_DAY = re.compile(
    r"[^\W\d_]{2,12}\.?,?\s+(?P<d>[0-3]?\d)\.\s(?P<m>[01]?\d)\.(?!\d)")
_HEADER_CHARS = 40
_ISO_DAY = re.compile(r"(?<!\d)(?P<y>\d{4})-(?P<m>[01]\d)-(?P<d>[0-3]\d)(?!\d)")

_CLOCK = re.compile(
    r"(?<![\d:.,/])(?P<h>[01]?\d|2[0-3])(?:(?P<sep>[:.]|\s?h\s?)(?P<m>[0-5]\d)(?::(?P<s>[0-5]\d))?)?"
    r"(?![\d%])"
    r"(?:\s*(?P<ap>[ap]\.?\s?m\b\.?|[AP]\.?\s?M\b\.?))?(?:\s*(?P<uhr>Uhr|h)\b)?"
    r"(?:\s*\(?(?P<zone>[A-Z]{2,5})\b\)?(?!\s+[A-Z][a-z]))?"
)
_EN_NUMBER = r"\d+|an?|one"
_EN_UNITS = r"s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?"
# English may name several units: "2 hr 5 min ago", "1 hour, 3 minutes ago".
_EN_PART = re.compile(rf"(?P<n>{_EN_NUMBER})\s*(?P<u>{_EN_UNITS})\b", re.IGNORECASE)
_RELATIVE = re.compile(
    rf"(?:(?P<en>(?:(?:{_EN_NUMBER})\s*(?:{_EN_UNITS})\b[\s,]*(?:and\s+)?)+)ago"
    r"|vor\s+(?P<dn>\d+|einer?)\s+(?P<du>Sekunden?|Minuten?|Stunden?|Tag(?:en)?)"
    r"|il\s+y\s+a\s+(?P<fn>\d+|une?)\s*(?P<fu>s|sec|secondes?|min|minutes?|h|heures?|jours?)"
    r"|(?P<in>\d+\s+|un[ao]?\s+|un['’])(?P<iu>secondi|secondo|minuti|minuto|ore|ora|giorni"
    r"|giorno)\s+fa"
    r"|hace\s+(?P<sn>\d+|una?)\s+(?P<su>segundos?|minutos?|min|horas?|h|d[ií]as?)"
    r"|h[áa]\s+(?P<pn>\d+|uma?)\s+(?P<pu>segundos?|minutos?|min|horas?|h|dias?)"
    r"|(?P<nn>\d+|een)\s+(?P<nu>seconden?|minuten?|min|uur|uren|dagen?)\s+geleden"
    r"|(?P<ln>\d+|jedn\w*)\s+(?P<lu>sekund\w*|minut\w*|min|godzin\w*|godz|dni|dzień)\s+temu"
    r"|f[öo]r\s+(?P<vn>\d+|en|ett|et)\s+(?P<vu>sekunder|minut+er|min|timmar|timme|timer|time"
    r"|dagar|dage|dag)\s+(?:sedan|siden))\b",
    re.IGNORECASE,
)
# Words that name a day relative to the fetch ("yesterday at 14:05", "gestern, 14:05 Uhr").
_DAY_WORD = re.compile(
    r"\b(today|yesterday|heute|gestern|aujourd'hui|aujourd’hui|hier|dzisiaj|wczoraj|hoy|ayer"
    r"|oggi|ieri)\b",
    re.IGNORECASE,
)
# How many characters either side of a time its date may be written ("Saturday 3 February
# 2024, 14:52", "14:52, 3 February 2024").
_BESIDE = 80
_DAYS_BACK = {"yesterday": 1, "gestern": 1, "hier": 1, "wczoraj": 1, "ayer": 1, "ieri": 1}
_JUST_NOW = re.compile(r"^\s*(just now|gerade eben|à l'instant|a l'instant)\s*$", re.IGNORECASE)
_UNITS = (
    ("min", 60), ("stund", 3600), ("sek", 1), ("sec", 1), ("seg", 1), ("s", 1), ("m", 60),
    ("h", 3600), ("d", 86400), ("tag", 86400), ("j", 86400), ("or", 3600), ("giorn", 86400),
    ("g", 3600), ("u", 3600), ("tim", 3600),
)
# The (number, unit) groups of each language's "N units ago" in _RELATIVE but English's.
_NUMBER_UNIT = (("dn", "du"), ("fn", "fu"), ("in", "iu"), ("sn", "su"), ("pn", "pu"),
                ("nn", "nu"), ("ln", "lu"), ("vn", "vu"))


@dataclass(frozen=True, slots=True)
class Shown:
    """A time of day a page shows, with the date and zone when it shows them.

    `day` is (year or None, month, day); `zone` is an abbreviation's tzinfo; `days_back`
    counts days before the fetch when the page names the day ("yesterday" is 1, "today" 0).
    """

    hour: int
    minute: int
    second: int = 0
    day: tuple[int | None, int, int] | None = None
    zone: tzinfo | None = None
    dotted: bool = False
    explicit: bool = False
    days_back: int | None = None


# Years a news update can carry; others are placeholders or garbage (and 9999 with a negative
# offset cannot even be converted to UTC).
_YEARS = range(1990, 2200)


def parse_iso(value: str) -> datetime | None:
    """Parse an ISO 8601 date-time; returns it as given (aware or naive), or None (also for
    years no update carries)."""
    value = value.strip()
    if len(value) < 10 or not value[:4].isdigit():
        return None
    if value.endswith(("z", "Z")):
        value = value[:-1] + "+00:00"
    if len(value) > 5 and value[-5] in "+-" and value[-4:].isdigit() and value[-3] != ":":
        value = value[:-2] + ":" + value[-2:]
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.year in _YEARS else None


def parse_epoch(value: str) -> datetime | None:
    """An epoch timestamp in seconds or milliseconds (years 2000-2099) as UTC, else None."""
    value = value.strip()
    if not value.isdigit() or len(value) not in (10, 13):
        return None
    seconds = int(value) / (1000 if len(value) == 13 else 1)
    if not 946_684_800 <= seconds < 4_102_444_800:
        return None
    return datetime.fromtimestamp(int(seconds), UTC)


def find_day(
    text: str, *, month_first: bool = False
) -> tuple[tuple[int | None, int, int], re.Match[str]] | None:
    """The first calendar date written in `text`: ((year or None, month, day), match).

    Numeric dates ("03/04/2024") are read day-first unless `month_first` (US pages);
    a first number above 12 is a day and a second above 12 a day, whatever the page.
    """
    # Only a short text can be a day header ("Samstag, 20. 7."): the dotted form, which starts
    # with any word, is not tried on long ones (it would cost a scan of every letter).
    dotted = ((_DOTTED_DAY,) if len(text) <= _HEADER_CHARS and (". " in text or ".\xa0" in text)
              else ())
    for pattern in (_ISO_DAY, _NUMERIC, _DAY_FIRST, _MONTH_FIRST, *dotted):
        for match in pattern.finditer(text):
            groups = match.groupdict()
            if pattern is _NUMERIC and _month_first(groups, month_first):
                groups = {**groups, "d": groups["m"], "m": groups["d"]}
            day = _day(groups)
            if day is not None:
                return day, match
    return None


def _month_first(groups: dict[str, str | None], preferred: bool) -> bool:
    first, second = int(groups["d"] or 0), int(groups["m"] or 0)
    if first > 12 or second > 12:
        return second > 12
    return preferred


def _day(groups: dict[str, str | None]) -> tuple[int | None, int, int] | None:
    name = groups.get("mon")
    month = _MONTHS.get(name.lower(), 0) if name else int(groups["m"] or 0)
    day = int(groups["d"] or 0)
    written = groups.get("y")
    year = int(written) if written else None
    if year is not None and year < 100:
        year += 2000
    if (year is not None and year not in _YEARS) or not 1 <= month <= 12:
        return None
    # No year: 29 February may exist; the dating picks a year it exists in.
    last = calendar.monthrange(year or 2024, month)[1]
    return (year, month, day) if 1 <= day <= last else None


def find_clock(
    text: str, *, loose: bool = False, month_first: bool = False
) -> tuple[Shown, re.Match[str]] | None:
    """The first time of day in `text` with its date and zone when written beside it.

    A whole hour counts only with am/pm ("7 a.m."). A dotted time ("14.05") counts only
    with "Uhr", am/pm, a zone, or when `loose`
    (the text is nothing but a time), so prices and scores are not taken for times.
    `month_first` reads numeric dates beside the time as US pages write them.
    """
    for match in _CLOCK.finditer(text):
        shown = _shown(match, text, loose, month_first)
        if shown is not None:
            return shown, match
    return None


def _shown(match: re.Match[str], text: str, loose: bool, month_first: bool) -> Shown | None:
    sep, ampm, uhr = (match["sep"] or "").strip(), match["ap"], match["uhr"]
    if match["m"] is None and not ampm:
        return None  # a bare number; "7 a.m." is a time, "7" is not
    hour, minute = int(match["h"]), int(match["m"] or 0)
    zone = zone_for_abbreviation(match["zone"]) if match["zone"] else None
    marked = bool(ampm or uhr or zone)
    if sep == "." and not (marked or loose):
        return None
    if ampm:
        if hour > 12 or hour == 0:
            return None
        hour = hour % 12 + (12 if ampm.lower().startswith("p") else 0)
    # Most stamps are the time alone ("14:52"): no date to look for beside it.
    bare = len(text) <= len(match[0]) + 2
    # A date or day word belongs to the time only when written beside it; looking no
    # further also keeps a 10 MB line of times linear.
    beside = text[max(0, match.start() - _BESIDE) : match.end() + _BESIDE]
    found = None if bare else find_day(beside, month_first=month_first)
    day = found[0] if found else None
    second = int(match["s"]) if match["s"] else 0
    named = _DAY_WORD.search(beside) if day is None and not bare else None
    back = _DAYS_BACK.get(named[1].lower(), 0) if named else None
    return Shown(hour, minute, second, day, zone, sep == ".", marked, back)



def find_relative(text: str, now: datetime) -> datetime | None:
    """Resolve "5 min ago", "vor 3 Stunden", "il y a 2 h", "2 ore fa", "hace 5 minutos",
    "há 3 horas", "5 minuten geleden", "10 minut temu", "för 2 timmar sedan", "just now"
    against `now`."""
    if _JUST_NOW.match(text):
        return now
    match = _RELATIVE.search(text)
    if match is None:
        return None
    if match["en"]:
        parts = [(p["n"], p["u"]) for p in _EN_PART.finditer(match["en"])]
    else:
        number, unit = next((match[n], match[u]) for n, u in _NUMBER_UNIT if match[n])
        parts = [(number.strip(), unit)]
    seconds = sum(_count(number) * _unit_seconds(unit.lower()) for number, unit in parts)
    return now - timedelta(seconds=seconds)


def _count(number: str) -> int:
    return int(number) if number.isdigit() else 1


def _unit_seconds(unit: str) -> int:
    for prefix, seconds in _UNITS:
        if unit.startswith(prefix):
            return seconds
    return 60
