"""The command flood throttle: at most N commands a minute per (platform, user).

Pure arithmetic: the caller passes the time in. A user's commands within the
limit pass; the first one over it is answered once ("slow down"), then the
user's commands are ignored until the hold ends, so a flood costs the bot one
reply, not one per command.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Literal

Verdict = Literal["pass", "warn", "ignore"]
UserKey = tuple[str, str]  # (platform, user id)
# Past this many users tracked, the idle ones are forgotten: memory stays bounded.
MAX_TRACKED = 10_000


@dataclass(slots=True)
class _Record:
    """One user's recent command times (seconds) and when their hold ends."""

    times: deque[float] = field(default_factory=deque)
    held_until: float = 0.0


class Throttle:
    """Counts each user's commands in a sliding window of `window` seconds."""

    def __init__(self, per_window: int, window: float = 60.0) -> None:
        self._limit = per_window
        self._window = window
        self._users: dict[UserKey, _Record] = {}

    def check(self, user: UserKey, now: float) -> Verdict:
        """Count one command by `user` at `now` (seconds); whether it passes.

        "warn": the first command over the limit (answer it with a reason);
        "ignore": every later one until `window` seconds after the warning.
        """
        record = self._users.get(user)
        if record is None:
            self._forget_idle(now)
            record = self._users.setdefault(user, _Record())
        if now < record.held_until:
            return "ignore"
        while record.times and record.times[0] <= now - self._window:
            record.times.popleft()
        if len(record.times) < self._limit:
            record.times.append(now)
            return "pass"
        record.times.clear()
        record.held_until = now + self._window
        return "warn"

    def _forget_idle(self, now: float) -> None:
        if len(self._users) < MAX_TRACKED:
            return
        self._users = {
            key: record for key, record in self._users.items()
            if record.held_until > now or (record.times and record.times[-1] > now - self._window)
        }
