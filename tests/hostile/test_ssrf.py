"""SSRF: a story URL that is, resolves to or redirects to a non-public address is
refused in every spelling, the address checked is the one connected to, only http(s) is
fetched, and `fetch.allow_networks` (empty by default) opens exactly the ranges it names,
never link-local or metadata addresses unless a range within them names them. The autouse
`loopback_only` fixture (tests/conftest.py) fails any connection off loopback before a packet
is sent, so a broken guard fails these tests without reaching a real network."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web

from bot.app.root import Pages, command_context, extract
from bot.app.watcher import Watcher, WatchPolicy
from bot.core.errors import BadUrl, BlockedAddress, FetchError
from bot.core.summarize import ExtractiveSummarizer
from bot.edges.config import Config, FetchConfig, StorageConfig, load_config
from bot.edges.fetch import HttpFetcher
from bot.edges.netguard import IPAddress, is_blocked_address
from bot.platforms.console.bindings import CONSOLE_CALLER
from handlers.commands import CommandLayer
from storage import Database, stories
from tests.fakes.stories import LiveStory
from tests.fakes.web import WebServer, serve
from tests.hostile.support import ScriptedDns, fetch_config

# Every spelling of this machine a URL host can take.
LOOPBACK_SPELLINGS = [
    "127.0.0.1", "127.0.0.2", "127.255.255.254", "2130706433", "0x7f000001", "0x7F.0.0.1",
    "0177.0.0.1", "0177.0000.0000.0001", "017700000001", "127.1", "127.0.1", "0x7f.1",
    "127.0.0.1.", "localhost", "LOCALHOST", "localhost.", "LocalHost", "a.b.localhost",
    "0.0.0.0", "0", "0x0", "[::1]", "[0:0:0:0:0:0:0:1]", "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]", "[0:0:0:0:0:ffff:127.0.0.1]", "[::127.0.0.1]", "[::]",
    "%31%32%37.0.0.1",
]

# Non-public literals of every class the guard names, and their odd spellings.
PRIVATE_LITERALS = [
    "10.0.0.1", "10.255.255.255", "012.0.0.1", "167772161", "0x0a000001",  # RFC 1918 10/8
    "172.16.0.1", "172.31.255.254", "192.168.0.1", "192.168.1.1", "0xc0a80101",
    "169.254.169.254", "0xa9fea9fe", "2852039166", "0251.0376.0251.0376",  # cloud metadata
    "169.254.0.1", "100.64.0.1", "100.127.255.254",  # link-local, CGNAT
    "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255",  # multicast, reserved
    "192.0.2.1", "198.51.100.1", "203.0.113.1", "198.18.0.1", "192.0.0.8",  # special use
    "[fe80::1]", "[fe80::1%25eth0]", "[febf::1]", "[fc00::1]", "[fd12:3456::1]",  # LL, ULA
    "[ff02::1]", "[ff05::2]", "[2001:db8::1]", "[::ffff:10.0.0.1]", "[::ffff:169.254.169.254]",
    "[64:ff9b::a9fe:a9fe]", "[2002:a9fe:a9fe::]", "[2002:7f00:1::]", "[::ffff:0:7f00:1]",
]

# URLs that smuggle a loopback host past a naive parser; `{port}` is the server's.
USERINFO_TRICKS = [
    "http://example.com@127.0.0.1:{port}/",
    "http://example.com:80@127.0.0.1:{port}/",
    "http://user:pass@127.0.0.1:{port}/",
    "http://@127.0.0.1:{port}/",
    "http://example.com%40127.0.0.1:{port}/",
    "http://127.0.0.1:{port}#@example.com/",
    "http://127.0.0.1:{port}?@example.com/",
    "http://127.0.0.1:{port}\\@example.com/",
    "http://example.com\\@127.0.0.1:{port}/",
    "http://127.0.0.1%2f@example.com/",
    "http://[::1]:{port}@example.com/",
]

NOT_WEB = ["ftp://example.com/live", "file:///etc/passwd", "gopher://127.0.0.1:70/_x",
           "dict://127.0.0.1:11211/stat", "javascript:alert(1)", "data:text/html,<b>x</b>",
           "ws://example.com/live", "wss://example.com/", "ldap://127.0.0.1/", "jar:http://x/!/",
           "//example.com/live", "example.com/live", "http:/example.com", "sftp://example.com/"]

# DNS answers that must never be connected to.
RESOLVED_BLOCKED = ["127.0.0.1", "127.0.0.53", "10.0.0.7", "172.20.1.1", "192.168.0.10",
                    "169.254.169.254", "100.100.100.200", "0.0.0.0", "::1", "fe80::1",
                    "fd00::7", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "::",
                    "64:ff9b::7f00:1", "ff02::1"]


def _refused(error: FetchError) -> bool:
    return isinstance(error, BlockedAddress | BadUrl)


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS)
async def test_every_spelling_of_loopback_is_refused(web_server: WebServer, host: str) -> None:
    """Decimal, octal, hex, short, trailing-dot, percent-encoded and IPv6 forms of this
    machine are refused before a request reaches the server."""
    web_server.set("/secret", "the admin page")
    async with HttpFetcher(fetch_config()) as http:
        with pytest.raises(FetchError) as caught:
            await http.fetch(f"http://{host}:{web_server.port}/secret")
    assert _refused(caught.value), caught.value
    assert web_server.hits["/secret"] == 0


@pytest.mark.parametrize("host", PRIVATE_LITERALS)
async def test_private_link_local_multicast_and_reserved_literals_are_refused(host: str) -> None:
    """RFC 1918, ULA, link-local (with the metadata address), multicast, reserved and
    special-use literals, in any spelling, raise BlockedAddress or BadUrl without connecting."""
    async with HttpFetcher(fetch_config(connect_timeout=0.5)) as http:
        with pytest.raises(FetchError) as caught:
            await http.fetch(f"http://{host}/latest/meta-data/")
    assert _refused(caught.value), caught.value


@pytest.mark.parametrize("template", USERINFO_TRICKS)
async def test_userinfo_and_delimiter_tricks_reach_nothing(web_server: WebServer,
                                                          template: str) -> None:
    """A URL that hides 127.0.0.1 behind user info, an encoded @ or a stray delimiter is
    refused, and the loopback server sees no request."""
    async with HttpFetcher(fetch_config(connect_timeout=0.5),
                           resolver=ScriptedDns({"example.com": [["93.184.216.34"]]})) as http:
        with pytest.raises(FetchError) as caught:
            await http.fetch(template.format(port=web_server.port))
    assert _refused(caught.value), caught.value
    assert not web_server.requests


@pytest.mark.parametrize("url", NOT_WEB)
async def test_only_http_and_https_are_fetched(url: str) -> None:
    """Every other scheme, and scheme-less or mangled URLs, are BadUrl."""
    async with HttpFetcher(fetch_config()) as http:
        with pytest.raises(BadUrl):
            await http.fetch(url)


@pytest.mark.parametrize("address", RESOLVED_BLOCKED)
async def test_a_name_resolving_to_a_blocked_address_is_refused(web_server: WebServer,
                                                                address: str) -> None:
    """The connector's resolver drops every non-public answer: nothing is connected to."""
    web_server.set("/secret", "the admin page")
    dns = ScriptedDns({"news.example": [[address]]})
    async with HttpFetcher(fetch_config(), resolver=dns) as http:
        with pytest.raises(BlockedAddress, match=r"news\.example"):
            await http.fetch(f"http://news.example:{web_server.port}/secret")
    assert web_server.hits["/secret"] == 0


