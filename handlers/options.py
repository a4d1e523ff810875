"""Named option values (Discord's slash-command options) -> command values, by the same
rules as typed commands.

Each builder takes the options given (by name) and the configured
limits.argument_chars, and raises BadArgument (a one-line reason and an example)
for a value the text form would refuse too, so every platform answers alike.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any, TypeVar
from zoneinfo import available_timezones

from bot.core.errors import BadArgument
from handlers.command_values import (
    Command,
    DigestDaily,
    DigestEvery,
    DigestOff,
    FilterAction,
    FilterClear,
    FilterEdit,
    FilterList,
    FilterTest,
    ListSubscriptions,
    Mute,
    SetEdits,
    SetImages,
    Unsubscribe,
)
from handlers.parse import (
    check_length,
    example,
    filter_words,
    parse_clock,
    parse_duration,
)

Options = Mapping[str, Any]
Build = Callable[[Options, int], Command]
MAX_CHOICES = 25  # autocomplete choices Discord shows
T = TypeVar("T")


def unsubscribe(given: Options, max_chars: int) -> Unsubscribe:
    """/unsubscribe with `story` as a /list number ("2", "#2") or a URL."""
    story = str(given["story"])
    check_length("unsubscribe", story, max_chars)
    return Unsubscribe(story.strip().lstrip("#"))


def list_page(given: Options, _max_chars: int) -> ListSubscriptions:
    """/list with its `page` (the first when not given)."""
    return ListSubscriptions(given.get("page") or 1)


def filter_edit(action: FilterAction) -> Build:
    """/filter [number] add|exclude|remove with `words`."""
    def build(given: Options, max_chars: int) -> FilterEdit:
        text = str(given["words"])
        check_length("filter", text, max_chars)
        return FilterEdit(given.get("number"), action, filter_words(action, text))

    return build


def filter_clear(given: Options, _max_chars: int) -> FilterClear:
    """/filter [number] clear."""
    return FilterClear(given.get("number"))


def filter_list(given: Options, _max_chars: int) -> FilterList:
    """/filter [number] list."""
    return FilterList(given.get("number"))


def filter_test(given: Options, _max_chars: int) -> FilterTest:
    """/filter test [number]."""
    return FilterTest(given.get("number"))


def mute(given: Options, max_chars: int) -> Mute:
    """/mute with `duration` like 1h30m."""
    duration = str(given["duration"])
    check_length("mute", duration, max_chars)
    return Mute(_value("mute", parse_duration, duration))


def digest(given: Options, max_chars: int) -> Command:
    """/digest `mode` off, every or daily, with its `value` (a duration or HH:MM)."""
    mode = str(given["mode"])
    value = str(given.get("value") or "").strip()
    check_length("digest", value, max_chars)
    if mode == "off":
        return DigestOff()
    if not value:
        wanted = "a duration like 2h" if mode == "every" else "a time like 08:00"
        raise BadArgument(f"/digest {mode} needs {wanted} as its value; {example('digest')}")
    if mode == "every":
        return DigestEvery(_value("digest", parse_duration, value))
    return DigestDaily(_value("digest", parse_clock, value))


def edits(given: Options, _max_chars: int) -> SetEdits:
    """/edits on|off (the options offer only those two)."""
    return SetEdits(given["setting"] == "on")


def images(given: Options, _max_chars: int) -> SetImages:
    """/images on|off (the options offer only those two)."""
    return SetImages(given["setting"] == "on")


def zone_choices(typed: str) -> list[str]:
    """IANA zones containing what was typed (ignoring case and spaces for underscores)."""
    wanted = typed.strip().lower().replace(" ", "_")
    return [zone for zone in _zones() if wanted in zone.lower()][:MAX_CHOICES]


@cache
def _zones() -> tuple[str, ...]:
    return tuple(sorted(zone for zone in available_timezones() if "/" in zone))


def _value(name: str, parse: Callable[[str], T], text: str) -> T:
    """`parse(text)`, its BadArgument completed with an example of the command."""
    try:
        return parse(text)
    except BadArgument as error:
        raise BadArgument(f"{error}; {example(name)}") from None
