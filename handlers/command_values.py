"""The chat commands as typed values (DESIGN §3), with their usage examples and help text.

Pure data: `handlers.parse` builds these from text, the Discord option
conversion from slash-command options, and the command layer carries them out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta
from typing import Literal

USAGE: dict[str, str] = {
    "help": "/help",
    "subscribe": "/subscribe https://www.rt.com/news/591750-us-strikes-iraq-syria/",
    "unsubscribe": "/unsubscribe 2  (or /unsubscribe URL)",
    "list": "/list  (or /list 2 for the second page)",
    "filter": '/filter add iran "red sea" sanction*  (or /filter 1 exclude sport)',
    "mute": "/mute 1h30m",
    "unmute": "/unmute",
    "digest": "/digest every 2h  (or /digest daily 08:00, /digest off)",
    "timezone": "/timezone Europe/London",
    "edits": "/edits off  (or /edits on)",
    "lock": "/lock",
    "unlock": "/unlock",
    "status": "/status",
}

HELP_TEXT = """\
storywatch follows live news stories and sends you each new update as it is posted, \
after your keyword filters.

/subscribe URL - follow a live story (a live blog, a feed, a page of timestamped updates)
/unsubscribe URL-or-N - stop following (N as /list numbers it)
/list - the stories this chat follows, with their filters
/filter [N] add WORD... - only updates with any of these words (N: one story; none: all)
/filter [N] exclude WORD... - drop updates with any of these words
/filter [N] remove WORD... | clear | list - edit or show the filters
  (a number first is always a subscription's: to filter on the word 2024, /filter add 2024)
/mute DURATION - hold alerts (90m, 1h30m, 2d); one digest when the mute ends
/unmute - alerts flow again
/digest every DURATION | daily HH:MM | off - one message per period instead of one per update
/timezone ZONE - the time zone for times shown here (Europe/London, America/New_York)
/edits on|off - whether a corrected update edits the alert already sent
/lock, /unlock - whether only admins may (un)subscribe
/status - (admins) each story's last check, last update, next check and errors
/help - this message

Words ignore case and accents and match whole words; "quoted phrases" and prefixes (sanction*) \
work too.
Example: /subscribe https://www.rt.com/news/591750-us-strikes-iraq-syria/ \
then /filter add iran "red sea\""""


def example(name: str) -> str:
    """'example: /cmd ...' for the command `name` (/help for an unknown one)."""
    return f"example: {USAGE.get(name, '/help')}"


@dataclass(frozen=True, slots=True)
class Help:
    """/start or /help: what the bot does and its commands."""


@dataclass(frozen=True, slots=True)
class Subscribe:
    """/subscribe URL (not yet normalised or checked)."""

    url: str


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    """/unsubscribe URL-or-N: `target` is digits (a /list number) or a URL; the caller decides."""

    target: str


@dataclass(frozen=True, slots=True)
class ListSubscriptions:
    """/list [page], pages counted from 1."""

    page: int = 1


FilterAction = Literal["add", "exclude", "remove"]
FILTER_ACTIONS: dict[str, FilterAction] = {"add": "add", "exclude": "exclude", "remove": "remove"}


@dataclass(frozen=True, slots=True)
class FilterEdit:
    """/filter [N] add|exclude|remove WORD...

    `number` is the leading digits argument, if any: always a subscription's number
    (a chat without that subscription is told so, and nothing changes).
    """

    number: int | None
    action: FilterAction
    words: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FilterClear:
    """/filter [N] clear."""

    number: int | None


@dataclass(frozen=True, slots=True)
class FilterList:
    """/filter [N] list, or /filter [N] alone."""

    number: int | None


@dataclass(frozen=True, slots=True)
class Mute:
    """/mute DURATION."""

    duration: timedelta


@dataclass(frozen=True, slots=True)
class Unmute:
    """/unmute."""


@dataclass(frozen=True, slots=True)
class DigestOff:
    """/digest off: one alert per update again."""


@dataclass(frozen=True, slots=True)
class DigestEvery:
    """/digest every DURATION."""

    interval: timedelta


@dataclass(frozen=True, slots=True)
class DigestDaily:
    """/digest daily HH:MM, in the chat's time zone."""

    at: time


@dataclass(frozen=True, slots=True)
class SetTimezone:
    """/timezone ZONE: `zone` is the IANA name as spelled in the tz database."""

    zone: str


@dataclass(frozen=True, slots=True)
class SetEdits:
    """/edits on|off: whether a corrected update edits the message already sent."""

    on: bool


@dataclass(frozen=True, slots=True)
class Lock:
    """/lock: only admins may (un)subscribe."""


@dataclass(frozen=True, slots=True)
class Unlock:
    """/unlock: members may (un)subscribe."""


@dataclass(frozen=True, slots=True)
class Status:
    """/status: how the chat's stories are being checked (for its admins)."""


Command = (
    Help
    | Subscribe
    | Unsubscribe
    | ListSubscriptions
    | FilterEdit
    | FilterClear
    | FilterList
    | Mute
    | Unmute
    | DigestOff
    | DigestEvery
    | DigestDaily
    | SetTimezone
    | SetEdits
    | Lock
    | Unlock
    | Status
)
