"""A fake Telegram Bot API on loopback, for the real python-telegram-bot to talk to.

Point the library at `server.base_url`. Every call is recorded (`calls`) with its
parameters decoded; `wait_for` waits for a condition on them. Tests inject updates
(see `tests.fakes.telegram_updates`), program failures per chat or per next call,
may turn on a global rate limit, and may set seeded `faults` (tests.fakes.faults):
429s, 502s, hangs then 502, and an outage in which every call answers 502. Message text follows the Bot API's HTML rules
(`tests.fakes.telegram_html_rules`): what the real API refuses, this refuses too.
Photos are sent by URL (`sendPhoto`, the caption under the same rules within 1024
characters) and their captions edited (`editMessageCaption`); the fake never fetches a
picture, but refuses a non-http(s) one and any URL a test named with `refuse_photo`.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from typing import Any

from aiohttp import web
from telegram import AcceptedGiftTypes, ChatFullInfo, Document, PhotoSize, User

from tests.fakes import telegram_updates
from tests.fakes.faults import HANG, RATE_LIMITED, Faults
from tests.fakes.telegram_html_rules import ParseError, check_caption_text
from tests.fakes.telegram_rate import TokenBucket
from tests.fakes.telegram_wire import (
    BAD_PHOTO_URL,
    BLOCKED,
    CHAT_NOT_FOUND,
    KICKED,
    NO_CAPTION,
    NO_TEXT,
    NOT_MODIFIED,
    PHOTO_FETCH_FAILED,
    PHOTO_URL_REFUSED,
    SERVER_ERROR,
    Call,
    Failure,
    answer_true,
    chat_type,
    check_message,
    decode_form,
    error_response,
    flood,
    migrated,
    ok_response,
)

__all__ = [
    "BLOCKED",
    "CHAT_NOT_FOUND",
    "KICKED",
    "NOT_MODIFIED",
    "PHOTO_FETCH_FAILED",
    "PHOTO_URL_REFUSED",
    "SERVER_ERROR",
    "Call",
    "Failure",
    "TelegramApiServer",
    "flood",
    "migrated",
]

MESSAGE_METHODS = frozenset({"sendMessage", "editMessageText", "sendPhoto", "editMessageCaption"})
CAPTION_LIMIT = 1024
BAD_GATEWAY = Failure(502, "Bad Gateway")


class TelegramApiServer:
    """The fake Bot API: `async with TelegramApiServer() as server:` then use `server.base_url`."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        username: str = "storywatch_bot",
        rate_per_second: float | None = None,
        port: int = 0,
    ) -> None:
        """`port` 0 takes a free one; a given port brings an API back where it was (an outage
        that ends)."""
        self.token = token
        self.bot_user = User(
            id=int(token.split(":")[0]),
            first_name="storywatch",
            is_bot=True,
            username=username,
            can_join_groups=True,
            can_read_all_group_messages=False,
            supports_inline_queries=False,
        )
        self.calls: list[Call] = []
        self.downloads: list[str] = []  # file paths fetched from the file endpoint
        self.commands: list[dict[str, Any]] = []
        self.messages: dict[tuple[str, int], dict[str, Any]] = {}
        self.html: dict[tuple[str, int], str] = {}  # the text as sent, before entity parsing
        self.accepted_at: dict[tuple[str, int], float] = {}  # the loop's clock
        self.faults: Faults | None = None
        self.port = port
        self._bucket = TokenBucket(rate_per_second) if rate_per_second else None
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._next_message_id = 1
        self._members: dict[tuple[str, int], str] = {}
        self.queries: dict[str, dict[str, Any] | None] = {}  # callback queries: their answer
        # Files by file_id: (file name, bytes), sent by the bot (sendDocument) or by users
        # (`upload`); getFile names them, the file endpoint serves them.
        self.files: dict[str, tuple[str, bytes]] = {}
        self._chat_failures: dict[str, tuple[Failure, frozenset[str]]] = {}
        self._next_failures: defaultdict[str, deque[Failure]] = defaultdict(deque)
        self._update_arrived = asyncio.Event()
        self._call_recorded = asyncio.Event()
        self._closing = False
        self.photos: dict[tuple[str, int], str] = {}  # a photo message's picture URL
        self._refused_photos: dict[str, Failure] = {}
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        """What to pass as the library's base_url (the token is appended to it)."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """Where files are downloaded from, as the library's base_file_url."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    async def __aenter__(self) -> TelegramApiServer:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Stop serving (the port then refuses connections); a second call does nothing."""
        self._closing = True  # releases long polls so shutdown does not wait for them
        self._update_arrived.set()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    # ----- what tests set up -------------------------------------------------------------

    def inject(self, update: dict[str, Any]) -> int:
        """Queue an update for getUpdates; returns the update_id given to it."""
        update_id = self._next_update_id
        self._next_update_id += 1
        self._updates.append({"update_id": update_id, **update})
        self._update_arrived.set()
        return update_id

    def press(self, chat_id: int | str, message_id: int, user_id: int, data: str) -> str:
        """Inject a press by `user_id` of the button with `data` under the bot's message;
        returns the callback query's id (`queries` records its answer)."""
        message = self.messages[(str(chat_id), message_id)]
        query_id = f"q{self._next_update_id}"
        self.queries[query_id] = None
        self.inject(telegram_updates.callback_query(query_id, message, user_id, data))
        return query_id

    def upload(self, filename: str, data: bytes) -> Document:
        """A file a user sends (a document): kept for getFile and the file endpoint."""
        file_id = f"doc-{len(self.files) + 1}"
        self.files[file_id] = (filename, data)
        return Document(file_id, f"u{file_id}", file_name=filename, file_size=len(data))

    def file_of(self, document: dict[str, Any]) -> bytes:
        """The bytes of a document the bot sent (a message's `document`)."""
        return self.files[document["file_id"]][1]

    def set_member(self, chat_id: int | str, user_id: int, status: str) -> None:
        """What getChatMember answers for that user in that chat (default: member)."""
        self._members[(str(chat_id), user_id)] = status

    def fail_chat(
        self, chat_id: int | str, failure: Failure, methods: Iterable[str] = MESSAGE_METHODS
    ) -> None:
        """Answer `failure` to every call of `methods` for `chat_id` until `heal_chat`."""
        self._chat_failures[str(chat_id)] = (failure, frozenset(methods))

    def heal_chat(self, chat_id: int | str) -> None:
        """Stop failing calls for `chat_id`."""
        self._chat_failures.pop(str(chat_id), None)

    def refuse_photo(self, url: str, failure: Failure = PHOTO_URL_REFUSED) -> None:
        """Answer `failure` (a 400, as Telegram gives when it cannot take a picture from a
        URL) to every sendPhoto of `url`."""
        self._refused_photos[url] = failure

    def fail_next(self, method: str, failure: Failure, times: int = 1) -> None:
        """Answer `failure` to the next `times` calls of `method`, whatever the chat."""
        self._next_failures[method].extend([failure] * times)

    # ----- what tests assert on ----------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        """The recorded calls of one method, in order."""
        return [call for call in self.calls if call.method == method]

    async def wait_for(
        self,
        condition: Callable[[list[Call]], object],
        timeout: float = 5.0,  # noqa: ASYNC109 (a test helper: every wait is bounded)
    ) -> list[Call]:
        """Wait until `condition(calls)` is truthy; returns the calls. Raises TimeoutError."""
        async with asyncio.timeout(timeout):
            while not condition(self.calls):
                self._call_recorded.clear()
                await self._call_recorded.wait()
        return self.calls

    async def wait_for_call(
        self,
        method: str,
        where: Callable[[dict[str, Any]], object] = lambda params: True,
        timeout: float = 5.0,  # noqa: ASYNC109 (a test helper: every wait is bounded)
    ) -> Call:
        """Wait for a call of `method` whose params satisfy `where`; returns the first such."""

        def matching(calls: list[Call]) -> list[Call]:
            return [c for c in calls if c.method == method and where(c.params)]

        return matching(await self.wait_for(matching, timeout))[0]

    # ----- the wire ----------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return error_response(Failure(401, "Unauthorized"))
        method = request.match_info["method"]
        params = decode_form(await request.post())
        self.calls.append(Call(method, params, asyncio.get_running_loop().time()))
        self._call_recorded.set()
        failure = await self._fault_for(method)
        if failure is None:
            failure = self._failure_for(method, params)
        if failure is not None:
            return error_response(failure)
        handler = self._methods().get(method)
        if handler is None:
            return error_response(Failure(404, "Not Found: method not found"))
        try:
            return ok_response(await handler(params))
        except ParseError as error:
            return error_response(Failure(400, str(error)))

    async def _fault_for(self, method: str) -> Failure | None:
        faults = self.faults
        if faults is None:
            return None
        if faults.out(asyncio.get_running_loop().time()):
            return BAD_GATEWAY
        fault = faults.draw() if method in MESSAGE_METHODS else None
        if fault == RATE_LIMITED:
            return flood(max(1, round(faults.mix.retry_after)))
        if fault == HANG:
            await asyncio.sleep(faults.mix.hang_seconds)
        return None if fault is None else BAD_GATEWAY

    def _failure_for(self, method: str, params: dict[str, Any]) -> Failure | None:
        queued = self._next_failures.get(method)
        if queued:
            return queued.popleft()
        programmed = self._chat_failures.get(str(params.get("chat_id")))
        if programmed is not None and method in programmed[1]:
            return programmed[0]
        if self._bucket is not None and method in MESSAGE_METHODS:
            wait = self._bucket.take(asyncio.get_running_loop().time())
            if wait > 0:
                return flood(max(1, math.ceil(wait)))
        return None

    def _methods(self) -> dict[str, Callable[[dict[str, Any]], Any]]:
        return {
            "getMe": self._get_me,
            "deleteWebhook": answer_true,
            "setMyCommands": self._set_commands,
            "deleteMyCommands": answer_true,
            "getMyCommands": self._get_commands,
            "getUpdates": self._get_updates,
            "getChatMember": self._get_chat_member,
            "getChat": self._get_chat,
            "sendMessage": self._send_message,
            "sendDocument": self._send_document,
            "getFile": self._get_file,
            "editMessageText": self._edit_message_text,
            "answerCallbackQuery": self._answer_callback_query,
            "close": answer_true,
            "logOut": answer_true,
            "sendPhoto": self._send_photo,
            "editMessageCaption": self._edit_message_caption,
        }

    async def _answer_callback_query(self, params: dict[str, Any]) -> bool:
        """Once per query, with at most 200 characters, as Telegram takes it."""
        query_id = str(params["callback_query_id"])
        if query_id not in self.queries or self.queries[query_id] is not None:
            raise ParseError("Bad Request: query is too old and response timeout expired or "
                             "query ID is invalid")
        if len(str(params.get("text") or "")) > 200:
            raise ParseError("Bad Request: MESSAGE_TOO_LONG")
        self.queries[query_id] = params
        return True

    async def _get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.bot_user.to_dict()

    async def _set_commands(self, params: dict[str, Any]) -> bool:
        self.commands = list(params.get("commands", []))
        return True

    async def _get_commands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        return self.commands

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        # As on Telegram, asking from `offset` confirms every update before it.
        self._updates = [update for update in self._updates if update["update_id"] >= offset]
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(float(params.get("timeout") or 0)):
                while not self._updates and not self._closing:
                    self._update_arrived.clear()
                    await self._update_arrived.wait()
        return self._updates[:limit]

    async def _get_chat_member(self, params: dict[str, Any]) -> dict[str, Any]:
        user_id = int(params["user_id"])
        status = self._members.get((str(params["chat_id"]), user_id), "member")
        return telegram_updates.chat_member(user_id, status)

    async def _get_chat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = params["chat_id"]
        gifts = AcceptedGiftTypes(False, False, False, False, False)
        return ChatFullInfo(
            id=int(chat_id),
            type=chat_type(chat_id),
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types=gifts,
            title=None if int(chat_id) > 0 else "News room",
        ).to_dict()

    async def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        plain = check_message(params)
        chat_id = str(params["chat_id"])
        message = {
            "message_id": self._next_message_id,
            "date": 1706971920,
            "chat": {"id": int(chat_id), "type": chat_type(chat_id)},
            "from": self.bot_user.to_dict(),
            "text": plain,
        }
        if params.get("message_thread_id") is not None:
            message.update(message_thread_id=params["message_thread_id"], is_topic_message=True)
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        self._next_message_id += 1
        self.messages[(chat_id, message["message_id"])] = message
        self.html[(chat_id, message["message_id"])] = params["text"]
        self.accepted_at[(chat_id, message["message_id"])] = asyncio.get_running_loop().time()
        return message

    async def _send_document(self, params: dict[str, Any]) -> dict[str, Any]:
        """sendDocument with an uploaded file (multipart), its caption plain or parsed."""
        upload = params.get("document")
        if not isinstance(upload, dict):
            raise ParseError("Bad Request: wrong file identifier/HTTP URL specified")
        caption = str(params.get("caption", ""))
        if len(caption) > CAPTION_LIMIT:
            raise ParseError("Bad Request: message caption is too long")
        document = self.upload(upload["filename"], upload["data"])
        chat_id = str(params["chat_id"])
        message = {
            "message_id": self._next_message_id, "date": 1706971920,
            "chat": {"id": int(chat_id), "type": chat_type(chat_id)},
            "from": self.bot_user.to_dict(), "document": document.to_dict(), "caption": caption,
        }
        if params.get("message_thread_id") is not None:
            message.update(message_thread_id=params["message_thread_id"], is_topic_message=True)
        self._next_message_id += 1
        self.messages[(chat_id, message["message_id"])] = message
        return message

    async def _get_file(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params.get("file_id"))
        if file_id not in self.files:
            raise ParseError("Bad Request: invalid file_id")
        name, data = self.files[file_id]
        return {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": len(data),
                "file_path": f"documents/{file_id}/{name}"}

    async def _download(self, request: web.Request) -> web.Response:
        """GET /file/bot<token>/<file_path>: the file's bytes, as the Bot API serves them."""
        self.downloads.append(request.match_info["path"])
        self._call_recorded.set()
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        parts = request.match_info["path"].split("/")  # documents/<file_id>/<name>
        kept = self.files.get(parts[1]) if len(parts) == 3 else None
        return web.Response(status=404) if kept is None else web.Response(body=kept[1])

    async def _edit_message_text(self, params: dict[str, Any]) -> dict[str, Any]:
        plain = check_message(params)
        key = (str(params["chat_id"]), int(params["message_id"]))
        message = self.messages.get(key)
        if message is None:
            raise ParseError("Bad Request: message to edit not found")
        if "photo" in message:
            raise ParseError(NO_TEXT.description)
        markup = params.get("reply_markup")
        if self.html[key] == params["text"] and message.get("reply_markup") == markup:
            raise ParseError(NOT_MODIFIED.description)
        self.html[key] = params["text"]
        message.update(text=plain, edit_date=1706971980)
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        return message

    async def _send_photo(self, params: dict[str, Any]) -> dict[str, Any]:
        """sendPhoto by URL: the picture refused as Telegram would, else a photo message
        with its caption (sizes made up: the fake fetches nothing)."""
        url = str(params.get("photo") or "")
        refused = self._refused_photos.get(url)
        if refused is None and not url.startswith(("http://", "https://")):
            refused = BAD_PHOTO_URL
        if refused is not None:
            raise ParseError(refused.description)  # every refusal of a picture is a 400
        plain = _check_photo_message(params)
        chat_id = str(params["chat_id"])
        size = PhotoSize(f"photo-{self._next_message_id}", f"u{self._next_message_id}", 800, 600)
        message = {
            "message_id": self._next_message_id,
            "date": 1706971920,
            "chat": {"id": int(chat_id), "type": chat_type(chat_id)},
            "from": self.bot_user.to_dict(),
            "photo": [size.to_dict()],
        }
        if plain:
            message["caption"] = plain
        if params.get("message_thread_id") is not None:
            message.update(message_thread_id=params["message_thread_id"], is_topic_message=True)
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        self._next_message_id += 1
        key = (chat_id, message["message_id"])
        self.messages[key] = message
        self.html[key] = str(params.get("caption") or "")
        self.photos[key] = url
        self.accepted_at[key] = asyncio.get_running_loop().time()
        return message

    async def _edit_message_caption(self, params: dict[str, Any]) -> dict[str, Any]:
        plain = _check_photo_message(params)
        key = (str(params["chat_id"]), int(params["message_id"]))
        message = self.messages.get(key)
        if message is None:
            raise ParseError("Bad Request: message to edit not found")
        if "photo" not in message:
            raise ParseError(NO_CAPTION.description)
        caption, markup = str(params.get("caption") or ""), params.get("reply_markup")
        if self.html[key] == caption and message.get("reply_markup") == markup:
            raise ParseError(NOT_MODIFIED.description)
        self.html[key] = caption
        message.update(caption=plain, edit_date=1706971980)
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        return message


def _check_photo_message(params: dict[str, Any]) -> str:
    """Apply the Bot API's caption and button rules; returns the caption after entity parsing."""
    plain = check_caption_text(str(params.get("caption") or ""), params.get("parse_mode"))
    check_message({"text": "-", "reply_markup": params.get("reply_markup")})
    return plain
