"""Chat command text -> typed command values (docs/BEHAVIOUR.md). Pure: no I/O, no clock.

`split_command` finds a command's name and arguments in a message; each
command's parser here (named by its spec in `handlers.registry`) turns the
arguments into a command value (`handlers.command_values`), or raises
BadArgument whose message is the reply: one line with the reason and an
example of the right form.
Whether a subscription exists, and who may do what, is the command layer's
business.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import time, timedelta
from functools import cache
from urllib.parse import urlsplit
from zoneinfo import available_timezones

from bot.core.errors import BadArgument
from bot.core.filters import parse_words
from bot.edges.urls import is_local_path
from handlers.command_values import (
    FILTER_ACTIONS,
    Catchup,
    Command,
    DigestDaily,
    DigestEvery,
    DigestOff,
    FilterClear,
    FilterEdit,
    FilterList,
    FilterTest,
    ListSubscriptions,
    Mute,
    SetEdits,
    SetImages,
    SetTimezone,
    Subscribe,
    Unmute,
    Unsubscribe,
)

# The default of limits.argument_chars; the command layer passes the configured one.
DEFAULT_ARGUMENT_CHARS = 2000
MAX_WORDS = 50
MAX_DURATION = timedelta(days=366)

Parser = Callable[[str], Command]

_COMMAND = re.compile(r"^/(?P<name>[A-Za-z0-9_]+)(?:@(?P<bot>[A-Za-z0-9_]+))?(?:\s+|$)")
_DIGITS = re.compile(r"^[0-9]{1,9}$")
_DURATION_PART = re.compile(r"\s*([0-9]{1,9}(?:\.[0-9]{1,6})?)\s*([smhd])", re.IGNORECASE)
_CLOCK = re.compile(r"^([0-9]{1,2}):([0-9]{2})$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def example(name: str) -> str:
    """'example: /cmd ...' for the command `name` (/help for an unknown one)."""
    # Imported here, not above: the registry names these parsers, and they quote its usage lines.
    from handlers.registry import USAGE

    return f"example: {USAGE.get(name, '/help')}"


def split_command(text: str, *, bot_username: str | None = None) -> tuple[str, str] | None:
    """(name, arguments) of the command in `text`, lower-cased name and stripped arguments;
    None when `text` is no command or one for another bot.

    "/cmd@name" is ours when `name` equals `bot_username` (ignoring case, and
    a leading "@"); with no `bot_username` any "@name" is accepted.
    """
    match = _COMMAND.match(text.lstrip())
    if match is None:
        return None
    addressee = match["bot"]
    if addressee and bot_username and addressee.lower() != bot_username.lstrip("@").lower():
        return None
    return match["name"].lower(), text.lstrip()[match.end() :].strip()


def check_length(name: str, argument: str, max_chars: int) -> None:
    """Raise BadArgument when the argument of /`name` is over `max_chars` characters."""
    if len(argument) > max_chars:
        raise BadArgument(f"that is over {max_chars} characters; {example(name)}")


def no_arguments(name: str, value: Command) -> Parser:
    def parse(args: str) -> Command:
        if args:
            raise BadArgument(f"/{name} takes no arguments; {example(name)}")
        return value

    return parse


def _single(name: str, args: str, what: str) -> str:
    """The one argument of a command, or BadArgument naming `what` is expected."""
    parts = args.split()
    if len(parts) != 1:
        problem = "is missing" if not parts else "must be one argument"
        raise BadArgument(f"{what} {problem}; {example(name)}")
    return parts[0]


def _first_and_rest(args: str) -> tuple[str, str]:
    """The first whitespace-separated argument and the rest, stripped ("" when absent)."""
    parts = args.split(None, 1)
    return (parts[0] if parts else "", parts[1].strip() if len(parts) > 1 else "")


def subscribe(args: str) -> Command:
    return Subscribe(story_url("subscribe", args))


def story_url(name: str, args: str) -> str:
    """The one argument of /`name`, a story's web address (not yet normalised or checked):
    "https://" implied when left out. Raises BadArgument with /`name`'s example."""
    url = typed = _single(name, args, "the story's URL").strip("<>")
    if is_local_path(url):
        raise BadArgument(f"{url[:80]!r} is a local path, not a web address: chats follow web"
                          " pages; `storywatch check FILE` reads files")
    implied = "://" not in url
    if implied:
        # People paste "www.site.com/live"; the scheme is implied.
        url = f"https://{url}"
    try:
        parts = urlsplit(url)
    except ValueError:  # a malformed IPv6 address
        parts = urlsplit("")
    # Without a scheme, "hello" is a typo, not the host "hello": ask for a dot.
    host = parts.hostname or ""
    if parts.scheme.lower() not in {"http", "https"} or not host or (implied and "." not in host):
        raise BadArgument(f"{typed[:80]!r} is not a web address; {example(name)}")
    return url


def unsubscribe(args: str) -> Command:
    target = _single("unsubscribe", args, "a story's number or URL").strip("<>")
    # "#2" is how some people write the number /list shows.
    return Unsubscribe(target[1:] if target[:1] == "#" and target[1:].isdigit() else target)


def list_(args: str) -> Command:
    if not args:
        return ListSubscriptions()
    page = _single("list", args, "the page number")
    if not _DIGITS.match(page) or int(page) < 1:
        raise BadArgument(f"the page must be a number from 1; {example('list')}")
    return ListSubscriptions(int(page))


