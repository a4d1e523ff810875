"""HttpFetcher against real aiohttp servers on loopback (bot/edges/fetch.py, docs/BEHAVIOUR.md, Fetch)."""

from __future__ import annotations

import asyncio
import gzip
import socket
import time
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import aiohttp
import brotli
import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

from bot.core.errors import BadUrl, BlockedAddress, HttpStatus, NotAPage, TooLarge, Unreachable
from bot.edges.config import FetchConfig
from bot.edges.fetch import HttpFetcher
from bot.edges.fetch_guard import GuardedResolver
from bot.edges.netguard import IPAddress, is_blocked_address
from tests.fakes.web import WebServer, serve

PAGE = "<html><body><p>14:52 GMT First update</p></body></html>"


def config(**overrides: object) -> FetchConfig:
    """Small limits so that failing cases fail fast."""
    values: dict[str, object] = {
        "allow_networks": ["127.0.0.0/8"], "connect_timeout": 2.0, "total_timeout": 5.0,
        "max_bytes": 64 * 1024,
    }
    values.update(overrides)
    return FetchConfig.model_validate(values)


@asynccontextmanager
async def fetcher(**overrides: object) -> AsyncIterator[HttpFetcher]:
    async with HttpFetcher(config(**overrides)) as opened:
        yield opened


class FakeDns(AbstractResolver):
    """DNS at the network boundary: names map to the addresses a test chooses."""

    def __init__(self, names: dict[str, list[str]]) -> None:
        self.names = names

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        addresses = self.names.get(host.rstrip("."))
        if not addresses:
            raise OSError(socket.EAI_NONAME, "Name or service not known")
        return [
            ResolveResult(
                hostname=host, host=address, port=port, proto=0, flags=socket.AI_NUMERICHOST,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
            )
            for address in addresses
        ]

    async def close(self) -> None:
        """Nothing to release."""


# --- pages, validators, headers -------------------------------------------------


async def test_a_page_is_fetched_with_its_type_charset_validators_and_time(
    web_server: WebServer,
) -> None:
    """A 200 page comes back with body, type, charset, ETag, body hash and an aware fetch time."""
    url = web_server.set("/live", PAGE, content_type="text/html; charset=ISO-8859-1")
    async with fetcher() as http:
        fetched = await http.fetch(url + "?utm_source=x#top")
    assert fetched.body == PAGE.encode()
    assert (fetched.url, fetched.final_url) == (url, url)
    assert (fetched.content_type, fetched.charset) == ("text/html", "iso-8859-1")
    assert fetched.validators.etag and fetched.validators.body_hash
    assert not fetched.unchanged
    assert fetched.fetched_at.tzinfo is UTC
    assert abs(datetime.now(UTC) - fetched.fetched_at) < timedelta(seconds=5)


async def test_user_agent_and_compression_are_announced(web_server: WebServer) -> None:
    """Requests carry the configured User-Agent and accept gzip, deflate and br."""
    url = web_server.set("/live", PAGE)
    async with fetcher(user_agent="storywatch-test/1") as http:
        await http.fetch(url)
    headers = web_server.requests[-1].headers
    assert headers["User-Agent"] == "storywatch-test/1"
    assert headers["Accept-Encoding"] == "gzip, deflate, br"


async def test_304_not_modified_is_unchanged_without_a_body(web_server: WebServer) -> None:
    """A conditional GET answered 304 yields body None, unchanged, and keeps the validators."""
    url = web_server.set("/live", PAGE)
    async with fetcher() as http:
        first = await http.fetch(url)
        second = await http.fetch(url, first.validators)
    assert web_server.requests[-1].headers["If-None-Match"] == first.validators.etag
    assert second.body is None and second.unchanged
    assert second.validators == first.validators


async def test_same_body_hash_is_unchanged_but_still_returned(web_server: WebServer) -> None:
    """Without ETag support, a body whose sha256 matches the last one is unchanged."""
    url = web_server.set("/live", PAGE, etag=False, headers={"Last-Modified": "Sat, 03 Feb 2024"})
    async with fetcher() as http:
        first = await http.fetch(url)
        second = await http.fetch(url, first.validators)
        web_server.set("/live", PAGE + "<p>13:53 GMT Second</p>", etag=False)
        third = await http.fetch(url, second.validators)
    assert web_server.requests[1].headers["If-Modified-Since"] == "Sat, 03 Feb 2024"
    assert second.unchanged and second.body == PAGE.encode()
    assert not third.unchanged and third.validators.body_hash != first.validators.body_hash


