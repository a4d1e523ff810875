"""What the use cases report as they work: the port that metrics and health listen on.

The watcher and the dispatcher are handed an observer and call it at the
points where things happen (a fetch answered, a message sent); they never
import a metrics library. With `[metrics] listen` unset they get `SILENT`,
which does nothing and costs an attribute look-up, so `run --once` imports
nothing for metrics.

Labels passed here are bounded by construction: an outcome or error class, a
platform name, a delivery kind; never a URL or a chat id.
"""

from __future__ import annotations

import re
from typing import Protocol

from bot.core.errors import DeliveryError, StorywatchError


class WatchEvents(Protocol):
    """What a story check reports."""

    def fetched(self, outcome: str, seconds: float) -> None:
        """A fetch ended: "200", "304" or the FetchError's class (`error_label`)."""

    def extracted(self, seconds: float) -> None:
        """A fetched document's entries were extracted."""

    def checked(self, outcome: str, new: int, edited: int) -> None:
        """A check ended ("baseline", "checked", "unchanged", "failed") with what it found."""

    def queued(self, platform: str, kind: str, count: int) -> None:
        """`count` deliveries of `kind` were committed to the outbox for chats on `platform`."""


class SummaryEvents(Protocol):
    """What the summarizer reports about each request to its endpoint."""

    def summary_asked(self, outcome: str, seconds: float) -> None:
        """A request ended: "ok" or the reason it gave nothing usable."""

    def summary_fell_back(self, reason: str) -> None:
        """The extractive summary was used instead, for `reason` (bounded labels)."""


class DeliveryEvents(Protocol):
    """What the dispatcher reports about each send."""

    def sent(self, platform: str, kind: str) -> None:
        """The platform accepted a delivery of `kind`."""

    def send_failed(self, platform: str, error: DeliveryError, *, final: bool) -> None:
        """A send failed with `error`; `final` when the delivery is given up (not retried)."""

    def outage_began(self, platform: str) -> None:
        """Sends to several chats of `platform` failed together: it is held to be down."""

    def outage_ended(self, platform: str, seconds: float) -> None:
        """`platform` answered again after `seconds` down."""


class Events(WatchEvents, DeliveryEvents, SummaryEvents, Protocol):
    """All three: what a whole run reports to."""


class Silent:
    """The observer when metrics are off: every report is dropped."""

    def fetched(self, outcome: str, seconds: float) -> None:
        """Dropped."""

    def extracted(self, seconds: float) -> None:
        """Dropped."""

    def checked(self, outcome: str, new: int, edited: int) -> None:
        """Dropped."""

    def queued(self, platform: str, kind: str, count: int) -> None:
        """Dropped."""

    def sent(self, platform: str, kind: str) -> None:
        """Dropped."""

    def send_failed(self, platform: str, error: DeliveryError, *, final: bool) -> None:
        """Dropped."""

    def outage_began(self, platform: str) -> None:
        """Dropped."""

    def outage_ended(self, platform: str, seconds: float) -> None:
        """Dropped."""

    def summary_asked(self, outcome: str, seconds: float) -> None:
        """Dropped."""

    def summary_fell_back(self, reason: str) -> None:
        """Dropped."""


SILENT = Silent()


def error_label(error: StorywatchError) -> str:
    """The error's class in snake case (`ChatGone` -> "chat_gone"): a bounded label value."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(error).__name__).lower()