def filter_(args: str) -> Command:
    number: int | None = None
    head, rest = _first_and_rest(args)
    if _DIGITS.match(head):
        number, (head, rest) = int(head), _first_and_rest(rest)
    action = head.lower()
    if action in {"", "list", "clear"}:
        if rest:
            raise BadArgument(f"/filter {action} takes no words; {example('filter')}")
        return FilterClear(number) if action == "clear" else FilterList(number)
    if action == "test":
        return _filter_test(number, rest)
    verb = FILTER_ACTIONS.get(action)
    if verb is None:
        raise BadArgument(
            f"/filter needs add, exclude, remove, clear, list or test, not {action[:40]!r}; "
            f"{example('filter')}"
        )
    return FilterEdit(number, verb, filter_words(verb, rest))


def _filter_test(number: int | None, rest: str) -> FilterTest:
    """/filter [N] test, or /filter test [N]: the number may come after too."""
    if not rest:
        return FilterTest(number)
    if number is None and _DIGITS.match(rest):
        return FilterTest(int(rest))
    raise BadArgument(f"/filter test takes a subscription's number at most, not {rest[:40]!r};"
                      " example: /filter test 2")


def filter_words(action: str, text: str) -> tuple[str, ...]:
    """The words of a /filter edit: at least one, at most MAX_WORDS. Raises BadArgument."""
    words = parse_words(text)
    if not words:
        raise BadArgument(f"/filter {action} needs at least one word; {example('filter')}")
    if len(words) > MAX_WORDS:
        raise BadArgument(f"at most {MAX_WORDS} words at a time; {example('filter')}")
    return words


def edits(args: str) -> Command:
    setting = _single("edits", args, "on or off").lower()
    if setting not in {"on", "off"}:
        raise BadArgument(f"/edits takes on or off, not {setting[:20]!r}; {example('edits')}")
    return SetEdits(setting == "on")


def images(args: str) -> Command:
    setting = _single("images", args, "on or off").lower()
    if setting not in {"on", "off"}:
        raise BadArgument(f"/images takes on or off, not {setting[:20]!r}; {example('images')}")
    return SetImages(setting == "on")


def mute(args: str) -> Command:
    if args.lower() == "off":
        return Unmute()
    if not args:
        raise BadArgument(f"how long? {example('mute')}")
    return Mute(_duration_for("mute", args))


def digest(args: str) -> Command:
    mode, rest = _first_and_rest(args)
    mode = mode.lower()
    if mode == "off" and not rest:
        return DigestOff()
    if mode == "every" and rest:
        return DigestEvery(_duration_for("digest", rest))
    if mode == "daily" and rest:
        try:
            return DigestDaily(parse_clock(rest))
        except BadArgument as error:
            raise BadArgument(f"{error}; {example('digest')}") from None
    raise BadArgument(f"/digest takes off, every DURATION or daily HH:MM; {example('digest')}")


CATCHUP_MAX = timedelta(hours=24)


def catchup(args: str) -> Command:
    """/catchup [N] [DURATION]: a subscription's number first, then how far back (2 h
    unless given, 24 h at most)."""
    number: int | None = None
    head, rest = _first_and_rest(args)
    if _DIGITS.match(head):
        number, (head, rest) = int(head), _first_and_rest(rest)
        if number < 1:
            raise BadArgument(f"subscriptions are numbered from 1, as /list shows; "
                              f"{example('catchup')}")
    if rest:
        raise BadArgument(f"/catchup takes a number and a duration at most; {example('catchup')}")
    if not head:
        return Catchup(number)
    span = _duration_for("catchup", head)
    if span > CATCHUP_MAX:
        raise BadArgument(f"/catchup looks back 24 h at most; {example('catchup')}")
    return Catchup(number, span)


def _duration_for(name: str, text: str) -> timedelta:
    try:
        return parse_duration(text)
    except BadArgument as error:
        raise BadArgument(f"{error}; {example(name)}") from None


def timezone(args: str) -> Command:
    name = _single("timezone", args, "the time zone")
    zone = _zone_name(name)
    if zone is None:
        raise BadArgument(f"unknown time zone {name[:60]!r}; {example('timezone')}")
    return SetTimezone(zone)


def _zone_name(name: str) -> str | None:
    """The IANA zone `name` as the tz database spells it (looked up without case), or None.

    Only names on the database's list are accepted: handing a chat's text to ZoneInfo
    would let it probe the file system ("Europe" is a directory, 300 letters too long a
    file name, and both raise OSError rather than ZoneInfoNotFoundError).
    """
    return _zone_names().get(name.lower())


# On the system's zone list but not zones: the host's own setting and a compatibility file.
_HOST_FILES = frozenset({"localtime", "posixrules"})


@cache
def _zone_names() -> dict[str, str]:
    """Lower-cased IANA names -> their spelling."""
    return {zone.lower(): zone for zone in available_timezones() if zone not in _HOST_FILES}


def parse_duration(text: str) -> timedelta:
    """One or more of a number with s, m, h or d ("90m", "1h30m", "2d", "1h 30m").

    Raises BadArgument for anything else, zero, or more than 366 days.
    """
    text = text.strip()
    total = 0.0
    position = 0
    for match in _DURATION_PART.finditer(text):
        if match.start() != position:
            break
        total += float(match[1]) * _UNITS[match[2].lower()]
        position = match.end()
    if not text or position != len(text):
        raise BadArgument(f"{text[:40]!r} is not a duration like 90m, 1h30m or 2d")
    if total <= 0:
        raise BadArgument("a duration must be more than zero, like 90m")
    if total > MAX_DURATION.total_seconds():
        raise BadArgument(f"a duration must be at most {MAX_DURATION.days} days")
    return timedelta(seconds=total)


def parse_clock(text: str) -> time:
    """A 24-hour "HH:MM" ("08:00", "8:00", "23:59"). Raises BadArgument otherwise."""
    match = _CLOCK.match(text.strip())
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise BadArgument(f"{text.strip()[:20]!r} is not a time like 08:00 or 21:30")
    return time(int(match[1]), int(match[2]))
