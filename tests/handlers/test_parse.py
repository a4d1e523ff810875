"""Chat command text to command values (docs/BEHAVIOUR.md, Chat commands)."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.errors import BadArgument
from handlers.command_values import (
    DigestDaily,
    DigestEvery,
    DigestOff,
    FilterClear,
    FilterEdit,
    FilterList,
    Help,
    ListSubscriptions,
    Lock,
    Mute,
    SetTimezone,
    Subscribe,
    Unlock,
    Unmute,
    Unsubscribe,
)
from handlers.parse import parse_clock, parse_duration
from handlers.registry import DEFAULT_ARGUMENT_CHARS, HELP_TEXT, USAGE, parse_command

URL = "https://www.rt.com/news/591750-us-strikes/"


def bad(text: str) -> str:
    """The one-line reply a bad command gets."""
    with pytest.raises(BadArgument) as error:
        parse_command(text)
    message = str(error.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/start", Help()),
        ("/help", Help()),
        (f"/subscribe {URL}", Subscribe(URL)),
        ("/unsubscribe 2", Unsubscribe("2")),
        (f"/unsubscribe {URL}", Unsubscribe(URL)),
        ("/list", ListSubscriptions(1)),
        ("/list 3", ListSubscriptions(3)),
        ("/filter", FilterList(None)),
        ("/filter list", FilterList(None)),
        ("/filter 2 list", FilterList(2)),
        ("/filter 2", FilterList(2)),
        ("/filter clear", FilterClear(None)),
        ("/filter 1 clear", FilterClear(1)),
        ("/filter add iran", FilterEdit(None, "add", ("iran",))),
        ("/filter 1 exclude sport*", FilterEdit(1, "exclude", ("sport*",))),
        ('/filter remove "red sea" gaza', FilterEdit(None, "remove", ("red sea", "gaza"))),
        ("/mute 90m", Mute(timedelta(minutes=90))),
        ("/unmute", Unmute()),
        ("/digest off", DigestOff()),
        ("/digest every 2h", DigestEvery(timedelta(hours=2))),
        ("/digest daily 08:00", DigestDaily(time(8, 0))),
        ("/timezone Europe/London", SetTimezone("Europe/London")),
        ("/lock", Lock()),
        ("/unlock", Unlock()),
    ],
)
def test_each_command(text: str, expected: object) -> None:
    """Every command of docs/BEHAVIOUR.md, Chat commands parses to its value."""
    assert parse_command(text) == expected


def test_not_a_command() -> None:
    """Text that doesn't start with / is not a command."""
    assert parse_command("hello /help") is None
    assert parse_command("") is None


def test_command_name_ignores_case_and_surrounding_space() -> None:
    """ "/HELP" and "  /help  " are /help."""
    assert parse_command("  /HELP  ") == Help()


def test_addressed_to_this_bot() -> None:
    """ "/cmd@thisbot" is ours; the @name compares without case."""
    assert parse_command("/list@StoryWatchBot 2", bot_username="storywatchbot") == (
        ListSubscriptions(2)
    )


def test_addressed_to_another_bot() -> None:
    """ "/cmd@otherbot" is for another bot: None, not an error."""
    assert parse_command("/frobnicate@otherbot", bot_username="storywatchbot") is None


def test_unknown_command_points_to_help() -> None:
    """An unknown command's reply names /help."""
    assert "/help" in bad("/frobnicate")


def test_filter_number_is_first_argument_only() -> None:
    """After the action, a number is a word: "/filter add 2024" has no N."""
    assert parse_command("/filter add 2024") == FilterEdit(None, "add", ("2024",))
    assert parse_command("/filter 3 add 2024") == FilterEdit(3, "add", ("2024",))


def test_filter_words_across_lines() -> None:
    """Words may be separated by newlines and tabs as well as spaces."""
    assert parse_command("/filter 1\nexclude\tsport*\nweather") == FilterEdit(
        1, "exclude", ("sport*", "weather")
    )


@pytest.mark.parametrize(
    "text",
    [
        "/filter add",
        "/filter frob iran",
        "/filter clear now",
        '/filter add "red sea',
        "/filter add *",
    ],
)
def test_bad_filter(text: str) -> None:
    """A filter command without words, with an unknown action or a bad word is refused."""
    assert "example" in bad(text)


def test_too_many_words() -> None:
    """More than 50 words at once is refused."""
    assert "50" in bad("/filter add " + " ".join(f"w{index}" for index in range(51)))


def test_arguments_over_cap() -> None:
    """Arguments over 2,000 characters are refused before parsing."""
    assert str(DEFAULT_ARGUMENT_CHARS) in bad("/filter add " + "a" * DEFAULT_ARGUMENT_CHARS)


