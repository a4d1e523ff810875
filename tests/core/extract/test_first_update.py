"""A live page's first update keeps its identity as the page grows (docs/BEHAVIOUR.md,
Diff: the same update fetched again, after new updates pushed it down, keeps its key).

Every live page starts with one update. Its key, time and link must be the same whether
the page holds 1, 2 or 5 updates, or its subscribers are alerted for it again when the
second update arrives.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.extract import extract_page
from bot.core.model import Entry

URL = "https://news.example.com/live/strikes"
FETCHED = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
START = datetime(2024, 2, 3, 10, 0, tzinfo=UTC)
HEAD = "<header><nav><a href='/'>Home</a> <a href='/world'>World</a></nav></header>"
FOOT = ("<footer><p>© 2024 Example News. All rights reserved.</p>"
        "<p>About us · Contact · Terms of use</p></footer>")
TEXTS = [
    "The first strikes hit targets in the east of the country overnight.",
    "Officials said the operation would continue for several days at least.",
    "Neighbouring governments called for restraint from all the parties.",
    "Airlines rerouted flights away from the region as a precaution.",
    "The UN Security Council will meet in emergency session this evening.",
]


def _at(n: int) -> datetime:
    return START + timedelta(minutes=17 * n)


def _html(body: str, head: str = "") -> str:
    return (f"<!doctype html><html lang='en'><head><title>Strikes: live</title>{head}</head>"
            f"<body>{HEAD}<h1>Strikes: live</h1>{body}{FOOT}</body></html>")


def articles(count: int) -> str:
    """Article blocks with an id and a `<time datetime>`, newest first (the fake LiveStory)."""
    blocks = "".join(
        f'<article class="update" id="post-{n + 1}"><time datetime="{_at(n).isoformat()}">'
        f"{_at(n):%H:%M}</time><h2>Update {n + 1}</h2><p>{TEXTS[n]}</p></article>"
        for n in reversed(range(count)))
    return _html(f"<main>{blocks}</main>")


def list_items(count: int) -> str:
    """List items with visible "HH:MM GMT", only the newest carrying the date (the seed's
    style), under a day header; no ids, no machine-readable times."""
    items = "".join(
        "<li>" + (f'<span class="date">{_at(n):%d %B %Y}</span> ' if n == count - 1 else "")
        + f'<span class="time">{_at(n):%H:%M} GMT</span><p>{TEXTS[n]}</p></li>'
        for n in reversed(range(count)))
    return _html(f'<ul class="updates"><li class="day">Saturday 3 February 2024</li>{items}</ul>')


def json_ld(count: int) -> str:
    """A LiveBlogPosting whose liveBlogUpdate items mirror visible blocks without ids."""
    updates = [{"@type": "BlogPosting", "url": f"{URL}#u{n + 1}", "headline": f"Update {n + 1}",
                "datePublished": _at(n).isoformat(), "articleBody": TEXTS[n]}
               for n in reversed(range(count))]
    data = {"@context": "https://schema.org", "@type": "LiveBlogPosting",
            "headline": "Strikes: live", "liveBlogUpdate": updates}
    blocks = "".join(
        f'<div class="entry"><span class="stamp">{_at(n):%H:%M}</span>'
        f"<h3>Update {n + 1}</h3><p>{TEXTS[n]}</p></div>" for n in reversed(range(count)))
    script = f'<script type="application/ld+json">{json.dumps(data)}</script>'
    return _html(f'<div class="feed">{blocks}</div>', script)


def rss(count: int) -> str:
    """An RSS feed, one item per update, each with its guid."""
    items = "".join(
        f"<item><title>Update {n + 1}</title><guid>{URL}#g{n + 1}</guid>"
        f"<link>{URL}#g{n + 1}</link><description>{TEXTS[n]}</description>"
        f"<pubDate>{_at(n):%a, %d %b %Y %H:%M:%S} +0000</pubDate></item>"
        for n in reversed(range(count)))
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Strikes: live</title>'
            f"<link>{URL}</link>{items}</channel></rss>")


MARKUPS: dict[str, tuple[Callable[[int], str], str]] = {
    "articles": (articles, "text/html"),
    "list-items": (list_items, "text/html"),
    "json-ld": (json_ld, "text/html"),
    "rss": (rss, "application/rss+xml"),
}


def _first(markup: str, count: int) -> Entry:
    build, content_type = MARKUPS[markup]
    page = extract_page(build(count), url=URL, fetched_at=FETCHED, content_type=content_type)
    assert len(page.entries) == count
    return page.entries[-1]


@pytest.mark.parametrize("markup", sorted(MARKUPS))
def test_first_update_keeps_key_time_and_link_as_the_page_grows(markup: str) -> None:
    """The first update has the same key, published time and link on pages of 1, 2 and 5
    updates, and the time is the one the page states (3 February 2024), not the fetch day."""
    seen = {(e.key, e.published_at, e.url) for e in (_first(markup, n) for n in (1, 2, 5))}
    assert len(seen) == 1, seen
    assert next(iter(seen))[1] == START


@pytest.mark.parametrize("markup", sorted(MARKUPS))
def test_first_update_keeps_its_text_as_the_page_grows(markup: str) -> None:
    """Nor does its text change: no page furniture (navigation, footer) is read into it."""
    texts = {_first(markup, n).text for n in (1, 2, 5)}
    assert texts == {TEXTS[0]}


def test_lone_article_is_keyed_by_its_element_id() -> None:
    """The lone block's own id is its key and its permalink's fragment, as with two."""
    entry = _first("articles", 1)
    assert (entry.key, entry.url, entry.title) == ("post-1", f"{URL}#post-1", "Update 1")


ARTICLE = _html(
    '<article class="story"><h1>Minister resigns over spending row</h1>'
    '<p class="byline">By Jane Doe</p>'
    '<time datetime="2024-05-15T09:30:00Z">15 May 2024, 10:30 BST</time>'
    "<p>The minister resigned on Wednesday morning after a row over spending.</p>"
    "<p>In a letter to the prime minister she said the plans could not be defended.</p>"
    "<p>The opposition called for an inquiry into how the plans were drawn up.</p>"
    "<p>A successor is expected to be named later this week.</p></article>")


def test_ordinary_article_is_one_update_dated_by_its_dateline() -> None:
    """An ordinary article (one dateline, no live markers, several paragraphs) yields one
    entry: the article, at the instant its `<time datetime>` states.

    Why: with one update a new live page and an article that will gain updates ("Update
    14:05: ...") look alike, so refusing one would refuse every new story. One entry is
    harmless: the first check is a baseline (nobody is alerted for it), and since it is
    dated by the markup, not the fetch day, a later check finds it again instead of
    alerting it anew; each update the article gains is then alerted once. The article holds
    the page's heading, so it is read as the page's text, not as a post block.
    """
    page = extract_page(ARTICLE, url="https://news.example.com/politics/minister",
                        fetched_at=FETCHED, content_type="text/html")
    assert [e.published_at for e in page.entries] == [datetime(2024, 5, 15, 9, 30, tzinfo=UTC)]
    assert page.entries[0].text.startswith("The minister resigned on Wednesday morning")


def test_text_fallback_dates_a_lone_time_by_its_datetime_attribute() -> None:
    """A lone update in no element marked as an item is read as text; its visible "10:00"
    still takes the date its `<time datetime>` states, as block mode gives it with two."""
    body = _html('<div class="feed"><div class="entry">'
                 f'<time datetime="{START.isoformat()}">10:00</time><p>{TEXTS[0]}</p></div></div>')
    page = extract_page(body, url=URL, fetched_at=FETCHED, content_type="text/html")
    assert [e.published_at for e in page.entries] == [START]
