"""Story URL normalisation (docs/BEHAVIOUR.md, Words), so one story is never tracked twice.

`normalize_url` lower-cases the scheme and host, encodes the host with IDNA,
writes IP hosts in their canonical form, drops the default port, the fragment
and tracking parameters (`utm_*`, `fbclid`, ...), keeps the rest of the query
in order and byte for byte, resolves `.` and `..` path segments and makes an
empty path `/`. URLs that could mislead the address check are refused:
user info (`http://example.com@127.0.0.1/`), backslashes, control characters.

Pure: no I/O.
"""

from __future__ import annotations

import functools
import ipaddress
from urllib.parse import quote, unquote, unquote_plus, urlsplit, urlunsplit

import idna

from bot.core.errors import BadUrl
from bot.edges.netguard import literal_host_address

MAX_URL_LENGTH = 4096
DEFAULT_PORTS = {"http": 80, "https": 443}

# Campaign and click identifiers: they vary per share of the same story.
TRACKING_PREFIXES = ("utm_", "at_", "mtm_")
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid",
        "twclid", "ttclid", "igshid", "li_fat_id", "mc_cid", "mc_eid", "_ga", "_gl",
        "ref_src", "ref_url", "ocid", "cmpid", "cmp", "smid", "ito", "ns_mchannel",
        "ns_source", "ns_campaign", "ns_linkname", "ns_fee", "xtor", "__twitter_impression",
    }
)

# RFC 3986 characters that may stay as they are in a path (plus "%" of existing escapes).
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"
_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_.")


def normalize_url(url: str) -> str:
    """The canonical form of a story URL.

    Returns an absolute http(s) URL. Raises BadUrl (one line naming the URL)
    when the URL is not http or https, has no host, carries user info, or is
    otherwise malformed.
    """
    text = url.strip()
    shown = _shown(text)
    if not text:
        raise BadUrl("no URL given: expected one starting with http:// or https://")
    if is_local_path(text):
        raise BadUrl(f"{shown} is a local path, not a web address: chats follow web pages;"
                     " `storywatch check FILE` reads files")
    if len(text) > MAX_URL_LENGTH:
        raise BadUrl(f"URL is longer than {MAX_URL_LENGTH} characters: {shown}")
    if any(ord(char) < 0x21 or ord(char) == 0x7F for char in text) or "\\" in text:
        raise BadUrl(f"URL contains spaces, control characters or backslashes: {shown}")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as error:
        raise BadUrl(f"malformed URL ({error}): {shown}") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise BadUrl(f"not a web address (it must start with http:// or https://): {shown}")
    if "@" in parts.netloc:
        raise BadUrl(f"URL with a user name or password is refused: {shown}")
    host = normalize_host(parts.hostname or "", shown)
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = _normalize_path(parts.path)
    return urlunsplit((scheme, netloc, path, _strip_tracking(parts.query), ""))


def is_local_path(text: str) -> bool:
    """Whether `text` is written as a file path (/..., ./..., ~/..., C:\\...), not a URL."""
    windows = len(text) > 2 and text[0].isalpha() and text[1:3] in (":\\", ":/")
    return windows or (text.startswith(_PATH_STARTS) and not text.startswith("//"))


_PATH_STARTS = ("/", "./", "../", "~/")


def normalize_host(host: str, shown: str | None = None) -> str:
    """A URL host in canonical form: IDNA-encoded lower case, or a canonical IP literal.

    IPv6 comes back in brackets. Raises BadUrl when the host is empty or not a
    valid host name; `shown` is how the error names the URL (default: the host).
    """
    shown = shown or _shown(host)
    host = unquote(host).strip("[]")
    if not host:
        raise BadUrl(f"URL has no host: {shown}")
    if ":" in host:
        address = literal_host_address(host)
        # A zone id ("%eth0") only names a local interface: never a story's host.
        if address is None or "%" in host:
            raise BadUrl(f"URL has a malformed IPv6 host: {shown}")
        return f"[{address}]"
    try:
        ascii_host = _idna(host)
    except (idna.IDNAError, UnicodeError):
        ascii_host = _fallback_idna(host, shown)
    return _checked_name(ascii_host.lower(), shown)


@functools.lru_cache(maxsize=4096)
def _idna(host: str) -> str:
    # Cached: every fetch normalises its URLs, and UTS 46 mapping label by label
    # was a third of the CPU of checking an unchanged story; hosts repeat.
    return idna.encode(host, uts46=True, transitional=False).decode("ascii")


def _fallback_idna(host: str, shown: str) -> str:
    """IDNA 2003 for hosts strict IDNA 2008 refuses (underscores, some symbols)."""
    try:
        return host.lower().encode("idna").decode("ascii")
    except UnicodeError:
        raise BadUrl(f"URL has an invalid host name: {shown}") from None


def _checked_name(host: str, shown: str) -> str:
    address = literal_host_address(host)
    if isinstance(address, ipaddress.IPv4Address):
        return str(address)
    name = host.removesuffix(".")
    labels = name.split(".")
    if not name or len(name) > 253 or any(not label or len(label) > 63 for label in labels):
        raise BadUrl(f"URL has an invalid host name: {shown}")
    if not set(name) <= _HOST_CHARS:
        raise BadUrl(f"URL has an invalid host name: {shown}")
    # A host whose last label is a number is an IPv4 address to browsers and
    # resolvers; one that does not parse as such must not reach DNS as a name.
    if labels[-1].isdecimal() or labels[-1].startswith("0x"):
        raise BadUrl(f"URL has an invalid IP address: {shown}")
    return name


def _normalize_path(path: str) -> str:
    segments: list[str] = []
    for segment in path.split("/")[1:]:
        if segment == "..":
            if segments:
                segments.pop()
        elif segment != ".":
            segments.append(segment)
    if path.split("/")[-1] in (".", ".."):
        segments.append("")  # "/a/b/.." names the directory "/a/", as RFC 3986 says
    return quote("/" + "/".join(segments), safe=_PATH_SAFE)


def _strip_tracking(query: str) -> str:
    kept = []
    for pair in query.split("&"):
        if not pair:
            continue
        name = unquote_plus(pair.partition("=")[0]).lower()
        if name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES):
            continue
        kept.append(quote(pair, safe="/?:@!$&'()*+,;=-._~%"))
    return "&".join(kept)


def _shown(url: str) -> str:
    """The URL as an error message shows it: one line, not too long."""
    flat = url.replace("\n", " ").replace("\r", " ")
    return flat if len(flat) <= 200 else flat[:197] + "..."
