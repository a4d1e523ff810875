"""What every configuration section shares: frozen, strict, no inf or nan; and URL checks.

Apart from `config.py` so that each platform's own section (in its folder under
`bot/platforms/`) can be built on it without importing the whole configuration.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    """A configuration section: unknown keys refused, values frozen once validated."""

    # No inf or nan: an infinite timeout or interval is a hang, not a setting. Validators
    # are built when first used, not at import: start-up (a cron `run --once`) is faster.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False,
                              defer_build=True)


def web_url(value: str | None, schemes: frozenset[str] = frozenset({"http", "https"})
            ) -> str | None:
    """`value` when it is an absolute URL with one of `schemes` and a host; else ValueError."""
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme.lower() not in schemes or not parts.hostname:
        raise ValueError(f"an absolute {' or '.join(sorted(schemes))} URL")
    return value
