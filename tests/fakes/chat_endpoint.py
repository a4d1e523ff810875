"""A fake OpenAI-compatible chat-completions endpoint on loopback, answering in any shape.

`ChatEndpoint.shape` names what it answers from now on (see `SHAPES`), and
`delay` how long it waits first; `requests` records every request body.
Used by the summarizer's tests and by `bench/summaries.py`.
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from aiohttp import web

from tests.fakes.web import serve

DEEP = 100_000
HUGE = 32 * 1024 * 1024


def completion(content: object) -> bytes:
    """A chat-completions answer whose first choice says `content`."""
    return json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]}
                      ).encode()


SHAPES = ("good", "no_choices", "deep", "500", "hang", "not_json", "empty", "null",
          "too_long", "huge", "no_choices_key", "bomb")
"""Every answer the endpoint can give; all but "good" are unusable."""


class ChatEndpoint:
    """The endpoint's state: what it answers, after how long, and what it was asked."""

    def __init__(self) -> None:
        self.shape = "good"
        self.delay = 0.0
        self.summary = "Rescuers reached the villages."
        self.requests: list[dict[str, object]] = []
        self.headers: list[dict[str, str]] = []
        self.url = ""
        self.in_flight = 0
        self.peak = 0
        self._changed = asyncio.Condition()

    async def wait(self, condition: Callable[[], bool], within: float = 5) -> None:
        """Wait until `condition()` holds, checked whenever a request starts or ends."""
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(condition)

    async def _moved(self, by: int) -> None:
        self.in_flight += by
        self.peak = max(self.peak, self.in_flight)
        async with self._changed:
            self._changed.notify_all()

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        """Answer one request in the current shape."""
        self.requests.append(await request.json())
        self.headers.append(dict(request.headers))
        await self._moved(+1)
        try:
            return await self._answer(request)
        finally:
            await self._moved(-1)

    async def _answer(self, request: web.BaseRequest) -> web.StreamResponse:
        if self.shape == "hang":
            await asyncio.Event().wait()
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.shape == "huge":
            return await _stream_huge(request)
        if self.shape == "bomb":
            return web.Response(body=_bomb(), headers={"Content-Encoding": "gzip",
                                                       "Content-Type": "application/json"})
        status, body = _answer(self.shape, self.summary)
        return web.Response(status=status, body=body, content_type="application/json")


def _answer(shape: str, summary: str) -> tuple[int, bytes]:
    answers = {
        "good": (200, completion(summary)),
        "no_choices": (200, b'{"choices": []}'),
        "no_choices_key": (200, b'{"error": "no model"}'),
        "deep": (200, b"[" * DEEP + b"]" * DEEP),
        "500": (500, b'{"error": "boom"}'),
        "not_json": (200, b"<html>gateway error</html>"),
        "empty": (200, completion("")),
        "null": (200, completion(None)),
        "too_long": (200, completion("word " * 2000)),
    }
    return answers[shape]


async def _stream_huge(request: web.BaseRequest) -> web.StreamResponse:
    """32 MiB of a JSON string, chunked, with no Content-Length: only a reader's cap stops it."""
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    await response.prepare(request)
    chunk = b"a" * (1024 * 1024)
    try:
        await response.write(b'{"choices": [{"message": {"content": "')
        for _ in range(HUGE // len(chunk)):
            await response.write(chunk)
        await response.write(b'"}}]}')
    except (ConnectionResetError, ConnectionError):
        pass
    return response


@functools.cache
def _bomb() -> bytes:
    """8 MiB of JSON whitespace gzipped to about 36 KiB: small on the wire, large inflated
    (gzipping 32 MiB would take the fake half a second)."""
    return gzip.compress(b" " * (8 * 1024 * 1024) + completion("x"), compresslevel=1)


@asynccontextmanager
async def chat_endpoint() -> AsyncIterator[ChatEndpoint]:
    """A `ChatEndpoint` served on 127.0.0.1; its `url` is the completions URL."""
    endpoint = ChatEndpoint()
    async with serve(endpoint.handle) as base:
        endpoint.url = f"{base}/v1/chat/completions"
        yield endpoint