def _only_127_0_0_1_is_public(address: IPAddress) -> bool:
    """The real policy, except that 127.0.0.1 stands in for a public web server."""
    return str(address) != "127.0.0.1" and is_blocked_address(address)


async def _page(request: web.BaseRequest) -> web.StreamResponse:
    return web.Response(text="<p>14:52 GMT public page</p>", content_type="text/html")


async def test_dns_rebinding_between_look_ups_never_reaches_the_inside() -> None:
    """A name that answers public, then private, then mixed is only ever connected to at its
    public address: the address checked is the address connected to."""
    inside_hits: list[str] = []

    async def inside(request: web.BaseRequest) -> web.StreamResponse:
        inside_hits.append(request.path)
        return web.Response(text="internal")

    script = [["127.0.0.1"], ["127.0.0.2"], ["127.0.0.2", "127.0.0.1"], ["127.0.0.2"]]
    dns = ScriptedDns({"rebind.example": script})
    outcomes: list[bytes | None] = []
    async with serve(_page) as outside_base:
        port = int(outside_base.rsplit(":", 1)[1])
        # Inside listens on the same port at 127.0.0.2: a connection there would be answered.
        async with serve(inside, "127.0.0.2", port) as inside_base:
            for _ in range(len(script)):
                # A fresh client each time: no DNS cache or kept-alive connection hides a look-up.
                async with HttpFetcher(fetch_config(), resolver=dns,
                                       is_blocked=_only_127_0_0_1_is_public) as http:
                    try:
                        outcomes.append((await http.fetch(f"http://rebind.example:{port}/")).body)
                    except BlockedAddress:
                        outcomes.append(None)
            async with HttpFetcher(fetch_config(allow_networks=["127.0.0.0/8"])) as open_http:
                assert (await open_http.fetch(f"{inside_base}/control")).body == b"internal"
    assert inside_hits == ["/control"]
    assert len(dns.asked) == len(script)
    public = b"<p>14:52 GMT public page</p>"
    assert outcomes == [public, None, public, None]


