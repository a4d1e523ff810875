"""The polling interval's arithmetic (docs/BEHAVIOUR.md, Polling interval).
Pure: seconds in, seconds out.

A story is checked every `base` seconds while it is active. A check that finds
nothing new doubles the interval up to `maximum`; a new update brings it back to
`base`; the result is never below `minimum`. A server's wish (Retry-After or
Cache-Control max-age) is a floor within `[minimum, maximum]`: it may make us
wait longer, never shorter, and never past `maximum`. `fixed` (`watch --every`)
bypasses all of it.
"""

from __future__ import annotations

import math


def next_interval(
    current: float,
    *,
    found_new: bool,
    base: float,
    minimum: float,
    maximum: float,
    server_hint: float | None = None,
    fixed: float | None = None,
) -> float:
    """The seconds to wait before the next check of a story.

    `current` is the interval used before this check. Returns `fixed` exactly
    when given; otherwise a value within `[minimum, maximum]` (if `minimum`
    exceeds `maximum`, `minimum` wins: the floor protects the source).
    Raises ValueError when an interval is not a positive finite number.
    """
    if fixed is not None:
        _check_positive("fixed", fixed)
        return fixed
    for name, value in (("base", base), ("minimum", minimum), ("maximum", maximum)):
        _check_positive(name, value)
    if found_new or not math.isfinite(current) or current <= 0:
        interval = base
    else:
        # Doubling from below the base would take several quiet checks to reach
        # the base again; start the back-off at the base at least.
        interval = max(current, base) * 2
    if server_hint is not None and math.isfinite(server_hint) and server_hint > interval:
        interval = server_hint
    return max(minimum, min(interval, maximum))


def failure_delay(failures: int, *, base: float, maximum: float) -> float:
    """The seconds to wait before retrying a story after `failures` failed checks in a row.

    Exponential: `base` after the first failure, doubling each time, capped at
    `maximum`. Returns `base` (capped) for `failures <= 1`.
    Raises ValueError when `base` or `maximum` is not a positive finite number.
    """
    _check_positive("base", base)
    _check_positive("maximum", maximum)
    exponent = max(failures - 1, 0)
    # 2**exponent overflows a float past ~1024; any exponent that large is the cap anyway.
    if exponent >= 64:
        return maximum
    return min(base * 2.0**exponent, maximum)


def _check_positive(name: str, value: float) -> None:
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive number of seconds, got {value!r}")
