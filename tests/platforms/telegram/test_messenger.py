"""TelegramMessenger and the Application wiring, with the real python-telegram-bot
talking to the fake Bot API on loopback."""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from telegram import Update
from telegram.ext import Application, ContextTypes, TypeHandler
from telegram.warnings import PTBDeprecationWarning

from bot.core.errors import ChatGone, ChatMoved, RateLimited, Rejected, Transient
from bot.core.model import Alert, ChatRef, Digest, Entry, Notice, StoryRef
from bot.edges.config import TelegramConfig
from bot.platforms.telegram.messenger import TelegramMessenger, build_application, running
from handlers.registry import MENU as COMMANDS
from tests.fakes import telegram_updates
from tests.fakes.telegram_api import (
    BLOCKED,
    CHAT_NOT_FOUND,
    KICKED,
    NOT_MODIFIED,
    SERVER_ERROR,
    Failure,
    TelegramApiServer,
    flood,
    migrated,
)
from tests.fakes.telegram_html_rules import check_message_text

USER = ChatRef("telegram", "4242")
GROUP = ChatRef("telegram", "-1001234")
TOPIC = ChatRef("telegram", "-1001234", thread_id="77")


def alert(
    text: str = "Strikes <b>hit</b> & more", url: str | None = "https://rt.test/live#u1"
) -> Alert:
    entry = Entry("u1", datetime(2024, 2, 3, 14, 52, tzinfo=UTC), text, "Headline <i>", None, url)
    return Alert(StoryRef("https://rt.test/live", "US strikes </a>"), entry, text, ("strike*",))


@pytest.fixture
async def fake() -> AsyncIterator[TelegramApiServer]:
    async with TelegramApiServer() as server:
        yield server


def config_for(fake: TelegramApiServer) -> TelegramConfig:
    return TelegramConfig(
        token=fake.token,
        base_url=fake.base_url,
        rate_per_second=1000,
        group_rate_per_minute=60000,
        poll_timeout=1,
    )


def application_for(fake: TelegramApiServer) -> Application:
    return build_application(config_for(fake))


@pytest.fixture
async def messenger(fake: TelegramApiServer) -> AsyncIterator[TelegramMessenger]:
    async with application_for(fake) as application:
        yield TelegramMessenger(application.bot)


async def test_send_alert_uses_html_no_preview_and_url_button(fake, messenger) -> None:
    """An alert goes as escaped HTML, previews off, with a button opening the entry."""
    message_id = await messenger.send(USER, alert())
    call = fake.calls_to("sendMessage")[-1]
    assert call.params["chat_id"] == 4242
    assert call.params["parse_mode"] == "HTML"
    assert call.params["link_preview_options"] == {"is_disabled": True}
    assert call.params["reply_markup"] == {
        "inline_keyboard": [[{"text": "Open update", "url": "https://rt.test/live#u1"}]]
    }
    assert "Strikes &lt;b&gt;hit&lt;/b&gt; &amp; more" in call.params["text"]
    assert "US strikes &lt;/a&gt;" in call.params["text"]
    assert "message_thread_id" not in call.params
    assert message_id == str(fake.messages[("4242", int(message_id))]["message_id"])


async def test_send_to_forum_topic_passes_thread_id(fake, messenger) -> None:
    """A chat with a thread id posts into that forum topic."""
    await messenger.send(TOPIC, alert())
    assert fake.calls_to("sendMessage")[-1].params["message_thread_id"] == 77


async def test_send_without_http_link_has_no_button(fake, messenger) -> None:
    """A notice without a link, or an alert whose links are not http(s), has no keyboard."""
    await messenger.send(USER, Notice("Subscribed to <Story>"))
    await messenger.send(
        USER,
        Alert(StoryRef("javascript:alert(1)", "t"), alert(url="javascript:alert(1)").entry, "s"),
    )
    assert all("reply_markup" not in call.params for call in fake.calls_to("sendMessage"))


async def test_send_returns_increasing_message_ids(fake, messenger) -> None:
    """Each send returns the id Telegram gave the message, as a string."""
    first = await messenger.send(USER, Notice("one"))
    second = await messenger.send(USER, Notice("two"))
    assert int(second) > int(first)


async def test_long_digest_goes_as_several_valid_messages(fake, messenger) -> None:
    """A digest over 4096 characters is split at update boundaries, each part accepted."""
    alerts = tuple(alert(f"update {n} " + "word " * 150) for n in range(12))
    await messenger.send(GROUP, Digest(alerts))
    texts = [call.params["text"] for call in fake.calls_to("sendMessage")]
    assert len(texts) > 1
    assert sum(text.count("Matched:") for text in texts) == 12
    for text in texts:
        check_message_text(text, "HTML")


async def test_edit_calls_edit_message_text(fake, messenger) -> None:
    """An edit replaces the text of the message sent earlier."""
    message_id = await messenger.send(GROUP, alert())
    await messenger.edit(GROUP, message_id, alert("Corrected update"))
    call = fake.calls_to("editMessageText")[-1]
    assert call.params["message_id"] == int(message_id)
    assert call.params["chat_id"] == -1001234
    assert "Corrected update" in call.params["text"]
    assert fake.messages[("-1001234", int(message_id))]["text"].count("Corrected update") == 1


async def test_edit_not_modified_is_success(fake, messenger) -> None:
    """An edit answered "message is not modified" counts as success, natural or programmed."""
    message_id = await messenger.send(USER, alert())
    await messenger.edit(USER, message_id, alert())
    fake.fail_next("editMessageText", NOT_MODIFIED)
    await messenger.edit(USER, message_id, alert("something else"))
    assert len(fake.calls_to("editMessageText")) == 2


