"""The page's own date: what its metadata, URL, title and byline say about when it is from.

Times shown without a date ("17.00") are dated from this, never from the fetch when the
page says anything: a page saved or cached long ago must not have its updates come out as
today's. Strongest first: an exact modification instant, an exact publication instant, a
calendar date in the metadata, in the URL (/2024/05/21/), in the title or description,
then in a byline; the fetch time only when the page says nothing.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from typing import Any

from selectolax.lexbor import LexborHTMLParser

from bot.core.extract.clock import find_day, parse_iso
from bot.core.extract.dating import Reference

_MODIFIED_META = ("article:modified_time", "og:updated_time", "dateModified", "last-modified")
_PUBLISHED_META = ("article:published_time", "datePublished", "date", "pubdate",
                   "dc.date", "DC.date.issued", "sailthru.date", "parsely-pub-date")
_MAIN_TYPES = frozenset({"LiveBlogPosting", "NewsArticle", "Article", "WebPage",
                         "ReportageNewsArticle", "SportsEvent", "Event", "BlogPosting"})
_URL_DAY = re.compile(
    r"/(?P<y>20\d\d)[/-](?P<m>[01]?\d|[a-z]{3,9})[/-](?P<d>[0-3]?\d)(?=[/\-_.,]|$)"
    r"|[/_-](?P<y2>20\d\d)(?P<m2>[01]\d)(?P<d2>[0-3]\d)(?=[/\-_.]|$)",
    re.IGNORECASE,
)
_BYLINE = "[class*=date], [class*=time], [class*=byline], [class*=publish], [class*=dateline]"
# A byline is looked for among the first few such elements only: they open the article.
_BYLINE_LOOKS = 12
_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                "dec")
Stamp = tuple[bool, datetime, str]


def page_stamps(metas: dict[str, str], objects: list[dict[str, Any]]) -> list[Stamp]:
    """The page's aware modification (True) and publication (False) instants, with where
    each was read."""
    found: list[Stamp] = []
    for latest, names in ((True, _MODIFIED_META), (False, _PUBLISHED_META)):
        for name in names:
            parsed = parse_iso(metas.get(name, ""))
            if parsed is not None and parsed.tzinfo is not None:
                found.append((latest, parsed, f"meta {name}"))
    for obj, kind in _main_objects(objects):
        for latest, key in ((True, "dateModified"), (False, "datePublished"), (False, "startDate")):
            parsed = parse_iso(str(obj.get(key) or ""))
            if parsed is not None and parsed.tzinfo is not None:
                found.append((latest, parsed, f"JSON-LD {kind} {key}"))
    return found


def page_reference(
    stamps: list[Stamp], metas: dict[str, str], objects: list[dict[str, Any]], url: str,
    tree: LexborHTMLParser, fetched_at: datetime,
) -> Reference:
    """The page's own "now" (see module docstring); `fetched_at` when it says nothing."""
    modified = [(at, where) for latest, at, where in stamps if latest and at <= fetched_at]
    if modified:
        at, where = max(modified)
        return Reference(at.astimezone(UTC), True, fetched_at, where)
    published = [(at, where) for latest, at, where in stamps if not latest and at <= fetched_at]
    if published:
        at, where = max(published)
        return Reference(at.astimezone(UTC), False, fetched_at, where)
    for day, where in _calendar_days(metas, objects, url, tree):
        if datetime.combine(day, time(), UTC) <= fetched_at:
            return Reference(datetime.combine(day, time(12), UTC), False, fetched_at, where, True)
    return Reference(fetched_at.astimezone(UTC), True, fetched_at)


def _main_objects(objects: list[dict[str, Any]]) -> list[tuple[dict[str, Any], str]]:
    found = []
    for obj in objects:
        kind = obj.get("@type")
        kinds = kind if isinstance(kind, list) else [kind]
        named = next((k for k in kinds if isinstance(k, str) and k in _MAIN_TYPES), None)
        if named is not None:
            found.append((obj, named))
    return found


def _calendar_days(
    metas: dict[str, str], objects: list[dict[str, Any]], url: str, tree: LexborHTMLParser
) -> list[tuple[date, str]]:
    """Dates without a time or zone, in the order they are trusted (built lazily would save
    little: this runs only on pages whose metadata gives no instant)."""
    found: list[tuple[date, str]] = []
    for name in (*_MODIFIED_META, *_PUBLISHED_META):
        _add_iso(found, metas.get(name, ""), f"meta {name}")
    for obj, kind in _main_objects(objects):
        for key in ("dateModified", "datePublished", "startDate"):
            _add_iso(found, str(obj.get(key) or ""), f"JSON-LD {kind} {key}")
    url_day = url_date(url)
    if url_day is not None:
        found.append((url_day, "URL"))
    for name in ("og:title", "description", "og:description"):
        _add_text(found, metas.get(name, ""), f"meta {name}")
    title = tree.css_first("title")
    _add_text(found, title.text() if title is not None else "", "title")
    for looks, node in enumerate(tree.css(_BYLINE)):
        if looks >= _BYLINE_LOOKS:
            break
        attributes = node.attributes
        _add_iso(found, attributes.get("datetime") or "", "byline datetime")
        _add_text(found, node.text(deep=True)[:80], "byline")
    return found


def _add_iso(found: list[tuple[date, str]], value: str, where: str) -> None:
    parsed = parse_iso(value) if value else None
    if parsed is not None:
        found.append((parsed.date(), where))


def _add_text(found: list[tuple[date, str]], text: str, where: str) -> None:
    found_day = find_day(text) if text else None
    day = found_day[0] if found_day is not None else None
    if day is not None and day[0] is not None:
        found.append((date(day[0], day[1], day[2]), where))


def url_date(url: str) -> date | None:
    """The publication day a news URL carries (/2024/05/21/, /2023/may/15/, -20240521-)."""
    match = _URL_DAY.search(url.split("?")[0])
    if match is None:
        return None
    year = int(match["y"] or match["y2"])
    month_text = match["m"] or match["m2"]
    month = (_MONTH_NAMES.index(month_text[:3].lower()) + 1
             if month_text[:3].lower() in _MONTH_NAMES else int(month_text)
             if month_text.isdigit() else 0)
    try:
        return date(year, month, int(match["d"] or match["d2"]))
    except ValueError:
        return None
