"""Which time zone a page's times are in: abbreviations, offsets, the publisher's country."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

_FIXED_HOURS = {
    "UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "BST": 1, "WEST": 1, "CET": 1, "MEZ": 1,
    "CEST": 2, "MESZ": 2, "EET": 2, "EEST": 3, "MSK": 3, "SAST": 2, "GST": 4,
    "PKT": 5, "IST": 5.5, "WIB": 7, "ICT": 7, "SGT": 8, "HKT": 8, "AWST": 8,
    "JST": 9, "KST": 9, "AEST": 10, "AEDT": 11, "NZST": 12, "NZDT": 13,
    "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
    "AKST": -9, "AKDT": -8, "HST": -10,
}
# Generic names follow daylight saving, so they are real zones, not fixed offsets.
_GENERIC = {
    "ET": "America/New_York", "CT": "America/Chicago", "MT": "America/Denver",
    "PT": "America/Los_Angeles", "AET": "Australia/Sydney",
}
_COUNTRY_ZONES = {
    "uk": "Europe/London", "gb": "Europe/London", "ie": "Europe/Dublin",
    "de": "Europe/Berlin", "at": "Europe/Vienna", "ch": "Europe/Zurich",
    "fr": "Europe/Paris", "be": "Europe/Brussels", "nl": "Europe/Amsterdam",
    "lu": "Europe/Luxembourg", "es": "Europe/Madrid", "pt": "Europe/Lisbon",
    "it": "Europe/Rome", "pl": "Europe/Warsaw", "cz": "Europe/Prague",
    "sk": "Europe/Bratislava", "hu": "Europe/Budapest", "dk": "Europe/Copenhagen",
    "se": "Europe/Stockholm", "no": "Europe/Oslo", "fi": "Europe/Helsinki",
    "gr": "Europe/Athens", "ro": "Europe/Bucharest", "ua": "Europe/Kyiv",
    "ru": "Europe/Moscow", "tr": "Europe/Istanbul", "in": "Asia/Kolkata",
    "pk": "Asia/Karachi", "jp": "Asia/Tokyo", "kr": "Asia/Seoul", "cn": "Asia/Shanghai",
    "hk": "Asia/Hong_Kong", "sg": "Asia/Singapore", "au": "Australia/Sydney",
    "nz": "Pacific/Auckland", "za": "Africa/Johannesburg", "br": "America/Sao_Paulo",
    "ar": "America/Argentina/Buenos_Aires", "mx": "America/Mexico_City",
    "ca": "America/Toronto", "us": "America/New_York", "il": "Asia/Jerusalem",
}
_LANGUAGE_ZONES = {"de": "de", "fr": "fr", "pl": "pl", "it": "it", "nl": "nl", "cs": "cz",
                   "da": "dk", "sv": "se", "fi": "fi", "el": "gr", "ja": "jp", "ko": "kr",
                   "hu": "hu", "ro": "ro", "uk": "ua", "tr": "tr"}


# A time followed by a US zone name: "9:45 pm ET", "14:05 EDT", "10:30 a.m. (PT)".
_US_ZONE_BESIDE_TIME = re.compile(
    r"\d[:.]\d\d\s*(?:[aApP]\.?\s?[mM]\.?\s*)?\(?(?:E|C|M|P|AK)[SD]?T\b(?![-'’])"
)
# Every US zone name ends in "T": a scan for that literal is fast even on a megabyte page,
# and the regex then checks only the few characters before each one.
_ENDS_IN_T = re.compile(r"T\b")
_MOST_LOOKS = 2000
_MONTH_FIRST_REGIONS = frozenset({"us", "ph", "fm", "pw", "mh"})


def month_first(host: str, lang: str, text: str) -> bool:
    """Whether numeric dates on the page are US style (03/04/2024 is March 4).

    A US region in the language ("en-US") or a ".us" host says so; a plain "en" page
    (as most US publishers declare) says so when its times carry US zone names
    (ET, EDT, PT ...). Any other region or language keeps day-first.
    """
    lang = lang.lower().replace("_", "-")
    language, _, region = lang.partition("-")
    if region:
        return region in _MONTH_FIRST_REGIONS
    if host.lower().rstrip(".").endswith(".us"):
        return True
    if language not in ("", "en"):
        return False
    for looks, end in enumerate(_ENDS_IN_T.finditer(text)):
        window = text[max(0, end.start() - 16) : end.end() + 1]
        if looks >= _MOST_LOOKS or _US_ZONE_BESIDE_TIME.search(window):
            return looks < _MOST_LOOKS
    return False


def zone_for_abbreviation(name: str) -> tzinfo | None:
    """The zone an abbreviation like "BST" or "ET" stands for, or None when unknown."""
    name = name.upper()
    if name in _GENERIC:
        return ZoneInfo(_GENERIC[name])
    hours = _FIXED_HOURS.get(name)
    if hours is None:
        return None
    return UTC if hours == 0 else timezone(timedelta(hours=hours), name)


def country_zone(host: str, lang: str) -> tzinfo | None:
    """The zone of the publisher's country from the host's TLD or the page language.

    Returns None for generic TLDs with a language spoken across zones (".com", "en").
    """
    parts = host.lower().rstrip(".").split(".")
    tld = parts[-1] if parts else ""
    if tld in _COUNTRY_ZONES and tld != "us":
        return ZoneInfo(_COUNTRY_ZONES[tld])
    lang = lang.lower().replace("_", "-")
    region = lang.split("-")[1] if "-" in lang else ""
    if region in _COUNTRY_ZONES:
        return ZoneInfo(_COUNTRY_ZONES[region])
    country = _LANGUAGE_ZONES.get(lang.split("-")[0])
    return ZoneInfo(_COUNTRY_ZONES[country]) if country else None


# Countries that span several zones: the capital's zone first (in _COUNTRY_ZONES), then these.
_OTHER_ZONES = {
    "America/New_York": ("America/Chicago", "America/Denver", "America/Phoenix",
                         "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu"),
    "America/Toronto": ("America/Halifax", "America/Winnipeg", "America/Edmonton",
                        "America/Vancouver"),
    "Australia/Sydney": ("Australia/Brisbane", "Australia/Adelaide", "Australia/Darwin",
                         "Australia/Perth"),
}


def publisher_zone(host: str, lang: str, offset: timedelta | None, at: datetime) -> tzinfo | None:
    """The publisher's zone: its country's, from the TLD or language, checked against the
    page's own UTC `offset` at `at` (a Dallas station on an en-US page writes -06:00, not
    New York's -05:00); a fixed zone for that offset when the country says nothing or
    disagrees. None when neither is known.
    """
    country = country_zone(host, lang)
    if offset is None:
        return country
    if country is not None:
        names = (str(country), *_OTHER_ZONES.get(str(country), ()))
        for zone in (country, *(ZoneInfo(name) for name in names[1:])):
            if at.astimezone(zone).utcoffset() == offset:
                return zone
    return offset_zone(offset)


def offset_zone(offset: timedelta) -> tzinfo:
    """A fixed zone for an offset seen in the page's own date-times."""
    return UTC if not offset else timezone(offset)


