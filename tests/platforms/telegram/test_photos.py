"""Alerts with a picture through TelegramMessenger, the real python-telegram-bot talking to
the fake Bot API on loopback: sendPhoto with the caption, text with the picture as preview
when too long, text once when Telegram refuses the picture, captions edited in place."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest

from bot.app.dispatcher import Dispatcher, DispatchPolicy
from bot.app.watcher import Watcher
from bot.core.errors import Rejected
from bot.core.model import Alert, ChatRef, Digest, Entry, StoryRef
from bot.core.pacing import Limits, Rate
from bot.core.summarize import ExtractiveSummarizer
from bot.edges.config import TelegramConfig
from bot.platforms.telegram.messenger import TelegramMessenger, build_application
from storage import Database, chats, entries, outbox, stories, subscriptions
from storage.outbox import NewDelivery
from tests.app.test_watcher import POLICY, FakeSource, update
from tests.fakes.clock import FakeClock
from tests.fakes.telegram_api import (
    PHOTO_FETCH_FAILED,
    Failure,
    TelegramApiServer,
)

T0 = datetime(2024, 2, 3, 14, 52, tzinfo=UTC)
USER = ChatRef("telegram", "4242")
TOPIC = ChatRef("telegram", "-1001234", thread_id="77")
STORY = StoryRef("https://rt.test/live", "US strikes")
IMAGE = "https://cdn.rt.test/pics/strike.jpg"


def pictured(summary: str = "Strikes <b>hit</b> & more", image: str | None = IMAGE,
             key: str = "u1") -> Alert:
    entry = Entry(key, T0, summary, "Headline", None, f"https://rt.test/live#{key}", image=image)
    return Alert(STORY, entry, summary)


def config_for(fake: TelegramApiServer) -> TelegramConfig:
    return TelegramConfig(token=fake.token, base_url=fake.base_url, rate_per_second=1000,
                          group_rate_per_minute=60000, poll_timeout=1)


@pytest.fixture
async def fake() -> AsyncIterator[TelegramApiServer]:
    async with TelegramApiServer() as server:
        yield server


@pytest.fixture
async def messenger(fake: TelegramApiServer) -> AsyncIterator[TelegramMessenger]:
    async with build_application(config_for(fake)) as application:
        yield TelegramMessenger(application.bot)


def sends(fake: TelegramApiServer) -> list[str]:
    """The methods called that post or edit a message, in order."""
    return [call.method for call in fake.calls if call.method.startswith(("send", "edit"))]


def text_of(fake: TelegramApiServer, chat: ChatRef, message_id: str) -> str:
    """What the chat shows for the message: its caption or its text."""
    message = fake.messages[(chat.chat_id, int(message_id.split(":")[-1]))]
    return str(message.get("caption", message.get("text")))


async def test_an_alert_with_a_picture_is_one_photo_with_the_alert_as_caption(
        fake, messenger) -> None:
    """One sendPhoto: the picture's URL, the alert as HTML caption, the update's button."""
    message_id = await messenger.send(USER, pictured())
    assert sends(fake) == ["sendPhoto"]
    [call] = fake.calls_to("sendPhoto")
    assert call.params["photo"] == IMAGE and call.params["parse_mode"] == "HTML"
    assert "Strikes &lt;b&gt;hit&lt;/b&gt; &amp; more" in call.params["caption"]
    assert call.params["reply_markup"] == {
        "inline_keyboard": [[{"text": "Open update", "url": "https://rt.test/live#u1"}]]}
    [(key, message)] = fake.messages.items()
    assert fake.photos[key] == IMAGE
    assert "Strikes <b>hit</b> & more" in message["caption"]
    assert "Strikes <b>hit</b> & more" in text_of(fake, USER, message_id)


async def test_a_photo_goes_to_its_forum_topic(fake, messenger) -> None:
    """A topic's alert with a picture is posted into that topic."""
    await messenger.send(TOPIC, pictured())
    assert fake.calls_to("sendPhoto")[-1].params["message_thread_id"] == 77


async def test_an_alert_too_long_for_a_caption_is_text_with_the_picture_as_preview(
        fake, messenger) -> None:
    """Over 1024 characters: one sendMessage whose link preview is the picture, large and
    above the text; no sendPhoto."""
    summary = "The convoy crossed the border before dawn. " * 30
    await messenger.send(USER, pictured(summary))
    assert not fake.calls_to("sendPhoto")
    [call] = fake.calls_to("sendMessage")
    assert call.params["link_preview_options"] == {
        "url": IMAGE, "prefer_large_media": True, "show_above_text": True}
    assert "The convoy crossed the border" in call.params["text"]


