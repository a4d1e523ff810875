"""Follow a story to the page that continues it (docs/BEHAVIOUR.md, Successors).

One hop per check: the check's leads (`bot.core.successor`) are fetched in turn, through
the same fetcher and SSRF guard as /subscribe, and the first that is a live page on the
story's site, not already in its chain, becomes its successor. The move is one
transaction: the successor story, the subscriptions that follow successors moved with their
filters and numbers, a notice for each of their chats, and the old page retired when no one
is left on it. A crash before the commit moves nothing; after it, the story has its
successor and is not moved again. A new successor's first check is the move's fetch of it
(the watcher records it right after), so an update it gains later is new.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.errors import FetchError
from bot.core.model import Fetched, Notice, Page
from bot.core.ports import Fetcher
from bot.core.successor import Lead, Seen, refusal, successor_leads
from storage import Database, Transaction, outbox, stories, subscriptions
from storage.outbox import NewDelivery
from storage.stories import Story

log = logging.getLogger(__name__)

MAX_LEADS = 3
"""Leads fetched per check at most: a page full of links costs a few fetches, not dozens."""

ReadPage = Callable[[Fetched], Awaitable[Page]]


@dataclass(frozen=True, slots=True)
class Moved:
    """A story's followers moved to `successor`. `first_fetch` and `page` are the successor's
    page as the move fetched it, when the successor is new (its baseline, to record); `kept`
    when some chats stay on the old page."""

    successor: Story
    first_fetch: Fetched | None
    page: Page | None
    kept: bool


class Successors:
    """Finds and follows the successor of a story that a check found ended."""

    def __init__(self, db: Database, fetcher: Fetcher, read: ReadPage, *, interval: float
                 ) -> None:
        """`read` extracts a fetched page (as the watcher does); `interval` is a new
        successor story's first polling interval."""
        self._db = db
        self._fetcher = fetcher
        self._read = read
        self._interval = interval

    @staticmethod
    def leads(story: Story, fetched: Fetched, page: Page, now: datetime) -> tuple[Lead, ...]:
        """The pages this check says may continue the story (none once it has moved)."""
        if story.successor_url is not None:
            return ()
        seen = Seen(story.url, story.final_url, story.canonical_url)
        return successor_leads(seen, fetched, page, now)

    async def follow(self, story: Story, leads: tuple[Lead, ...], fetched: Fetched, page: Page,
                     now: datetime) -> Moved | None:
        """Move the story's followers to the first of `leads` (this check's) that continues
        it; returns the move, or None (none acceptable, or the check was the baseline: its
        chats are not subscribed yet)."""
        if not leads or not story.baseline_done:
            return None
        chain = frozenset({story.url, *await stories.chain_before(self._db, story.url)})
        for lead in leads[:MAX_LEADS]:
            found = await self._verified(story, lead, fetched, page, chain)
            if found is not None:
                return await self._move(story, found, lead, now)
        return None

    async def follow_late(self, story: Story, now: datetime) -> Moved | None:
        """Move to the story's successor, taken at an earlier check, the followers that came
        since (a /subscribe of the old page, /successors on); None when there are none."""
        assert story.successor_url is not None
        async with self._db.write() as tx:
            successor = await stories.by_url(tx, story.successor_url)
            if successor is None:
                return None
            moved = await subscriptions.move_to_successor(tx, story.id, successor.id)
            if not moved:
                return None  # nothing changes: a chat subscribing now is not subscribed yet
            left = await _hand_over(tx, story, successor, moved, successor.title, now)
        return Moved(successor, None, None, left)

    async def _verified(self, story: Story, lead: Lead, fetched: Fetched, page: Page,
                        chain: frozenset[str]) -> tuple[Fetched, Page] | None:
        """The lead's fetch (its final URL the page reached) and page, when it can continue
        the story."""
        if lead.reason == "permanent redirect":
            lead_fetched, lead_page = fetched, page  # the check fetched it already
        else:
            try:
                lead_fetched = await self._fetcher.fetch(lead.url)
                lead_page = await self._read(lead_fetched)
            except FetchError as error:
                log.info("story %s: successor %s (%s) refused: %s", story.id, lead.url,
                         lead.reason, error, extra={"story_id": story.id})
                return None
        why = refusal(lead_fetched.final_url, lead_page, chain, story.url)
        if why is not None:
            log.info("story %s: successor %s (%s) refused: %s", story.id, lead.url,
                     lead.reason, why, extra={"story_id": story.id})
            return None
        return lead_fetched, lead_page

    async def _move(self, story: Story, found: tuple[Fetched, Page], lead: Lead,
                    now: datetime) -> Moved:
        fetched, page = found
        interval = story.interval if story.interval_fixed else self._interval
        async with self._db.write() as tx:
            successor = await stories.by_url(tx, fetched.final_url)
            new = successor is None
            if successor is None:
                # A fixed interval (`watch --every`) is the story's setting: it carries over.
                successor = await stories.add(tx, fetched.final_url, now=now,
                                              fixed=story.interval_fixed, interval=interval)
                # Its first check is this fetch, recorded next by the caller: not due before.
                await stories.set_schedule(tx, successor.id, interval=interval,
                                           fixed=story.interval_fixed,
                                           next_check_at=now + timedelta(seconds=interval))
            elif successor.state == "ended":
                await stories.resume(tx, successor.id, now=now)
            moved = await subscriptions.move_to_successor(tx, story.id, successor.id)
            left = await _hand_over(tx, story, successor, moved, page.title, now)
            await _tell_who_stays(tx, story, successor, page.title, now)
        log.info("story %s continues at %s (%s): %d chats moved%s", story.id, successor.url,
                 lead.reason, len(moved), ", some stay" if left else "",
                 extra={"event": "story_moved", "story_id": story.id})
        return Moved(successor, fetched if new else None, page, left)


async def _hand_over(tx: Transaction, story: Story, successor: Story, moved: list[int],
                     title: str | None, now: datetime) -> bool:
    """Tell each chat `moved` to the successor once, record the successor, and retire the
    story when everyone moved (none moved: a chat subscribing now is about to follow it, and
    moves at its next check); returns whether some stay."""
    left = bool(await subscriptions.stayers(tx, story.id))
    await stories.set_successor(tx, story.id, successor.url, ended=bool(moved) and not left)
    notice = Notice(_continues(story, title, successor.url), successor.url)
    await outbox.enqueue(tx, [NewDelivery(chat_id, "notice", notice, now, successor.id)
                              for chat_id in moved], now=now)
    return left


async def _tell_who_stays(tx: Transaction, story: Story, successor: Story, title: str | None,
                          now: datetime) -> None:
    """Tell once each chat that keeps the story by its own choice (/successors off) where the
    story went on."""
    name = f"“{story.title}”" if story.title else story.url
    new = f" (“{title}”)" if title else ""
    notice = Notice(f"{name} has ended and points to {successor.url}{new}, which continues "
                    "its story. This chat stays on its page (/successors on to follow the story "
                    "there).", successor.url)
    await outbox.enqueue(tx, [NewDelivery(chat_id, "notice", notice, now, story.id)
                              for chat_id in await subscriptions.staying_by_choice(tx, story.id)],
                         now=now)


def _continues(story: Story, title: str | None, url: str) -> str:
    old = f"“{story.title}”" if story.title else story.url
    new = f" (“{title}”)" if title else ""
    return (f"{old} has ended. The story continues at {url}{new}: this chat follows it "
            "there now, with the same filters. (/successors off keeps a chat on its pages.)")
