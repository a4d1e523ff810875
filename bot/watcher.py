"""Check one story (DESIGN §2): fetch, extract, diff, then store, route and reschedule at once.

Whatever drives it (the `watch` loop, the scheduler's poll tick) calls
`Watcher.check(story_id)`. New and edited entries, their deliveries and the
story's next check are written in one transaction, so a crash loses nothing
between them. A failed check records its reason and backs off; it removes
nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.cadence import failure_delay, next_interval
from bot.config import Config
from bot.diff import Diff, diff_entries
from bot.errors import FetchError
from bot.filters import judge_levels
from bot.model import Alert, Entry, Fetched, Page, StoryRef
from bot.ports import Fetcher, Summarizer
from bot.route import route_entries, sort_time
from storage import Database, Transaction, entries, outbox, stories, subscriptions
from storage.outbox import NewDelivery
from storage.stories import CheckState, Story
from storage.subscriptions import Audience

Extract = Callable[[Fetched], Page]
Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class WatchPolicy:
    """The configuration a check needs."""

    interval: float
    min_interval: float
    max_interval: float
    burst_limit: int
    max_chars: int
    default_timezone: str = "UTC"

    @classmethod
    def from_config(cls, config: Config) -> WatchPolicy:
        """The policy of a loaded configuration."""
        return cls(config.schedule.interval, config.schedule.min_interval,
                   config.schedule.max_interval, config.alerts.burst_limit,
                   config.summary.max_chars, config.bot.default_timezone)


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What one check did. `outcome` is 'baseline', 'checked', 'unchanged' or 'failed'."""

    story_id: int
    outcome: str
    next_check_at: datetime
    new: int = 0
    edited: int = 0
    error: str | None = None


class Watcher:
    """Checks stories: the use case between the fetcher, the extractor and storage."""

    def __init__(self, db: Database, fetcher: Fetcher, extract: Extract,
                 summarizer: Summarizer, policy: WatchPolicy, clock: Clock) -> None:
        self._db = db
        self._fetcher = fetcher
        self._extract = extract
        self._summarizer = summarizer
        self._policy = policy
        self._clock = clock

    async def check(self, story_id: int) -> CheckResult:
        """Check the story once and record the outcome.

        Raises LookupError when no story has this id. Fetch and extraction
        errors are not raised: they are the check's recorded failure.
        """
        story = await stories.get(self._db, story_id)
        if story is None:
            raise LookupError(f"no story with id {story_id}")
        now = self._clock()
        try:
            fetched = await self._fetcher.fetch(story.url, story.validators)
            if fetched.unchanged:
                return await self._record(story, fetched, None, Diff(), now)
            page = self._extract(fetched)
        except FetchError as error:
            return await self._fail(story, str(error), now)
        stored = await entries.for_story(self._db, story.id)
        marks = await entries.marks(self._db, story.id)
        diff = diff_entries(stored, page.entries, marks, story.last_entry_count,
                            baseline=not story.baseline_done)
        if diff.failed_reason is not None:
            return await self._fail(story, diff.failed_reason, now)
        return await self._record(story, fetched, page, diff, now)

    async def _record(
        self, story: Story, fetched: Fetched, page: Page | None, diff: Diff, now: datetime
    ) -> CheckResult:
        summaries = await self._summaries([*diff.alerts, *(edit.entry for edit in diff.edited)])
        # The baseline counts as finding updates: a new story starts at the base interval.
        found_new = bool(diff.new)
        interval = next_interval(
            story.interval, found_new=found_new, base=self._policy.interval,
            minimum=self._policy.min_interval, maximum=self._policy.max_interval,
            server_hint=fetched.max_age, fixed=story.interval if story.interval_fixed else None,
        )
        next_check_at = now + timedelta(seconds=interval)
        state = CheckState(
            checked_at=now, interval=interval, next_check_at=next_check_at,
            validators=fetched.validators, found_new=found_new,
            title=page.title if page else None,
            canonical_url=page.canonical_url if page else None,
            final_url=fetched.final_url, entry_count=len(page.entries) if page else None,
        )
        async with self._db.write() as tx:
            ids = await self._store(tx, story.id, diff, now)
            audience = await subscriptions.audience(tx, story.id)
            ref = StoryRef(story.url, (page.title if page else None) or story.title)
            deliveries = self._alerts(ref, story.id, diff, ids, summaries, audience, now)
            deliveries += await self._edits(tx, ref, story.id, diff, summaries, audience, now)
            await outbox.enqueue(tx, deliveries, now=now)
            await stories.record_check(tx, story.id, state)
        outcome = "unchanged" if page is None else "baseline" if diff.baseline else "checked"
        return CheckResult(story.id, outcome, next_check_at, len(diff.new), len(diff.edited))

    async def _fail(self, story: Story, reason: str, now: datetime) -> CheckResult:
        base = story.interval if story.interval_fixed else self._policy.interval
        delay = failure_delay(story.failures + 1, base=base,
                              maximum=max(self._policy.max_interval, base))
        next_check_at = now + timedelta(seconds=delay)
        async with self._db.write() as tx:
            await stories.record_failure(tx, story.id, now=now, error=reason,
                                         next_check_at=next_check_at)
        return CheckResult(story.id, "failed", next_check_at, error=reason)

    async def _summaries(self, found: list[Entry]) -> dict[str, str]:
        # Summaries are made before the write transaction: an LLM may be slow.
        max_chars = self._policy.max_chars
        return {entry.key: await self._summarizer.summarize(entry.title, entry.text, max_chars)
                for entry in found}

    @staticmethod
    async def _store(tx: Transaction, story_id: int, diff: Diff, now: datetime) -> dict[str, int]:
        ids = {entry.key: await entries.add(tx, story_id, entry, now=now) for entry in diff.new}
        for edit in diff.edited:
            await entries.update(tx, story_id, edit, now=now)
            ids[edit.entry.key] = edit.stored.id
        return ids

    def _alerts(self, ref: StoryRef, story_id: int, diff: Diff, ids: dict[str, int],
                summaries: dict[str, str], audience: list[Audience],
                now: datetime) -> list[NewDelivery]:
        deliveries = []
        for member in audience:
            state = "held" if member.chat.holds_alerts(now) else "pending"
            routed = route_entries(
                ref, diff.alerts, summaries, member.levels, burst_limit=self._policy.burst_limit,
                timezone=member.chat.timezone or self._policy.default_timezone, now=now,
            )
            deliveries += [
                NewDelivery(member.chat.id, item.kind, item.message, item.sort_key, story_id,
                            ids.get(item.entry_key or ""), state)
                for item in routed
            ]
        return deliveries

    async def _edits(self, tx: Transaction, ref: StoryRef, story_id: int, diff: Diff,
                     summaries: dict[str, str], audience: list[Audience],
                     now: datetime) -> list[NewDelivery]:
        """Edits of messages already sent for corrected entries, in chats that want them."""
        deliveries = []
        for edit in diff.edited:
            entry = edit.entry
            for member in audience:
                if not member.chat.edits or await outbox.sent_message(
                        tx, member.chat.id, edit.stored.id) is None:
                    continue
                matched = judge_levels(entry.title, entry.text, member.levels).matched
                zone = member.chat.timezone or self._policy.default_timezone
                alert = Alert(ref, entry, summaries.get(entry.key, ""), matched, zone)
                deliveries.append(NewDelivery(member.chat.id, "edit", alert,
                                              sort_time(entry, now), story_id, edit.stored.id))
        return deliveries
