"""What the page says about itself: title, canonical link, language, dates, time zone."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser

from bot.core.extract.candidate import Candidate
from bot.core.extract.dating import Reference
from bot.core.extract.pagedate import Stamp, page_reference, page_stamps
from bot.core.extract.zones import publisher_zone


@dataclass(frozen=True, slots=True)
class PageInfo:
    """Page-level facts extraction needs: `offset` is the page's own non-zero UTC offset."""

    title: str | None
    canonical_url: str | None
    host: str
    lang: str
    reference: Reference
    offset: timedelta | None


def page_info(
    tree: LexborHTMLParser, objects: list[dict[str, Any]], url: str, fetched_at: datetime
) -> PageInfo:
    """Read title, canonical link, language, last-modified date and offsets from the head."""
    metas = _metas(tree)
    html_node = tree.css_first("html")
    lang = (html_node.attributes.get("lang") or "") if html_node else ""
    canonical = tree.css_first('link[rel="canonical"]')
    href = canonical.attributes.get("href") if canonical else None
    canonical_url = urljoin(url, href) if href else None
    if canonical_url and not canonical_url.startswith(("http://", "https://")):
        canonical_url = None
    host = urlsplit(canonical_url or url).hostname or ""
    stamps = page_stamps(metas, objects)
    return PageInfo(
        _title(tree, metas), canonical_url, host, lang or metas.get("og:locale", ""),
        page_reference(stamps, metas, objects, canonical_url or url, tree, fetched_at),
        _offset(stamps),
    )


def _metas(tree: LexborHTMLParser) -> dict[str, str]:
    found: dict[str, str] = {}
    for meta in tree.css("head meta, meta[itemprop]"):
        attributes = meta.attributes
        name = attributes.get("property") or attributes.get("name") or attributes.get("itemprop")
        content = attributes.get("content")
        if name and content and name not in found:
            found[name] = content.strip()
    return found


def _title(tree: LexborHTMLParser, metas: dict[str, str]) -> str | None:
    h1 = tree.css_first("h1")
    for value in (metas.get("og:title"), h1.text() if h1 else None, _tag_text(tree, "title")):
        if value and value.strip():
            return " ".join(value.split())
    return None


def _tag_text(tree: LexborHTMLParser, tag: str) -> str | None:
    node = tree.css_first(tag)
    return node.text() if node else None


def _offset(stamps: list[Stamp]) -> timedelta | None:
    offsets = Counter(stamp.utcoffset() for _, stamp, _ in stamps if stamp.utcoffset())
    return offsets.most_common(1)[0][0] if offsets else None


def page_zone(info: PageInfo, candidates: list[Candidate], stated: tzinfo | None = None
              ) -> tzinfo:
    """The zone for times shown without one: an abbreviation the page writes beside its times,
    else the one it `stated` in words, else the publisher's, from its country and the page's
    own offsets, else UTC.
    """
    written = written_zone(candidates) or stated
    if written is not None:
        return written
    return publisher_zone(info.host, info.lang, info.offset, info.reference.at) or UTC


def written_zone(candidates: list[Candidate]) -> tzinfo | None:
    """The zone abbreviation written beside most of the candidates' times, if any."""
    written = Counter(
        c.shown.zone for c in candidates if c.shown is not None and isinstance(c.shown.zone, tzinfo)
    )
    return written.most_common(1)[0][0] if written else None