@pytest.mark.parametrize("failure", [BLOCKED, KICKED, CHAT_NOT_FOUND], ids=lambda f: f.description)
async def test_gone_chats_raise_chat_gone(fake, messenger, failure) -> None:
    """Blocked, kicked and chat-not-found become ChatGone, on send and on edit."""
    fake.fail_chat(GROUP.chat_id, failure)
    with pytest.raises(ChatGone):
        await messenger.send(GROUP, alert())
    with pytest.raises(ChatGone):
        await messenger.edit(GROUP, "1", alert())


async def test_migrated_chat_raises_chat_moved_with_new_id(fake, messenger) -> None:
    """A group upgraded to a supergroup becomes ChatMoved carrying the new id."""
    fake.fail_chat("-4242", migrated(-1009876))
    with pytest.raises(ChatMoved) as raised:
        await messenger.send(ChatRef("telegram", "-4242"), alert())
    assert raised.value.new_chat_id == "-1009876"


async def test_flood_raises_rate_limited_without_deprecation_warning(fake, messenger) -> None:
    """A 429 becomes RateLimited(retry_after seconds), and reading it does not warn."""
    fake.fail_next("sendMessage", flood(7))
    with warnings.catch_warnings():
        warnings.simplefilter("error", PTBDeprecationWarning)
        with pytest.raises(RateLimited) as raised:
            await messenger.send(USER, alert())
    assert raised.value.retry_after == 7.0
    assert len(fake.calls_to("sendMessage")) == 1  # the rate limiter did not retry


async def test_server_error_raises_transient(fake, messenger) -> None:
    """A 5xx answer becomes Transient."""
    fake.fail_next("sendMessage", SERVER_ERROR)
    with pytest.raises(Transient):
        await messenger.send(USER, alert())


async def test_unreachable_api_raises_transient() -> None:
    """A refused connection (network error) becomes Transient."""
    async with TelegramApiServer() as fake:
        application = application_for(fake)
        await application.initialize()
    try:
        with pytest.raises(Transient):
            await TelegramMessenger(application.bot).send(USER, alert())
    finally:
        await application.shutdown()


@pytest.mark.parametrize(
    "description",
    [
        'Bad Request: can\'t parse entities: Unsupported start tag "x" at byte offset 0',
        "Bad Request: inline keyboard button URL 'x' is invalid: BUTTON_URL_INVALID",
    ],
)
async def test_other_bad_requests_raise_rejected(fake, messenger, description) -> None:
    """Any other 400 rejects that one message, with Telegram's reason."""
    fake.fail_next("sendMessage", Failure(400, description))
    with pytest.raises(Rejected) as raised:
        await messenger.send(USER, alert())
    assert description.removeprefix("Bad Request: ")[:20].lower() in str(raised.value).lower()


async def test_running_starts_polls_and_stops_cleanly(fake) -> None:
    """Start-up calls getMe, setMyCommands and deleteWebhook, polls getUpdates, and an
    injected update reaches a handler; exit stops polling and shuts down."""
    application = application_for(fake)
    received: asyncio.Queue[Update] = asyncio.Queue()

    async def record(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await received.put(update)

    application.add_handler(TypeHandler(Update, record))
    async with running(application, config_for(fake)):
        await fake.wait_for_call("getUpdates")
        fake.inject(telegram_updates.private_command(4242, "/start"))
        update = await asyncio.wait_for(received.get(), timeout=5)
        assert update.effective_message.text == "/start"
        assert application.running
    methods = [call.method for call in fake.calls]
    assert methods[:2] == ["getMe", "setMyCommands"]
    assert methods.index("deleteWebhook") < methods.index("getUpdates")
    assert [c["command"] for c in fake.commands] == [name for name, _ in COMMANDS]
    assert fake.calls_to("getUpdates")[-1].params["timeout"] == 0  # the updater's last call
    assert not application.running
    assert not application.updater.running


async def test_injected_updates_arrive_as_the_library_parses_them(fake) -> None:
    """Each kind of update the fake builds reaches a handler with the facts bindings need."""
    application = application_for(fake)
    queue: asyncio.Queue[Update] = asyncio.Queue()

    async def record(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await queue.put(update)

    application.add_handler(TypeHandler(Update, record))
    updates = [
        telegram_updates.private_command(4242, "/start"),
        telegram_updates.group_command(-1001234, 5, "/list"),
        telegram_updates.anonymous_admin_command(-1001234, "/lock"),
        telegram_updates.channel_post(-1005555, "/help"),
        telegram_updates.topic_command(-1001234, 77, 5, "/subscribe https://rt.test/live"),
        telegram_updates.bot_membership(-1001234, fake.bot_user, 5, added=False),
    ]
    async with running(application, config_for(fake)):
        for update in updates:
            fake.inject(update)
        received = [await asyncio.wait_for(queue.get(), timeout=5) for _ in updates]
    received.sort(key=lambda update: update.update_id)  # handled concurrently
    private, member, anonymous, channel, topic, removed = received
    assert private.effective_chat.type == "private" and private.effective_user.id == 4242
    assert member.effective_chat.id == -1001234 and member.effective_user.id == 5
    assert anonymous.effective_message.sender_chat.id == anonymous.effective_chat.id
    assert channel.channel_post is not None and channel.channel_post.text == "/help"
    assert topic.effective_message.message_thread_id == 77
    assert topic.effective_message.is_topic_message
    assert removed.my_chat_member.new_chat_member.status == "left"


async def test_get_chat_member_answers_the_configured_status(fake) -> None:
    """getChatMember through the library yields the status the test configured."""
    fake.set_member(-1001234, 5, "administrator")
    async with application_for(fake) as application:
        bot = application.bot
        assert (await bot.get_chat_member(-1001234, 5)).status == "administrator"
        assert (await bot.get_chat_member(-1001234, 6)).status == "member"
