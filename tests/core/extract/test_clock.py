"""Reading times and dates the way pages write them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.extract.clock import find_clock, find_day, find_relative, parse_epoch, parse_iso
from bot.core.extract.zones import country_zone, month_first, publisher_zone, zone_for_abbreviation

NOW = datetime(2024, 8, 27, 12, 0, tzinfo=UTC)


def _clock(text: str, loose: bool = False) -> tuple[int, int] | None:
    found = find_clock(text, loose=loose)
    return (found[0].hour, found[0].minute) if found else None


def _day(text: str) -> tuple[int | None, int, int] | None:
    found = find_day(text)
    return found[0] if found else None


def test_clock_formats() -> None:
    """24 h, 12 h, dotted with Uhr, French "h" and zone-marked times are read."""
    assert _clock("14:52 GMT") == (14, 52)
    assert _clock("2:05 pm") == (14, 5)
    assert _clock("12:10 a.m.") == (0, 10)
    assert _clock("14.05 Uhr") == (14, 5)
    assert _clock("12.50 BST") == (12, 50)
    assert _clock("14h05") == (14, 5)


def test_dotted_numbers_are_not_times_without_a_mark() -> None:
    """"£12.50", "65.06 sek." and a lone "14.05" in running text are not times."""
    assert _clock("It costs £12.50 now") is None
    assert _clock("65.06 sek.") is None
    assert _clock("a rise of 14.05 points") is None
    assert _clock("14.05", loose=True) == (14, 5)


def test_zone_only_where_it_stands_as_a_zone() -> None:
    """"9:45 pm ET" carries Eastern time; "10:00 ET Now" names a channel, not a zone."""
    marked = find_clock("9:45 pm ET")
    channel = find_clock("10:00 ET Now")
    assert marked is not None and marked[0].zone is not None
    assert channel is not None and channel[0].zone is None


def test_dates_in_several_languages() -> None:
    """Dates with and without years, in English, German, French and Polish."""
    assert _day("03 February 2024") == (2024, 2, 3)
    assert _day("Update vom 03. Mai 2020") == (2020, 5, 3)
    assert _day("27 septembre") == (None, 9, 27)
    assert _day("28 września 2020") == (2020, 9, 28)
    assert _day("Oct 02") == (None, 10, 2)
    assert _day("28.4.2020") == (2020, 4, 28)


def test_relative_times() -> None:
    """Relative times in English, German and French resolve against now."""
    assert find_relative("5 min ago", NOW) == NOW - timedelta(minutes=5)
    assert find_relative("vor 3 Stunden", NOW) == NOW - timedelta(hours=3)
    assert find_relative("il y a 2 h", NOW) == NOW - timedelta(hours=2)


def test_machine_formats() -> None:
    """ISO with Z or offsets, and epoch seconds or milliseconds, as UTC."""
    assert parse_iso("2024-07-18T11:48:00+0100") == datetime(2024, 7, 18, 10, 48, tzinfo=UTC)
    assert parse_iso("2023-05-15T11:50:54.000Z") == datetime(2023, 5, 15, 11, 50, 54, tzinfo=UTC)
    assert parse_epoch("1722888018000") == datetime(2024, 8, 5, 20, 0, 18, tzinfo=UTC)
    assert parse_epoch("95") is None


def test_publisher_country_zone() -> None:
    """The TLD or the page language names the publisher's zone; ".com" in English does not."""
    assert str(country_zone("www.br.de", "")) == "Europe/Berlin"
    assert str(country_zone("timesofindia.indiatimes.com", "en-IN")) == "Asia/Kolkata"
    assert country_zone("www.example.com", "en") is None
    assert zone_for_abbreviation("CEST") is not None


def test_more_clock_formats() -> None:
    """Spaced French hours, upper-case AM/PM and whole hours with am/pm are read."""
    assert _clock("à 15 h 02") == (15, 2)
    assert _clock("9:45 PM ET") == (21, 45)
    assert _clock("7 a.m.:") == (7, 0)
    assert _clock("Page 2 of 5") is None
    assert _clock("14:05 Am Abend") == (14, 5)


