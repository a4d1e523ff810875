"""Hand-written pages in the markup styles live blogs use."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.errors import NotAPage
from bot.core.extract import extract_page
from bot.core.model import Page
from tests.core.extract import pages


def _extract(body: str, url: str = "https://news.example.com/live", *,
             now: datetime = datetime(2024, 8, 27, 23, 0, tzinfo=UTC), content_type: str = "text/html"
             ) -> Page:
    return extract_page(body, url=url, fetched_at=now, content_type=content_type)


def _at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_json_ld_updates_with_ids_and_offsets() -> None:
    """JSON-LD liveBlogUpdate items become entries keyed by their URL fragment, times in UTC."""
    page = _extract(pages.JSON_LD, "https://news.example.com/storm")
    assert [(e.key, e.published_at, e.title) for e in page.entries] == [
        ("p2", _at(2024, 3, 1, 9, 5), "Bridge closed"),
        ("p1", _at(2024, 3, 1, 8, 40), "Warning issued"),
    ]
    assert page.entries[0].url == "https://news.example.com/storm#p2"


def test_microdata_updates() -> None:
    """Microdata liveBlogUpdate items carry their id, headline, body and date."""
    page = _extract(pages.MICRODATA)
    assert [(e.key, e.published_at, e.title) for e in page.entries] == [
        ("u2", _at(2024, 3, 1, 12, 30), "Polls open"),
        ("u1", _at(2024, 3, 1, 12, 0), "Morning queue"),
    ]
    assert page.entries[1].text == "Queues formed before dawn."


def test_article_blocks_with_time_datetime() -> None:
    """Repeated article blocks with <time datetime> become entries; share tools and bylines go."""
    page = _extract(pages.ARTICLES)
    first = page.entries[0]
    assert [e.published_at for e in page.entries] == [
        _at(2024, 5, 15, 11, 50), _at(2024, 5, 15, 11, 20), _at(2024, 5, 15, 10, 5)]
    assert (first.key, first.title, first.url) == (
        "post-3", "Sanctions agreed", "https://news.example.com/live#post-3")
    assert first.text == "The EU agreed a new sanctions package on Monday afternoon.\n\nIt targets shipping."


def test_date_shown_once_then_times_only_across_midnight() -> None:
    """A date shown on the newest item carries to later time-only items, a day back past midnight."""
    page = _extract(pages.DATE_ONCE)
    assert [e.published_at for e in page.entries] == [
        _at(2024, 2, 3, 14, 52), _at(2024, 2, 3, 13, 53), _at(2024, 2, 3, 0, 16),
        _at(2024, 2, 2, 23, 40)]


def test_flat_paragraphs_with_bold_times() -> None:
    """Paragraphs led by a bold time each start an update that runs to the next one."""
    page = _extract(pages.BOLD_TIMES, "https://www.example.co.uk/march",
                    now=_at(2024, 3, 2, 17, 0))
    assert [e.published_at for e in page.entries] == [
        _at(2024, 3, 2, 16, 40), _at(2024, 3, 2, 15, 5), _at(2024, 3, 2, 14, 30)]
    assert page.entries[0].text.startswith("Police have closed the main square")
    assert "two thousand" in page.entries[0].text


def test_twelve_hour_times_with_eastern_zone() -> None:
    """"9:45 pm ET" is 21:45 New York time; "ET Now" in a programme name is not a zone."""
    page = _extract(pages.TWELVE_HOUR, "https://news.example.com/election",
                    now=_at(2024, 11, 6, 4, 0))
    assert [e.published_at for e in page.entries] == [
        _at(2024, 11, 6, 2, 45), _at(2024, 11, 5, 19, 5)]


def test_german_uhr_headings() -> None:
    """"12.31 Uhr: headline" headings start updates in Berlin time, with the headline as title."""
    page = _extract(pages.GERMAN, "https://www.br.de/nachrichten/ticker")
    assert [(e.published_at, e.title) for e in page.entries] == [
        (_at(2024, 8, 27, 10, 31), "Zeitung lehnt Aussagen ab"),
        (_at(2024, 8, 27, 9, 39), "Mehrere Kinder getötet"),
        (_at(2024, 8, 27, 0, 2), "Risiko eines Krieges gesunken"),
    ]
    assert page.entries[1].text.endswith("Der Zivilschutz teilte das am Dienstag mit.")


def test_dotted_times_take_the_publishers_zone() -> None:
    """"14.05" alone in its element is a time, in the zone of the publisher's country."""
    page = _extract(pages.DOTTED, "https://www.example.co.uk/summit", now=_at(2024, 7, 1, 20, 0))
    assert [e.published_at for e in page.entries] == [_at(2024, 7, 1, 13, 5), _at(2024, 7, 1, 12, 40)]


def test_epoch_data_attributes() -> None:
    """Epoch milliseconds in data attributes give exact times; element ids give keys."""
    page = _extract(pages.EPOCH)
    assert [(e.key, e.published_at, e.title) for e in page.entries] == [
        ("751105", _at(2024, 8, 5, 20, 0, 18), "Loud bang heard"),
        ("751101", _at(2024, 8, 5, 19, 42, 30), "Protests erupt"),
    ]


