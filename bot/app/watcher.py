"""Check one story (docs/BEHAVIOUR.md): fetch, extract, diff, then store, route and
reschedule at once.

Whatever drives it (the `watch` loop, the scheduler's poll tick) calls
`Watcher.check(story_id)`. New and edited entries, their deliveries and the
story's next check are written in one transaction, so a crash loses nothing
between them. A failed check records its reason and backs off; it removes
nothing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import BrokenExecutor, Executor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.app.successors import Moved, Successors
from bot.app.summaries import summarize_all
from bot.app.telemetry import SILENT, WatchEvents, error_label
from bot.core.cadence import failure_delay, next_interval
from bot.core.diff import FUZZY_WINDOW, Diff, diff_entries
from bot.core.errors import FetchError
from bot.core.filters import entry_words, judge_levels
from bot.core.identity import is_own_text, marks_of
from bot.core.model import Alert, CheckResult, Fetched, Page, StoryRef, Validators
from bot.core.ports import Fetcher, Summarizer
from bot.core.render.console import ignored_text
from bot.core.route import Routed, holds_alerts, route_entries, shown_entry, sort_time
from bot.core.summarize import summarize
from bot.edges.config import Config
from storage import Database, Transaction, entries, outbox, stories, subscriptions
from storage.filters import Levels
from storage.outbox import NewDelivery
from storage.stories import CheckState, Story
from storage.subscriptions import Audience

log = logging.getLogger(__name__)

RETAINED_ENTRIES = 1000
"""Entries kept per story: more than any live page shows. Older ones are pruned;
their marks stay, so they are never new again."""

REASON_CHARS = 200
"""An unexpected error's message is cut here: /list and status show it."""

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
    summary_budget: float | None = None
    """Seconds a check waits for its summaries; those not ready are extractive (None: all)."""

    @classmethod
    def from_config(cls, config: Config) -> WatchPolicy:
        """The policy of a loaded configuration."""
        from bot.app.summaries import summary_budget

        return cls(config.schedule.interval, config.schedule.min_interval,
                   config.schedule.max_interval, config.alerts.burst_limit,
                   config.summary.max_chars, config.bot.default_timezone,
                   summary_budget(config))


class CheckBatch:
    """Writes unchanged checks' states together: one transaction for all that wait for the writer.

    Most checks find nothing new; one commit each made the writer the bottleneck
    of a pass. `record` returns once its state is committed, as a lone write would.
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self._pending: list[tuple[int, CheckState]] = []
        self._next: asyncio.Future[None] | None = None

    async def record(self, story_id: int, state: CheckState) -> None:
        """Write the story's check state with the next batch; returns when it is committed."""
        self._pending.append((story_id, state))
        if self._next is None:
            self._next = asyncio.ensure_future(self._write_next())
        await self._next

    async def _write_next(self) -> None:
        async with self._db.write() as tx:
            # Whatever joined while this waited for the writer goes in this batch.
            batch, self._pending, self._next = self._pending, [], None
            await stories.record_checks(tx, batch)


