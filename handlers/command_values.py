"""The chat commands as typed values (docs/BEHAVIOUR.md, Chat commands).

Pure data: `handlers.parse` builds these from text, `handlers.options` from named
options (Discord's slash commands), and the command layer carries them out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta
from typing import Literal


class CommandValue:
    """Base of every command value: what the command layer runs. A command's value type
    may live with its use case, outside this module, as long as it subclasses this."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Help(CommandValue):
    """/start or /help: what the bot does and its commands."""


@dataclass(frozen=True, slots=True)
class Subscribe(CommandValue):
    """/subscribe URL (not yet normalised or checked)."""

    url: str


@dataclass(frozen=True, slots=True)
class Unsubscribe(CommandValue):
    """/unsubscribe URL-or-N: `target` is digits (a /list number) or a URL; the caller decides."""

    target: str


@dataclass(frozen=True, slots=True)
class ListSubscriptions(CommandValue):
    """/list [page], pages counted from 1."""

    page: int = 1


FilterAction = Literal["add", "exclude", "remove"]
FILTER_ACTIONS: dict[str, FilterAction] = {"add": "add", "exclude": "exclude", "remove": "remove"}


@dataclass(frozen=True, slots=True)
class FilterEdit(CommandValue):
    """/filter [N] add|exclude|remove WORD...

    `number` is the leading digits argument, if any: always a subscription's number
    (a chat without that subscription is told so, and nothing changes).
    """

    number: int | None
    action: FilterAction
    words: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FilterClear(CommandValue):
    """/filter [N] clear."""

    number: int | None


@dataclass(frozen=True, slots=True)
class FilterList(CommandValue):
    """/filter [N] list, or /filter [N] alone."""

    number: int | None


@dataclass(frozen=True, slots=True)
class FilterTest(CommandValue):
    """/filter test [N], or /filter [N] test: which recent updates the filters let through."""

    number: int | None


@dataclass(frozen=True, slots=True)
class Mute(CommandValue):
    """/mute DURATION."""

    duration: timedelta


@dataclass(frozen=True, slots=True)
class Unmute(CommandValue):
    """/unmute."""


@dataclass(frozen=True, slots=True)
class DigestOff(CommandValue):
    """/digest off: one alert per update again."""


@dataclass(frozen=True, slots=True)
class DigestEvery(CommandValue):
    """/digest every DURATION."""

    interval: timedelta


@dataclass(frozen=True, slots=True)
class DigestDaily(CommandValue):
    """/digest daily HH:MM, in the chat's time zone."""

    at: time


@dataclass(frozen=True, slots=True)
class SetTimezone(CommandValue):
    """/timezone ZONE: `zone` is the IANA name as spelled in the tz database."""

    zone: str


@dataclass(frozen=True, slots=True)
class SetEdits(CommandValue):
    """/edits on|off: whether a corrected update edits the message already sent."""

    on: bool


@dataclass(frozen=True, slots=True)
class SetImages(CommandValue):
    """/images on|off: whether alerts carry the update's picture."""

    on: bool


@dataclass(frozen=True, slots=True)
class Lock(CommandValue):
    """/lock: only admins may (un)subscribe."""


@dataclass(frozen=True, slots=True)
class Unlock(CommandValue):
    """/unlock: members may (un)subscribe."""


@dataclass(frozen=True, slots=True)
class Status(CommandValue):
    """/status: how the chat's stories are being checked (for its admins)."""


@dataclass(frozen=True, slots=True)
class Catchup(CommandValue):
    """/catchup [N] [DURATION]: subscription `number` alone (None: all the chat's), over the
    last `span`."""

    number: int | None = None
    span: timedelta = timedelta(hours=2)


Command = CommandValue
"""Any command value (the layer, the parsers and the registry work with this)."""
