"""Conversions at the storage boundary: aware UTC datetimes in, REAL epoch seconds stored."""

from __future__ import annotations

from datetime import UTC, datetime


def to_epoch(moment: datetime | None) -> float | None:
    """Epoch seconds of an aware datetime (None stays None).

    Raises ValueError for a naive datetime: its zone would be a guess.
    """
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: storage needs an aware one")
    return moment.timestamp()


def from_epoch(seconds: float | None) -> datetime | None:
    """The aware UTC datetime of epoch seconds (None stays None)."""
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def require_epoch(moment: datetime) -> float:
    """Epoch seconds of an aware datetime that must be present."""
    seconds = to_epoch(moment)
    assert seconds is not None
    return seconds


def require_datetime(seconds: float) -> datetime:
    """The aware UTC datetime of epoch seconds that must be present."""
    return datetime.fromtimestamp(seconds, UTC)
