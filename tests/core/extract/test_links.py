"""bot.core.extract.links: every address a page writes is resolved one way, and a malformed
one is no link rather than the end of the page's extraction."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.extract import extract_page
from bot.core.extract.links import absolute_link

FETCHED = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
UNCLOSED = "http://[::1/live"


@pytest.mark.parametrize(("href", "base", "expected"), [
    ("/live/2", "https://example.com/live/1", "https://example.com/live/2"),
    (" next#top ", "https://example.com/live/1", "https://example.com/live/next#top"),
    ("//cdn.example.com/a.jpg", "https://example.com/", "https://cdn.example.com/a.jpg"),
    ("//cdn.example.com/a.jpg", "saved.html", "https://cdn.example.com/a.jpg"),
    ("/live/2", "saved.html", None),
    ("javascript:alert(1)", "https://example.com/", None),
    ("data:image/png;base64,AAAA", "https://example.com/", None),
    ("http:///no-host", "https://example.com/", None),
    (UNCLOSED, "https://example.com/", None),
])
def test_a_link_is_an_absolute_web_address_or_none(href: str, base: str,
                                                   expected: str | None) -> None:
    assert absolute_link(href, base) == expected


def _page(update: str) -> bytes:
    return ("<html><body><article>"
            '<div class="update"><time datetime="2024-05-01T10:00:00Z">10:00</time>'
            f"{update}</div>"
            '<div class="update"><time datetime="2024-05-01T09:00:00Z">09:00</time>'
            "<p>The second update's words.</p></div>"
            "</article></body></html>").encode()


@pytest.mark.parametrize("update", [
    f'<p>The first update\'s words.</p><iframe src="{UNCLOSED}"></iframe>',
    f'<p>The first update\'s words.</p><img src="{UNCLOSED}.jpg" width="800" height="450">',
    f'<p>This live blog is now closed, follow our new live blog <a href="{UNCLOSED}">here</a>.</p>',
], ids=["player", "picture", "closing-line"])
def test_a_malformed_address_in_an_update_leaves_the_page_readable(update: str) -> None:
    page = extract_page(_page(update), url="https://example.com/live", fetched_at=FETCHED)
    assert [entry.published_at for entry in page.entries] == [
        datetime(2024, 5, 1, 10, 0, tzinfo=UTC), datetime(2024, 5, 1, 9, 0, tzinfo=UTC)]
    assert page.entries[0].image is None and page.entries[0].embeds == ()
    assert page.closing_links == ()
