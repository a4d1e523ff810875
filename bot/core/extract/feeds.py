"""RSS and Atom feeds, read with feedparser."""

from __future__ import annotations

import calendar
import io
from datetime import UTC, datetime
from time import struct_time
from typing import Any

import feedparser
from lxml import etree
from selectolax.lexbor import LexborHTMLParser

from bot.core.extract.blocktext import paragraphs
from bot.core.extract.candidate import RANK_STRUCTURED, Candidate
from bot.core.extract.caps import MAX_FEED_ITEM_ELEMENTS, MAX_FEED_ITEMS, MAX_FEED_TAGS, Tally
from bot.core.extract.embeds import find_embeds
from bot.core.extract.images import feed_image
from bot.core.model import Embed

_ITEM_TAGS = ("item", "{*}item", "{*}entry")


def feed_candidates(text: str, tally: Tally | None = None
                    ) -> tuple[str | None, str | None, list[Candidate]]:
    """The feed's title, its site link and one candidate per item (MAX_FEED_ITEMS at
    most; the rest are counted in `tally`)."""
    body = text.encode("utf-8")
    if text.count("<") > MAX_FEED_TAGS or "<!ENTITY" in text:
        body = _cut_to_size(body, tally or Tally())
    # A stream, never the text itself: feedparser fetches a str that looks like a URL
    # and opens one that names a file, so a hostile body could read our disk or reach
    # past the SSRF guard.
    parsed = feedparser.parse(io.BytesIO(body),
                              response_headers={"content-type": "application/xml; charset=utf-8"})
    feed = parsed.get("feed", {})
    found = [_item(item) for item in parsed.get("entries", [])]
    title = feed.get("title")
    return (" ".join(title.split()) if title else None), feed.get("link"), found


def _cut_to_size(body: bytes, tally: Tally) -> bytes:
    """The feed without its entity declarations, its items past MAX_FEED_ITEMS, or items of
    more than MAX_FEED_ITEM_ELEMENTS elements. feedparser pays per element and expands
    entities; libxml2 reads the whole feed in C for a fraction of that, and leaves
    entities unexpanded."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             recover=True, strip_cdata=False)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError:
        return body
    if root is None:
        return body
    items = list(root.iter(*_ITEM_TAGS))
    tally.over("feed items", len(items) - MAX_FEED_ITEMS)
    for item in items[MAX_FEED_ITEMS:]:
        item.getparent().remove(item)
    for item in items[:MAX_FEED_ITEMS]:
        if sum(1 for _ in item.iter()) > MAX_FEED_ITEM_ELEMENTS:
            tally.over("oversized feed items", 1)
            item.getparent().remove(item)
    result: bytes = etree.tostring(root, encoding="utf-8", xml_declaration=True)
    return result


def _item(item: Any) -> Candidate:
    # dict.get: feedparser's own get() maps updated to published with a warning.
    updated = _when(dict.get(item, "updated_parsed"))
    published = _when(dict.get(item, "published_parsed")) or updated
    link = item.get("link")
    link = link if isinstance(link, str) and link.startswith(("http://", "https://")) else None
    body = ""
    if item.get("content"):
        body = item["content"][0].get("value", "")
    body = body or item.get("summary", "") or item.get("description", "")
    title = item.get("title")
    text, embeds = quoting_text(body, link or "")
    return Candidate(
        "feed",
        text,
        " ".join(title.split()) if title else None,
        item.get("id") or link,
        link,
        published,
        RANK_STRUCTURED if published else 0,
        updated_at=updated,
        image=feed_image(item, body),
        embeds=embeds,
    )


def _when(value: struct_time | None) -> datetime | None:
    if value is None:
        return None
    return datetime.fromtimestamp(calendar.timegm(value), UTC)


def plain_text(markup: str) -> str:
    """The paragraphs of an item's HTML (or its text, when it holds no markup)."""
    return quoting_text(markup, "")[0]


def quoting_text(markup: str, base_url: str) -> tuple[str, tuple[Embed, ...]]:
    """The paragraphs of an item's HTML without what it quotes or plays, and those embeds
    (their words when the item says nothing else)."""
    if "<" not in markup:
        return " ".join(markup.split()), ()
    tree = LexborHTMLParser(f"<div>{markup}</div>")
    root = tree.css_first("div")
    if root is None:
        return "", ()
    embedded = find_embeds([root], base_url)
    text = "\n\n".join(paragraphs([root], set(embedded.elements)))
    return text or embedded.words, embedded.embeds