@pytest.mark.parametrize(
    "content_type",
    [
        "application/rss+xml", "application/atom+xml", "application/xml", "text/xml",
        "application/xhtml+xml", "text/plain; charset=utf-8", "application/feed+json",
    ],
)
async def test_feeds_xml_and_text_are_accepted(web_server: WebServer, content_type: str) -> None:
    """HTML, XML, feeds and plain text are pages."""
    url = web_server.set("/feed", "<rss/>", content_type=content_type)
    async with fetcher() as http:
        fetched = await http.fetch(url)
    assert fetched.content_type == content_type.split(";")[0]


@pytest.mark.parametrize("content_type", ["image/png", "application/octet-stream", "application/pdf"])
async def test_other_content_types_are_not_a_page(web_server: WebServer, content_type: str) -> None:
    """Images, binaries and PDFs raise NotAPage naming the type."""
    url = web_server.set("/file", b"\x89PNG", content_type=content_type)
    async with fetcher() as http:
        with pytest.raises(NotAPage, match=content_type):
            await http.fetch(url)


async def test_cache_control_max_age_is_reported(web_server: WebServer) -> None:
    """Cache-Control max-age on a 200 becomes Fetched.max_age."""
    url = web_server.set("/live", PAGE, headers={"Cache-Control": "public, max-age=45"})
    async with fetcher() as http:
        assert (await http.fetch(url)).max_age == 45.0


# --- statuses -------------------------------------------------------------------


async def test_error_status_is_http_status_naming_the_url(web_server: WebServer) -> None:
    """A 404 raises HttpStatus with the status and the URL in one line."""
    async with fetcher() as http:
        with pytest.raises(HttpStatus) as caught:
            await http.fetch(web_server.url("/missing"))
    assert caught.value.status == 404
    assert str(caught.value) == f"the server answered HTTP 404 for {web_server.url('/missing')}"


async def test_429_carries_retry_after_seconds(web_server: WebServer) -> None:
    """Retry-After in seconds on 429 is reported as HttpStatus.retry_after."""
    url = web_server.set("/busy", "slow down", status=429, headers={"Retry-After": "120"})
    async with fetcher() as http:
        with pytest.raises(HttpStatus) as caught:
            await http.fetch(url)
    assert (caught.value.status, caught.value.retry_after) == (429, 120.0)


async def test_503_carries_retry_after_as_an_http_date(web_server: WebServer) -> None:
    """Retry-After as an HTTP date on 503 is measured from the server's Date header."""
    now = datetime(2024, 2, 3, 14, 52, tzinfo=UTC)
    headers = {
        "Date": format_datetime(now, usegmt=True),
        "Retry-After": format_datetime(now + timedelta(minutes=5), usegmt=True),
    }
    url = web_server.set("/down", "maintenance", status=503, headers=headers)
    async with fetcher() as http:
        with pytest.raises(HttpStatus) as caught:
            await http.fetch(url)
    assert caught.value.retry_after == 300.0


# --- redirects ------------------------------------------------------------------


async def test_redirects_are_followed_and_the_final_url_recorded(web_server: WebServer) -> None:
    """A relative 301 then a 302 lead to the page; url is the one asked, final_url the last."""
    web_server.set("/old", "", status=301, headers={"Location": "/older"}, etag=False)
    web_server.set("/older", "", status=302, headers={"Location": "/live?id=1"}, etag=False)
    web_server.set("/live", PAGE)
    async with fetcher() as http:
        fetched = await http.fetch(web_server.url("/old"))
    assert fetched.url == web_server.url("/old")
    assert fetched.final_url == web_server.url("/live?id=1")
    assert fetched.body == PAGE.encode()


@pytest.mark.parametrize("statuses, moved", [
    ((301,), "/live"), ((308,), "/live"), ((301, 308), "/live"), ((302,), None),
    ((307,), None), ((307, 301), None), ((301, 302), "/hop1")])