def test_numeric_dates_follow_the_page_order_unless_impossible() -> None:
    """03/04/2024 is 3 April, or 4 March month-first; 13/04 and 04/13 are read either way."""
    assert _day("03/04/2024") == (2024, 4, 3)
    assert find_day("03/04/2024", month_first=True)[0] == (2024, 3, 4)
    assert find_day("13/04/2024", month_first=True)[0] == (2024, 4, 13)
    assert _day("04/13/2024") == (2024, 4, 13)


def test_compound_and_worded_relative_times() -> None:
    """"2 hr 5 min ago", "1 hour, 3 minutes ago" and "an hour ago" count every unit."""
    assert find_relative("2 hr 5 min ago", NOW) == NOW - timedelta(hours=2, minutes=5)
    assert find_relative("1 hour, 3 minutes ago", NOW) == NOW - timedelta(hours=1, minutes=3)
    assert find_relative("an hour ago", NOW) == NOW - timedelta(hours=1)
    assert find_relative("Posted 2h ago", NOW) == NOW - timedelta(hours=2)


def test_named_days_count_back_from_the_fetch() -> None:
    """"yesterday at 14:05" and "gestern, 14:05 Uhr" are a day back; "today" is none."""
    assert find_clock("yesterday at 14:05")[0].days_back == 1
    assert find_clock("gestern, 14:05 Uhr")[0].days_back == 1
    assert find_clock("today 09:10")[0].days_back == 0
    assert find_clock("09:10")[0].days_back is None


def test_us_pages_are_told_by_language_host_or_zone_names() -> None:
    """en-US, a .us host, or a plain "en" page timed in ET/PT reads month-first; en-GB never."""
    assert month_first("example.com", "en-US", "")
    assert month_first("news.example.us", "en", "")
    assert month_first("example.com", "en", "<p>Updated 9:45 p.m. ET</p>")
    assert not month_first("example.com", "en", "<p>Updated 9:45 GMT</p>")
    assert not month_first("example.com", "en-GB", "<p>Updated 9:45 p.m. ET</p>")
    assert not month_first("example.de", "de", "<p>14:05 ET</p>")


def test_page_offset_picks_the_zone_within_the_country() -> None:
    """An en-US page stamped -06:00 in January is Central time; a .de page stays Berlin."""
    winter = datetime(2024, 1, 15, 12, 0, tzinfo=UTC)
    assert str(publisher_zone("kxyz8.com", "en-US", timedelta(hours=-6), winter)) == "America/Chicago"
    assert str(publisher_zone("example.de", "de", timedelta(hours=1), winter)) == "Europe/Berlin"
    assert publisher_zone("example.com", "en", timedelta(hours=3), winter).utcoffset(winter) == (
        timedelta(hours=3))


@pytest.mark.parametrize(("text", "back"), [
    ("5 minuti fa", timedelta(minutes=5)), ("un'ora fa", timedelta(hours=1)),
    ("hace 20 minutos", timedelta(minutes=20)), ("hace una hora", timedelta(hours=1)),
    ("há 3 horas", timedelta(hours=3)), ("12 minuten geleden", timedelta(minutes=12)),
    ("1 uur geleden", timedelta(hours=1)), ("10 minut temu", timedelta(minutes=10)),
    ("2 godziny temu", timedelta(hours=2)), ("för 2 timmar sedan", timedelta(hours=2)),
    ("for 5 minutter siden", timedelta(minutes=5)),
])
def test_relative_times_in_the_corpus_languages(text: str, back: timedelta) -> None:
    """Italian, Spanish, Portuguese, Dutch, Polish, Swedish and Danish ages count back."""
    assert find_relative(text, NOW) == NOW - back


def test_a_word_ending_near_fa_is_no_age() -> None:
    """"the FA cup" holds no time."""
    assert find_relative("5 teams in the fa cup", NOW) is None
