"""schema.org LiveBlogPosting updates from JSON-LD and microdata, checked for placeholders."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode

from bot.core.extract.candidate import RANK_STRUCTURED, Candidate, Evidence, normalise
from bot.core.extract.caps import MAX_JSON_LD_ITEMS, Tally
from bot.core.extract.clock import parse_iso
from bot.core.extract.images import structured_images
from bot.core.extract.segments import strip_stamp

_TAG = re.compile(r"<[^>]+>")
_POSITIONAL = re.compile(r"^(.*?)(\d+)$")


def json_ld_objects(tree: LexborHTMLParser) -> list[dict[str, Any]]:
    """Every JSON-LD object on the page, flattened out of lists and @graph."""
    found: list[dict[str, Any]] = []
    for script in tree.css('script[type="application/ld+json"]'):
        try:
            data = json.loads(script.text(), strict=False)
        except (ValueError, RecursionError):  # broken, or nested past the parser's depth
            continue
        found.extend(_flatten(data))
    return found


def _flatten(data: Any) -> Iterator[dict[str, Any]]:
    """Objects in document order, out of lists and @graph; iterative, as a hostile page
    may nest lists as deep as the JSON parser allows."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            yield item
            stack.append(item.get("@graph", []))


def has_type(obj: dict[str, Any], name: str) -> bool:
    """Whether a JSON-LD object's @type is (or lists) `name`."""
    kind = obj.get("@type")
    return name in kind if isinstance(kind, list) else kind == name


def json_ld_candidates(objects: list[dict[str, Any]], base_url: str,
                       tally: Tally | None = None) -> list[Candidate]:
    """The liveBlogUpdate items of every LiveBlogPosting, with untrustworthy fields dropped;
    relative ids and urls ("#u4") are resolved against `base_url`. Past MAX_JSON_LD_ITEMS
    items in all, the rest are counted in `tally`."""
    found: list[Candidate] = []
    room = MAX_JSON_LD_ITEMS
    for blog in (o for o in objects if has_type(o, "LiveBlogPosting")):
        updates = blog.get("liveBlogUpdate") or []
        updates = [u for u in (updates if isinstance(updates, list) else [updates])
                   if isinstance(u, dict)]
        if tally is not None:
            tally.over("structured data items", len(updates) - room)
        updates = updates[: max(0, room)]
        room -= len(updates)
        headline = normalise(_text(blog.get("headline")))
        images = structured_images([u.get("image") for u in updates], blog.get("image"))
        found.extend(_trusted([_json_ld_update(u, headline, base_url, image)
                               for u, image in zip(updates, images, strict=True)]))
    return found


def _json_ld_update(
    update: dict[str, Any], page_headline: str, base_url: str, image: str | None
) -> Candidate:
    url = update.get("url") or update.get("@id")
    url = _absolute(url.strip(), base_url) if isinstance(url, str) and url.strip() else None
    published = parse_iso(str(update.get("datePublished") or ""))
    modified = parse_iso(str(update.get("dateModified") or ""))
    body = _text(update.get("articleBody"))
    return Candidate(
        "jsonld",
        body,
        _title(_text(update.get("headline")), body, page_headline),
        _fragment(url),
        url if url and url.startswith(("http://", "https://")) else None,
        _aware(published),
        RANK_STRUCTURED if _aware(published) else 0,
        updated_at=_aware(modified),
        basis="JSON-LD datePublished",
        evidence=(Evidence("JSON-LD datePublished", _aware(published)),),
        image=image,
    )


def _trusted(candidates: list[Candidate]) -> list[Candidate]:
    """Drop placeholder dates (all equal) and positional ids."""
    if len(candidates) >= 2 and len({c.instant for c in candidates}) == 1:
        placeholder = (Evidence(f"{candidates[0].source} datePublished: one placeholder for "
                                "every update, not used", candidates[0].instant),)
        candidates = [_replace(c, instant=None, rank=0, updated_at=None, evidence=placeholder)
                      for c in candidates]
    ids = [c.ident for c in candidates]
    if _positional(ids):
        candidates = [_replace(c, ident=None, url=None) for c in candidates]
    return candidates


def _title(title: str | None, text: str, page_headline: str) -> str | None:
    """The update's own headline: None when it is the page's (normalised `page_headline`)
    or merely the opening of the body."""
    if not title:
        return None
    title = strip_stamp(title) if title[:1].isdigit() else title
    norm = normalise(title)
    opening = normalise(text[: len(title) * 3 + 20])
    if not norm or norm == page_headline or opening.startswith(norm):
        return None
    return title


def _positional(ids: list[str | None]) -> bool:
    """Ids like post1..postN counted from the top change meaning when updates are added.

    (Ids counted from the oldest, N..1 down the page, are a stable counter.)
    """
    if len(ids) < 2 or any(i is None for i in ids):
        return False
    matches = [_POSITIONAL.match(i or "") for i in ids]
    if any(m is None for m in matches) or len({m.group(1) for m in matches if m}) != 1:
        return False
    numbers = [int(m.group(2)) for m in matches if m]
    return numbers == list(range(1, len(numbers) + 1))


def microdata_candidates(tree: LexborHTMLParser) -> list[Candidate]:
    """liveBlogUpdate items marked up as microdata."""
    found = []
    for item in tree.css('[itemprop~="liveBlogUpdate"]'):
        published = parse_iso(_prop(item, "datePublished"))
        body = " ".join(_prop(item, "articleBody").split())
        found.append(Candidate(
            "microdata",
            body,
            _title(_prop(item, "headline"), body, ""),
            item.attributes.get("id") or None,
            instant=_aware(published),
            rank=RANK_STRUCTURED if _aware(published) else 0,
            basis="microdata datePublished",
            evidence=(Evidence("microdata datePublished", _aware(published)),),
        ))
    return _trusted(found)


def _prop(item: LexborNode, name: str) -> str:
    node = item.css_first(f'[itemprop~="{name}"]')
    if node is None:
        return ""
    attributes = node.attributes
    return (attributes.get("content") or attributes.get("datetime") or node.text()).strip()


def _text(value: Any) -> str:
    if isinstance(value, list):
        value = " ".join(str(v) for v in value)
    if not isinstance(value, str):
        return ""
    if "&" in value:
        value = html.unescape(value)
    if "<" in value:
        value = html.unescape(_TAG.sub(" ", value))
    return " ".join(value.split())


def _fragment(url: str | None) -> str | None:
    if not url:
        return None
    if "#" in url:
        return url.split("#", 1)[1] or None
    return url


def _absolute(url: str, base_url: str) -> str:
    """A fragment or relative path resolved against the page (only http(s) pages have one)."""
    if url.startswith(("http://", "https://")) or not base_url.startswith(("http://", "https://")):
        return url
    if not url.startswith(("#", "/", "?")):
        return url  # a bare id ("post-12"), not a link
    return urljoin(base_url.split("#")[0], url)


def _aware(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC) if value is not None and value.tzinfo else None


def _replace(candidate: Candidate, **changes: Any) -> Candidate:
    return replace(candidate, **changes)
