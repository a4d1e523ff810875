"""JSON Feed (https://jsonfeed.org, application/feed+json): a feed format like RSS and Atom."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bot.core.errors import NotAPage
from bot.core.extract.candidate import RANK_STRUCTURED, Candidate
from bot.core.extract.clock import parse_iso
from bot.core.extract.feeds import plain_text
from bot.core.extract.images import absolute, best_size


def json_feed_candidates(text: str) -> tuple[str | None, str | None, list[Candidate]]:
    """The feed's title, its home page and one candidate per item.

    Raises NotAPage when the text is not a JSON object with a list of items.
    """
    try:
        feed = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise NotAPage(f"the JSON feed could not be read: {error}") from error
    items = feed.get("items") if isinstance(feed, dict) else None
    if not isinstance(items, list):
        raise NotAPage("the JSON document is not a JSON Feed (no items)")
    title = _string(feed.get("title"))
    home = _link(feed.get("home_page_url"))
    return title, home, [_item(item) for item in items if isinstance(item, dict)]


def _item(item: dict[str, Any]) -> Candidate:
    published = _when(item.get("date_published"))
    updated = _when(item.get("date_modified"))
    # A feed item with only a modification date was published no later than that.
    published = published or updated
    html = _string(item.get("content_html"))
    body = plain_text(html) if html else " ".join((_string(item.get("content_text")) or "").split())
    url = _link(item.get("url"))
    return Candidate(
        "feed",
        body or " ".join((_string(item.get("summary")) or "").split()),
        _string(item.get("title")),
        _string(item.get("id")) or url,
        url,
        published,
        RANK_STRUCTURED if published else 0,
        updated_at=updated,
        image=_image(item.get("image"), url),
    )


def _image(value: Any, url: str | None) -> str | None:
    """The item's `image`, absolute (a relative one read from the item's URL), unless it is
    furniture."""
    chosen = best_size([(_string(value) or "", None)])
    return absolute(chosen, url or "") if chosen else None


def _string(value: Any) -> str | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)  # JSON Feed 1.0 allowed numeric ids
    return " ".join(value.split()) or None if isinstance(value, str) else None


def _link(value: Any) -> str | None:
    link = _string(value)
    return link if link and link.startswith(("http://", "https://")) else None


def _when(value: Any) -> datetime | None:
    parsed = parse_iso(value) if isinstance(value, str) else None
    return parsed.astimezone(UTC) if parsed is not None and parsed.tzinfo else None
