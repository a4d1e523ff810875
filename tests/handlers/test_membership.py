"""The bot's own membership of a chat, through the command layer: removed, the chat's
subscriptions (and its forum topics') pause; added back, they resume."""

from __future__ import annotations

from bot.core.model import ChatRef
from storage import subscriptions
from tests.handlers.conftest import Commands, caller

TOPIC = ChatRef("telegram", "-1001", "77")


async def active(commands: Commands, ref: ChatRef) -> list[bool]:
    chat = await commands.chat(ref)
    assert chat is not None
    return [s.active for s in await subscriptions.for_chat(commands.db, chat.id)]


async def test_removal_pauses_and_readding_resumes_the_chat_and_its_topics(
        commands: Commands) -> None:
    """One event for the whole group reaches the group and each of its topics."""
    story = commands.story()
    await commands.run(f"/subscribe {story.url}")
    await commands.run(f"/subscribe {story.url}", caller(chat=TOPIC))
    await commands.layer.membership("telegram", "-1001", present=False)
    assert await active(commands, ChatRef("telegram", "-1001")) == [False]
    assert await active(commands, TOPIC) == [False]
    listed = await commands.run("/list")
    assert "paused: this chat was unreachable" in listed.text
    await commands.layer.membership("telegram", "-1001", present=True)
    assert await active(commands, ChatRef("telegram", "-1001")) == [True]
    assert await active(commands, TOPIC) == [True]


async def test_an_event_for_an_unknown_chat_or_another_platform_changes_nothing(
        commands: Commands) -> None:
    """Membership of a chat that never used the bot, or of a namesake elsewhere, is ignored."""
    story = commands.story()
    await commands.run(f"/subscribe {story.url}")
    await commands.layer.membership("telegram", "-999", present=False)
    await commands.layer.membership("discord", "-1001", present=False)
    assert await active(commands, ChatRef("telegram", "-1001")) == [True]
    assert await commands.chat(ChatRef("telegram", "-999")) is None


async def test_a_migrated_chat_keeps_its_subscriptions_at_its_new_id(commands: Commands) -> None:
    """Moved, the chat (and its topics) follow the same stories at the new id; told twice, the
    second time changes nothing."""
    story = commands.story()
    await commands.run(f"/subscribe {story.url}")
    await commands.run(f"/subscribe {story.url}", caller(chat=TOPIC))
    for _ in range(2):
        await commands.layer.migrated("telegram", "-1001", "-1009")
    assert await commands.chat(ChatRef("telegram", "-1001")) is None
    assert await active(commands, ChatRef("telegram", "-1009")) == [True]
    assert await active(commands, ChatRef("telegram", "-1009", "77")) == [True]
