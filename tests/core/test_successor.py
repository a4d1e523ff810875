"""Which pages a check says continue a story (bot/core/successor.py), read from real markup by
the extractor (closing lines, coverage end, canonical links) and from the fetch (redirects)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.extract import extract_page
from bot.core.model import Entry, Fetched, Page, Validators
from bot.core.successor import Lead, Seen, refusal, same_site, site_of, successor_leads

SITE = "https://www.example.co.uk"
OLD = f"{SITE}/news/live/war-day-1"
NEW = f"{SITE}/news/live/war-day-2"
NOW = datetime(2024, 5, 2, 9, 0, tzinfo=UTC)

UPDATES = "".join(
    f'<article id="u{n}"><time datetime="2024-05-01T{20 - n}:00:00+00:00">{20 - n}:00</time>'
    f"<p>Update number {n} of the day.</p></article>" for n in range(1, 4))


def page_of(body: str, head: str = "", url: str = OLD) -> Page:
    html = f"<html><head>{head}</head><body><h1>War: live</h1><main>{body}{UPDATES}</main>" \
           "</body></html>"
    return extract_page(html, url=url, fetched_at=NOW)


def fetched(url: str = OLD, moved_to: str | None = None) -> Fetched:
    return Fetched(url, moved_to or url, NOW, b"", "text/html", None, Validators(), False,
                   moved_to=moved_to)


def leads(page: Page, seen: Seen | None = None, fetch: Fetched | None = None,
          now: datetime = NOW) -> tuple[Lead, ...]:
    return successor_leads(seen or Seen(OLD, OLD, OLD), fetch or fetched(), page, now)


@pytest.mark.parametrize("line", [
    '<p>This blog is now closed. <a href="/news/live/war-day-2">Follow our new live blog</a></p>',
    '<p>We\'ve launched a new live blog: <a href="/news/live/war-day-2">read it here</a>.</p>',
    '<div class="banner">This live blog has ended. '
    '<a href="/news/live/war-day-2">Continue here</a></div>',
    '<p>Dieser Ticker ist beendet. <a href="/news/live/war-day-2">Weiter im neuen Ticker</a></p>',
    '<p><a href="/news/live/war-day-2">Hier zum neuen Liveblog</a></p>',
    '<p>Ce direct est terminé. <a href="/news/live/war-day-2">Suivez notre nouveau direct</a></p>',
    '<p>Questa diretta è terminata: <a href="/news/live/war-day-2">segui la nuova diretta</a></p>',
    '<p>Este directo ha terminado. <a href="/news/live/war-day-2">Sigue nuestro nuevo directo</a>'
    "</p>",
    '<p>Relacja na żywo zakończona. <a href="/news/live/war-day-2">Zapraszamy do nowej relacji'
    "</a></p>",
    '<p>Our live coverage has now ended. <a href="/news/live/war-day-2">Latest</a></p>',
    '<p>Die aktuellen Entwicklungen lesen Sie <a href="/news/live/war-day-2">im neuen '
    "Liveblog</a>.</p>",
    '<p>Retrouvez <a href="/news/live/war-day-2">la suite de notre direct ici</a>.</p>',
    '<p>Abrimos página: <a href="/news/live/war-day-2">sigue en nuestro nuevo directo</a></p>',
])
def test_a_closing_line_in_each_language_leads_to_its_link(line: str) -> None:
    """A closing line or banner (English, German, French, Italian, Spanish, Polish) leads to the
    page it links to, made absolute."""
    assert leads(page_of(line)) == (Lead(NEW, "closing line"),)


def test_a_closing_update_below_a_long_menu_leads_to_its_link() -> None:
    """The closing line is the newest update, far down a page whose menu alone is longer than
    the top read for banners: its link is found."""
    menu = "".join(f'<li><a href="/section/{n}">Section number {n}</a></li>' for n in range(2000))
    closing = ('<article id="u0"><time datetime="2024-05-01T21:00:00+00:00">21:00</time>'
               '<p>This blog is now closed. <a href="/news/live/war-day-2">Follow our new live '
               "blog</a>.</p></article>")
    page = page_of(f"<nav><ul>{menu}</ul></nav>{closing}")
    assert page.entries[0].text.startswith("This blog is now closed")
    assert leads(page) == (Lead(NEW, "closing line"),)


def test_a_page_without_a_closing_line_has_no_lead() -> None:
    """Links in ordinary text, even to another live page, are no lead while the page runs."""
    page = page_of('<p>Read <a href="/news/live/war-day-2">our other live blog</a> too.</p>')
    assert page.closing_links == () and leads(page) == ()


def test_a_closing_link_to_another_site_or_the_page_itself_is_no_lead() -> None:
    """Off-site, the same page again (another spelling of it): ignored."""
    line = ('<p>This blog is now closed. Follow our new live blog <a href="https://other.com/'
            'live">there</a> or <a href="http://example.co.uk/news/live/war-day-1/">here</a>.</p>')
    assert leads(page_of(line)) == ()


def test_a_permanent_redirect_is_a_lead_unless_the_story_had_it_from_the_start() -> None:
    """A page that now redirects permanently moved; one that always did is at its address."""
    page = page_of("")
    assert leads(page, fetch=fetched(moved_to=NEW)) == (Lead(NEW, "permanent redirect"),)
    always = Seen(OLD, NEW, None)
    assert leads(page, seen=always, fetch=fetched(moved_to=NEW)) == ()


def coverage_head(start: str, end: str) -> str:
    blog = {"@context": "https://schema.org", "@type": "LiveBlogPosting",
            "coverageStartTime": start, "coverageEndTime": end}
    return f'<script type="application/ld+json">{json.dumps(blog)}</script>'


def test_a_passed_coverage_end_leads_to_a_link_naming_a_live_page() -> None:
    """coverageEndTime an hour past, no update after it: a link whose line names a live page is
    a lead; before the grace hour, or with updates after the end, there is none."""
    head = coverage_head("2024-05-01T06:00:00Z", "2024-05-01T20:00:00Z")
    body = '<p><a href="/news/live/war-day-2">War: live, day two</a></p>'
    page = page_of(body, head)
    assert page.coverage_end == datetime(2024, 5, 1, 20, 0, tzinfo=UTC)
    assert leads(page) == (Lead(NEW, "coverage end"),)
    assert leads(page, now=datetime(2024, 5, 1, 20, 30, tzinfo=UTC)) == ()
    early = page_of(body, coverage_head("2024-05-01T06:00:00Z", "2024-05-01T18:00:00Z"))
    assert leads(early) == ()


def test_a_placeholder_coverage_end_is_no_end() -> None:
    """Publishers that write the start time in both fields (BBC, the Guardian) end nothing."""
    page = page_of('<p><a href="/news/live/war-day-2">War: live</a></p>',
                   coverage_head("2024-05-01T06:00:00Z", "2024-05-01T06:00:00Z"))
    assert page.coverage_end is None and leads(page) == ()


def test_a_canonical_link_that_moved_is_a_lead() -> None:
    """The canonical link changed to another page since the last check: a lead; one that has
    named another page from the start is not."""
    page = page_of("", f'<link rel="canonical" href="{NEW}">')
    assert leads(page) == (Lead(NEW, "canonical link"),)
    assert leads(page, seen=Seen(OLD, OLD, NEW)) == ()


def test_a_temporary_redirect_is_no_lead() -> None:
    """Served from another page through a 302 (no permanent move, no canonical link of its
    own): no lead, though the page's URL is not the story's."""
    page = page_of("", url=NEW)
    temporary = Fetched(OLD, NEW, NOW, b"", "text/html", None, Validators(), False)
    assert page.canonical_url == NEW and leads(page, fetch=temporary) == ()


def live(count: int) -> Page:
    at = datetime(2024, 5, 2, 8, 0, tzinfo=UTC)
    return Page("Day two", tuple(Entry(f"k{n}", at + timedelta(minutes=n), f"update {n}")
                                 for n in range(count)))


def test_a_successor_must_be_a_live_page_on_the_site_and_not_in_the_chain() -> None:
    """Two timed updates make a live page; an article, a loop or another site is refused."""
    chain = frozenset({OLD})
    assert refusal(NEW, live(2), chain, OLD) is None
    assert "not a live page" in str(refusal(NEW, live(1), chain, OLD))
    assert "loop" in str(refusal(f"{SITE}/news/live/war-day-1/", live(5), chain, OLD))
    assert "another site" in str(refusal("http://169.254.169.254/live", live(5), chain, OLD))


@pytest.mark.parametrize("first, second, same", [
    ("https://www.bbc.co.uk/news/live/1", "https://bbc.co.uk/sport/live/2", True),
    ("https://live.theguardian.com/a", "https://www.theguardian.com/b", True),
    ("https://example.co.uk/a", "https://other.co.uk/a", False),
    ("http://127.0.0.1:8000/a", "http://127.0.0.1:9000/b", True),
    ("http://127.0.0.1/a", "http://localhost/a", False),
    ("https://example.com/a", "https://example.com.evil.net/a", False),
])
def test_same_site_is_the_registrable_domain(first: str, second: str, same: bool) -> None:
    assert same_site(first, second) is same
    assert site_of("news.bbc.co.uk") == "bbc.co.uk"


def test_no_real_page_of_the_corpus_reads_as_closed(corpus_dir: Path) -> None:
    """None of the corpus's running live pages has a closing line (no false move)."""
    for path in sorted((corpus_dir / "raw").iterdir()):
        page = extract_page(path.read_bytes(), url="https://example.com/live", fetched_at=NOW)
        assert page.closing_links == (), path.name
