"""`HttpFetcher`: story pages over one shared aiohttp session (docs/BEHAVIOUR.md, Fetch).

Conditional GET (ETag, Last-Modified, body hash), connect and total deadlines,
a body limit counted after decompression, redirects followed here so that
every hop is checked, and an SSRF guard on the address actually connected to:
`bot.edges.fetch_guard.GuardedResolver` sits in the connector and drops refused addresses
from each DNS answer, while IP literals, which aiohttp does not resolve, are checked
before each request. aiohttp and its exceptions stay inside this module:
callers see `Fetched` or a `bot.core.errors.FetchError` with a one-line message.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit, urlunsplit

import aiohttp
from aiohttp.abc import AbstractResolver
from aiohttp.http_exceptions import ContentEncodingError
from multidict import CIMultiDictProxy

from bot.core.errors import BadUrl, BlockedAddress, HttpStatus, NotAPage, TooLarge, Unreachable
from bot.core.model import Fetched, Validators
from bot.edges.config import FetchConfig
from bot.edges.fetch_guard import GuardedResolver
from bot.edges.netguard import ALLOW_KEY, BlockPolicy, allowing, literal_host_address, why_refused
from bot.edges.urls import normalize_url

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
PERMANENT_STATUSES = frozenset({301, 308})
RETRY_STATUSES = frozenset({429, 503})
PAGE_TYPES = frozenset(
    {
        "text/html", "application/xhtml+xml", "text/plain",
        "application/xml", "text/xml", "application/rss+xml", "application/atom+xml",
        "application/rdf+xml", "application/feed+json", "application/json",
        "application/ld+json",
    }
)
_LOOPBACK = (ipaddress.IPv4Address("127.0.0.1"), ipaddress.IPv6Address("::1"))
ACCEPT = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,application/rss+xml;q=0.9,"
    "application/atom+xml;q=0.9,text/plain;q=0.8,*/*;q=0.5"
)



class HttpFetcher:
    """Fetches story URLs; open it with `async with` for one session's life.

    `resolver` is the DNS resolver under the guard (aiohttp's default when None;
    tests pass one that maps names to chosen addresses); `is_blocked` is the
    address policy, by default `bot.edges.netguard.allowing(config.opened_networks())`.
    """

    def __init__(
        self,
        config: FetchConfig,
        *,
        resolver: AbstractResolver | None = None,
        is_blocked: BlockPolicy | None = None,
    ) -> None:
        self._config = config
        self._inner_resolver = resolver
        self._is_blocked = is_blocked or allowing(config.opened_networks())
        self._session: aiohttp.ClientSession | None = None
        self._owned_resolver: AbstractResolver | None = None

    async def __aenter__(self) -> HttpFetcher:
        config = self._config
        inner = self._inner_resolver or aiohttp.DefaultResolver()
        self._owned_resolver = None if self._inner_resolver else inner
        resolver = GuardedResolver(inner, self._is_blocked)
        connector = aiohttp.TCPConnector(
            limit=config.concurrency, limit_per_host=config.per_host, resolver=resolver
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            # The total deadline is kept by fetch() across all redirect hops.
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=config.connect_timeout),
            headers={
                "User-Agent": config.user_agent,
                "Accept": ACCEPT,
                "Accept-Encoding": "gzip, deflate, br",
            },
            # Stateless: one story's cookies must not follow the bot to another.
            cookie_jar=aiohttp.DummyCookieJar(),
        )
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._owned_resolver is not None:
            await self._owned_resolver.close()

    async def fetch(self, url: str, validators: Validators | None = None) -> Fetched:
        """GET `url` (conditionally when `validators` are given), following redirects.

        Returns the page, or `Fetched(body=None, unchanged=True)` for 304.
        Raises BadUrl, BlockedAddress, Unreachable (DNS, refused, timeout,
        redirect loop), HttpStatus (with retry_after for 429/503), TooLarge, NotAPage.
        """
        if self._session is None:
            raise RuntimeError("HttpFetcher.fetch called outside 'async with'")
        asked = normalize_url(url)
        fetched_at = datetime.now(UTC)
        try:
            async with asyncio.timeout(self._config.total_timeout):
                return await self._follow(asked, validators or Validators(), fetched_at)
        except TimeoutError:
            raise Unreachable(
                f"timed out after {self._config.total_timeout:g} s fetching {asked}"
            ) from None

    async def _follow(self, asked: str, validators: Validators, fetched_at: datetime) -> Fetched:
        current, visited = asked, {asked}
        # Where permanent redirects alone led: one temporary hop on the way is no move.
        moved_to: str | None = None
        permanent = True
        for _ in range(self._config.max_redirects + 1):
            self._check_literal_host(current)
            outcome = await self._hop(current, asked, validators, fetched_at)
            if isinstance(outcome, Fetched):
                return replace(outcome, moved_to=moved_to) if moved_to else outcome
            target, status = outcome
            permanent = permanent and status in PERMANENT_STATUSES
            if permanent:
                moved_to = normalize_url(target)
            if target in visited:
                raise Unreachable(f"redirect loop: {current} redirects back to {target}")
            visited.add(target)
            current = target
        raise Unreachable(
            f"too many redirects (more than {self._config.max_redirects}) from {asked}"
        )

    def _check_literal_host(self, url: str) -> None:
        """Refuse an IP-literal or localhost host before connecting (no DNS is involved)."""
        host = urlsplit(url).hostname or ""
        address = literal_host_address(host)
        if address is not None and self._is_blocked(address):
            raise BlockedAddress(f"refused to fetch {url}: {why_refused(address)}")
        if (host == "localhost" or host.endswith(".localhost")) and not any(
                loopback in network for loopback in _LOOPBACK
                for network in self._config.opened_networks()):
            raise BlockedAddress(f"refused to fetch {url}: localhost is this machine "
                                 f'(to allow it: {ALLOW_KEY} = ["127.0.0.1/32"])')

    async def _hop(
        self, url: str, asked: str, validators: Validators, fetched_at: datetime
    ) -> tuple[str, int] | Fetched:
        """One request: the redirect's target URL and status, or the result."""
        assert self._session is not None
        with _translated_errors(url, self._config):
            async with self._session.get(
                url, headers=_conditional_headers(validators), allow_redirects=False
            ) as response:
                target = _redirect_target(response.status, response.headers, url)
                if target is not None:
                    return target, response.status
                return await self._result(response, asked, url, validators, fetched_at)

    async def _result(
        self,
        response: aiohttp.ClientResponse,
        asked: str,
        url: str,
        validators: Validators,
        fetched_at: datetime,
    ) -> Fetched:
        status, headers = response.status, response.headers
        if status in RETRY_STATUSES:
            raise HttpStatus(status, url, _retry_after(headers, fetched_at))
        if status != 304 and not 200 <= status < 300:
            raise HttpStatus(status, url)
        content_type = response.content_type if "Content-Type" in headers else ""
        body, body_hash = None, validators.body_hash
        if status != 304:
            if content_type and content_type not in PAGE_TYPES:
                raise NotAPage(f"{url} is {content_type}, not a web page, feed or text")
            body = await self._read_body(response, url)
            body_hash = hashlib.sha256(body).hexdigest()
        return Fetched(
            url=asked,
            final_url=normalize_url(url),
            fetched_at=fetched_at,
            body=body,
            content_type=content_type,
            charset=response.charset.lower() if response.charset else None,
            validators=Validators(
                etag=headers.get("ETag", validators.etag if status == 304 else None),
                last_modified=headers.get(
                    "Last-Modified", validators.last_modified if status == 304 else None
                ),
                body_hash=body_hash,
            ),
            unchanged=status == 304 or body_hash == validators.body_hash,
            max_age=_cache_max_age(headers),
        )

    async def _read_body(self, response: aiohttp.ClientResponse, url: str) -> bytes:
        """The decompressed body, cut off as soon as it passes `max_bytes`.

        aiohttp inflates in bounded steps as it streams, so a compression bomb
        costs at most one step beyond the limit, never its full expansion.
        """
        limit = self._config.max_bytes
        if response.content_length is not None and response.content_length > limit:
            raise TooLarge(
                f"{url} is {response.content_length:,} bytes, over the {limit:,} byte limit"
            )
        chunks, size = [], 0
        async for chunk in response.content.iter_any():
            size += len(chunk)
            if size > limit:
                raise TooLarge(f"{url} is over the {limit:,} byte limit once decompressed")
            chunks.append(chunk)
        return b"".join(chunks)