def test_relative_times_resolve_against_fetch_time() -> None:
    """"5 min ago" is five minutes before the fetch time."""
    now = _at(2024, 6, 1, 12, 0)
    page = _extract(pages.RELATIVE, now=now)
    assert [e.published_at for e in page.entries] == [_at(2024, 6, 1, 11, 55), _at(2024, 6, 1, 10, 0)]


def test_page_without_updates_has_no_entries() -> None:
    """An ordinary page yields its title and no entries."""
    page = _extract(pages.NO_UPDATES)
    assert (page.title, page.entries) == ("About us", ())


def test_binary_body_is_not_a_page() -> None:
    """A binary body raises NotAPage."""
    with pytest.raises(NotAPage):
        extract_page(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20, url="https://x.example/a.png",
                     fetched_at=_at(2024, 1, 1))


def test_image_content_type_is_not_a_page() -> None:
    """A non-text content type raises NotAPage."""
    with pytest.raises(NotAPage):
        extract_page(b"GIF89a", url="https://x.example/a.gif", fetched_at=_at(2024, 1, 1),
                     content_type="image/gif")


def test_key_survives_new_update_above() -> None:
    """An update keeps its key when a newer one is pushed in above it."""
    before = _extract(pages.BOLD_TIMES, now=_at(2024, 3, 2, 17, 0))
    newer = pages.BOLD_TIMES.replace(
        '<div class="story">',
        '<div class="story"><p><b>16:55</b> The square has reopened to traffic this evening.</p>')
    after = _extract(newer, now=_at(2024, 3, 2, 17, 5))
    assert [e.key for e in after.entries[1:]] == [e.key for e in before.entries]


def test_placeholder_json_ld_dates_are_ignored() -> None:
    """JSON-LD updates that all share one date are placeholders: the visible times win."""
    ld = ('<script type="application/ld+json">{"@type":"LiveBlogPosting","liveBlogUpdate":['
          '{"url":"https://news.example.com/live#post-3","datePublished":"2024-05-15T12:00:00Z"},'
          '{"url":"https://news.example.com/live#post-2","datePublished":"2024-05-15T12:00:00Z"},'
          '{"url":"https://news.example.com/live#post-1","datePublished":"2024-05-15T12:00:00Z"}]}'
          '</script>')
    page = _extract(pages.ARTICLES.replace("<body>", "<body>" + ld))
    assert [e.published_at for e in page.entries] == [
        _at(2024, 5, 15, 11, 50), _at(2024, 5, 15, 11, 20), _at(2024, 5, 15, 10, 5)]


def test_z_time_that_is_local_time_follows_the_shown_zone() -> None:
    """A datetime marked Z whose clock equals a shown "12.50 BST" is local time mislabelled."""
    page = _extract(pages.ARTICLES.replace("2024-05-15T11:50:00Z", "2024-05-15T12:50:00Z"))
    assert page.entries[0].published_at == _at(2024, 5, 15, 11, 50)


def test_json_ld_local_time_marked_z_loses_to_the_shown_zone() -> None:
    """JSON-LD dates an hour off from times shown with "BST" are local times marked Z."""
    page = _extract(pages.BST_SHOWN)
    assert [e.published_at for e in page.entries] == [
        _at(2024, 5, 15, 11, 50), _at(2024, 5, 15, 11, 20)]


def test_day_headers_between_blocks_date_the_blocks_under_them() -> None:
    """A date-only heading between update blocks dates the time-only blocks under it."""
    page = _extract(pages.DAY_HEADERS, "https://news.example.com/live",
                    now=_at(2024, 8, 30, 12, 0))
    assert [e.published_at for e in page.entries] == [
        _at(2024, 8, 28, 9, 15), _at(2024, 8, 27, 22, 40), _at(2024, 8, 27, 8, 5)]


def test_unrelated_stamped_list_gives_way_to_structured_updates() -> None:
    """When the stamped blocks found share nothing with the JSON-LD updates, the JSON-LD wins."""
    page = _extract(pages.JSON_LD.replace("<h1>Storm live</h1>", pages.RELATED_LIST),
                    "https://news.example.com/storm")
    assert [e.key for e in page.entries] == ["p2", "p1"]


def test_oldest_first_page_comes_out_newest_first() -> None:
    """A page that lists updates oldest first yields them newest first, untimed ones in place."""
    page = _extract(pages.OLDEST_FIRST, "https://www.example.co.uk/budget",
                    now=_at(2024, 3, 5, 18, 0))
    assert [e.published_at for e in page.entries] == [
        None, _at(2024, 3, 5, 10, 0), _at(2024, 3, 5, 9, 0)]


def test_french_hours_in_paris_time() -> None:
    """French "14h05" times are read in the publisher's zone (a .fr site: Paris)."""
    page = _extract(pages.FRENCH, "https://www.example.fr/direct", now=_at(2024, 3, 5, 18, 0))
    assert [e.published_at for e in page.entries] == [_at(2024, 3, 5, 13, 5), _at(2024, 3, 5, 12, 40)]


