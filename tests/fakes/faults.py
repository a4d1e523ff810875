"""Seeded faults for the fake platforms: what a soak throws at the bot while it delivers.

A `FaultMix` says how often a send is answered with a 429, a 5xx, or hangs and then
fails, and when the platform is out altogether; `Faults` draws from it with its own
seeded generator, so a run can be repeated, and counts what it drew.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass

RATE_LIMITED = "rate_limited"
GLOBAL_RATE_LIMITED = "global_rate_limited"
SERVER_ERROR = "server_error"
HANG = "hang"


@dataclass(frozen=True, slots=True)
class FaultMix:
    """Shares of sends answered each way (the rest succeed), and one outage of every call
    from `outage_at` seconds after the faults start, for `outage_seconds`."""

    rate_limited: float = 0.0
    retry_after: float = 1.0
    global_rate_limited: float = 0.0
    server_error: float = 0.0
    hang: float = 0.0
    hang_seconds: float = 10.0
    outage_at: float | None = None
    outage_seconds: float = 0.0


class Faults:
    """Draws a `FaultMix`'s faults, seeded; times are the caller's clock (seconds)."""

    def __init__(self, mix: FaultMix, seed: int, started: float) -> None:
        self.mix = mix
        self.started = started
        self.drawn: Counter[str] = Counter()
        self._random = random.Random(seed)

    def out(self, now: float) -> bool:
        """Whether every call fails at `now` (the outage)."""
        if self.mix.outage_at is None:
            return False
        start = self.started + self.mix.outage_at
        return start <= now < start + self.mix.outage_seconds

    def draw(self) -> str | None:
        """The fault for the next send, or None for an answer as usual."""
        roll = self._random.random()
        for kind, share in ((RATE_LIMITED, self.mix.rate_limited),
                            (GLOBAL_RATE_LIMITED, self.mix.global_rate_limited),
                            (SERVER_ERROR, self.mix.server_error), (HANG, self.mix.hang)):
            if roll < share:
                self.drawn[kind] += 1
                return kind
            roll -= share
        return None
