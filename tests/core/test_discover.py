"""What a front or section page offers to follow: the live pages it links to and its feeds."""

from __future__ import annotations

import json

from bot.core.discover import MAX_CHOICES, Discovered, Found, discover

BASE = "https://news.example.com/world/"


def page(body: str, head: str = "") -> str:
    return f"<!doctype html><html><head>{head}</head><body>{body}</body></html>"


def urls(found: tuple[Found, ...]) -> list[str]:
    return [item.url for item in found]


def test_links_whose_text_carries_a_live_signal_are_live_pages() -> None:
    """Link text in the corpus's languages marks a live page; ordinary articles do not."""
    html = page("""
        <a href="/world/2024/feb/03/strikes-live">LIVE: US strikes across the Middle East</a>
        <a href="https://news.example.com/de/nahost">Nahost-Ticker: die Lage am Morgen</a>
        <a href="/fr/guerre">Guerre en Ukraine, en direct</a>
        <a href="/it/israele">Israele-Hamas, la diretta</a>
        <a href="/es/elecciones">Elecciones en vivo</a>
        <a href="/world/2024/feb/03/analysis">Why the strikes matter: analysis</a>
        <a href="/science">Live Science: how bees see</a>
        <a href="/about">About us</a>""")
    found = discover(html.encode(), url=BASE, content_type="text/html")
    assert urls(found.links) == [
        "https://news.example.com/world/2024/feb/03/strikes-live",
        "https://news.example.com/de/nahost",
        "https://news.example.com/fr/guerre",
        "https://news.example.com/it/israele",
        "https://news.example.com/es/elecciones",
    ]
    assert found.links[0].title == "LIVE: US strikes across the Middle East"
    assert all(item.kind == "live" for item in found.links)


def test_an_address_that_says_live_is_a_live_page_whatever_its_text() -> None:
    html = page('<a href="/live/2024-02-03/storm">Storm hits the coast</a>'
                '<a href="/news/liveblog-budget">Budget day</a>'
                '<a href="/news/deliver-the-goods">Deliver the goods</a>'
                '<a href="https://live.example.com/news/budget">Budget</a>'
                '<a href="/news/budget?view=live#live">Budget</a>')
    found = discover(html, url=BASE, content_type="text/html")
    assert urls(found.links) == ["https://news.example.com/live/2024-02-03/storm",
                                 "https://news.example.com/news/liveblog-budget"]


def test_structured_data_names_live_blogs_without_any_signal_in_their_links() -> None:
    """A LiveBlogPosting's URL, and the items of an ItemList that are live blogs."""
    data = [{"@context": "https://schema.org", "@type": "LiveBlogPosting",
             "headline": "Election night", "url": "https://news.example.com/e/night"},
            {"@type": "ItemList", "itemListElement": [
                {"@type": "ListItem", "position": 1,
                 "item": {"@type": "LiveBlogPosting", "name": "Storm watch",
                          "url": "/weather/storm"}},
                {"@type": "ListItem", "position": 2, "url": "/sport/report", "name": "Report"}]}]
    html = page("", f'<script type="application/ld+json">{json.dumps(data)}</script>')
    found = discover(html, url=BASE, content_type="text/html")
    assert [(item.url, item.title) for item in found.links] == [
        ("https://news.example.com/e/night", "Election night"),
        ("https://news.example.com/weather/storm", "Storm watch")]


def test_feeds_come_from_link_alternate_resolved_to_absolute_urls() -> None:
    head = ('<link rel="alternate" type="application/rss+xml" title="World news" href="/rss">'
            '<link rel="alternate" type="application/atom+xml" href="atom.xml">'
            '<link rel="alternate" type="application/feed+json" title="JSON" '
            'href="https://cdn.example.com/feed.json">'
            '<link rel="alternate" hreflang="de" href="/de/">'
            '<link rel="stylesheet" type="text/css" href="/site.css">')
    found = discover(page("", head), url=BASE, content_type="text/html")
    assert [(item.url, item.title, item.kind) for item in found.feeds] == [
        ("https://news.example.com/rss", "RSS: World news", "feed"),
        ("https://news.example.com/world/atom.xml",
         "Atom: https://news.example.com/world/atom.xml", "feed"),
        ("https://cdn.example.com/feed.json", "JSON Feed: JSON", "feed")]


def test_each_page_once_never_the_page_itself_and_only_web_addresses() -> None:
    """A page linked twice is offered once, titled by its first link with words."""
    html = page('<a href="/live/a#latest"><img src="a.jpg"></a><a href="/live/a">Live: A</a>'
                '<a href="/live/a">Live: A again</a>'
                f'<a href="{BASE}#top">Live: this page</a>'
                '<a href="javascript:live()">Live!</a><a href="mailto:live@example.com">live</a>'
                '<a href="ftp://example.com/live/x">Live FTP</a>')
    found = discover(html, url=BASE, content_type="text/html")
    assert [(item.url, item.title) for item in found.links] == [
        ("https://news.example.com/live/a", "Live: A")]


def test_links_to_one_page_that_differ_only_in_their_query_are_one_page() -> None:
    """A live blog's teaser links to its own updates ("?page=with:block-…"): one page. A
    script's query names the page itself: two pages."""
    html = page('<a href="/live/war">Ukraine war live</a>'
                '<a href="/live/war?page=with:block-1#block-1">12.05 BST</a>'
                f'<a href="{BASE}?page=with:block-2">Live: 12.50 BST</a>'
                '<a href="/live.php?id=1">Live one</a><a href="/live.php?id=2">Live two</a>')
    found = discover(html, url=BASE, content_type="text/html")
    assert [(item.url, item.title) for item in found.links] == [
        ("https://news.example.com/live/war", "Ukraine war live"),
        ("https://news.example.com/live.php?id=1", "Live one"),
        ("https://news.example.com/live.php?id=2", "Live two")]


def test_a_feed_offers_its_items() -> None:
    rss = ("<?xml version='1.0'?><rss version='2.0'><channel><title>World</title>"
           "<item><title>Ukraine war live</title><link>https://news.example.com/live/1</link>"
           "</item><item><title>Markets</title><link>https://news.example.com/markets/2</link></item></channel></rss>")
    found = discover(rss.encode(), url="https://news.example.com/rss",
                     content_type="application/rss+xml")
    assert found.is_feed
    assert [(item.url, item.title) for item in found.links] == [
        ("https://news.example.com/live/1", "Ukraine war live"),
        ("https://news.example.com/markets/2", "Markets")]


def test_choices_are_at_most_ten_live_pages_first_with_feeds_kept_in_sight() -> None:
    live = tuple(Found(f"https://x.example/live/{n}", f"Live {n}", "live") for n in range(20))
    feeds = tuple(Found(f"https://x.example/feed/{n}", f"RSS {n}", "feed") for n in range(5))
    choices = Discovered(live, feeds).choices()
    assert len(choices) == MAX_CHOICES
    assert [c.kind for c in choices] == ["live"] * 7 + ["feed"] * 3
    assert Discovered(live[:2], feeds[:1]).choices() == (*live[:2], feeds[0])
    assert Discovered(live[:6], feeds).choices() == (*live[:6], *feeds[:4])
    assert Discovered((), feeds).choices(limit=4) == feeds[:4]


def test_relative_links_resolve_against_the_pages_base() -> None:
    html = page('<a href="live/x">Live: X</a>', '<base href="https://cdn.example.com/news/">')
    found = discover(html, url=BASE, content_type="text/html")
    assert urls(found.links) == ["https://cdn.example.com/news/live/x"]
