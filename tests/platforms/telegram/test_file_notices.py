"""A notice carrying a file (an /export sent through the outbox) as a Telegram document."""

from __future__ import annotations

import pytest

from bot.core.errors import ChatGone
from bot.core.model import Attachment, Notice
from bot.platforms.telegram.messenger import TelegramMessenger
from storage import payloads
from tests.fakes.telegram_api import BLOCKED, TelegramApiServer
from tests.platforms.telegram.test_messenger import TOPIC, USER, fake, messenger

__all__ = ["fake", "messenger"]  # the fixtures of test_messenger, used here too
EXPORT = Notice("This chat's 2 subscriptions as OPML 2.0",
                attachment=Attachment("storywatch-telegram-1001234.opml", b"<opml>\xc3\xa9</opml>"))


async def test_a_file_notice_from_the_outbox_goes_as_a_document(
        fake: TelegramApiServer, messenger: TelegramMessenger) -> None:
    """Stored as an outbox payload and read back, the notice is sent with sendDocument:
    the same bytes and name, its text the caption, in its forum topic."""
    queued = payloads.decode(payloads.encode(EXPORT))

    message_id = await messenger.send(TOPIC, queued)

    [call] = fake.calls_to("sendDocument")
    assert call.params["document"] == {"filename": "storywatch-telegram-1001234.opml",
                                       "data": b"<opml>\xc3\xa9</opml>"}
    assert call.params["caption"] == EXPORT.text
    assert call.params["message_thread_id"] == 77
    sent = fake.messages[("-1001234", int(message_id))]
    assert fake.file_of(sent["document"]) == b"<opml>\xc3\xa9</opml>"
    assert not fake.calls_to("sendMessage")


async def test_a_blocked_chat_refuses_the_document_as_it_would_a_message(
        fake: TelegramApiServer, messenger: TelegramMessenger) -> None:
    """A 403 on sendDocument is the chat gone, as for any message."""
    fake.fail_chat(USER.chat_id, BLOCKED, methods=["sendDocument"])

    with pytest.raises(ChatGone):
        await messenger.send(USER, EXPORT)
