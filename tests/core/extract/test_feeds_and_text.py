"""RSS and Atom feeds, plain text pages, and sniffing a local file's kind."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.errors import NotAPage
from bot.core.extract import extract_page
from tests.core.extract import pages

NOW = datetime(2024, 2, 3, 16, 0, tzinfo=UTC)


def test_rss_items_keyed_by_guid() -> None:
    """RSS items become entries keyed by guid, with title, plain text, link and UTC time."""
    page = extract_page(pages.RSS, url="https://news.example.com/feed", fetched_at=NOW,
                        content_type="application/rss+xml")
    first = page.entries[0]
    assert page.title == "Example live"
    assert (first.key, first.title, first.text, first.url, first.published_at) == (
        "urn:item:2", "Second update", "Hamas condemned the strikes.",
        "https://news.example.com/live#2", datetime(2024, 2, 3, 14, 52, tzinfo=UTC))


def test_atom_entries_sniffed_without_content_type() -> None:
    """An Atom document read from a file (no content type) is sniffed as a feed."""
    page = extract_page(pages.ATOM.encode(), url="file.xml", fetched_at=NOW)
    assert [(e.key, e.published_at, e.text) for e in page.entries] == [
        ("urn:entry:b", datetime(2024, 2, 3, 13, 0, tzinfo=UTC), "Later text."),
        ("urn:entry:a", datetime(2024, 2, 3, 11, 0, tzinfo=UTC), "Earlier text."),
    ]


def test_text_day_header_applies_to_times_under_it() -> None:
    """In plain text, a day header dates the times under it until the next header."""
    text = ("Election night\n\nTuesday 5 November 2024\n\n23:50 GMT\nPolls closed.\n\n"
            "Monday 4 November 2024\n\n22:10 GMT\nFinal rallies ended.\n")
    page = extract_page(text, url="https://news.example.com/live.txt", fetched_at=NOW,
                        content_type="text/plain")
    assert [(e.published_at, e.text) for e in page.entries] == [
        (datetime(2024, 11, 5, 23, 50, tzinfo=UTC), "Polls closed."),
        (datetime(2024, 11, 4, 22, 10, tzinfo=UTC), "Final rallies ended."),
    ]


def test_text_without_timestamps_has_no_entries() -> None:
    """A text file with no timestamp lines yields no entries."""
    page = extract_page(b"Just a note.\n\nNothing timed here.\n", url="note.txt", fetched_at=NOW)
    assert page.entries == ()


def test_latin1_body_with_charset() -> None:
    """A body in the charset the server names is decoded with it."""
    body = "<html><body><div><p>Zürich</p></div></body></html>".encode("latin-1")
    page = extract_page(body, url="https://x.example/", fetched_at=NOW,
                        content_type="text/html", charset="latin-1")
    assert page.entries == ()


def test_json_feed_items_become_entries() -> None:
    """A JSON Feed (application/feed+json) is read like RSS: id, url, title, text and time;
    an item with only date_modified is dated by it, and a numeric id is a key too."""
    page = extract_page(pages.JSON_FEED, url="https://space.example.org/feed.json",
                        fetched_at=NOW, content_type="application/feed+json")
    assert page.title == "Launch: live"
    assert [(e.key, e.title, e.text, e.url, e.published_at) for e in page.entries] == [
        ("u2", "Liftoff", "The rocket lifted off.", "https://space.example.org/live#u2",
         datetime(2024, 3, 14, 13, 25, tzinfo=UTC)),
        ("1", None, "Fuelling has begun.", None, datetime(2024, 3, 14, 11, 0, tzinfo=UTC)),
    ]


def test_json_feed_is_sniffed_and_other_json_refused() -> None:
    """Without a content type a JSON Feed is recognised by its version URL; other JSON is
    not a page."""
    page = extract_page(pages.JSON_FEED.encode(), url="feed.json", fetched_at=NOW)
    assert len(page.entries) == 2
    with pytest.raises(NotAPage):
        extract_page(b'{"a": 1}', url="https://x.example/api", fetched_at=NOW,
                     content_type="application/json")
