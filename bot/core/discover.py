"""What can be followed from a page that is not itself a live page: the live pages it links
to and its feeds (`/subscribe` of a front page, `/track`). Pure: a fetched body in, links out.

A live page is found by its structured data (a `LiveBlogPosting`, or an `ItemList` item
that is one) or by the signals live pages carry in their link text or address ("Live:",
"Ticker", "en direct", "diretta", "/live/"). A feed is a `<link rel="alternate">` of an
RSS, Atom or JSON Feed type. A feed's own items are its links: a tracked feed offers each
item, and only following it tells whether it is a live page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser

from bot.core.extract.document import read_document
from bot.core.extract.feeds import feed_candidates
from bot.core.extract.jsonfeed import json_feed_candidates
from bot.core.extract.links import absolute_link
from bot.core.extract.markup import bounded
from bot.core.extract.structured import has_type, json_ld_objects
from bot.core.model import Fetched

MAX_CHOICES = 10
"""Most choices a discovery offers (live pages first, then feeds)."""
MAX_FEEDS_SHOWN = 3
"""Feeds kept among the choices when live pages would fill them: a feed is one choice
that follows everything, worth keeping in sight."""
MAX_LINKS = 500
"""Most links read from one page: a front page's navigation is large, not unbounded."""
MAX_TITLE_CHARS = 120

Kind = Literal["live", "feed"]

# Words live pages carry in their link text, in the corpus's languages.
_LIVE_TEXT = re.compile(
    r"(?<!\w)(?:live(?:\s?blog|\s?ticker)?|ticker|liveticker|en direct|direct|en vivo|"
    r"en directo|diretta|ao vivo|na żywo|relacja live|minute by minute|as it happened)(?!\w)"
    r"|^\s*(?:LIVE|Live|En direct|EN DIRECT|Ticker|Diretta|DIRETTA)\s*[:|–—-]",
    re.IGNORECASE)
# ...and in their address: a path segment or slug word.
_LIVE_PATH = re.compile(
    r"(?:^|[/_.-])(?:live|liveblog|live-blog|liveticker|live-ticker|ticker|direct|en-direct|"
    r"en-vivo|en-directo|diretta|ao-vivo|na-zywo)(?:$|[/_.-])",
    re.IGNORECASE)
# Words that look like a signal but name something else: "Live Science", "live score".
_NOT_LIVE_TEXT = re.compile(r"(?<!\w)(?:live\s?(?:score|stream|tv|radio|science|nation)|"
                            r"direct debit|directions?)(?!\w)", re.IGNORECASE)
# The scheme and host of an absolute (or scheme-relative) address: a host named "live."
# is no signal.
_HOST = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*:)?//[^/?#]*")
_SCRIPT = re.compile(r"\.(?:php\d?|aspx?|jsp|cgi|pl)$", re.IGNORECASE)
_FEED_TYPES = {
    "application/rss+xml": "RSS",
    "application/atom+xml": "Atom",
    "application/feed+json": "JSON Feed",
    "application/json": "JSON Feed",
    "application/rdf+xml": "RSS",
}


@dataclass(frozen=True, slots=True)
class Found:
    """A page or feed that can be followed: its absolute URL, its title as the page gives
    it, and whether it is a live page (or a feed's item) or a feed."""

    url: str
    title: str
    kind: Kind


@dataclass(frozen=True, slots=True)
class Discovered:
    """What a page offers: `links` (the live pages it links to, or a feed's items) and
    `feeds` (its `<link rel="alternate">` feeds); `is_feed` when the page is itself a feed."""

    links: tuple[Found, ...]
    feeds: tuple[Found, ...]
    is_feed: bool = False

    def choices(self, limit: int = MAX_CHOICES) -> tuple[Found, ...]:
        """At most `limit` choices, live pages first; feeds fill the room left, and keep
        MAX_FEEDS_SHOWN places however many live pages there are."""
        feeds = self.feeds[:min(max(MAX_FEEDS_SHOWN, limit - len(self.links)), limit)]
        return self.links[:limit - len(feeds)] + feeds


def discover(body: bytes | str, *, url: str, content_type: str = "",
             charset: str | None = None) -> Discovered:
    """The live pages `body` (fetched from `url`, its final URL) links to and its feeds.

    Raises NotAPage when the body is not a page, a feed or text.
    """
    document = read_document(body, content_type, charset)
    if document.kind in ("feed", "jsonfeed"):
        return Discovered(_feed_items(document.text, document.kind, url), (), is_feed=True)
    if document.kind != "html":
        return Discovered((), ())
    # Cut as the extractor cuts it: a hostile page's nesting must not stall the parser.
    tree = LexborHTMLParser(bounded(document.utf8 or document.text.encode("utf-8")))
    base = _base(tree, url)
    structured = _structured_live(tree, base)
    linked = _signalled_links(tree, base)
    return Discovered(_unique((*structured, *linked), own=url), _feeds(tree, base))


