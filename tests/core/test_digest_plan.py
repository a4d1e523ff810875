"""When digests are due: daily at a wall-clock time across DST, and every N seconds."""

from __future__ import annotations

from datetime import UTC, datetime, time

from bot.core.digest_plan import next_daily, next_every


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_daily_later_today() -> None:
    """08:00 London on a winter morning at 06:00 UTC is due at 08:00 UTC the same day."""
    assert next_daily(time(8, 0), "Europe/London", utc(2024, 1, 10, 6, 0)) == utc(2024, 1, 10, 8, 0)


def test_daily_tomorrow_when_passed() -> None:
    """Once today's time has passed, the next is tomorrow."""
    assert next_daily(time(8, 0), "UTC", utc(2024, 1, 10, 8, 0)) == utc(2024, 1, 11, 8, 0)


def test_daily_follows_summer_time() -> None:
    """08:00 London in summer is 07:00 UTC: the wall clock is kept, not the UTC offset."""
    assert next_daily(time(8, 0), "Europe/London", utc(2024, 7, 1, 3, 0)) == utc(2024, 7, 1, 7, 0)


def test_daily_across_the_spring_change() -> None:
    """The night clocks go forward, 08:00 London moves from 08:00 UTC to 07:00 UTC."""
    saturday = next_daily(time(8, 0), "Europe/London", utc(2024, 3, 30, 9, 0))
    assert saturday == utc(2024, 3, 31, 7, 0)


def test_daily_in_the_spring_gap_is_shifted_forward() -> None:
    """01:30 does not exist in London on 31 March 2024: it is taken as 02:30 BST (01:30 UTC)."""
    assert next_daily(time(1, 30), "Europe/London", utc(2024, 3, 31, 0, 0)) == utc(2024, 3, 31, 1, 30)


def test_daily_in_new_york() -> None:
    """A zone west of UTC: 18:00 New York in January is 23:00 UTC."""
    assert next_daily(time(18, 0), "America/New_York", utc(2024, 1, 10, 12, 0)) == utc(2024, 1, 10, 23, 0)


def test_every_is_one_period_after_the_last() -> None:
    """An interval digest is due one period after the previous due time."""
    assert next_every(600, utc(2024, 1, 1, 10, 0), utc(2024, 1, 1, 10, 0, 5)) == utc(2024, 1, 1, 10, 10)


def test_every_skips_periods_missed_while_stopped() -> None:
    """After a long stop the next digest is the next period ahead, not a backlog of them."""
    assert next_every(600, utc(2024, 1, 1, 10, 0), utc(2024, 1, 1, 12, 3)) == utc(2024, 1, 1, 12, 10)


def test_every_from_now_when_new() -> None:
    """A chat that just turned digests on gets its first one a period from now."""
    assert next_every(60, None, utc(2024, 1, 1, 10, 0)) == utc(2024, 1, 1, 10, 1)
