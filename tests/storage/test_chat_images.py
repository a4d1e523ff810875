"""A chat's /images setting (migration 0008), on each backend: on by default, stored, read
back with the chat and with a story's audience."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.model import ChatRef
from storage import Database, chats, stories, subscriptions

NOW = datetime(2024, 2, 3, 12, 0, tzinfo=UTC)


async def test_images_are_on_by_default_and_stored_when_turned_off(db: Database) -> None:
    """A new chat has images on; set_images(False) is what the chat and the audience read."""
    async with db.write() as tx:
        chat = await chats.ensure(tx, ChatRef("telegram", "-1001"), now=NOW, kind="supergroup")
        story = await stories.add(tx, "https://news.example/live", now=NOW, interval=60)
        await subscriptions.subscribe(tx, chat.id, story.id, now=NOW)
    assert chat.images
    async with db.write() as tx:
        await chats.set_images(tx, chat.id, False)
    stored = await chats.get(db, chat.id)
    assert stored is not None and not stored.images
    [member] = await subscriptions.audience(db, story.id)
    assert not member.chat.images
