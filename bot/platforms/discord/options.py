"""Discord slash-command options -> command values, by the same rules as typed commands.

Each function raises BadArgument (a one-line reason and an example) for an
option value the text form would refuse too, so both platforms answer alike.
`max_chars` is the configured limits.argument_chars.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TypeVar
from zoneinfo import available_timezones

from discord import app_commands

from bot.core.errors import BadArgument
from handlers.command_values import (
    Command,
    DigestDaily,
    DigestEvery,
    DigestOff,
    FilterAction,
    FilterEdit,
    Mute,
    SetEdits,
    Unsubscribe,
    example,
)
from handlers.parse import (
    check_length,
    filter_words,
    parse_clock,
    parse_command,
    parse_duration,
)

MAX_CHOICES = 25  # autocomplete choices Discord shows
T = TypeVar("T")


def parsed(name: str, argument: str, max_chars: int) -> Command:
    """The command as its text form parses: one rule for what a story URL or a zone is."""
    command = parse_command(f"/{name} {argument.strip()}", max_chars=max_chars)
    if command is None:  # unreachable: the text starts with "/"
        raise BadArgument(example(name))
    return command


def unsubscribe(story: str, max_chars: int) -> Unsubscribe:
    """/unsubscribe with `story` as a /list number ("2", "#2") or a URL."""
    check_length("unsubscribe", story, max_chars)
    return Unsubscribe(story.strip().lstrip("#"))


def filter_edit(number: int | None, action: FilterAction, text: str, max_chars: int
                ) -> FilterEdit:
    """/filter [number] add|exclude|remove with `text` as its words."""
    check_length("filter", text, max_chars)
    return FilterEdit(number, action, filter_words(action, text))


def mute(duration: str, max_chars: int) -> Mute:
    """/mute with `duration` like 1h30m."""
    check_length("mute", duration, max_chars)
    return Mute(_value("mute", parse_duration, duration))


def digest(mode: str, value: str | None, max_chars: int) -> Command:
    """/digest off, every DURATION or daily HH:MM."""
    value = (value or "").strip()
    check_length("digest", value, max_chars)
    if mode == "off":
        return DigestOff()
    if not value:
        wanted = "a duration like 2h" if mode == "every" else "a time like 08:00"
        raise BadArgument(f"/digest {mode} needs {wanted} as its value; {example('digest')}")
    if mode == "every":
        return DigestEvery(_value("digest", parse_duration, value))
    return DigestDaily(_value("digest", parse_clock, value))


def edits(setting: str) -> SetEdits:
    """/edits on|off (Discord offers only those two choices)."""
    return SetEdits(setting == "on")


def zone_choices(current: str) -> list[app_commands.Choice[str]]:
    """IANA zones containing what was typed (ignoring case and spaces for underscores)."""
    typed = current.strip().lower().replace(" ", "_")
    found = [zone for zone in _zones() if typed in zone.lower()]
    return [app_commands.Choice(name=zone, value=zone) for zone in found[:MAX_CHOICES]]


@cache
def _zones() -> tuple[str, ...]:
    return tuple(sorted(zone for zone in available_timezones() if "/" in zone))


def _value(name: str, parse: Callable[[str], T], text: str) -> T:
    """`parse(text)`, its BadArgument completed with an example of the command."""
    try:
        return parse(text)
    except BadArgument as error:
        raise BadArgument(f"{error}; {example(name)}") from None
