"""The dispatcher's pacing through the real Telegram messenger: every message Telegram
receives takes a slot of the chat's rate, the parts of a long digest included."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

from bot.app.dispatcher import Dispatcher, DispatchPolicy
from bot.core.model import Alert, ChatRef, Digest, Entry, StoryRef
from bot.core.pacing import Limits, Rate
from bot.core.render.telegram_html import split_digest
from bot.edges.config import TelegramConfig
from bot.platforms.telegram.messenger import TelegramMessenger, build_application
from storage import Database, chats, outbox, stories
from storage.outbox import NewDelivery
from tests.fakes.telegram_api import TelegramApiServer

T0 = datetime(2024, 2, 3, 14, 0, tzinfo=UTC)
STORY = StoryRef("https://news.example/live", "Storm live")
CHAT_RATE = 4.0  # sends a second to one chat: slots 0.25 s apart


def alert(n: int) -> Alert:
    text = f"Update {n}: " + "the storm moved further inland today. " * 28
    return Alert(STORY, Entry(f"u{n}", T0, text), text)


def three_part_digest() -> Digest:
    """A digest that Telegram's length limit splits into exactly three messages."""
    alerts: list[Alert] = []
    while len(split_digest(Digest(tuple(alerts)))) < 3 or len(alerts) < 2:
        alerts.append(alert(len(alerts)))
    digest = Digest(tuple(alerts))
    assert len(split_digest(digest)) == 3
    return digest


async def test_a_three_part_digest_takes_three_slots_of_the_chats_rate(tmp_path: Path) -> None:
    """A digest sent as three messages, then an alert: Telegram gets the four messages at
    least one chat-rate spacing apart, not the three parts in one burst."""
    async with TelegramApiServer() as fake:
        telegram = TelegramConfig(token=fake.token, base_url=fake.base_url,
                                  rate_per_second=1000, group_rate_per_minute=60000)
        policy = DispatchPolicy(pacing={"telegram": Limits(overall=Rate(1000),
                                                           chat=Rate(CHAT_RATE))})
        async with (build_application(telegram) as application,
                    Database.open(tmp_path / "d.db") as db):
            async with db.write() as tx:
                story = await stories.add(tx, STORY.url, now=T0, interval=60)
                chat = await chats.ensure(tx, ChatRef("telegram", "4242"), now=T0)
                await outbox.enqueue(tx, [
                    NewDelivery(chat.id, "digest", three_part_digest(), T0, story.id),
                    NewDelivery(chat.id, "alert", alert(99), T0, story.id)], now=T0)
            dispatcher = Dispatcher(db, {"telegram": TelegramMessenger(application.bot)},
                                    policy, lambda: datetime.now(UTC))
            assert await dispatcher.drain() == 2
            states = [d.state for d in await outbox.list_for_chat(db, chat.id)]
    sends = fake.calls_to("sendMessage")
    assert len(sends) == 4 and states == ["sent", "sent"]
    assert "Update 99" in sends[-1].params["text"]
    gaps = [later.at - earlier.at for earlier, later in pairwise(sends)]
    # A slot is 0.25 s; a late wake-up only widens a gap, the event loop's timer may
    # fire a millisecond early.
    assert all(gap > 0.9 / CHAT_RATE for gap in gaps), gaps
