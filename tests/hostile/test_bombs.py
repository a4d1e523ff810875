"""Page bombs and slow servers: a body over the limit is cut off while streaming,
also when compressed; a trickling server hits the total deadline; a redirect loop stops; a
non-page or undecodable body is refused; memory stays bounded; other stories keep their time."""

from __future__ import annotations

import asyncio
import gzip
import time
import tracemalloc
import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import brotli
import pytest
from aiohttp import web

from bot.core.errors import FetchError, NotAPage, TooLarge, Unreachable
from bot.core.extract import extract_page
from bot.edges.fetch import HttpFetcher
from tests.app.cli.console_bot import console_bot
from tests.app.cli.runner import cli_env
from tests.fakes.stories import LiveStory
from tests.fakes.web import WebServer, serve
from tests.hostile.support import fetch_config

LIMIT = 64 * 1024
EXPANDED = 64 * 1024 * 1024  # what each bomb inflates to: a thousand times the limit
MEMORY_BOUND = 8 * 1024 * 1024  # far below EXPANDED: proof that nothing inflated in full
ZEROS = bytes(1024 * 1024)


def _deflated(wbits: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    return b"".join(packer.compress(ZEROS) for _ in range(EXPANDED // len(ZEROS))) + packer.flush()


def _brotli() -> bytes:
    packer = brotli.Compressor(quality=5)
    chunks = [packer.process(ZEROS) for _ in range(EXPANDED // len(ZEROS))]
    return b"".join(chunks) + packer.finish()


BOMBS: dict[str, Callable[[], bytes]] = {
    "gzip": lambda: _deflated(31),
    "deflate": lambda: _deflated(15),
    "br": _brotli,
}


async def _fetch_error(url: str, **limits: object) -> tuple[FetchError, float, int]:
    """The error fetching `url` raises, the seconds it took and the peak traced memory."""
    tracemalloc.start()
    started = time.monotonic()
    try:
        async with HttpFetcher(fetch_config(allow_networks=["127.0.0.0/8"], **limits)) as http:
            with pytest.raises(FetchError) as caught:
                await http.fetch(url)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return caught.value, time.monotonic() - started, peak


@pytest.mark.parametrize("encoding", list(BOMBS))
@pytest.mark.parametrize("announced", [True, False], ids=["with-length", "chunked"])
async def test_compression_bombs_are_cut_off_with_bounded_memory(encoding: str,
                                                                 announced: bool) -> None:
    """A gzip, deflate or brotli body inflating to 64 MB stops at the 64 KB limit, with or
    without a Content-Length, and the fetch never holds more than a few MB."""
    bomb = BOMBS[encoding]()

    async def handler(request: web.BaseRequest) -> web.StreamResponse:
        headers = {"Content-Encoding": encoding, "Content-Type": "text/html"}
        if announced:
            return web.Response(body=bomb, headers=headers)
        response = web.StreamResponse(headers=headers)
        await response.prepare(request)
        for start in range(0, len(bomb), 16 * 1024):
            await response.write(bomb[start:start + 16 * 1024])
        return response

    async with serve(handler) as base:
        error, _, peak = await _fetch_error(f"{base}/live", max_bytes=LIMIT)
    assert isinstance(error, TooLarge) and "once decompressed" in str(error)
    assert peak < MEMORY_BOUND


async def test_a_double_gzip_bomb_is_cut_off() -> None:
    """Content-Encoding: gzip, gzip (a bomb inside a bomb) is cut off or refused, never inflated."""
    inner = gzip.compress(bytes(8 * 1024 * 1024), 9)
    outer = gzip.compress(inner, 9)

    async def handler(request: web.BaseRequest) -> web.StreamResponse:
        return web.Response(body=outer, headers={"Content-Encoding": "gzip, gzip",
                                                 "Content-Type": "text/html"})

    async with serve(handler) as base:
        try:
            async with HttpFetcher(fetch_config(allow_networks=["127.0.0.0/8"],
                                                max_bytes=LIMIT)) as http:
                fetched = await http.fetch(f"{base}/live")
        except FetchError as error:
            assert isinstance(error, TooLarge | NotAPage)
        else:  # one layer peeled: what is left is gzip bytes within the limit, not a page
            assert fetched.body is not None and len(fetched.body) <= LIMIT
            with pytest.raises(NotAPage):
                extract_page(fetched.body, url=base, fetched_at=datetime.now(UTC))


@pytest.mark.parametrize("announced", [True, False], ids=["with-length", "chunked"])
async def test_a_plain_body_over_the_limit_is_cut_off_while_streaming(announced: bool) -> None:
    """An endless plain body is cut off at the limit, not read to its end."""
    sent = 0

    async def handler(request: web.BaseRequest) -> web.StreamResponse:
        nonlocal sent
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        if announced:
            response.content_length = 1 << 40
        await response.prepare(request)
        while True:  # forever, until the client hangs up
            await response.write(b"<p>x</p>" * 1024)
            sent += 8 * 1024

    async with serve(handler) as base:
        error, seconds, peak = await _fetch_error(f"{base}/live", max_bytes=LIMIT)
    assert isinstance(error, TooLarge)
    assert peak < MEMORY_BOUND and seconds < 5


@pytest.mark.parametrize("pause", [0.05, 0.3], ids=["byte-trickle", "chunk-trickle"])
async def test_a_trickling_server_hits_the_total_deadline(pause: float) -> None:
    """A server sending a byte at a time, never finishing, is cut off at total_timeout."""

    async def handler(request: web.BaseRequest) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        await response.prepare(request)
        while True:
            await response.write(b"<")
            await asyncio.sleep(pause)

    async with serve(handler) as base:
        error, seconds, _ = await _fetch_error(f"{base}/live", total_timeout=1.0)
    assert isinstance(error, Unreachable) and "timed out after 1 s" in str(error)
    assert 0.9 < seconds < 4


async def test_a_server_that_never_answers_hits_the_total_deadline() -> None:
    """A server that accepts the request and never sends headers is cut off too."""
    never = asyncio.Event()

    async def handler(request: web.BaseRequest) -> web.StreamResponse:
        await never.wait()
        raise AssertionError("unreachable")

    async with serve(handler) as base:
        error, seconds, _ = await _fetch_error(f"{base}/live", total_timeout=1.0)
    assert isinstance(error, Unreachable) and seconds < 4


async def test_a_slow_redirect_chain_shares_one_deadline() -> None:
    """Each hop answering just inside the deadline cannot stretch the fetch: the deadline is
    for the whole chain of redirects."""

    async def handler(request: web.BaseRequest) -> web.StreamResponse:
        await asyncio.sleep(0.4)
        hop = int(request.query.get("hop", "0"))
        raise web.HTTPFound(f"/live?hop={hop + 1}")

    async with serve(handler) as base:
        error, seconds, _ = await _fetch_error(f"{base}/live", total_timeout=1.0,
                                               max_redirects=20)
    assert isinstance(error, Unreachable) and "timed out" in str(error) and seconds < 4


@pytest.mark.parametrize("paths", [
    {"/a": "/a"},  # to itself
    {"/a": "/b", "/b": "/a"},  # two hops
    {"/a": "/b", "/b": "/c", "/c": "/a"},  # three
    {"/a": "/A", "/A": "/a"},  # case differs
    {"/a": "http://127.0.0.1:{port}/a#frag"},  # the same page with a fragment
])
async def test_a_redirect_loop_stops(paths: dict[str, str]) -> None:
    """A loop of redirects is Unreachable, naming the loop, after one round at most."""
    hits: list[str] = []
    port = 0

    async def handler(request: web.BaseRequest) -> web.StreamResponse:
        hits.append(request.path)
        raise web.HTTPFound(paths[request.path].format(port=port))

    async with serve(handler) as base:
        port = int(base.rsplit(":", 1)[1])
        error, _, _ = await _fetch_error(f"{base}/a")
    assert isinstance(error, Unreachable) and "redirect" in str(error)
    assert len(hits) <= len(paths) + 1


async def test_an_endless_chain_of_new_redirects_stops_at_max_redirects() -> None:
    """Redirects to ever new URLs stop after fetch.max_redirects hops."""
    hits = 0

    async def handler(request: web.BaseRequest) -> web.StreamResponse:
        nonlocal hits
        hits += 1
        raise web.HTTPMovedPermanently(f"/live?n={hits}")

    async with serve(handler) as base:
        error, _, _ = await _fetch_error(f"{base}/live", max_redirects=3)
    assert isinstance(error, Unreachable) and "too many redirects" in str(error)
    assert hits == 4


@pytest.mark.parametrize("content_type", [
    "image/png", "image/svg+xml", "application/octet-stream", "application/pdf", "video/mp4",
    "application/zip", "application/x-msdownload", "audio/mpeg", "font/woff2",
    "application/javascript", "text/css", "multipart/form-data; boundary=x",
])
async def test_a_non_page_type_is_refused_unread(web_server: WebServer, content_type: str) -> None:
    """Bodies that are not HTML, XML, a feed, JSON or text are NotAPage."""
    url = web_server.set("/file", b"\x89PNG\r\n\x1a\n" + bytes(4096), content_type=content_type)
    error, _, _ = await _fetch_error(url)
    assert isinstance(error, NotAPage) and "not a web page" in str(error)


@pytest.mark.parametrize(("encoding", "body"), [
    ("gzip", b"\x1f\x8b\x08\x00garbage that is not deflate"),
    ("deflate", b"not a zlib stream at all"),
    ("br", b"\xff\xff not brotli"),
    ("br", gzip.compress(b"<p>a gzip body labelled br</p>", mtime=0)),
])
async def test_a_body_that_does_not_decompress_is_refused(encoding: str, body: bytes) -> None:
    """A corrupt, truncated or mislabelled compressed body is NotAPage or Unreachable, not a
    crash."""

    async def handler(request: web.BaseRequest) -> web.StreamResponse:
        return web.Response(body=body, headers={"Content-Encoding": encoding,
                                                "Content-Type": "text/html"})

    async with serve(handler) as base:
        error, _, _ = await _fetch_error(f"{base}/live")
    assert isinstance(error, NotAPage | Unreachable)


@pytest.mark.parametrize("body", [
    bytes(range(256)) * 64,  # binary junk
    b"\x00" * 10_000,  # NUL bytes
    "<p>14:52 GMT update</p>".encode("utf-32"),  # an encoding no page uses
    b"\x80\x81\xfe" * 5000,  # undecodable in any charset a page declares or implies
])
async def test_an_undecodable_body_labelled_html_is_not_a_page(web_server: WebServer,
                                                              body: bytes) -> None:
    """Binary served as text/html is fetched, then refused by extraction as NotAPage."""
    url = web_server.set("/junk", body, content_type="text/html")
    async with HttpFetcher(fetch_config(allow_networks=["127.0.0.0/8"])) as http:
        fetched = await http.fetch(url)
    assert fetched.body is not None
    with pytest.raises(NotAPage):
        extract_page(fetched.body, url=url, fetched_at=fetched.fetched_at,
                     content_type=fetched.content_type, charset=fetched.charset)


async def test_a_truncated_gzip_body_yields_at_most_a_prefix_of_the_page() -> None:
    """A gzip stream cut short is refused or read as the part that arrived, never as junk.

    (aiohttp inflates what came without checking the gzip trailer; the diff's "far fewer
    entries than before" rule keeps such a partial page from being read as removals.)
    """
    page = b"".join(b"<p>14:%02d GMT update %d</p>" % (n % 60, n) for n in range(500))

    async def handler(request: web.BaseRequest) -> web.StreamResponse:
        return web.Response(body=gzip.compress(page)[:-40],
                            headers={"Content-Encoding": "gzip", "Content-Type": "text/html"})

    async with serve(handler) as base:
        try:
            async with HttpFetcher(fetch_config(allow_networks=["127.0.0.0/8"])) as http:
                fetched = await http.fetch(f"{base}/live")
        except FetchError as error:
            assert isinstance(error, NotAPage | Unreachable)
        else:
            assert fetched.body is not None and page.startswith(fetched.body)


class TricklingStory:
    """A live story on its own port that answers normally until told to trickle: then each
    request gets its headers and a byte every half second, without end."""

    def __init__(self, page: str) -> None:
        self.page = page
        self.trickling = False
        self.open_streams = 0
        self.url = ""
        self._runner: web.ServerRunner | None = None

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        if not self.trickling:
            return web.Response(text=self.page, content_type="text/html")
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        await response.prepare(request)
        self.open_streams += 1
        try:
            for byte in self.page.encode():
                await response.write(bytes([byte]))
                await asyncio.sleep(0.5)
        finally:
            self.open_streams -= 1
        return response

    async def __aenter__(self) -> TricklingStory:
        self._runner = web.ServerRunner(web.Server(self._handle, handler_cancellation=True),
                                        shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/slow"
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


async def test_a_trickling_story_does_not_delay_another_storys_alert(
        web_server: WebServer, tmp_path: Path) -> None:
    """`storywatch run`: while one followed story trickles (its check hangs until the 20 s
    deadline), an update to another story is alerted within seconds."""
    fast = LiveStory(web_server, "/fast", "Fast story")
    fast.post("The first update of the fast story.")
    slow_source = LiveStory(web_server, "/slow-source", "Slow story")
    slow_source.post("The first update of the slow story.")
    env = cli_env(tmp_path, STORYWATCH_FETCH__ALLOW_NETWORKS='["127.0.0.0/8"]',
                  STORYWATCH_FETCH__TOTAL_TIMEOUT="20", STORYWATCH_SCHEDULE__INTERVAL="0.2",
                  STORYWATCH_SCHEDULE__MIN_INTERVAL="0.2", STORYWATCH_SCHEDULE__MAX_INTERVAL="0.4",
                  STORYWATCH_SCHEDULE__TICK="0.1")
    async with TricklingStory(slow_source.render()) as slow, console_bot(env) as bot:
        await bot.command(f"/subscribe {slow.url}", "New updates")
        await bot.command(f"/subscribe {fast.url}", "New updates")
        slow.trickling = True
        async with asyncio.timeout(5):
            while slow.open_streams == 0:  # noqa: ASYNC110 - the server has no event to await
                await asyncio.sleep(0.05)
        posted = time.monotonic()
        fast.post("Rescue teams reach the villages cut off by the flood.")
        await bot.expect("Rescue teams reach the villages", within=5)
        assert time.monotonic() - posted < 5
        assert slow.open_streams >= 1  # the slow check was still hanging meanwhile
