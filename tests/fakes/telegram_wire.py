"""The fake Telegram Bot API's wire format: recorded calls, error answers, form decoding."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.telegram_html_rules import ParseError, check_button_url, check_message_text

CALLBACK_DATA_BYTES = 64  # an inline button's callback_data: 1 to 64 bytes

# Free-text parameters the library sends as they are; everything else is JSON-encoded.
_TEXT_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "url",
        "description",
        "short_description",
        "name",
        "language_code",
        "photo",
    }
)


@dataclass(frozen=True, slots=True)
class Call:
    """One request the library made: the method name, its decoded parameters and when it
    arrived (the event loop's clock)."""

    method: str
    params: dict[str, Any]
    at: float = 0.0


@dataclass(frozen=True, slots=True)
class Failure:
    """An error answer: HTTP status, Bot API description and optional `parameters`."""

    status: int
    description: str
    parameters: dict[str, int] = field(default_factory=dict)


BLOCKED = Failure(403, "Forbidden: bot was blocked by the user")
KICKED = Failure(403, "Forbidden: bot was kicked from the group chat")
CHAT_NOT_FOUND = Failure(400, "Bad Request: chat not found")
NOT_MODIFIED = Failure(
    400,
    "Bad Request: message is not modified: specified new message "
    "content and reply markup are exactly the same as a current "
    "content and reply markup of the message",
)
SERVER_ERROR = Failure(500, "Internal Server Error")
PHOTO_URL_REFUSED = Failure(400, "Bad Request: wrong type of the web page content")
PHOTO_FETCH_FAILED = Failure(400, "Bad Request: failed to get HTTP URL content")
BAD_PHOTO_URL = Failure(400, "Bad Request: wrong file identifier/HTTP URL specified")
NO_CAPTION = Failure(400, "Bad Request: there is no caption in the message to edit")
NO_TEXT = Failure(400, "Bad Request: there is no text in the message to edit")


def migrated(new_chat_id: int) -> Failure:
    """The answer for a group that became a supergroup with `new_chat_id`."""
    return Failure(
        400,
        "Bad Request: group chat was upgraded to a supergroup chat",
        {"migrate_to_chat_id": new_chat_id},
    )


def flood(retry_after: int) -> Failure:
    """A 429 asking to wait `retry_after` seconds."""
    return Failure(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


def check_message(params: dict[str, Any]) -> str:
    """Apply the Bot API's text and button rules; returns the text after entity parsing."""
    plain = check_message_text(str(params.get("text", "")), params.get("parse_mode"))
    for row in (params.get("reply_markup") or {}).get("inline_keyboard", []):
        for button in row:
            if "url" in button:
                check_button_url(button["url"])
            if "callback_data" in button and not 1 <= len(
                    str(button["callback_data"]).encode()) <= CALLBACK_DATA_BYTES:
                raise ParseError("Bad Request: BUTTON_DATA_INVALID")
    return plain


def decode_form(form: Any) -> dict[str, Any]:
    """Form fields back to values: the library JSON-encodes everything but plain strings."""
    params: dict[str, Any] = {}
    for name, raw in form.items():
        if isinstance(raw, web.FileField):  # an uploaded file (multipart): its name and bytes
            params[name] = {"filename": raw.filename, "data": raw.file.read()}
            continue
        if name in _TEXT_PARAMS or not isinstance(raw, str):
            params[name] = raw
            continue
        try:
            params[name] = json.loads(raw)
        except json.JSONDecodeError:
            params[name] = raw  # a string such as "@channelname"
    return params


def chat_type(chat_id: int | str) -> str:
    text = str(chat_id)
    if not text.startswith("-"):
        return "private"
    return "supergroup" if text.startswith("-100") else "group"


async def answer_true(params: dict[str, Any]) -> bool:
    return True


def ok_response(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def error_response(failure: Failure) -> web.Response:
    body: dict[str, Any] = {
        "ok": False,
        "error_code": failure.status,
        "description": failure.description,
    }
    if failure.parameters:
        body["parameters"] = failure.parameters
    return web.json_response(body, status=failure.status)