def _feed_items(text: str, kind: str, url: str) -> tuple[Found, ...]:
    _title, _link, items = (json_feed_candidates(text) if kind == "jsonfeed"
                            else feed_candidates(text))
    found = []
    for item in items:
        absolute = _absolute(item.url, url)
        if absolute is not None:
            found.append(Found(absolute, _clean(item.title or item.text) or absolute, "live"))
    return _unique(found, own=url)


def _base(tree: LexborHTMLParser, url: str) -> str:
    base = tree.css_first("base[href]")
    href = base.attributes.get("href") if base is not None else None
    return (_absolute(href, url) if href else None) or url


def _structured_live(tree: LexborHTMLParser, base: str) -> list[Found]:
    """LiveBlogPosting objects' URLs, and ItemList items that are live blogs."""
    found = []
    for obj in json_ld_objects(tree):
        if has_type(obj, "LiveBlogPosting"):
            found += _found_of(obj, base)
        elif has_type(obj, "ItemList"):
            for element in _list(obj.get("itemListElement")):
                inner = element.get("item")
                item: dict[str, Any] = inner if isinstance(inner, dict) else element
                if has_type(item, "LiveBlogPosting") or _signals(
                        str(item.get("name") or element.get("name") or ""),
                        str(item.get("url") or element.get("url") or "")):
                    found += _found_of({**element, **item}, base)
    return found


def _list(value: Any) -> list[dict[str, Any]]:
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, dict)]


def _found_of(obj: dict[str, Any], base: str) -> list[Found]:
    page = obj.get("mainEntityOfPage")
    url = obj.get("url") or obj.get("@id") or (page.get("@id") if isinstance(page, dict) else page)
    absolute = _absolute(url if isinstance(url, str) else None, base)
    if absolute is None:
        return []
    title = obj.get("headline") or obj.get("name")
    return [Found(absolute, _clean(title if isinstance(title, str) else "") or absolute, "live")]


def _signalled_links(tree: LexborHTMLParser, base: str) -> list[Found]:
    found = []
    for anchor in tree.css("a[href]")[:MAX_LINKS * 4]:
        href = anchor.attributes.get("href")
        title = _clean(anchor.text(separator=" ") or anchor.attributes.get("title") or
                       anchor.attributes.get("aria-label") or "")
        # Signals first: resolving every link of a front page costs more than reading it.
        absolute = _absolute(href, base) if href and _signals(title, href) else None
        if absolute is not None:
            found.append(Found(absolute, title or absolute, "live"))
            if len(found) == MAX_LINKS:
                break
    return found


def _signals(title: str, href: str) -> bool:
    """Whether a link's text or address (absolute or not) carries a live page's signal."""
    if _LIVE_TEXT.search(title) and not _NOT_LIVE_TEXT.search(title):
        return True
    path = _HOST.sub("", href.strip(), count=1)
    return bool(_LIVE_PATH.search(path.split("?", 1)[0].split("#", 1)[0]))


def _feeds(tree: LexborHTMLParser, base: str) -> tuple[Found, ...]:
    found = []
    for link in tree.css('link[rel][href]'):
        rel = (link.attributes.get("rel") or "").lower().split()
        kind = (link.attributes.get("type") or "").split(";")[0].strip().lower()
        absolute = _absolute(link.attributes.get("href"), base)
        if "alternate" in rel and kind in _FEED_TYPES and absolute is not None:
            title = _clean(link.attributes.get("title") or "")
            found.append(Found(absolute, f"{_FEED_TYPES[kind]}: {title or absolute}", "feed"))
    return _unique(found, own=base)


def _absolute(href: str | None, base: str) -> str | None:
    """`href` resolved against `base`, without its fragment; None unless http(s)."""
    url = absolute_link(href, base) if href and href.strip() else None
    return None if url is None else url.split("#", 1)[0]


def _unique(found: list[Found] | tuple[Found, ...], *, own: str) -> tuple[Found, ...]:
    """Each page once, where it first appears, never the page itself; titled by the first of
    its links that has words (a picture's link before its headline's has none)."""
    mine = _page_key(own)
    kept: dict[str, Found] = {}
    for item in found:
        key = _page_key(item.url)
        first = kept.get(key)
        if key != mine and (first is None or first.title == first.url):
            kept[key] = item if first is None else Found(first.url, item.title, first.kind)
    return tuple(kept.values())


def _page_key(url: str) -> str:
    """Which page a URL names: its address without the query where the path names the page
    (a live blog's links to its own updates differ only in "?page=with:block-…"), whole
    where a script's query does (/index.php?id=7)."""
    parts = urlsplit(url.split("#", 1)[0])
    if len(parts.path) > 1 and not _SCRIPT.search(parts.path):
        return urlunsplit(parts._replace(query=""))
    return urlunsplit(parts)


def _clean(text: str | None) -> str:
    words = " ".join((text or "").split())
    if len(words) <= MAX_TITLE_CHARS:
        return words
    return words[:MAX_TITLE_CHARS].rsplit(" ", 1)[0] + "…"


def discover_fetched(fetched: Fetched) -> Discovered:
    """`discover` of a fetched document, at its final URL (picklable: it runs in the
    extraction pool)."""
    return discover(fetched.body or b"", url=fetched.final_url,
                    content_type=fetched.content_type, charset=fetched.charset)