@pytest.mark.parametrize("target", [
    "http://127.0.0.2:{inner}/admin", "http://2130706434:{inner}/admin",
    "http://0x7f000002:{inner}/admin", "http://[::ffff:127.0.0.2]:{inner}/admin",
    "http://inside.example:{inner}/admin", "http://localhost:{inner}/admin",
    "http://169.254.169.254/latest/meta-data/", "http://[fd00::1]/", "file:///etc/passwd",
    "gopher://127.0.0.2:{inner}/_x", "http://x@127.0.0.2:{inner}/admin",
])
async def test_a_redirect_to_a_blocked_address_is_refused(target: str) -> None:
    """Every hop is checked: a public page redirecting inside is refused, whatever the spelling."""
    inner_hits: list[str] = []

    async def inner(request: web.BaseRequest) -> web.StreamResponse:
        inner_hits.append(request.path)
        return web.Response(text="internal admin", content_type="text/html")

    async with serve(inner, "127.0.0.2") as inner_base:
        inner_port = inner_base.rsplit(":", 1)[1]

        async def outer(request: web.BaseRequest) -> web.StreamResponse:
            raise web.HTTPFound(target.format(inner=inner_port))

        async with serve(outer) as outer_base:
            dns = ScriptedDns({"news.example": [["127.0.0.1"]], "inside.example": [["127.0.0.2"]]})
            async with HttpFetcher(fetch_config(connect_timeout=0.5), resolver=dns,
                                   is_blocked=_only_127_0_0_1_is_public) as http:
                with pytest.raises(FetchError) as caught:
                    await http.fetch(f"http://news.example:{outer_base.rsplit(':', 1)[1]}/live")
    assert _refused(caught.value), caught.value
    assert inner_hits == []