def test_key_survives_move_to_a_later_page() -> None:
    """An id-less update keeps its derived key when it is the only one left on page 2."""
    first = _extract(pages.BOLD_TIMES, now=_at(2024, 3, 2, 17, 0)).entries[-1]
    again = _extract(pages.BOLD_TIMES_PAGE_TWO, now=_at(2024, 3, 2, 19, 0)).entries
    assert [e.key for e in again] == [first.key]


def test_time_inside_prose_is_not_a_stamp() -> None:
    """"Um 14:00 Uhr trat ..." inside an update's words neither dates it nor is cut from it."""
    page = _extract(pages.PROSE_TIME, "https://www.example.de/artikel", now=_at(2020, 5, 3, 20, 0))
    first = page.entries[0]
    assert first.published_at == _at(2020, 5, 3, 14, 5)
    assert first.text.startswith("Um 14:00 Uhr trat der Minister")


def test_one_word_updates_keep_their_blocks() -> None:
    """Updates as short as "Goal!" stay blocks: each keeps its <time datetime> and element id."""
    page = _extract(pages.SHORT_UPDATES, "http://127.0.0.1:8080/live", now=_at(2024, 2, 5, 12, 0))
    assert [(e.key, e.published_at, e.text) for e in page.entries] == [
        ("post-3", _at(2024, 2, 3, 10, 3), "Goal!"),
        ("post-2", _at(2024, 2, 3, 10, 2), "News on A."),
        ("post-1", _at(2024, 2, 3, 10, 1), "Kick-off."),
    ]


def test_json_ld_fragment_id_links_into_the_page() -> None:
    """A liveBlogUpdate @id "#u4" gives the entry the page URL + "#u4" and the key "u4"."""
    page = _extract(pages.JSON_LD_FRAGMENT_IDS, "https://news.example.com/flood?x=1")
    assert [(e.key, e.url) for e in page.entries] == [
        ("u4", "https://news.example.com/flood?x=1#u4"),
        ("u3", "https://news.example.com/flood?x=1#u3"),
    ]


@pytest.mark.parametrize(("lang", "zone"), [("en-US", "ET"), ("en", "ET"), ("en", "EST")])
def test_us_pages_read_numeric_dates_month_first(lang: str, zone: str) -> None:
    """On an en-US page, or a plain "en" page timed in US zones, 03/04/2024 is March 4."""
    body = pages.US_NUMERIC_DATES.format(lang=lang, zone=zone)
    page = _extract(body, "https://news.example.com/vote", now=_at(2024, 3, 6, 0, 0))
    assert [e.published_at for e in page.entries] == [
        _at(2024, 3, 5, 2, 45), _at(2024, 3, 5, 1, 10)]


@pytest.mark.parametrize("lang", ["en-GB", "de", "fr", "pl"])
def test_other_pages_read_numeric_dates_day_first(lang: str) -> None:
    """Elsewhere 03/04/2024 is 3 April."""
    body = pages.US_NUMERIC_DATES.format(lang=lang, zone="GMT")
    page = _extract(body, "https://news.example.com/vote", now=_at(2024, 4, 5, 0, 0))
    assert [e.published_at for e in page.entries] == [
        _at(2024, 4, 3, 21, 45), _at(2024, 4, 3, 20, 10)]


def test_relative_times_in_words() -> None:
    """"just now", "a minute ago", "an hour ago" and "yesterday at 14:05" count from fetch time."""
    page = _extract(pages.WORDY_RELATIVE_TIMES, now=_at(2024, 2, 5, 12, 0))
    assert [e.published_at for e in page.entries] == [
        _at(2024, 2, 5, 12, 0), _at(2024, 2, 5, 11, 59), _at(2024, 2, 5, 11, 0),
        _at(2024, 2, 4, 14, 5)]


def test_updated_time_stands_in_when_it_is_the_only_one() -> None:
    """An update whose only time says "Updated 12 mins ago" is dated by it, not left untimed."""
    page = _extract(pages.UPDATED_ONLY, now=_at(2024, 4, 14, 7, 0))
    assert [(e.key, e.published_at) for e in page.entries] == [
        ("i2", _at(2024, 4, 14, 6, 48)), ("i1", _at(2024, 4, 14, 6, 13))]


def test_sidebar_teasers_never_outvote_the_story() -> None:
    """A "Latest" sidebar with more timed teasers than the live list is not taken for it."""
    page = _extract(pages.SIDEBAR_OUTNUMBERS, "https://www.example.ie/live",
                    now=_at(2024, 1, 21, 22, 0))
    assert [e.key for e in page.entries] == ["p2", "p1"]


def test_ticker_split_into_one_list_per_day_is_read_whole() -> None:
    """Sibling lists of the same kind under day headers are one ticker, each dated by its day."""
    page = _extract(pages.TICKER_PER_DAY, "https://www.example.at/ticker",
                    now=_at(2024, 9, 15, 15, 0))
    assert [e.published_at for e in page.entries] == [
        _at(2024, 9, 15, 14, 42), _at(2024, 9, 15, 9, 5), _at(2024, 9, 14, 20, 30)]
