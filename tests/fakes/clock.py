"""The one fake clock of the tests: the time the code under test reads, moved by the test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

START = datetime(2024, 2, 3, 12, 0, tzinfo=UTC)


class FakeClock:
    """Called, the current fake time (a UTC datetime); `seconds()` is the same instant as
    epoch seconds, for fakes that count in seconds. Only the test moves it."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def seconds(self) -> float:
        """The current fake time in seconds since the epoch."""
        return self.now.timestamp()

    def advance(self, seconds: float) -> None:
        """Move the time on by `seconds`."""
        self.now += timedelta(seconds=seconds)
