"""How fast the dispatcher may send, per platform (docs/BEHAVIOUR.md, Platform answers).
Pure: time comes in as `now`.

Each limit is a token bucket, kept as its theoretical arrival time (GCRA, the
arithmetic a token bucket reduces to): `Rate(30)` spaces sends 1/30 s apart
overall, `Rate(1)` one a second per chat, `Rate(20 / 60)` three seconds apart
per group. A bucket of `burst` 1 never lets sends bunch up, so a platform
that counts with a bucket of its own (Telegram's 30 a second) sees us stay
under it however the network jitters the requests on their way.

Sends are booked, not polled: `reserve` gives each caller its own slot and
moves the buckets on, so any number of chats share the overall rate without
taking turns and without ever sending two in one slot.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

NEVER = -math.inf
SWEEP_FROM = 4096
"""Chat buckets are swept for idle ones once there are this many (a bucket in the past is
the same as no bucket)."""


@dataclass(frozen=True, slots=True)
class Rate:
    """`per_second` sends a second on average, up to `burst` back to back."""

    per_second: float
    burst: int = 1

    @property
    def spacing(self) -> float:
        """Seconds between two sends at this rate."""
        return 1.0 / self.per_second


@dataclass(frozen=True, slots=True)
class Limits:
    """A platform's limits; None is no limit of that kind."""

    overall: Rate | None = None
    chat: Rate | None = None
    group: Rate | None = None


@dataclass(frozen=True, slots=True)
class Bucket:
    """One limit's state: `due` is when the next send would be on time at the steady rate."""

    rate: Rate
    due: float = NEVER

    def slot(self, now: float) -> float:
        """The earliest moment from `now` a send conforms to this limit."""
        return max(now, self.due - (self.rate.burst - 1) * self.rate.spacing)

    def book(self, at: float) -> Bucket:
        """The bucket after a send at `at` (a slot this bucket gave, or later)."""
        return replace(self, due=max(self.due, at) + self.rate.spacing)

    def hold(self, until: float) -> Bucket:
        """The bucket when nothing may be sent before `until` (a flood wait)."""
        return replace(self, due=max(self.due, until + (self.rate.burst - 1) * self.rate.spacing))


class Pacer:
    """Books send slots for one platform's chats within its `Limits`.

    Chats are named by the platform's chat id (topics of one forum share it, as
    they share the platform's limit); `group` says the group limit applies too.
    """

    def __init__(self, limits: Limits) -> None:
        self._limits = limits
        self._overall = Bucket(limits.overall or Rate(math.inf))
        self._chats: dict[str, Bucket] = {}
        self._groups: dict[str, Bucket] = {}
        self._paused_until = NEVER
        self._sweep_at = SWEEP_FROM

    def paused(self, now: float) -> bool:
        """Whether a platform-wide flood wait is still running at `now`."""
        return self._paused_until > now

    def wait(self, chat: str, *, group: bool, now: float) -> float:
        """Seconds from `now` until the chat's own limits (chat, group) allow a send."""
        return max((bucket.slot(now) for bucket in self._own(chat, group=group)),
                   default=now) - now

    def reserve(self, chat: str, *, group: bool, now: float) -> float:
        """Book the earliest slot every limit allows for one send to `chat`; returns its time."""
        own = self._own(chat, group=group)
        at = max([self._overall.slot(now), *(bucket.slot(now) for bucket in own)])
        self._overall = self._overall.book(at)
        if self._limits.chat is not None:
            self._chats[chat] = own[0].book(at)
        if group and self._limits.group is not None:
            self._groups[chat] = own[-1].book(at)
        self._sweep(now)
        return at

    def hold(self, chat: str | None, until: float) -> None:
        """A flood wait: nothing to `chat` (to any chat when None) before `until`."""
        if chat is None:
            self._paused_until = max(self._paused_until, until)
            self._overall = self._overall.hold(until)
            return
        self._chats[chat] = self._chat_bucket(chat).hold(until)

    def _own(self, chat: str, *, group: bool) -> list[Bucket]:
        own = []
        if self._limits.chat is not None or chat in self._chats:
            own.append(self._chat_bucket(chat))
        if group and self._limits.group is not None:
            own.append(self._groups.get(chat) or Bucket(self._limits.group))
        return own

    def _chat_bucket(self, chat: str) -> Bucket:
        # A chat held by a flood wait has a bucket even where the platform sets no chat limit.
        return self._chats.get(chat) or Bucket(self._limits.chat or Rate(math.inf))

    def _sweep(self, now: float) -> None:
        if len(self._chats) + len(self._groups) < self._sweep_at:
            return
        for buckets in (self._chats, self._groups):
            for chat in [chat for chat, bucket in buckets.items() if bucket.due <= now]:
                del buckets[chat]
        self._sweep_at = max(SWEEP_FROM, 2 * (len(self._chats) + len(self._groups)))
