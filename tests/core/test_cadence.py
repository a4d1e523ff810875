"""The polling interval's arithmetic (docs/BEHAVIOUR.md, Polling interval)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.cadence import failure_delay, next_interval

BOUNDS = {"base": 120.0, "minimum": 30.0, "maximum": 1800.0}


def test_quiet_check_doubles_the_interval() -> None:
    """A check that finds nothing new doubles the interval."""
    assert next_interval(120, found_new=False, **BOUNDS) == 240


def test_doubling_stops_at_the_maximum() -> None:
    """The back-off never passes schedule.max_interval."""
    assert next_interval(1500, found_new=False, **BOUNDS) == 1800
    assert next_interval(1800, found_new=False, **BOUNDS) == 1800


def test_new_update_returns_to_base() -> None:
    """A new update brings the interval back to schedule.interval."""
    assert next_interval(1800, found_new=True, **BOUNDS) == 120


def test_never_below_minimum() -> None:
    """A base below the floor is raised to schedule.min_interval."""
    assert next_interval(5, found_new=True, base=5, minimum=30, maximum=1800) == 30


def test_fractions_allowed() -> None:
    """Fractions of a second work, so tests can poll fast."""
    assert next_interval(0.25, found_new=False, base=0.25, minimum=0.1, maximum=2) == 0.5
    assert next_interval(1.5, found_new=True, base=0.25, minimum=0.1, maximum=2) == 0.25


def test_server_hint_raises_the_interval() -> None:
    """A server's Retry-After/max-age longer than the computed interval is honoured."""
    assert next_interval(120, found_new=True, server_hint=600, **BOUNDS) == 600


def test_server_hint_never_lowers_the_interval() -> None:
    """A server's short max-age does not make us poll faster than the back-off."""
    assert next_interval(960, found_new=False, server_hint=10, **BOUNDS) == 1800
    assert next_interval(120, found_new=True, server_hint=10, **BOUNDS) == 120


def test_server_hint_capped_at_maximum() -> None:
    """A server asking for a day is held to schedule.max_interval."""
    assert next_interval(120, found_new=True, server_hint=86400, **BOUNDS) == 1800


def test_fixed_interval_is_exact() -> None:
    """watch --every fixes the interval: no back-off, no bounds, no hint."""
    assert next_interval(5, found_new=False, fixed=0.5, server_hint=600, **BOUNDS) == 0.5


def test_unset_current_starts_at_base() -> None:
    """A story never checked (current 0) starts at the base interval."""
    assert next_interval(0, found_new=False, **BOUNDS) == 120


def test_bad_bounds_raise() -> None:
    """A non-positive interval is a programming error, not a silent busy loop."""
    with pytest.raises(ValueError):
        next_interval(120, found_new=False, base=0, minimum=30, maximum=1800)
    with pytest.raises(ValueError):
        next_interval(120, found_new=False, fixed=-1, **BOUNDS)


@given(
    current=st.floats(min_value=0, max_value=1e7),
    found_new=st.booleans(),
    hint=st.none() | st.floats(allow_nan=True, allow_infinity=True),
)
def test_result_always_within_bounds(current: float, found_new: bool, hint: float | None) -> None:
    """Whatever the inputs, the interval stays within [minimum, maximum]."""
    result = next_interval(current, found_new=found_new, server_hint=hint, **BOUNDS)
    assert BOUNDS["minimum"] <= result <= BOUNDS["maximum"]


def test_failure_delay_grows_exponentially() -> None:
    """A failing story waits base, 2·base, 4·base… between retries."""
    delays = [failure_delay(n, base=60, maximum=3600) for n in range(1, 6)]
    assert delays == [60, 120, 240, 480, 960]


def test_failure_delay_capped() -> None:
    """The failure back-off stops at its maximum, even after thousands of failures."""
    assert failure_delay(10, base=60, maximum=3600) == 3600
    assert failure_delay(10_000, base=60, maximum=3600) == 3600


def test_failure_delay_without_failures_is_base() -> None:
    """Zero failures (or a negative count) gives the base delay."""
    assert failure_delay(0, base=60, maximum=3600) == 60
    assert failure_delay(-3, base=60, maximum=3600) == 60
