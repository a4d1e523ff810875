"""Extraction's caps (bot/core/extract/caps.py): past them a page's excess is ignored and
counted, the first candidates in page order are read whole, and what was cut is said."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.extract import extract_page
from bot.core.extract.caps import (
    MAX_FEED_ITEMS,
    MAX_JSON_LD_ITEMS,
    MAX_TEXT_STAMPS,
    MAX_TIME_ELEMENTS,
)
from bot.core.model import Page
from bot.core.render.console import render_check
from tests.hostile.pages import BILLION_LAUGHS, BROKEN, feed, json_ld, live_page

NOW = datetime(2024, 2, 3, 15, 0, tzinfo=UTC)


def extract(body: str | bytes, content_type: str = "text/html") -> Page:
    return extract_page(body, url="https://news.example/live/1", fetched_at=NOW,
                        content_type=content_type)


def test_a_live_blog_over_the_cap_keeps_its_newest_updates_whole_and_counts_the_rest() -> None:
    page = extract(live_page(10_000))
    read = {int(entry.text.split(":")[0].removeprefix("Update ")) for entry in page.entries}
    assert read == set(range(10_000, 10_000 - MAX_TIME_ELEMENTS, -1))  # the page's first
    assert all(entry.text.endswith(f"village {n}.") for n, entry in zip(
        sorted(read, reverse=True), sorted(page.entries, key=_number, reverse=True),
        strict=True))
    assert dict(page.ignored) == {"time elements": 10_000 - MAX_TIME_ELEMENTS}


def _number(entry: object) -> int:
    return int(entry.text.split(":")[0].removeprefix("Update "))


def test_a_page_under_the_caps_says_nothing_was_ignored() -> None:
    page = extract(live_page(50))
    assert len(page.entries) == 50 and page.ignored == ()


def test_fifty_thousand_time_elements_are_cut_and_counted() -> None:
    body, content_type = BROKEN["many-time-elements"]()
    assert dict(extract(body, content_type).ignored) == {
        "time elements": 50_000 - MAX_TIME_ELEMENTS}


def test_structured_data_past_the_cap_is_counted() -> None:
    updates = [{"@type": "BlogPosting", "@id": f"#u{n}", "articleBody": f"Update {n}.",
                "datePublished": f"2024-02-03T{n // 60 % 24:02d}:{n % 60:02d}:00Z"}
               for n in range(MAX_JSON_LD_ITEMS + 300)]
    page = extract(json_ld(updates))
    assert dict(page.ignored) == {"structured data items": 300}
    assert len(page.entries) == MAX_JSON_LD_ITEMS


def _items(count: int) -> str:
    return "".join(f"<item><guid>g{n}</guid><title>Item {n}</title><pubDate>Sat, 03 Feb 2024 "
                   f"{n // 60 % 24:02d}:{n % 60:02d}:00 GMT</pubDate></item>"
                   for n in range(count))


def test_a_feed_past_the_cap_keeps_its_first_items_and_counts_the_rest() -> None:
    page = extract(feed(_items(MAX_FEED_ITEMS + 500)), "application/rss+xml")
    assert dict(page.ignored) == {"feed items": 500}
    titles = {entry.title for entry in page.entries}
    assert "Item 0" in titles and f"Item {MAX_FEED_ITEMS}" not in titles


def test_a_feed_cut_to_size_keeps_html_in_cdata_as_text() -> None:
    item = ("<item><guid>big</guid><title>Big</title><pubDate>Sat, 03 Feb 2024 14:00:00 GMT"
            "</pubDate><description><![CDATA[<p>Rescuers <b>reach</b> the village.</p>]]>"
            "</description></item>")
    page = extract(feed(item + _items(MAX_FEED_ITEMS + 1)), "application/rss+xml")
    big = next(entry for entry in page.entries if entry.title == "Big")
    assert big.text == "Rescuers reach the village."


def test_entities_a_feed_declares_are_not_expanded() -> None:
    page = extract(BILLION_LAUGHS, "application/rss+xml")
    assert all(len(entry.text) + len(entry.title or "") < 1_000 for entry in page.entries)


def test_timestamp_lines_past_the_cap_are_counted() -> None:
    lines = "\n".join(f"{n // 60 % 24:02d}:{n % 60:02d} GMT\nUpdate {n}.\n"
                      for n in range(MAX_TEXT_STAMPS + 40))
    page = extract(lines, "text/plain")
    assert dict(page.ignored) == {"timestamp lines": 40}
    assert len(page.entries) == MAX_TEXT_STAMPS


def test_check_says_what_the_caps_ignored() -> None:
    shown = render_check(extract(live_page(MAX_TIME_ELEMENTS + 7)), as_json=False)
    assert "past extraction's caps, ignored 7 time elements" in shown.splitlines()[2]
