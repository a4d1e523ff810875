"""The housekeeping tick: quiet or broken stories retire, old outbox rows go.

A story with no new update for `schedule.retire_after`, or failing
`schedule.max_failures` checks in a row, is no longer polled; each chat that
follows it is told once, and /list shows it as ended.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from bot.core.model import Notice
from storage import Database, outbox, stories, subscriptions
from storage.outbox import NewDelivery

KEEP_DONE_DELIVERIES = timedelta(days=7)


class Housekeeping:
    """Retires stories and prunes the outbox; calls `notified` when it wrote notices."""

    def __init__(self, db: Database, clock: Callable[[], datetime], *, retire_after: float,
                 max_failures: int, notified: Callable[[], None]) -> None:
        self._db = db
        self._clock = clock
        self._quiet = timedelta(seconds=retire_after)
        self._max_failures = max_failures
        self._notified = notified

    async def tick(self) -> int:
        """Retire what is due to retire and prune; returns how many stories retired."""
        now = self._clock()
        async with self._db.write() as tx:
            retired = await stories.retire(tx, quiet_since=now - self._quiet,
                                           max_failures=self._max_failures)
            notices = []
            for story in retired:
                for member in await subscriptions.audience(tx, story.id):
                    notices.append(NewDelivery(member.chat.id, "notice",
                                               Notice(_farewell(story), story.url), now,
                                               story.id))
            await outbox.enqueue(tx, notices, now=now)
            await outbox.prune(tx, done_before=now - KEEP_DONE_DELIVERIES)
        if notices:
            self._notified()
        return len(retired)


def _farewell(story: stories.Story) -> str:
    name = f"“{story.title}”" if story.title else story.url
    if story.state == "failing" or story.failures:
        why = f"keeps failing ({story.last_error})" if story.last_error else "keeps failing"
    else:
        why = "has had no new update for a while"
    return (f"{name} {why}, so it is no longer followed. /list shows it as ended; "
            "/subscribe to it again to resume.")