async def test_an_alert_without_a_picture_stays_text_without_preview(fake, messenger) -> None:
    """No picture (or none over http(s)): the plain text alert, previews off."""
    await messenger.send(USER, pictured(image=None))
    await messenger.send(USER, pictured(image="javascript:alert(1)"))
    assert not fake.calls_to("sendPhoto")
    assert [call.params["link_preview_options"] for call in fake.calls_to("sendMessage")] == [
        {"is_disabled": True}] * 2


async def test_a_digest_stays_text(fake, messenger) -> None:
    """A digest of alerts with pictures is one text message, previews off."""
    await messenger.send(USER, Digest((pictured(key="u1"), pictured(key="u2"))))
    assert sends(fake) == ["sendMessage"]
    assert fake.calls_to("sendMessage")[0].params["link_preview_options"] == {"is_disabled": True}


@pytest.mark.parametrize("failure", [
    PHOTO_FETCH_FAILED,
    Failure(400, "Bad Request: wrong type of the web page content"),
    Failure(400, "Bad Request: wrong file identifier/HTTP URL specified"),
    Failure(400, "Bad Request: IMAGE_PROCESS_FAILED"),
    Failure(400, "Bad Request: PHOTO_INVALID_DIMENSIONS"),
])
async def test_a_refused_picture_sends_the_alert_as_text_once(fake, messenger, failure) -> None:
    """Telegram refusing the picture: the same alert arrives as one text message, and the
    id returned is that message's."""
    fake.refuse_photo(IMAGE, failure)
    message_id = await messenger.send(USER, pictured())
    assert sends(fake) == ["sendPhoto", "sendMessage"]
    [(key, message)] = fake.messages.items()
    assert str(key[1]) == message_id and "photo" not in message
    assert "Strikes <b>hit</b> & more" in message["text"]


async def test_a_refusal_not_about_the_picture_is_the_deliverys_failure(fake, messenger) -> None:
    """Any other 400 (here a caption Telegram cannot parse) is Rejected, not sent as text."""
    fake.fail_next("sendPhoto", Failure(400, "Bad Request: can't parse entities: oops"))
    with pytest.raises(Rejected, match="parse entities"):
        await messenger.send(USER, pictured())
    assert not fake.calls_to("sendMessage") and not fake.messages


async def test_an_edited_photo_alert_has_its_caption_edited(fake, messenger) -> None:
    """A correction of an alert sent as a photo: editMessageCaption on that message (a text
    edit would be refused), the caption now the corrected alert."""
    message_id = await messenger.send(USER, pictured("The minister resigend."))
    await messenger.edit(USER, message_id, pictured("The minister resigned."))
    [edit] = fake.calls_to("editMessageCaption")
    assert (edit.params["chat_id"], str(edit.params["message_id"])) == (
        4242, message_id.removeprefix("photo:"))
    assert not fake.calls_to("editMessageText")
    assert "The minister resigned." in text_of(fake, USER, message_id)
    await messenger.edit(USER, message_id, pictured("The minister resigned."))  # unchanged: fine


async def test_an_edited_photo_alert_grown_long_keeps_within_the_caption(fake, messenger) -> None:
    """A correction longer than a caption holds is trimmed to fit, not refused."""
    message_id = await messenger.send(USER, pictured("Short first account."))
    await messenger.edit(USER, message_id, pictured("A much longer account. " * 80))
    assert "A much longer account." in text_of(fake, USER, message_id)


async def test_an_edited_text_alert_with_a_picture_keeps_its_preview(fake, messenger) -> None:
    """An alert that went as text with the picture as preview is edited as text, preview kept."""
    message_id = await messenger.send(USER, pictured("Long. " * 250))
    await messenger.edit(USER, message_id, pictured("Longer. " * 250))
    [edit] = fake.calls_to("editMessageText")
    assert edit.params["link_preview_options"]["url"] == IMAGE
    assert "Longer." in text_of(fake, USER, message_id)