def test_subscribe_adds_scheme() -> None:
    """A pasted address without a scheme is taken as https."""
    assert parse_command("/subscribe www.rt.com/live") == Subscribe("https://www.rt.com/live")


@pytest.mark.parametrize("text", ["/subscribe", "/subscribe ftp://x.com/a", "/subscribe a b"])
def test_bad_subscribe(text: str) -> None:
    """A missing, non-web or split URL is refused with an example."""
    assert "example: /subscribe https://" in bad(text)


@pytest.mark.parametrize("text", ["/unsubscribe", "/list 0", "/list two", "/lock please"])
def test_bad_arguments_have_example(text: str) -> None:
    """Missing or extra arguments are refused with an example of the right form."""
    assert "example" in bad(text)


def test_mute_needs_duration() -> None:
    """/mute alone or with a bad duration is refused with an example."""
    assert "example: /mute" in bad("/mute")
    assert "example: /mute" in bad("/mute 10")


def test_mute_off_is_unmute() -> None:
    """ "/mute off" is read as /unmute."""
    assert parse_command("/mute off") == Unmute()


@pytest.mark.parametrize(
    "text", ["/digest", "/digest weekly", "/digest every", "/digest daily 25:00"]
)
def test_bad_digest(text: str) -> None:
    """/digest takes off, every DURATION or daily HH:MM, nothing else."""
    assert "example: /digest" in bad(text)


def test_timezone_case_insensitive() -> None:
    """ "/timezone europe/london" finds Europe/London; "utc" finds UTC."""
    assert parse_command("/timezone europe/london") == SetTimezone("Europe/London")
    assert parse_command("/timezone utc") == SetTimezone("UTC")


def test_unknown_timezone() -> None:
    """A zone not in the IANA database is refused with an example."""
    assert "Europe/London" in bad("/timezone Mars/Olympus")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("45s", 45), ("90m", 5400), ("1h30m", 5400), ("2d", 172800), ("1h 30m", 5400), ("1.5h", 5400)],
)
def test_parse_duration(text: str, seconds: int) -> None:
    """Numbers with s, m, h or d, one or more, add up."""
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "10", "1x", "0m", "367d", "m", "1h-30m", "h1"])
def test_bad_duration(text: str) -> None:
    """Empty, unitless, unknown unit, zero and over a year are refused."""
    with pytest.raises(BadArgument):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "expected"), [("08:00", time(8)), ("8:00", time(8)), ("23:59", time(23, 59))]
)
def test_parse_clock(text: str, expected: time) -> None:
    """24-hour HH:MM, with or without the leading zero."""
    assert parse_clock(text) == expected


@pytest.mark.parametrize("text", ["", "24:00", "8", "8:60", "8am", "08:00:00"])
def test_bad_clock(text: str) -> None:
    """Anything but a 24-hour HH:MM is refused."""
    with pytest.raises(BadArgument):
        parse_clock(text)


def test_help_names_every_command() -> None:
    """The help text names every command and gives an example."""
    for name in USAGE:
        assert f"/{name}" in HELP_TEXT
    assert "Example:" in HELP_TEXT


@given(st.text(max_size=300))
def test_never_crashes(text: str) -> None:
    """Any text is a command, None or a BadArgument, never another exception."""
    try:
        parse_command(text, bot_username="storywatchbot")
    except BadArgument as error:
        assert "\n" not in str(error)


@given(st.sampled_from(sorted(USAGE)), st.text(max_size=100))
def test_commands_never_crash(name: str, args: str) -> None:
    """Every command with any arguments parses or raises a one-line BadArgument."""
    try:
        parse_command(f"/{name} {args}")
    except BadArgument as error:
        assert "\n" not in str(error)


def test_subscribe_loopback_with_port() -> None:
    """A URL with an explicit scheme may name a host without dots (tests on localhost)."""
    assert parse_command("/subscribe http://localhost:8080/live") == Subscribe(
        "http://localhost:8080/live"
    )


def test_subscribe_bare_word_refused() -> None:
    """A bare word without scheme or dot is a typo, not a host."""
    assert "not a web address" in bad("/subscribe hello")


def test_unsubscribe_hash_number() -> None:
    """ "/unsubscribe #2" means subscription 2."""
    assert parse_command("/unsubscribe #2") == Unsubscribe("2")


def test_start_with_deep_link_payload() -> None:
    """ "/start PAYLOAD" (a Telegram deep link) and "/help filter" still give help."""
    assert parse_command("/start ref123") == Help()
    assert parse_command("/help filter") == Help()


def test_timezone_path_refused() -> None:
    """A path-like zone name is refused, not looked up on disk."""
    assert "unknown time zone" in bad("/timezone ../../etc/passwd")


def test_subscribe_malformed_ipv6() -> None:
    """A malformed address is a BadArgument, not a crash."""
    assert "not a web address" in bad("/subscribe http://[::1/live")
