"""A token bucket: the fake Telegram server's optional global flood limit."""

from __future__ import annotations


class TokenBucket:
    """`rate` requests a second on average, bursts of up to `rate` requests."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self._tokens = rate
        self._last: float | None = None

    def take(self, now: float) -> float:
        """Take one token at time `now`; returns 0, or the seconds until one is free."""
        if self._last is not None:
            self._tokens = min(self.rate, self._tokens + (now - self._last) * self.rate)
        self._last = now
        if self._tokens >= 1:
            self._tokens -= 1
            return 0.0
        return (1 - self._tokens) / self.rate
