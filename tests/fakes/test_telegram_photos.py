"""The fake Bot API's photos (sendPhoto by URL, editMessageCaption) follow the Bot API's
rules, so the photo tests that rely on it can trust it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakes.telegram_api import PHOTO_FETCH_FAILED, TelegramApiServer
from tests.fakes.test_telegram_api import post

URL = "https://cdn.example/pic.jpg"


@pytest.fixture
async def fake() -> AsyncIterator[TelegramApiServer]:
    async with TelegramApiServer() as server:
        yield server


async def test_send_photo_keeps_the_url_and_the_parsed_caption(fake) -> None:
    """A photo message with its sizes and its caption after entity parsing; the URL kept."""
    status, body = await post(fake, "sendPhoto", chat_id=1, photo=URL,
                              caption="<b>a</b> &amp; b", parse_mode="HTML")
    assert status == 200
    message = body["result"]
    assert message["caption"] == "a & b" and message["photo"][0]["width"] > 0
    assert fake.photos[("1", message["message_id"])] == URL


async def test_send_photo_refuses_a_long_caption_a_bad_url_and_a_refused_picture(fake) -> None:
    """Over 1024 characters, a non-http(s) photo, or a URL the test refused: 400 each."""
    status, body = await post(fake, "sendPhoto", chat_id=1, photo=URL, caption="x" * 1025)
    assert status == 400 and body["description"] == "Bad Request: message caption is too long"
    status, body = await post(fake, "sendPhoto", chat_id=1, photo="file:///etc/passwd")
    assert status == 400 and "wrong file identifier/HTTP URL specified" in body["description"]
    fake.refuse_photo(URL, PHOTO_FETCH_FAILED)
    status, body = await post(fake, "sendPhoto", chat_id=1, photo=URL, caption="ok")
    assert (status, body["description"]) == (400, PHOTO_FETCH_FAILED.description)
    assert not fake.messages


async def test_captions_and_texts_are_edited_each_by_their_own_method(fake) -> None:
    """editMessageCaption edits a photo (an identical caption is "not modified"), and is
    refused on a text message; editMessageText is refused on a photo."""
    _, photo = await post(fake, "sendPhoto", chat_id=1, photo=URL, caption="old")
    _, text = await post(fake, "sendMessage", chat_id=1, text="old")
    photo_id, text_id = photo["result"]["message_id"], text["result"]["message_id"]
    status, body = await post(fake, "editMessageCaption", chat_id=1, message_id=photo_id,
                              caption="old")
    assert status == 400 and "message is not modified" in body["description"]
    status, _ = await post(fake, "editMessageCaption", chat_id=1, message_id=photo_id,
                           caption="new")
    assert status == 200 and fake.messages[("1", photo_id)]["caption"] == "new"
    status, body = await post(fake, "editMessageCaption", chat_id=1, message_id=text_id,
                              caption="new")
    assert status == 400 and "no caption in the message" in body["description"]
    status, body = await post(fake, "editMessageText", chat_id=1, message_id=photo_id, text="x")
    assert status == 400 and "no text in the message" in body["description"]
