"""Rendering: domain messages to each output's form. One module per output.

    console.py         plain text and JSON lines for the terminal
    telegram_html.py   Telegram HTML parse mode
    discord_embed.py   Discord embeds

The helpers here are shared by every output: a time in a chat's zone, source
text made safe to show, links restricted to http(s).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.model import Entry

# Bidirectional overrides and isolates reorder what follows them on screen.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_LINE_SEPARATORS = re.compile("[\r\u2028\u2029\x85\x0b\x0c]")


def zone_of(name: str) -> ZoneInfo:
    """The IANA zone `name`, or UTC when the name is unknown (a chat's setting is validated
    when set; a zone removed from tzdata since must not break delivery)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def format_time(moment: datetime, zone: str) -> str:
    """`moment` in `zone` as "2024-02-03 14:52 GMT" (the zone's abbreviation, or UTC±hh).

    A naive `moment` is taken as UTC.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(zone_of(zone))
    label = local.tzname() or "UTC"
    if label[:1] in "+-":
        # Zones without an abbreviation name themselves "+04"; "UTC+04" reads better.
        label = f"UTC{label}"
    return f"{local:%Y-%m-%d %H:%M} {label}"


def clean_text(text: str) -> str:
    """Source text without control characters (newlines kept, tabs as spaces).

    Escape sequences, carriage returns and bidi overrides in a source could
    move the cursor, clear a terminal or disguise a link.
    """
    text = _LINE_SEPARATORS.sub("\n", text.replace("\r\n", "\n")).replace("\t", " ")
    return "".join(
        char
        for char in text
        if char == "\n" or (unicodedata.category(char) != "Cc" and char not in _BIDI_CONTROLS)
    )


def safe_link(url: str | None) -> str | None:
    """`url` when it is an http(s) URL without spaces or controls, else None."""
    if not url:
        return None
    url = url.strip()
    if any(char.isspace() or unicodedata.category(char) in {"Cc", "Cf"} for char in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        return None
    return url


def when(entry: Entry, zone: str) -> str:
    """When the entry was posted (or updated), in `zone`; "time not given" for an untimed one."""
    moment = entry.published_at or entry.updated_at
    return format_time(moment, zone) if moment is not None else "time not given"


def one_line(text: str) -> str:
    """Source text made safe (see `clean_text`) and folded onto one line."""
    return " ".join(clean_text(text).split())


def shown_word(word: str) -> str:
    """A filter word as the chat would type it: a phrase in quotes."""
    word = one_line(word)
    return f'"{word}"' if " " in word else word


MAX_PICTURE_URL = 2048
"""The longest picture URL handed to a platform: Discord's limit on an embed's URLs."""


def picture_link(entry: Entry) -> str | None:
    """The entry's picture as a platform may be handed it (it fetches it, never the bot): a
    clean http(s) URL (`safe_link`) of at most MAX_PICTURE_URL characters, else None."""
    link = safe_link(entry.image)
    return link if link is not None and len(link) <= MAX_PICTURE_URL else None
