"""The digest tick (docs/BEHAVIOUR.md): chats whose digest is due, or whose mute ended, get one
digest of what they held.

What is due is stored per chat (`next_digest_at`, `muted_until`), so one tick
serves any number of chats and a restart resumes where it was.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.app.summaries import summarize_all
from bot.core.digest_plan import compose_digest, folded_entries, next_digest
from bot.core.ports import Summarizer
from bot.core.summarize import ExtractiveSummarizer
from storage import Database, chats, outbox
from storage.chats import Chat
from storage.outbox import NewDelivery


class Digester:
    """Releases held alerts as digests; calls `released` when it wrote any."""

    def __init__(self, db: Database, clock: Callable[[], datetime], *, default_timezone: str,
                 max_chars: int, released: Callable[[], None],
                 summarizer: Summarizer | None = None, summary_budget: float | None = None
                 ) -> None:
        """`summarizer` summarizes the folded updates a digest shows unfolded (extractive
        when None), waiting at most `summary_budget` seconds for them."""
        self._db = db
        self._summarizer = summarizer or ExtractiveSummarizer()
        self._budget = summary_budget
        self._clock = clock
        self._default_timezone = default_timezone
        self._max_chars = max_chars
        self._released = released

    async def tick(self) -> int:
        """Release every due chat's held alerts; returns how many digests were written."""
        now = self._clock()
        written = 0
        for chat in await chats.due_for_release(self._db, now):
            written += await self._release(chat, now)
        if written:
            self._released()
        return written

    async def _release(self, chat: Chat, now: datetime) -> int:
        zone = chat.timezone or self._default_timezone
        mute_over = chat.muted_until is not None and chat.muted_until <= now
        still_muted = chat.muted_until is not None and not mute_over
        due_next = chat.next_digest_at
        if due_next is None or due_next <= now:
            due_next = next_digest(chat.digest_mode, every=chat.digest_every, at=chat.digest_at,
                                   zone=zone, previous_due=chat.next_digest_at, now=now)
        # Made before the write transaction: an LLM may be slow. What was held meanwhile
        # is unfolded with extractive summaries.
        summaries = {} if still_muted else await self._summaries(chat)
        async with self._db.write() as tx:
            digest = None
            if not still_muted:
                held = await outbox.held(tx, chat.id)
                reason = "mute" if mute_over else "digest"
                digest = compose_digest([d.message for d in held], timezone=zone, reason=reason,
                                        max_chars=self._max_chars, summaries=summaries)
                if digest is not None:
                    await outbox.enqueue(tx, [NewDelivery(chat.id, "digest", digest, now)], now=now)
                await outbox.mark_digested(tx, [d.id for d in held])
            await chats.set_released(tx, chat.id, next_digest_at=due_next, unmute=mute_over)
        return int(digest is not None)

    async def _summaries(self, chat: Chat) -> dict[str, str]:
        """Summaries of the folded updates the chat's digest will show."""
        found = folded_entries([d.message for d in await outbox.held(self._db, chat.id)])
        return await summarize_all(self._summarizer, found, self._max_chars, self._budget)
