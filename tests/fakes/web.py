"""A web server on loopback whose pages tests change while the bot watches them."""

from __future__ import annotations

import asyncio
import hashlib
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class Resource:
    """What one path answers: a body with its type, or a status, plus extra headers."""

    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: bool = True


class WebServer:
    """Serves `Resource`s by path on 127.0.0.1; answers If-None-Match with 304 when ETags match."""

    def __init__(self) -> None:
        self.resources: dict[str, Resource] = {}
        self.gates: dict[str, asyncio.Event] = {}  # a gated path answers once its gate opens
        self.hits: Counter[str] = Counter()
        self.requests: list[web.BaseRequest] = []
        self._runner: web.ServerRunner | None = None
        self._hit = asyncio.Condition()
        self.port = 0

    def url(self, path: str) -> str:
        """The absolute URL of `path` on this server."""
        return f"http://127.0.0.1:{self.port}{path}"

    def set(self, path: str, body: str | bytes, content_type: str = "text/html; charset=utf-8",
            status: int = 200, headers: dict[str, str] | None = None, etag: bool = True) -> str:
        """Serve `body` at `path` from now on; returns the page's URL."""
        data = body.encode() if isinstance(body, str) else body
        self.resources[path] = Resource(data, content_type, status, dict(headers or {}), etag)
        return self.url(path)

    async def wait_hits(self, path: str, count: int, within: float = 10) -> None:
        """Wait until `path` has been requested `count` times in all."""
        async with asyncio.timeout(within), self._hit:
            await self._hit.wait_for(lambda: self.hits[path] >= count)

    async def fetched_again(self, path: str, times: int = 2, within: float = 10) -> None:
        """Wait until `path` is requested `times` more times: every check started before has run."""
        await self.wait_hits(path, self.hits[path] + times, within)

    async def __aenter__(self) -> WebServer:
        server = web.Server(self._handle)
        self._runner = web.ServerRunner(server)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        self.hits[request.path] += 1
        self.requests.append(request)
        async with self._hit:
            self._hit.notify_all()
        if (gate := self.gates.get(request.path)) is not None:
            await gate.wait()
        resource = self.resources.get(request.path)
        if resource is None:
            return web.Response(status=404, text="not found")
        headers = dict(resource.headers)
        if resource.etag and resource.status == 200:
            tag = '"' + hashlib.sha1(resource.body).hexdigest()[:16] + '"'
            headers["ETag"] = tag
            if request.headers.get("If-None-Match") == tag:
                return web.Response(status=304, headers=headers)
        return web.Response(
            status=resource.status, body=resource.body, headers=headers,
            content_type=None if "Content-Type" in headers else resource.content_type.split(";")[0],
            charset=_charset(resource.content_type),
        )


def _charset(content_type: str) -> str | None:
    _, _, params = content_type.partition(";")
    key, _, value = params.strip().partition("=")
    return value.strip() if key.strip().lower() == "charset" else None


Handler = Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]


@asynccontextmanager
async def serve(handler: Handler, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[str]:
    """A one-handler HTTP server on `host` (`port`, or a free one); yields its base URL."""
    runner = web.ServerRunner(web.Server(handler, handler_cancellation=True), shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()