# A page saying in words which zone its times are in: "All times below are in Eastern time",
# "times are GMT", "alle Zeiten MEZ", "Uhrzeiten in MESZ", "(heure de Paris)".
_ZONE_NAMES = {
    "eastern": "America/New_York", "central": "America/Chicago", "mountain": "America/Denver",
    "pacific": "America/Los_Angeles", "uk": "Europe/London", "british": "Europe/London",
    "paris": "Europe/Paris", "française": "Europe/Paris", "francaise": "Europe/Paris",
    "indian": "Asia/Kolkata", "india": "Asia/Kolkata",
}
_STATEMENT = re.compile(
    r"times?\s+(?:below\s+|here\s+|shown\s+|on\s+this\s+page\s+)?(?:are\s+)?"
    r"(?:in\s+|local\s+)?(?:(?P<name>eastern|central|mountain|pacific|uk|british|indian)"
    r"\s+(?:standard\s+|daylight\s+)?time|(?P<abbr>[A-Z]{2,5})\b)"
    r"|zeit(?:en|angaben)?\s+(?:in\s+)?(?P<de>[A-Z]{3,4})\b"
    r"|heures?\s+(?:de\s+(?P<fr>paris)|(?P<fr2>française|francaise))\b",
    re.IGNORECASE,
)
# Literal words every statement holds, less their first letter (either case: "times",
# "Times", "Zeit", "zeit", "heure"): found with str.find, fast even on a megabyte page
# (lower-casing the page first would cost more than the search).
_STATEMENT_WORDS = ("imes", "eit", "eure")
_FIRST_LETTERS = frozenset("tTzZhH")
_MOST_STATEMENT_LOOKS = 200
_WORD_BEFORE = frozenset(" >(\n\t\xa0\"'")


def stated_zone(text: str) -> tzinfo | None:
    """The zone a page states its times are in, in words (see `_STATEMENT`); daylight saving
    then follows each time's date where the words name a region ("Eastern time", "heure de
    Paris"), and a fixed offset where they name one ("MEZ", "GMT"). None when it states none.
    """
    for word in _STATEMENT_WORDS:
        at = text.find(word)
        for _ in range(_MOST_STATEMENT_LOOKS):
            if at < 0:
                break
            if text[at - 1 : at] in _FIRST_LETTERS and _word_starts(text, at - 1):
                zone = _statement_at(text, at - 1, at + 64)
                if zone is not None:
                    return zone
            at = text.find(word, at + 1)
    return None


def _word_starts(text: str, at: int) -> bool:
    """Whether a word starts at `at` ("times" in "nytimes.com" or "datetime" does not)."""
    return at <= 0 or text[at - 1] in _WORD_BEFORE or text[max(0, at - 3) : at] in ("Uhr", "uhr")


def _statement_at(text: str, start: int, end: int) -> tzinfo | None:
    match = _STATEMENT.match(text, start, end)
    if match is None:
        return None
    name = match["name"] or match["fr"] or match["fr2"]
    if name:
        return ZoneInfo(_ZONE_NAMES[name.lower()])
    abbreviation = match["abbr"] or match["de"]
    if abbreviation and abbreviation.isupper():
        return zone_for_abbreviation(abbreviation)
    return None
