"""A digest unfolds the folded bursts a chat held: their summaries come from the configured
summarizer, one request per update it shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

from bot.app.digester import Digester
from bot.app.summaries import Summaries
from bot.core.model import Alert, ChatRef, Digest, Entry, Folded, StoryRef
from bot.edges.config import SummaryConfig
from bot.edges.llm_summary import LlmSummarizer
from storage import Database, chats, outbox
from storage.outbox import NewDelivery
from tests.fakes.chat_endpoint import chat_endpoint

NOW = datetime(2024, 2, 3, 12, 0, tzinfo=UTC)
STORY = StoryRef("https://news.example/live", "Live")


async def test_a_digest_asks_for_the_folded_updates_it_shows(tmp_path: Path) -> None:
    """A mute ends: the held alert keeps its summary, the three folded updates get the
    endpoint's, asked once each."""
    folded = tuple(Entry(f"u{n}", NOW - timedelta(minutes=n), f"Folded update {n} text.")
                   for n in range(1, 4))
    alert = Alert(STORY, Entry("u9", NOW, "The alerted update."), "Its summary.", (), "UTC")
    async with (chat_endpoint() as endpoint, aiohttp.ClientSession() as session,
                Database.open(tmp_path / "d.db") as db):
        async with db.write() as tx:
            chat = await chats.ensure(tx, ChatRef("console", "1"), now=NOW)
            await chats.set_muted_until(tx, chat.id, NOW - timedelta(seconds=1))
            await outbox.enqueue(tx, [
                NewDelivery(chat.id, "folded", Folded(STORY, folded, "UTC"), NOW, state="held"),
                NewDelivery(chat.id, "alert", alert, NOW, state="held")], now=NOW)
        edge = LlmSummarizer(SummaryConfig(llm_url=endpoint.url), session)
        summaries = Summaries(edge, concurrency=2, clock=lambda: NOW)
        digester = Digester(db, lambda: NOW, default_timezone="UTC", max_chars=200,
                            released=lambda: None, summarizer=summaries, summary_budget=2)
        assert await digester.tick() == 1
        [delivery] = await outbox.list_for_chat(db, chat.id, "pending")
    assert isinstance(delivery.message, Digest)
    shown = [a.summary for a in delivery.message.alerts]
    assert shown == ["Rescuers reached the villages."] * 3 + ["Its summary."]
    assert len(endpoint.requests) == 3
