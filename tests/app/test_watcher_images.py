"""bot.app.watcher and /images: a chat that turned pictures off gets its alerts (and their
corrections) without the update's picture, a chat that did not gets it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app.watcher import Watcher
from bot.core.model import Alert, ChatRef
from bot.core.summarize import ExtractiveSummarizer
from storage import Database, chats, outbox, stories, subscriptions
from tests.app.test_watcher import POLICY, T0, URL, FakeSource, update
from tests.fakes.clock import FakeClock

IMAGE = "https://news.example/pics/u2.jpg"


@dataclass
class Rooms:
    db: Database
    watcher: Watcher
    source: FakeSource
    story_id: int
    pictures: int  # a chat with images on (the default)
    text_only: int  # a chat that said /images off

    async def images(self, chat_id: int) -> list[str | None]:
        """The picture of each alert waiting for the chat, in order."""
        return [d.message.entry.image for d in await outbox.list_for_chat(self.db, chat_id)
                if isinstance(d.message, Alert)]


@pytest.fixture
async def rooms(tmp_path: Path) -> AsyncIterator[Rooms]:
    clock = FakeClock(T0 + timedelta(hours=1))
    source = FakeSource(clock)
    async with Database.open(tmp_path / "w.db") as db:
        async with db.write() as tx:
            story = await stories.add(tx, URL, now=clock(), interval=60)
            ids = []
            for name in ("1", "2"):
                chat = await chats.ensure(tx, ChatRef("console", name), now=clock())
                await subscriptions.subscribe(tx, chat.id, story.id, now=clock())
                ids.append(chat.id)
            await chats.set_images(tx, ids[1], False)
        watcher = Watcher(db, source, source.extract, ExtractiveSummarizer(), POLICY, clock)
        yield Rooms(db, watcher, source, story.id, *ids)


async def test_a_chat_with_images_off_gets_the_alert_without_its_picture(rooms: Rooms) -> None:
    """The same new update: its picture for the chat with images on, none for the other."""
    rooms.source.show([update(1)])
    await rooms.watcher.check(rooms.story_id)
    rooms.source.show([replace(update(2), image=IMAGE), update(1)])
    await rooms.watcher.check(rooms.story_id)
    assert await rooms.images(rooms.pictures) == [IMAGE]
    assert await rooms.images(rooms.text_only) == [None]


async def test_a_correction_keeps_the_chats_choice(rooms: Rooms) -> None:
    """An update corrected while its alert waits: the revised alert keeps the picture for the
    chat with images on and stays without it for the other."""
    rooms.source.show([update(1)])
    await rooms.watcher.check(rooms.story_id)
    first = replace(update(2, "Update 2: the minister resigend today."), image=IMAGE)
    rooms.source.show([first, update(1)])
    await rooms.watcher.check(rooms.story_id)
    rooms.source.show([replace(first, text="Update 2: the minister resigned today."), update(1)])
    await rooms.watcher.check(rooms.story_id)
    for chat_id, image in ((rooms.pictures, IMAGE), (rooms.text_only, None)):
        [delivery] = await outbox.list_for_chat(rooms.db, chat_id)
        assert isinstance(delivery.message, Alert)
        assert "resigned" in delivery.message.entry.text
        assert delivery.message.entry.image == image