async def test_a_permanent_redirect_says_where_the_page_moved(
    web_server: WebServer, statuses: tuple[int, ...], moved: str | None
) -> None:
    """Only permanent redirects (301, 308) move a page: moved_to is where they alone led from
    the URL asked; a temporary one (302, 307) on the way ends the move there."""
    hops = [f"/hop{index}" for index in range(len(statuses))] + ["/live"]
    for status, here, there in zip(statuses, hops, hops[1:], strict=False):
        web_server.set(here, "", status=status, headers={"Location": there}, etag=False)
    web_server.set("/live", PAGE)
    async with fetcher() as http:
        fetched = await http.fetch(web_server.url("/hop0"))
        direct = await http.fetch(web_server.url("/live"))
    assert fetched.final_url == web_server.url("/live")
    assert fetched.moved_to == (web_server.url(moved) if moved else None)
    assert direct.moved_to is None


async def test_a_redirect_loop_is_unreachable(web_server: WebServer) -> None:
    """A redirects to B redirects to A: Unreachable 'redirect loop'."""
    web_server.set("/a", "", status=302, headers={"Location": "/b"}, etag=False)
    web_server.set("/b", "", status=302, headers={"Location": "/a"}, etag=False)
    async with fetcher() as http:
        with pytest.raises(Unreachable, match="redirect loop"):
            await http.fetch(web_server.url("/a"))


async def test_too_many_redirects_is_unreachable(web_server: WebServer) -> None:
    """A chain longer than max_redirects stops with Unreachable 'too many redirects'."""
    for hop in range(5):
        web_server.set(f"/{hop}", "", status=307, headers={"Location": f"/{hop + 1}"}, etag=False)
    web_server.set("/5", PAGE)
    async with fetcher(max_redirects=4) as http:
        with pytest.raises(Unreachable, match="too many redirects"):
            await http.fetch(web_server.url("/0"))
    assert web_server.hits["/5"] == 0


@pytest.mark.parametrize(
    "location", ["ftp://example.com/", "javascript:alert(1)", "file:///etc/passwd", "http://a@b/"]
)
async def test_a_redirect_off_the_web_is_a_bad_url(web_server: WebServer, location: str) -> None:
    """A redirect to a non-http(s) or user-info URL raises BadUrl."""
    url = web_server.set("/go", "", status=302, headers={"Location": location}, etag=False)
    async with fetcher() as http:
        with pytest.raises(BadUrl, match="redirects to a refused address"):
            await http.fetch(url)


# --- limits ---------------------------------------------------------------------


async def test_a_trickling_server_hits_the_total_deadline() -> None:
    """A server sending a byte at a time forever ends in Unreachable 'timed out'."""

    async def trickle(request: web.BaseRequest) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        await response.prepare(request)
        while True:
            await response.write(b"<")
            await asyncio.sleep(0.02)

    async with serve(trickle) as base, fetcher(total_timeout=0.5, max_bytes=1 << 20) as http:
        started = time.monotonic()
        with pytest.raises(Unreachable, match=r"timed out after 0\.5 s"):
            await http.fetch(base + "/live")
    assert time.monotonic() - started < 3


async def test_content_length_over_the_limit_is_refused_before_reading() -> None:
    """A declared Content-Length over max_bytes raises TooLarge without waiting for the body."""

    async def huge(request: web.BaseRequest) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        response.content_length = 10**9
        await response.prepare(request)
        await response.write(b"<html>")
        await asyncio.Event().wait()  # the body never comes: reading it would time out
        return response

    async with serve(huge) as base, fetcher(total_timeout=3.0) as http:
        with pytest.raises(TooLarge, match="1,000,000,000 bytes"):
            await http.fetch(base + "/huge")


async def test_a_body_over_the_limit_is_cut_off(web_server: WebServer) -> None:
    """A chunked body passing max_bytes raises TooLarge."""
    url = web_server.set("/big", b"x" * (200 * 1024))
    async with fetcher() as http:
        with pytest.raises(TooLarge, match="65,536 byte limit"):
            await http.fetch(url)


