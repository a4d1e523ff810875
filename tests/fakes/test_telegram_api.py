"""The fake Telegram Bot API's own rules, so tests that rely on it can trust it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.fakes import telegram_updates
from tests.fakes.telegram_api import BLOCKED, SERVER_ERROR, TelegramApiServer
from tests.fakes.telegram_html_rules import (
    ParseError,
    check_button_url,
    check_message_text,
    parse_html,
)
from tests.fakes.telegram_rate import TokenBucket

ACCEPTED = [
    ("<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins>", "bsieun"),
    ("<s>s</s><strike>k</strike><del>d</del>", "skd"),
    ('<span class="tg-spoiler">x</span><tg-spoiler>y</tg-spoiler>', "xy"),
    ('<a href="https://e.test/?a=1&amp;b=2">link</a>', "link"),
    ('<pre><code class="language-python">x</code></pre>', "x"),
    ("<blockquote expandable>q</blockquote>", "q"),
    ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', "👍"),
    ("&lt;&gt;&amp;&quot; &#60; &#x3C;", '<>&" < <'),
    ("<b>bold <i>both</i></b> plain > still fine", "bold both plain > still fine"),
]
REFUSED = [
    "<br>",
    "<p>x</p>",
    "<script>x</script>",
    '<span class="x">x</span>',
    "<b>open",
    "</b>",
    "<b><i>x</b></i>",
    "a & b",
    "&nbsp;",
    "&#0;",
    "&#xD800;",
    "x <",
    "<b",
    '<a href="x&y">l</a>',
]


def test_accepted_markup_parses_to_its_text() -> None:
    """Every tag and entity the Bot API documents parses to the text a reader sees."""
    for markup, text in ACCEPTED:
        assert parse_html(markup) == text


@pytest.mark.parametrize("markup", REFUSED)
def test_refused_markup_raises_cant_parse_entities(markup: str) -> None:
    """Unsupported tags, unbalanced nesting and unknown entities are refused like Telegram."""
    with pytest.raises(ParseError, match=r"^Bad Request: can't parse entities: "):
        parse_html(markup)


def test_length_limit_applies_after_entity_parsing_in_utf16() -> None:
    """4096 visible UTF-16 units pass however long the markup; one more is too long."""
    assert len(check_message_text("&amp;" * 4096, "HTML")) == 4096
    check_message_text("😀" * 2048, None)
    with pytest.raises(ParseError, match=r"^Bad Request: message is too long$"):
        check_message_text("😀" * 2048 + "x", None)
    with pytest.raises(ParseError, match="text is empty"):
        check_message_text("<b> </b>", "HTML")


def test_without_parse_mode_markup_is_text() -> None:
    """Without parse_mode the text is taken as it is."""
    assert check_message_text("<b>x & y", None) == "<b>x & y"


@pytest.mark.parametrize("url", ["https://e.test/a", "http://e.test", "tg://user?id=1"])
def test_button_urls_accepted(url: str) -> None:
    """http(s) and tg links are valid button URLs."""
    check_button_url(url)


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "data:text/html,x", "ftp://e.test", "https://", "e.test/page"]
)
def test_button_urls_refused(url: str) -> None:
    """Any other button URL is refused with BUTTON_URL_INVALID."""
    with pytest.raises(ParseError, match="BUTTON_URL_INVALID"):
        check_button_url(url)


def test_token_bucket_allows_rate_then_says_how_long_to_wait() -> None:
    """N calls a second pass; the next waits for a token to come back."""
    bucket = TokenBucket(2)
    assert bucket.take(0.0) == 0 and bucket.take(0.0) == 0
    assert bucket.take(0.0) == pytest.approx(0.5)
    assert bucket.take(0.5) == 0


@pytest.fixture
async def fake() -> AsyncIterator[TelegramApiServer]:
    async with TelegramApiServer() as server:
        yield server


async def post(
    fake: TelegramApiServer, method: str, token: str | None = None, **params: Any
) -> tuple[int, dict[str, Any]]:
    """Call the fake as python-telegram-bot does: form fields, non-strings JSON-encoded."""
    form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    url = f"{fake.base_url}{token or fake.token}/{method}"
    async with aiohttp.ClientSession() as session, session.post(url, data=form) as response:
        return response.status, await response.json()


async def test_send_message_refuses_bad_html_and_button(fake) -> None:
    """sendMessage answers 400 for unparsable HTML and for a javascript: button."""
    status, body = await post(fake, "sendMessage", chat_id=1, text="<x>", parse_mode="HTML")
    assert (status, body["ok"]) == (400, False)
    assert body["description"].startswith("Bad Request: can't parse entities")
    markup = {"inline_keyboard": [[{"text": "go", "url": "javascript:alert(1)"}]]}
    status, body = await post(fake, "sendMessage", chat_id=1, text="ok", reply_markup=markup)
    assert status == 400 and "BUTTON_URL_INVALID" in body["description"]


async def test_send_message_returns_message_and_edit_detects_no_change(fake) -> None:
    """sendMessage returns a Message with increasing ids; an identical edit is refused."""
    _, first = await post(fake, "sendMessage", chat_id=-100, text="<b>a</b>", parse_mode="HTML")
    _, second = await post(fake, "sendMessage", chat_id=-100, text="b")
    assert first["result"]["text"] == "a"
    assert second["result"]["message_id"] == first["result"]["message_id"] + 1
    edit = {"chat_id": -100, "message_id": first["result"]["message_id"], "parse_mode": "HTML"}
    status, body = await post(fake, "editMessageText", text="<b>a</b>", **edit)
    assert status == 400 and "message is not modified" in body["description"]
    status, body = await post(fake, "editMessageText", text="<b>c</b>", **edit)
    assert status == 200 and fake.messages[("-100", edit["message_id"])]["text"] == "c"


async def test_callback_data_and_answers_follow_telegrams_rules(fake) -> None:
    """callback_data over 64 bytes is refused; a callback query is answered once, with at
    most 200 characters, and an unknown one not at all."""
    long = {"inline_keyboard": [[{"text": "x", "callback_data": "é" * 33}]]}
    status, body = await post(fake, "sendMessage", chat_id=1, text="ok", reply_markup=long)
    assert status == 400 and "BUTTON_DATA_INVALID" in body["description"]
    fits = {"inline_keyboard": [[{"text": "x", "callback_data": "d" * 64}]]}
    _, sent = await post(fake, "sendMessage", chat_id=1, text="ok", reply_markup=fits)
    query = fake.press(1, sent["result"]["message_id"], 7, "d" * 64)
    status, _ = await post(fake, "answerCallbackQuery", callback_query_id=query, text="t" * 201)
    assert status == 400 and fake.queries[query] is None
    status, _ = await post(fake, "answerCallbackQuery", callback_query_id=query, text="done")
    assert status == 200 and fake.queries[query] == {"callback_query_id": query, "text": "done"}
    for again in (query, "unknown"):
        status, body = await post(fake, "answerCallbackQuery", callback_query_id=again)
        assert status == 400 and "query ID is invalid" in body["description"]


async def test_programmed_failures_per_chat_and_per_next_call(fake) -> None:
    """A chat fails until healed; a next-call failure happens once; calls are recorded."""
    fake.fail_chat(7, BLOCKED)
    fake.fail_next("sendMessage", SERVER_ERROR)
    assert (await post(fake, "sendMessage", chat_id=8, text="x"))[0] == 500
    assert (await post(fake, "sendMessage", chat_id=8, text="x"))[0] == 200
    status, body = await post(fake, "sendMessage", chat_id=7, text="x")
    assert (status, body["description"]) == (403, BLOCKED.description)
    fake.heal_chat(7)
    assert (await post(fake, "sendMessage", chat_id=7, text="x"))[0] == 200
    assert [c.params["chat_id"] for c in fake.calls_to("sendMessage")] == [8, 8, 7, 7]
    assert fake.calls[0].params["text"] == "x"


async def test_wrong_token_is_unauthorized(fake) -> None:
    """A request with another token is answered 401."""
    assert (await post(fake, "getMe", token="1:other"))[0] == 401


async def test_rate_limit_answers_429_with_retry_after() -> None:
    """With a global rate, calls beyond it get 429 and parameters.retry_after."""
    async with TelegramApiServer(rate_per_second=2) as fake:
        statuses = [(await post(fake, "sendMessage", chat_id=1, text="x"))[0] for _ in range(3)]
        _, body = await post(fake, "sendMessage", chat_id=1, text="x")
    assert statuses == [200, 200, 429]
    assert body["parameters"]["retry_after"] >= 1


async def test_get_chat_member_answers_configured_status(fake) -> None:
    """getChatMember answers the status set for that user, member by default."""
    fake.set_member(-100, 5, "administrator")
    assert (await post(fake, "getChatMember", chat_id=-100, user_id=5))[1]["result"][
        "status"
    ] == "administrator"
    assert (await post(fake, "getChatMember", chat_id=-100, user_id=6))[1]["result"][
        "status"
    ] == "member"


async def test_get_updates_long_polls_and_honours_offset(fake) -> None:
    """getUpdates waits up to `timeout` for an update and drops those before `offset`."""
    _, empty = await post(fake, "getUpdates", offset=0, timeout=0.05)
    assert empty["result"] == []
    waiting = asyncio.create_task(post(fake, "getUpdates", offset=0, timeout=5))
    await fake.wait_for(lambda calls: len(calls) == 2)
    first = fake.inject(telegram_updates.private_command(1, "/start"))
    _, woken = await asyncio.wait_for(waiting, timeout=5)
    assert [u["update_id"] for u in woken["result"]] == [first]
    second = fake.inject(telegram_updates.channel_post(-1001, "/help"))
    _, body = await post(fake, "getUpdates", offset=first + 1, timeout=0)
    assert [u["update_id"] for u in body["result"]] == [second]
    _, again = await post(fake, "getUpdates", offset=0, timeout=0)
    assert [u["update_id"] for u in again["result"]] == [second]  # `first` was confirmed


async def test_wait_for_times_out(fake) -> None:
    """wait_for raises TimeoutError when the condition never holds."""
    with pytest.raises(TimeoutError):
        await fake.wait_for(lambda calls: calls, timeout=0.05)