def test_private_networks_are_refused_by_default() -> None:
    """No range is open unless the operator names one."""
    assert FetchConfig().allow_networks == ()
    assert load_config(environ={}).fetch.allow_networks == ()
    on = load_config(environ={"STORYWATCH_FETCH__ALLOW_NETWORKS": '["127.0.0.0/8"]'})
    assert [str(network) for network in on.fetch.allow_networks] == ["127.0.0.0/8"]


async def test_an_allowed_range_lets_tests_reach_loopback(web_server: WebServer) -> None:
    """With loopback's range named, a loopback page is fetched (tests, private deployments)."""
    url = web_server.set("/live", "<p>14:52 GMT first</p>")
    async with HttpFetcher(fetch_config(allow_networks=["127.0.0.0/8"])) as http:
        assert (await http.fetch(url)).body == b"<p>14:52 GMT first</p>"


async def test_an_allowed_range_opens_exactly_that_range(web_server: WebServer) -> None:
    """127.0.0.1/32 opens 127.0.0.1, and 127.0.0.2 (outside it) is still refused with the key
    that would open it."""
    web_server.set("/live", "<p>14:52 GMT first</p>")
    async with HttpFetcher(fetch_config(allow_networks=["127.0.0.1/32"])) as http:
        await http.fetch(f"http://127.0.0.1:{web_server.port}/live")
        with pytest.raises(BlockedAddress, match=r'allow_networks = \["127\.0\.0\.2/32"\]'):
            await http.fetch(f"http://127.0.0.2:{web_server.port}/live")
    assert web_server.hits["/live"] == 1


EVERYTHING = ["0.0.0.0/0", "::/0"]
METADATA_HOSTS = ["169.254.169.254", "169.254.0.1", "0xa9fea9fe", "[fe80::1]",
                  "[fd00:ec2::254]", "[::ffff:169.254.169.254]", "[64:ff9b::a9fe:a9fe]"]


@pytest.mark.parametrize("host", METADATA_HOSTS)
@pytest.mark.parametrize("ranges", [EVERYTHING, ["169.0.0.0/8", "::/1", "fc00::/7", "fe00::/7"]],
                         ids=["everything", "wider"])
async def test_link_local_and_metadata_stay_refused_under_a_wider_range(
        host: str, ranges: list[str]) -> None:
    """Even "0.0.0.0/0", or a range wider than link-local, does not open the metadata
    address: refused before any connection, saying which key opens it."""
    async with HttpFetcher(fetch_config(allow_networks=ranges, connect_timeout=0.5)) as http:
        with pytest.raises(BlockedAddress, match=r"link-local or cloud metadata.*allow_networks"):
            await http.fetch(f"http://{host}/latest/meta-data/")


@pytest.mark.parametrize("address", ["169.254.169.254", "fe80::1", "fd00:ec2::254",
                                     "::ffff:169.254.169.254"])
async def test_a_name_resolving_to_metadata_stays_refused_under_a_wider_range(
        web_server: WebServer, address: str) -> None:
    """A name whose DNS answer is link-local or metadata is refused though every range is open."""
    dns = ScriptedDns({"meta.example": [[address]]})
    async with HttpFetcher(fetch_config(allow_networks=EVERYTHING), resolver=dns) as http:
        with pytest.raises(BlockedAddress, match=r"meta\.example: it resolves to .*metadata"):
            await http.fetch(f"http://meta.example:{web_server.port}/")
    assert not web_server.requests


async def test_a_range_inside_link_local_names_it_explicitly(loopback_only: list[str]) -> None:
    """169.254.169.254/32 named on its own is the operator's explicit choice: the guard lets
    the request through, to the network boundary, where the loopback-only fixture stops it."""
    async with HttpFetcher(fetch_config(allow_networks=["169.254.169.254/32"],
                                        connect_timeout=0.5)) as http:
        with pytest.raises(FetchError) as caught:
            await http.fetch("http://169.254.169.254/latest/meta-data/")
    assert not isinstance(caught.value, BlockedAddress), caught.value
    assert loopback_only == ["169.254.169.254"]
    loopback_only.clear()