class Watcher:
    """Checks stories: the use case between the fetcher, the extractor and storage."""

    def __init__(self, db: Database, fetcher: Fetcher, extract: Extract,
                 summarizer: Summarizer, policy: WatchPolicy, clock: Clock,
                 pool: Executor | None = None, events: WatchEvents = SILENT) -> None:
        """`pool` runs `extract` off the event loop (it must then be picklable); None: inline.
        `events` hears of each fetch, extraction, check and delivery queued (metrics)."""
        self._db = db
        self._fetcher = fetcher
        self._extract = extract
        self._summarizer = summarizer
        self._policy = policy
        self._clock = clock
        self._pool = pool
        self._unchanged_states = CheckBatch(db)
        self._events = events
        self._successors = Successors(db, fetcher, self._page, interval=policy.interval)

    @property
    def summarizer(self) -> Summarizer:
        """The summarizer of this watcher's alerts (digests and commands share it)."""
        return self._summarizer

    async def check(self, story_id: int, known: Story | None = None) -> CheckResult:
        """Check the story once and record the outcome.

        `known` is the story's row when the caller has just read it (the poll
        tick has), saving a read. Raises LookupError when no story has this id.
        Fetch and extraction errors are not raised: they are the check's
        recorded failure, and so is any unexpected error (logged with its trace):
        the story backs off as after any failure, never retried at every tick.
        """
        story = known or await stories.get(self._db, story_id)
        if story is None:
            raise LookupError(f"no story with id {story_id}")
        try:
            result = await self._check(story_id, story)
        except Exception as error:  # a job boundary: record, back off
            log.exception("checking story %s (%s) failed unexpectedly", story.id, story.url,
                          extra={"event": "check_crashed", "story_id": story.id})
            reason = f"internal error: {type(error).__name__}: {error}"
            result = await self._fail(story, reason[:REASON_CHARS], self._clock())
        self._events.checked(result.outcome, result.new, result.edited)
        return result

    async def _check(self, story_id: int, known: Story | None) -> CheckResult:
        story = known or await stories.get(self._db, story_id)
        if story is None:
            raise LookupError(f"no story with id {story_id}")
        now = self._clock()
        if story.successor_url is not None:
            late = await self._successors.follow_late(story, now)
            if late is not None and not late.kept:
                return CheckResult(story.id, "checked", now, moved_to=late.successor.url)
        try:
            fetched = await self._fetch(story)
            if fetched.unchanged:
                return await self._unchanged(story, fetched, now)
            page = await self._page(fetched)
        except FetchError as error:
            return await self._fail(story, str(error), now)
        if page.ignored:
            log.warning("story %d: past extraction's caps, ignored %s", story.id,
                        ignored_text(page), extra={"story_id": story.id})
        leads = self._successors.leads(story, fetched, page, now)
        # A page pointing to a successor not taken yet (not live yet, say) is read again at
        # its next check, not skipped as unchanged.
        reread = bool(leads)
        if fetched.moved_to is not None:
            # A page moved for good: what was fetched is its successor's, not its update.
            moved = await self._successors.follow(story, leads, fetched, page, now)
            if moved is not None:
                await self._first_check(moved, now)
                if not moved.kept:
                    return CheckResult(story.id, "checked", now, moved_to=moved.successor.url)
            leads = ()
        diff = await self._diff(story, page)
        if diff.failed_reason is not None:
            return await self._fail(story, diff.failed_reason, now)
        recorded = replace(fetched, validators=Validators()) if reread else fetched
        result = await self._record(story, recorded, page, diff, now)
        moved = await self._successors.follow(story, leads, fetched, page, now)
        if moved is None:
            return result
        await self._first_check(moved, now)
        return replace(result, moved_to=moved.successor.url)

    async def _first_check(self, moved: Moved, now: datetime) -> None:
        """Record a new successor's page, as fetched for the move, as its baseline."""
        if moved.first_fetch is None or moved.page is None:
            return
        diff = await self._diff(moved.successor, moved.page)
        if diff.failed_reason is None:
            await self._record(moved.successor, moved.first_fetch, moved.page, diff, now)

    async def _diff(self, story: Story, page: Page) -> Diff:
        # Only what this page can match: the story's whole history would grow every check.
        wanted = [mark for entry in page.entries for mark in marks_of(entry)]
        marks = await entries.marks_among(self._db, story.id, wanted)
        refs = {ref for ref in marks.values() if ref is not None}
        known = await entries.near(self._db, story.id, page.entries, FUZZY_WINDOW, refs)
        diff = diff_entries(known, page.entries, marks, story.last_entry_count,
                            baseline=not story.baseline_done)
        texts = [entry.text for entry in diff.new if is_own_text(entry.text)]
        if diff.baseline or not texts:
            return diff
        # An update stored before its own text was a mark, since re-keyed and re-dated, is
        # found by its text: read only when the check would otherwise have something new.
        read = {item.ref for item in known}
        more = [item for item in await entries.with_texts(self._db, story.id, texts)
                if item.ref not in read]
        if not more:
            return diff
        return diff_entries([*known, *more], page.entries, marks, story.last_entry_count,
                            baseline=False)

    async def _fetch(self, story: Story) -> Fetched:
        started = time.perf_counter()
        try:
            fetched = await self._fetcher.fetch(story.url, story.validators)
        except FetchError as error:
            self._events.fetched(error_label(error), time.perf_counter() - started)
            raise
        self._events.fetched("304" if fetched.body is None else "200",
                             time.perf_counter() - started)
        return fetched

    async def _page(self, fetched: Fetched) -> Page:
        started = time.perf_counter()
        page = await self._extracted(fetched)
        self._events.extracted(time.perf_counter() - started)
        return page

    async def _extracted(self, fetched: Fetched) -> Page:
        if self._pool is not None:
            try:
                return await asyncio.get_running_loop().run_in_executor(
                    self._pool, self._extract, fetched)
            # BrokenProcessPool's base: naming it would import multiprocessing at start-up.
            except BrokenExecutor:
                # A worker died (killed, out of memory): a broken pool stays broken, so
                # extraction goes on inline rather than failing every check from now on.
                log.exception("the extraction pool broke; extracting inline from now on")
                self._pool = None
        return self._extract(fetched)

    async def _record(
        self, story: Story, fetched: Fetched, page: Page, diff: Diff, now: datetime
    ) -> CheckResult:
        summaries = await self._summaries(story.id, diff, now)
        # The baseline counts as finding updates: a new story starts at the base interval.
        found_new = bool(diff.new)
        interval, next_check_at = self._next_check(story, fetched, found_new, now)
        state = CheckState(
            checked_at=now, interval=interval, next_check_at=next_check_at,
            validators=fetched.validators, found_new=found_new, title=page.title,
            canonical_url=page.canonical_url, final_url=fetched.final_url,
            entry_count=len(page.entries),
        )
        async with self._db.write() as tx:
            ids = await self._store(tx, story.id, diff, now)
            audience = await subscriptions.audience(tx, story.id) if summaries else []
            ref = StoryRef(story.url, page.title or story.title)
            deliveries = self._alerts(ref, story.id, diff, ids, summaries, audience, now)
            deliveries += await self._edits(tx, ref, story.id, diff, summaries, audience, now)
            await outbox.enqueue(tx, deliveries, now=now)
            await stories.record_check(tx, story.id, state)
            await stories.record_kind(tx, story.id, feed=page.feed)
        self._report_queued(deliveries, audience)
        outcome = "baseline" if diff.baseline else "checked"
        return CheckResult(story.id, outcome, next_check_at, len(diff.new), len(diff.edited))

    def _report_queued(self, deliveries: list[NewDelivery], audience: list[Audience]) -> None:
        platforms = {member.chat.id: member.chat.ref.platform for member in audience}
        queued = Counter((platforms[delivery.chat_id], delivery.kind) for delivery in deliveries)
        for (platform, kind), count in queued.items():
            self._events.queued(platform, kind, count)

    async def _unchanged(self, story: Story, fetched: Fetched, now: datetime) -> CheckResult:
        """Record a check that found the page as it was: nothing to diff, store or route."""
        interval, next_check_at = self._next_check(story, fetched, False, now)
        state = CheckState(checked_at=now, interval=interval, next_check_at=next_check_at,
                           validators=fetched.validators, final_url=fetched.final_url)
        await self._unchanged_states.record(story.id, state)
        return CheckResult(story.id, "unchanged", next_check_at)

    def _next_check(self, story: Story, fetched: Fetched, found_new: bool,
                    now: datetime) -> tuple[float, datetime]:
        """The story's next interval and when its next check is due."""
        interval = next_interval(
            story.interval, found_new=found_new, base=self._policy.interval,
            minimum=self._policy.min_interval, maximum=self._policy.max_interval,
            server_hint=fetched.max_age, fixed=story.interval if story.interval_fixed else None,
        )
        return interval, now + timedelta(seconds=interval)

    async def _fail(self, story: Story, reason: str, now: datetime) -> CheckResult:
        base = story.interval if story.interval_fixed else self._policy.interval
        delay = failure_delay(story.failures + 1, base=base,
                              maximum=max(self._policy.max_interval, base))
        next_check_at = now + timedelta(seconds=delay)
        async with self._db.write() as tx:
            await stories.record_failure(tx, story.id, now=now, error=reason,
                                         next_check_at=next_check_at)
        log.info("check of story %s failed: %s", story.id, reason,
                 extra={"event": "check_failed", "story_id": story.id})
        return CheckResult(story.id, "failed", next_check_at, error=reason)

    async def _summaries(self, story_id: int, diff: Diff, now: datetime) -> dict[str, str]:
        """A summary for each entry the check may send: the summarizer's for those some
        chat gets as an alert or an edit (not folded, not filtered out), within the
        policy's budget; extractive for the rest (a chat that subscribed meanwhile)."""
        found = [*diff.alerts, *(edit.entry for edit in diff.edited)]
        max_chars = self._policy.max_chars
        if not found or self._summarizer.offline:
            return {entry.key: summarize(entry.title, entry.text, max_chars) for entry in found}
        # Made before the write transaction: an LLM may be slow.
        audience = await subscriptions.audience(self._db, story_id)
        shown = self._shown(diff, audience, now)
        made = await summarize_all(self._summarizer, [e for e in found if e.key in shown],
                                   max_chars, self._policy.summary_budget)
        return {entry.key: made.get(entry.key) or summarize(entry.title, entry.text, max_chars)
                for entry in found}

    def _shown(self, diff: Diff, audience: list[Audience], now: datetime) -> set[str]:
        """The keys of the entries that go out with a summary to some chat of `audience`."""
        if not audience:
            return set()
        shown = {edit.entry.key for edit in diff.edited}
        ref = StoryRef("", None)
        for levels in {member.levels for member in audience}:
            routed = route_entries(ref, diff.alerts, {}, levels, timezone="UTC",
                                   burst_limit=self._policy.burst_limit, now=now)
            shown.update(item.entry_key for item in routed if item.entry_key is not None)
        return shown

    @staticmethod
    async def _store(tx: Transaction, story_id: int, diff: Diff, now: datetime) -> dict[str, int]:
        if diff.new:
            # Before adding: a new entry timed older than the kept ones must not be
            # pruned while deliveries about to be written refer to it.
            await entries.prune(tx, story_id, RETAINED_ENTRIES)
        ids = {entry.key: await entries.add(tx, story_id, entry, now=now, marks=marks_of(entry))
               for entry in diff.new}
        for edit in diff.edited:
            await entries.update(tx, edit, now=now)
            ids[edit.entry.key] = edit.stored.ref
        for seen in diff.recognised:
            await entries.mark(tx, story_id, seen.ref, seen.marks)
        for confirmed in diff.confirmed:
            await entries.confirm(tx, confirmed)
        return ids

    def _alerts(self, ref: StoryRef, story_id: int, diff: Diff, ids: dict[str, int],
                summaries: dict[str, str], audience: list[Audience],
                now: datetime) -> list[NewDelivery]:
        deliveries = []
        # Chats with the same filters, time zone and pictures get the same messages: route once per
        # kind of chat, not once per chat (a big story has thousands of plain followers).
        routes: dict[tuple[Levels, str, bool], list[Routed]] = {}
        for member in audience:
            chat = member.chat
            state = "held" if holds_alerts(chat.muted_until, chat.digest_mode) else "pending"
            timezone = member.chat.timezone or self._policy.default_timezone
            kind = (member.levels, timezone, chat.images)
            routed = routes.get(kind)
            if routed is None:
                routed = routes[kind] = route_entries(
                    ref, diff.alerts, summaries, member.levels,
                    burst_limit=self._policy.burst_limit, timezone=timezone, now=now,
                    images=chat.images,
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
        """Corrected entries: an alert still waiting takes the correction; a message already
        sent is edited, in chats that want edits."""
        deliveries = []
        for edit in diff.edited:
            entry = edit.entry
            for member in audience:
                matched = judge_levels(entry.title, entry_words(entry), member.levels).matched
                zone = member.chat.timezone or self._policy.default_timezone
                alert = Alert(ref, shown_entry(entry, member.chat.images),
                              summaries.get(entry.key, ""), matched, zone)
                if await outbox.revise_waiting(tx, member.chat.id, edit.stored.ref, alert):
                    continue
                if member.chat.edits and await outbox.sent_message(
                        tx, member.chat.id, edit.stored.ref) is not None:
                    deliveries.append(NewDelivery(member.chat.id, "edit", alert,
                                                  sort_time(entry, now), story_id, edit.stored.ref))
        return deliveries
