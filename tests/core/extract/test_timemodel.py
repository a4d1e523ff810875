"""The time model: each update's time reconciled from all the evidence the page carries, and
`check --explain`'s account of it. Pages are fetched years after they were written, as a saved
page is: every date must come from the page."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.core.extract import explain_page, extract_page
from bot.core.render.console import render_check, render_explained

FETCHED_AT = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)

# The Z of each <time datetime> is really Berlin summer time (UTC+2); JSON-LD has the instant.
LOCAL_Z = """<html lang="de"><head><title>Hochwasser</title>
<script type="application/ld+json">{"@type":"LiveBlogPosting","headline":"Hochwasser","liveBlogUpdate":[
{"@type":"BlogPosting","@id":"#e3","datePublished":"2024-07-18T15:00:00Z","articleBody":"Der Pegel in Passau steigt weiter an."},
{"@type":"BlogPosting","@id":"#e2","datePublished":"2024-07-18T14:06:00Z","articleBody":"Die Feuerwehr sperrt die Uferstraße."},
{"@type":"BlogPosting","@id":"#e1","datePublished":"2024-07-18T12:30:00Z","articleBody":"Der Deutsche Wetterdienst warnt vor Starkregen."}]}
</script></head><body><main><div class="ticker">
<article id="e3"><time datetime="2024-07-18T17:00:00Z">17.00 Uhr</time><p>Der Pegel in Passau steigt weiter an.</p></article>
<article id="e2"><time datetime="2024-07-18T16:06:00Z">16.06 Uhr</time><p>Die Feuerwehr sperrt die Uferstraße.</p></article>
<article id="e1"><time datetime="2024-07-18T14:30:00Z">14.30 Uhr</time><p>Der Deutsche Wetterdienst warnt vor Starkregen.</p></article>
</div></main></body></html>"""

# Day headers without a year; the page's year is in its metadata only.
DAY_HEADERS = """<html lang="de"><head><title>Ticker</title>
<meta property="article:published_time" content="2024-07-17T08:00:00+02:00"></head><body>
<div class="ticker"><h3>Samstag, 20. 7.</h3>
<p><strong>9.15 Uhr:</strong> Die Regierung berät über neue Hilfen für die Bauern.</p>
<p><strong>8.02 Uhr:</strong> Der Bahnverkehr läuft wieder nach Plan.</p>
<h3>Mittwoch, 17. 7.</h3>
<p><strong>21.40 Uhr:</strong> Ein Gewitter legt den Flughafen lahm.</p>
<p><strong>8.05 Uhr:</strong> Guten Morgen, hier beginnt unser Ticker.</p></div></body></html>"""

# Times of day only; the page's day is in its URL alone; newest first, across midnight.
TIME_ONLY = """<html lang="en-GB"><head><title>Count live</title></head><body>
<div class="feed"><div class="entry"><span class="time">00:30</span><p>The first result is declared in Sunderland.</p></div>
<div class="entry"><span class="time">23:50</span><p>Counting is under way in every constituency.</p></div>
<div class="entry"><span class="time">22:00</span><p>Polls have closed; the exit poll is out now.</p></div>
</div></body></html>"""
TIME_ONLY_URL = "https://news.example.co.uk/politics/2020/09/28/count-live"


def test_a_local_time_marked_z_yields_to_the_structured_instant() -> None:
    """Every `datetime` runs two hours ahead of the page's JSON-LD: the Z is local time, and each
    update gets the JSON-LD instant, not one two hours late."""
    page = extract_page(LOCAL_Z, url="https://ticker.example.de/hochwasser", fetched_at=FETCHED_AT,
                        content_type="text/html")
    assert [e.published_at.isoformat() for e in page.entries if e.published_at] == [
        "2024-07-18T15:00:00+00:00", "2024-07-18T14:06:00+00:00", "2024-07-18T12:30:00+00:00"]


def test_day_headers_without_a_year_take_the_pages_year() -> None:
    """"Samstag, 20. 7." dates the times under it to 20 July of the page's own year (2024), not
    to a year counted from the fetch, nor to the day after the update below them."""
    page = extract_page(DAY_HEADERS, url="https://ticker.example.de/live", fetched_at=FETCHED_AT,
                        content_type="text/html")
    assert [e.published_at.isoformat() for e in page.entries if e.published_at] == [
        "2024-07-20T07:15:00+00:00", "2024-07-20T06:02:00+00:00", "2024-07-17T19:40:00+00:00",
        "2024-07-17T06:05:00+00:00"]


def test_time_only_updates_take_the_day_in_the_url_and_cross_midnight() -> None:
    """Times alone are dated from the page's own day (its URL), not the fetch day; the update
    after midnight is on the next day."""
    page = extract_page(TIME_ONLY, url=TIME_ONLY_URL, fetched_at=FETCHED_AT,
                        content_type="text/html")
    assert [e.published_at.isoformat() for e in page.entries if e.published_at] == [
        "2020-09-28T23:30:00+00:00", "2020-09-28T22:50:00+00:00", "2020-09-28T21:00:00+00:00"]


def test_explain_names_the_evidence_that_won() -> None:
    """`check --explain` shows, per update, the correction of the mislabelled zone and what was
    seen: the attribute, the shown time and the JSON-LD date."""
    explained = explain_page(LOCAL_Z, url="https://ticker.example.de/hochwasser",
                             fetched_at=FETCHED_AT, content_type="text/html")
    text = render_explained(explained, as_json=False)
    assert "datetime attribute read as UTC+2: its Z is local time" in text
    assert 'datetime attribute marked Z 2024-07-18 17:00 UTC shows "17:00"' in text
    assert "JSON-LD datePublished 2024-07-18 15:00 UTC" in text


def test_explain_says_where_the_pages_date_came_from() -> None:
    """The page's own date is named: here its URL, a day without a time."""
    explained = explain_page(TIME_ONLY, url=TIME_ONLY_URL, fetched_at=FETCHED_AT,
                             content_type="text/html")
    text = render_explained(explained, as_json=False)
    assert "page date: URL (2020-09-28, a day without a time)" in text
    assert "shown time, day from URL" in text
    assert "no trustworthy date" not in text