@pytest.mark.parametrize("host", ["127.0.0.1", "2130706433", "[::ffff:127.0.0.1]", "localhost"])
async def test_subscribe_to_an_internal_url_follows_nothing(web_server: WebServer, tmp_path: Path,
                                                            host: str) -> None:
    """/subscribe of a loopback story is answered with the reason; no story is stored and the
    server is never asked."""
    story = LiveStory(web_server)
    story.post("An update that must stay private.")
    config = Config(storage=StorageConfig(path=tmp_path / "db.sqlite"))
    async with (Database.open(config.storage.path) as db,
                HttpFetcher(config.fetch) as fetcher):
        watcher = Watcher(db, fetcher, lambda fetched: extract(fetched, config),
                          ExtractiveSummarizer(), WatchPolicy.from_config(config), _now)
        layer = CommandLayer(command_context(config, db, watcher, _now))
        url = f"http://{host}:{web_server.port}{story.path}"
        reply = await layer.run_text(CONSOLE_CALLER, f"/subscribe {url}")
        assert reply is not None and reply.text.startswith("Can't follow")
        assert "\n" not in reply.text
        assert await stories.due(db, datetime(2100, 1, 1, tzinfo=UTC)) == []
    assert web_server.hits[story.path] == 0


@pytest.mark.parametrize("url", ["http://169.254.169.254/", "http://[fd00:ec2::254]/",
                                 "http://0xa9fea9fe/latest/meta-data/"])
async def test_subscribe_to_metadata_is_refused_though_every_range_is_open(
        tmp_path: Path, url: str) -> None:
    """/subscribe of the metadata address is answered with the reason in one line, though
    fetch.allow_networks opens every range; nothing is stored."""
    config = Config(storage=StorageConfig(path=tmp_path / "db.sqlite"),
                    fetch=fetch_config(allow_networks=EVERYTHING))
    async with (Database.open(config.storage.path) as db,
                HttpFetcher(config.fetch) as fetcher):
        watcher = Watcher(db, fetcher, lambda fetched: extract(fetched, config),
                          ExtractiveSummarizer(), WatchPolicy.from_config(config), _now)
        layer = CommandLayer(command_context(config, db, watcher, _now))
        reply = await layer.run_text(CONSOLE_CALLER, f"/subscribe {url}")
        assert reply is not None and reply.text.startswith("Can't follow"), reply
        assert "metadata" in reply.text and "\n" not in reply.text
        assert await stories.due(db, datetime(2100, 1, 1, tzinfo=UTC)) == []


def _now() -> datetime:
    return datetime.now(UTC)


@pytest.mark.parametrize("host", ["127.0.0.1", "2130706433", "[::ffff:127.0.0.1]", "localhost"])
async def test_preview_of_an_internal_url_shows_nothing(web_server: WebServer, tmp_path: Path,
                                                        host: str) -> None:
    """/preview of a loopback story is refused with the reason; the server is never asked."""
    story = LiveStory(web_server)
    story.post("An update that must stay private.")
    config = Config(storage=StorageConfig(path=tmp_path / "db.sqlite"))
    async with (Database.open(config.storage.path) as db,
                HttpFetcher(config.fetch) as fetcher):
        watcher = Watcher(db, fetcher, lambda fetched: extract(fetched, config),
                          ExtractiveSummarizer(), WatchPolicy.from_config(config), _now)
        layer = CommandLayer(command_context(config, db, watcher, _now,
                                             pages=Pages(fetcher, config)))
        url = f"http://{host}:{web_server.port}{story.path}"
        reply = await layer.run_text(CONSOLE_CALLER, f"/preview {url}")
        assert reply is not None and reply.private and "\n" not in reply.text
        assert reply.text.startswith("Refused to fetch http://")
        assert "An update that must stay private" not in reply.text
    assert web_server.hits[story.path] == 0