async def test_a_refused_picture_through_the_dispatcher_is_delivered_once(tmp_path: Path) -> None:
    """Through the outbox: a refused picture and the alert after it are each delivered
    exactly once as one message (the refused one as text), marked sent; a drain after
    sends nothing; the refused send and its text each took a slot of the chat's rate."""
    async with TelegramApiServer() as fake:
        fake.refuse_photo("https://cdn.rt.test/broken.jpg")
        policy = DispatchPolicy(pacing={"telegram": Limits(overall=Rate(1000), chat=Rate(5))})
        async with (build_application(config_for(fake)) as application,
                    Database.open(tmp_path / "d.db") as db):
            async with db.write() as tx:
                story = await stories.add(tx, STORY.url, now=T0, interval=60)
                chat = await chats.ensure(tx, USER, now=T0)
                await outbox.enqueue(tx, [
                    NewDelivery(chat.id, "alert", pictured("Refused picture.",
                                image="https://cdn.rt.test/broken.jpg", key="u1"), T0, story.id),
                    NewDelivery(chat.id, "alert", pictured("Good picture.", key="u2"), T0,
                                story.id)], now=T0)
            dispatcher = Dispatcher(db, {"telegram": TelegramMessenger(application.bot)},
                                    policy, lambda: datetime.now(UTC))
            assert await dispatcher.drain() == 2
            assert await dispatcher.drain() == 0
            sent = await outbox.list_for_chat(db, chat.id)
    assert [(d.state, d.message_id) for d in sent] == [("sent", "1"), ("sent", "photo:2")]
    shown = [str(m.get("text", m.get("caption"))) for m in fake.messages.values()]
    assert len(shown) == 2
    assert "Refused picture." in shown[0] and "Good picture." in shown[1]
    calls = [call for call in fake.calls if call.method in {"sendPhoto", "sendMessage"}]
    assert [call.method for call in calls] == ["sendPhoto", "sendMessage", "sendPhoto"]
    assert all(later.at - earlier.at > 0.9 / 5 for earlier, later in pairwise(calls))


async def test_a_correction_through_the_outbox_edits_the_photos_caption(tmp_path: Path) -> None:
    """Through the outbox: an alert sent as a photo, then its correction as an edit delivery:
    editMessageCaption on that very message, the photo now captioned with the correction."""
    async with (TelegramApiServer() as fake, build_application(config_for(fake)) as application,
                Database.open(tmp_path / "d.db") as db):
        first = pictured("The minister resigend.")
        async with db.write() as tx:
            story = await stories.add(tx, STORY.url, now=T0, interval=60)
            chat = await chats.ensure(tx, USER, now=T0)
            entry_id = await entries.add(tx, story.id, first.entry, now=T0)
            await outbox.enqueue(tx, [NewDelivery(chat.id, "alert", first, T0, story.id,
                                                  entry_id)], now=T0)
        dispatcher = Dispatcher(db, {"telegram": TelegramMessenger(application.bot)},
                                DispatchPolicy(), lambda: datetime.now(UTC))
        assert await dispatcher.drain() == 1
        async with db.write() as tx:
            await outbox.enqueue(tx, [NewDelivery(
                chat.id, "edit", pictured("The minister resigned."), T0, story.id,
                entry_id)], now=T0)
        assert await dispatcher.drain() == 1
    [photo] = fake.calls_to("sendPhoto")
    [edit] = fake.calls_to("editMessageCaption")
    assert not fake.calls_to("editMessageText") and not fake.calls_to("sendMessage")
    [(key, message)] = fake.messages.items()
    assert edit.params["message_id"] == key[1] and fake.photos[key] == photo.params["photo"]
    assert "The minister resigned." in message["caption"]


async def test_a_chat_with_images_off_gets_the_update_as_text(tmp_path: Path) -> None:
    """A story's new update with a picture, checked and delivered to two chats: the one with
    images on gets a photo, the one that said /images off the text alert, previews off."""
    clock = FakeClock(T0 + timedelta(hours=1))
    source = FakeSource(clock)
    async with (TelegramApiServer() as fake, build_application(config_for(fake)) as application,
                Database.open(tmp_path / "d.db") as db):
        async with db.write() as tx:
            story = await stories.add(tx, STORY.url, now=clock(), interval=60)
            for chat_id in ("4242", "5151"):
                chat = await chats.ensure(tx, ChatRef("telegram", chat_id), now=clock())
                await subscriptions.subscribe(tx, chat.id, story.id, now=clock())
            await chats.set_images(tx, chat.id, False)  # 5151
        watcher = Watcher(db, source, source.extract, ExtractiveSummarizer(), POLICY, clock)
        source.show([update(1)])
        await watcher.check(story.id)
        source.show([replace(update(2), image=IMAGE), update(1)])
        await watcher.check(story.id)
        dispatcher = Dispatcher(db, {"telegram": TelegramMessenger(application.bot)},
                                DispatchPolicy(), lambda: datetime.now(UTC))
        assert await dispatcher.drain() == 2
    [photo] = fake.calls_to("sendPhoto")
    [text] = fake.calls_to("sendMessage")
    assert (photo.params["chat_id"], photo.params["photo"]) == (4242, IMAGE)
    assert text.params["chat_id"] == 5151
    assert text.params["link_preview_options"] == {"is_disabled": True}
    assert "Update 2" in photo.params["caption"] and "Update 2" in text.params["text"]
