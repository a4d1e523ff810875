"""Whether a failed send points at its chat or at the whole platform (DESIGN §5). Pure: time
comes in as `now`.

A send that fails with a network error, a timeout or a 5xx says little on its own.
What the platform's other chats see decides: while their sends succeed, the failure
is the chat's, and its delivery backs off; once sends to `after` different chats
have failed with no success between, the platform is down. Then no chat sends but
one probe at a time, spaced out from `probe_base` doubling up to `probe_max`; the
first send that succeeds ends the outage, and every chat goes on at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Blame(Enum):
    """Whom a failed send points at."""

    CHAT = "chat"
    """Other chats' sends succeed: this delivery counts an attempt and backs off."""
    UNSURE = "unsure"
    """Other chats failed too, not yet enough to call it an outage: try again soon."""
    PLATFORM = "platform"
    """The platform is down: the delivery waits for it, counting nothing."""


@dataclass(frozen=True, slots=True)
class Began:
    """An outage was just called: sends to `chats` chats failed since `since`."""

    since: float
    chats: int
    reason: str


@dataclass(frozen=True, slots=True)
class Ended:
    """An outage ended at `at`, having begun at `since`."""

    since: float
    at: float

    @property
    def seconds(self) -> float:
        """How long the platform was down."""
        return self.at - self.since


class Outage:
    """One platform's failure streak, and its outage when the streak is long enough."""

    def __init__(self, *, after: int = 3, probe_base: float = 1.0, probe_max: float = 10.0
                 ) -> None:
        self._after = after
        self._probe_base = probe_base
        self._probe_max = probe_max
        self._failing: set[str] = set()  # chats whose sends failed since the last success
        self._since: float | None = None  # the streak's first failure
        self._down = False
        self._probe_at = 0.0
        self._probe_delay = probe_base
        self._probing = False
        self.began: Began | None = None
        """Set when `failed` called the outage; the caller reports and clears it."""

    @property
    def down(self) -> bool:
        """Whether the platform is held to be down."""
        return self._down

    @property
    def probe_at(self) -> float:
        """When the next probe may go, while down."""
        return self._probe_at

    @property
    def since(self) -> float | None:
        """When the current failure streak (or outage) began."""
        return self._since

    def failed(self, chat: str, now: float, reason: str) -> Blame:
        """A send to `chat` failed with a network error, a timeout or a 5xx at `now`."""
        if self._since is None:
            self._since = now
        self._failing.add(chat)
        if self._down:
            if self._probing:  # else a send from before the outage was called
                self._probe_failed(now)
            return Blame.PLATFORM
        if len(self._failing) >= self._after:
            self._down, self._probing = True, False
            self._probe_delay = self._probe_base
            self._probe_at = now + self._probe_delay
            self.began = Began(self._since, len(self._failing), reason)
            return Blame.PLATFORM
        return Blame.CHAT if self._failing == {chat} else Blame.UNSURE

    def succeeded(self, now: float) -> Ended | None:
        """A send succeeded at `now`: the streak is over; returns the outage it ends, if any."""
        ended = Ended(self._since, now) if self._down and self._since is not None else None
        self._failing.clear()
        self._since = None
        self._down = self._probing = False
        return ended

    def may_send(self, now: float) -> bool:
        """Whether a send may go at `now`: always while up; while down, one probe at a time,
        when its turn has come (the caller that gets True is the probe)."""
        if not self._down:
            return True
        if self._probing or now < self._probe_at:
            return False
        self._probing = True
        return True

    def abandon_probe(self) -> None:
        """The probe was not sent after all (its chat had to wait): another may go."""
        self._probing = False

    def _probe_failed(self, now: float) -> None:
        self._probing = False
        self._probe_delay = min(self._probe_delay * 2, self._probe_max)
        self._probe_at = now + self._probe_delay