def test_a_page_without_a_date_says_its_dates_are_assumed() -> None:
    """Times of day on a page that gives no date anywhere are flagged as untrustworthy rather
    than passed off as the page's own."""
    explained = explain_page(TIME_ONLY, url="https://news.example.co.uk/count-live",
                             fetched_at=FETCHED_AT, content_type="text/html")
    text = render_explained(explained, as_json=False)
    assert "page date: none on the page" in text
    assert text.count("no trustworthy date") == 3
    entries = json.loads(render_explained(explained, as_json=True))
    assert [e["evidence"]["trusted_date"] for e in entries] == [False, False, False]


def test_json_explain_adds_evidence_and_keeps_the_entry_keys() -> None:
    """`check --json --explain` is `check --json` with one more key per entry, "evidence"."""
    explained = explain_page(LOCAL_Z, url="https://ticker.example.de/hochwasser",
                             fetched_at=FETCHED_AT, content_type="text/html")
    plain = json.loads(render_check(explained.page, as_json=True))
    explained_json = json.loads(render_explained(explained, as_json=True))
    assert [{k: v for k, v in e.items() if k != "evidence"} for e in explained_json] == plain
    evidence = explained_json[0]["evidence"]
    assert evidence["trusted_date"] is True
    assert {"kind": "JSON-LD datePublished", "at": "2024-07-18T15:00:00+00:00",
            "shown": None, "verdict": "agrees"} in evidence["seen"]


# Older markup without structured data: a <div> per update, its time a date-only `datetime`
# around a 12-hour clock with the zone word beside it, and a later "Updated at" time.
OLDER_BLOCKS = """<html lang="en-GB"><head><title>Election live</title></head><body>
<div class="live-banner"><span class="live">Live</span></div><div id="liveblog-body">
<div id="block-5" class="block">
 <p class="block-time published-time"><time datetime="2015-05-07">5.33pm</time> <span class="timezone">BST</span></p>
 <div class="block-elements"><p>Turnout looks high in Sheffield, say the returning officers.</p></div>
 <p class="updated-time">Updated at 5.40pm BST</p></div>
<div id="block-4" class="block">
 <p class="block-time published-time"><time datetime="2015-05-07">4.10pm</time> <span class="timezone">BST</span></p>
 <div class="block-elements"><p>The prime minister has voted in Witney with his wife.</p></div></div>
<div id="block-3" class="block">
 <p class="block-time published-time"><time datetime="2015-05-07">10.45am</time> <span class="timezone">BST</span></p>
 <div class="block-elements"><p>Ed Miliband casts his vote in Doncaster North.</p></div>
 <p class="updated-time">Updated at 1.15pm BST</p></div>
</div></body></html>"""


def test_older_blocks_take_the_shown_clock_on_the_attributes_day() -> None:
    """A date-only `datetime` dates the "5.33pm BST" shown in it (not midnight), the zone word
    beside it counts, and the later "Updated at" time is not the publication time."""
    page = extract_page(OLDER_BLOCKS, url="https://news.example.com/politics/election-live",
                        fetched_at=FETCHED_AT, content_type="text/html")
    assert [(e.key, e.published_at.isoformat()) for e in page.entries if e.published_at] == [
        ("block-5", "2015-05-07T16:33:00+00:00"), ("block-4", "2015-05-07T15:10:00+00:00"),
        ("block-3", "2015-05-07T09:45:00+00:00")]
    assert len(page.entries) == 3