def _gzip_bomb(size: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(1 << 20)
    return b"".join(packer.compress(zeros) for _ in range(size >> 20)) + packer.flush()


def _deflate_bomb(size: int) -> bytes:
    return zlib.compress(bytes(size), 9)


def _brotli_bomb(size: int) -> bytes:
    return brotli.compress(bytes(size), quality=5)


@pytest.mark.parametrize(
    ("encoding", "pack"), [("gzip", _gzip_bomb), ("deflate", _deflate_bomb), ("br", _brotli_bomb)]
)
async def test_compression_bombs_are_cut_off_after_decompression(
    web_server: WebServer, encoding: str, pack: Callable[[int], bytes]
) -> None:
    """100 MB of zeros sent compressed stops at max_bytes, using little memory."""
    url = web_server.set("/bomb", pack(100 << 20), headers={"Content-Encoding": encoding})
    async with fetcher(max_bytes=1 << 20) as http:
        tracemalloc.start()
        try:
            with pytest.raises(TooLarge, match="once decompressed"):
                await http.fetch(url)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 16 << 20


async def test_a_compressed_page_is_decompressed(web_server: WebServer) -> None:
    """A gzip-encoded page comes back decoded, and its hash is of the decoded body."""
    url = web_server.set("/live", gzip.compress(PAGE.encode()), headers={"Content-Encoding": "gzip"})
    async with fetcher() as http:
        fetched = await http.fetch(url)
    assert fetched.body == PAGE.encode()


async def test_a_corrupt_compressed_body_is_not_a_page(web_server: WebServer) -> None:
    """A body that claims gzip but does not decompress raises NotAPage."""
    url = web_server.set("/bad", b"this is not gzip at all", headers={"Content-Encoding": "gzip"})
    async with fetcher() as http:
        with pytest.raises(NotAPage, match="does not decompress"):
            await http.fetch(url)


async def test_one_keep_alive_connection_serves_successive_fetches() -> None:
    """The fetcher keeps one session: successive fetches reuse the same connection."""
    peers: list[object] = []

    async def page(request: web.BaseRequest) -> web.StreamResponse:
        peers.append(request.transport.get_extra_info("peername") if request.transport else None)
        return web.Response(text=PAGE, content_type="text/html")

    async with serve(page) as base, fetcher() as http:
        for _ in range(3):
            await http.fetch(base + "/live")
    assert len(set(peers)) == 1


async def test_concurrent_fetches_to_one_host_stay_within_per_host() -> None:
    """No more than per_host requests to one host are in flight at once."""
    active, peak, release = 0, 0, asyncio.Event()
    full = asyncio.Event()

    async def slow(request: web.BaseRequest) -> web.StreamResponse:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        if active >= 2:
            full.set()
        await release.wait()
        active -= 1
        return web.Response(text=PAGE, content_type="text/html")

    async with serve(slow) as base, fetcher(per_host=2) as http:
        tasks = [asyncio.create_task(http.fetch(f"{base}/{n}")) for n in range(8)]
        await full.wait()
        release.set()
        await asyncio.gather(*tasks)
    assert peak == 2


# --- unreachable hosts ------------------------------------------------------------


async def test_a_refused_connection_names_the_host() -> None:
    """Connecting to a closed port raises Unreachable 'refused the connection'."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with fetcher() as http:
        with pytest.raises(Unreachable, match=r"127\.0\.0\.1 refused the connection"):
            await http.fetch(f"http://127.0.0.1:{port}/")


async def test_an_unknown_host_is_unreachable() -> None:
    """A DNS failure raises Unreachable naming the host."""
    async with HttpFetcher(config(), resolver=FakeDns({})) as http:
        with pytest.raises(Unreachable, match=r"could not find the host nowhere\.example"):
            await http.fetch("https://nowhere.example/live")


# --- SSRF guard -------------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1", "2130706433", "0x7f000001", "0177.0.0.1", "127.1", "localhost",
        "[::1]", "[::ffff:127.0.0.1]", "127.0.0.1.", "0.0.0.0", "sub.localhost",
    ],
)
async def test_loopback_is_refused_in_every_spelling(web_server: WebServer, host: str) -> None:
    """With private networks off, every spelling of this machine raises BlockedAddress."""
    web_server.set("/secret", "admin page")
    async with fetcher(allow_networks=[]) as http:
        with pytest.raises(BlockedAddress, match="refused"):
            await http.fetch(f"http://{host}:{web_server.port}/secret")
    assert web_server.hits["/secret"] == 0


async def test_user_info_cannot_smuggle_a_loopback_host(web_server: WebServer) -> None:
    """http://example.com@127.0.0.1/ is refused as a bad URL before any connection."""
    async with fetcher(allow_networks=[]) as http:
        with pytest.raises(BadUrl, match="user name or password"):
            await http.fetch(f"http://example.com@127.0.0.1:{web_server.port}/")
    assert not web_server.requests


@pytest.mark.parametrize(
    "host", ["169.254.169.254", "10.0.0.1", "192.168.1.1", "172.16.0.1", "100.64.0.1", "[fe80::1]"]
)
async def test_private_and_link_local_addresses_are_refused(host: str) -> None:
    """Metadata, RFC 1918, CGNAT and link-local literals raise BlockedAddress up front."""
    async with fetcher(allow_networks=[]) as http:
        with pytest.raises(BlockedAddress, match=r"(private, local or reserved|link-local or "
                                                 r"cloud metadata) address.*allow_networks"):
            await http.fetch(f"http://{host}/latest/meta-data/")


@pytest.mark.parametrize("url", ["ftp://example.com/", "file:///etc/passwd", "javascript:x", "data:,x"])
async def test_non_web_schemes_are_bad_urls(url: str) -> None:
    """Only http and https are fetched."""
    async with fetcher(allow_networks=[]) as http:
        with pytest.raises(BadUrl, match="http:// or https://"):
            await http.fetch(url)


async def test_a_name_resolving_to_loopback_is_refused_at_connection(web_server: WebServer) -> None:
    """A host name whose DNS answer is loopback is refused by the connector's resolver."""
    web_server.set("/secret", "admin page")
    dns = FakeDns({"rebind.example": ["127.0.0.1"]})
    async with HttpFetcher(config(allow_networks=[]), resolver=dns) as http:
        with pytest.raises(BlockedAddress, match=r"rebind\.example: it resolves to 127\.0\.0\.1"):
            await http.fetch(f"http://rebind.example:{web_server.port}/secret")
    assert web_server.hits["/secret"] == 0


async def test_the_system_resolver_answer_for_localhost_is_refused() -> None:
    """The guard drops the real resolver's loopback answers for localhost."""
    guard = GuardedResolver(aiohttp.ThreadedResolver())
    with pytest.raises(BlockedAddress, match="localhost"):
        await guard.resolve("localhost", 80)


async def test_the_guard_keeps_only_allowed_addresses_of_a_mixed_answer() -> None:
    """Of a DNS answer with private and public addresses, only the public ones are connectable."""
    dns = FakeDns({"mixed.example": ["10.0.0.7", "93.184.216.34", "::1", "2606:4700::1111"]})
    answers = await GuardedResolver(dns).resolve("mixed.example", 443)
    assert [answer["host"] for answer in answers] == ["93.184.216.34", "2606:4700::1111"]


def _only_first_loopback_allowed(address: IPAddress) -> bool:
    """The real policy, except 127.0.0.1 stands in for a public web server."""
    return str(address) != "127.0.0.1" and is_blocked_address(address)


@pytest.mark.parametrize("target_host", ["127.0.0.2", "inside.example"])
async def test_a_redirect_to_a_blocked_address_is_refused(target_host: str) -> None:
    """Every hop is checked: an allowed page redirecting to a blocked address is refused."""
    inner_hits: list[str] = []

    async def inner(request: web.BaseRequest) -> web.StreamResponse:
        inner_hits.append(request.path)
        return web.Response(text="internal admin", content_type="text/html")

    async with serve(inner, host="127.0.0.2") as inner_base:
        port = inner_base.rsplit(":", 1)[1]

        async def outer(request: web.BaseRequest) -> web.StreamResponse:
            raise web.HTTPFound(f"http://{target_host}:{port}/admin")

        async with serve(outer) as outer_base:
            outer_port = outer_base.rsplit(":", 1)[1]
            dns = FakeDns({"news.example": ["127.0.0.1"], "inside.example": ["127.0.0.2"]})
            async with HttpFetcher(
                config(allow_networks=[]),
                resolver=dns,
                is_blocked=_only_first_loopback_allowed,
            ) as http:
                with pytest.raises(BlockedAddress, match=r"127\.0\.0\.2"):
                    await http.fetch(f"http://news.example:{outer_port}/live")
        async with fetcher() as open_http:  # the inner server is really there to be reached
            assert (await open_http.fetch(f"{inner_base}/admin")).body == b"internal admin"
    assert inner_hits == ["/admin"]