def _conditional_headers(validators: Validators) -> dict[str, str]:
    headers = {}
    if validators.etag:
        headers["If-None-Match"] = validators.etag
    if validators.last_modified:
        headers["If-Modified-Since"] = validators.last_modified
    return headers


def _redirect_target(status: int, headers: CIMultiDictProxy[str], url: str) -> str | None:
    """Where a redirect points, host canonical and checked; None when not a redirect.

    The path and query are kept as the server sent them (only the host is
    rewritten) so a redirect that adds a tracking parameter is not a loop.
    Raises BadUrl when the target is not an acceptable http(s) URL.
    """
    location = headers.get("Location")
    if status not in REDIRECT_STATUSES or not location:
        return None
    joined = urljoin(url, location.strip())
    try:
        canonical = urlsplit(normalize_url(joined))
    except BadUrl as error:
        raise BadUrl(f"{url} redirects to a refused address: {error}") from None
    raw = urlsplit(joined)
    return urlunsplit((canonical.scheme, canonical.netloc, raw.path or "/", raw.query, ""))


def _retry_after(headers: CIMultiDictProxy[str], now: datetime) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP date."""
    value = headers.get("Retry-After", "").strip()
    if value.isdecimal():
        return float(value)
    when = _http_date(value)
    if when is None:
        return None
    # Measured against the server's own clock when it sent one, so skew cancels out.
    reference = _http_date(headers.get("Date", "")) or now
    return max(0.0, (when - reference).total_seconds())


def _http_date(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _cache_max_age(headers: CIMultiDictProxy[str]) -> float | None:
    """Cache-Control max-age in seconds, if the server gave one."""
    for directive in headers.get("Cache-Control", "").split(","):
        name, _, value = directive.strip().partition("=")
        if name.lower() == "max-age" and value.strip('"').isdecimal():
            return float(value.strip('"'))
    return None


@contextmanager
def _translated_errors(url: str, config: FetchConfig) -> Iterator[None]:
    """Turn aiohttp's exceptions into one-line FetchErrors naming the host or URL."""
    host = urlsplit(url).hostname or url
    try:
        yield
    except aiohttp.ClientConnectorDNSError:
        raise Unreachable(f"could not find the host {host} (DNS lookup failed)") from None
    except aiohttp.ClientConnectorCertificateError:
        raise Unreachable(f"{host} presented an invalid TLS certificate") from None
    except aiohttp.ClientSSLError:
        raise Unreachable(f"the TLS handshake with {host} failed") from None
    except aiohttp.ConnectionTimeoutError:
        raise Unreachable(
            f"{host} did not accept a connection within {config.connect_timeout:g} s"
        ) from None
    except aiohttp.ClientConnectorError as error:
        raise Unreachable(_connect_failure(host, error.os_error)) from None
    except aiohttp.ServerDisconnectedError:
        raise Unreachable(f"{host} closed the connection before answering") from None
    except aiohttp.ClientPayloadError as error:
        if isinstance(error.__cause__, ContentEncodingError):
            raise NotAPage(f"{url} sent a body that does not decompress") from None
        raise Unreachable(f"{host} sent a broken or truncated response") from None
    except aiohttp.InvalidURL:
        raise BadUrl(f"malformed URL: {url}") from None
    except aiohttp.ClientResponseError as error:
        raise Unreachable(f"{host} sent a malformed response ({error.message})") from None
    except aiohttp.ClientError as error:
        raise Unreachable(f"the connection to {host} failed ({_reason(error)})") from None


def _connect_failure(host: str, error: OSError) -> str:
    if isinstance(error, ConnectionRefusedError):
        return f"{host} refused the connection"
    return f"could not connect to {host} ({_reason(error)})"


def _reason(error: BaseException) -> str:
    text = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return str(text).splitlines()[0]
