"""The rules that pick an update's lead picture, each on a small hand-written page."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.extract import extract_page
from bot.core.model import Page

FETCHED_AT = datetime(2024, 5, 15, 12, 0, tzinfo=UTC)
URL = "https://news.example.com/live/summit"


def _blog(first: str, second: str = "", head: str = "") -> Page:
    """A live page of three stamped posts; `first` and `second` go into the newest two."""
    page = extract_page(_blog_html(first, second, head), url=URL, fetched_at=FETCHED_AT,
                        content_type="text/html")
    assert len(page.entries) == 3
    return page


def _blog_html(first: str, second: str = "", head: str = "") -> str:
    return f"""<html lang="en"><head><title>Summit live</title>{head}</head><body><main>
<div class="feed">
<article class="post" id="post-3"><time datetime="2024-05-15T11:50:00Z">12.50</time>
 <h2>Sanctions agreed</h2>{first}<p>The EU agreed a new sanctions package on Monday.</p></article>
<article class="post" id="post-2"><time datetime="2024-05-15T11:20:00Z">12.20</time>
 <p>Ministers met in Brussels to discuss the next steps of the plan.</p>{second}</article>
<article class="post" id="post-1"><time datetime="2024-05-15T10:05:00Z">11.05</time>
 <p>Good morning and welcome to our live coverage of the summit.</p></article>
</div></main></body></html>"""


def test_srcset_gives_the_size_nearest_a_phone_screen() -> None:
    """Of a srcset's widths the one nearest ~800 px is taken, not the 4K one nor the thumb."""
    page = _blog('<figure><img src="/img/a-320.jpg" srcset="/img/a-160.jpg 160w, '
                 '/img/a-640.jpg 640w, /img/a-1024.jpg 1024w, /img/a-3840.jpg 3840w" '
                 'width="640" height="360"></figure>')
    assert page.entries[0].image == "https://news.example.com/img/a-640.jpg"


def test_density_srcset_scales_the_declared_width() -> None:
    """"1x, 2x, 3x" candidates are as wide as the declared width times their density."""
    page = _blog('<img src="/b.jpg" srcset="/b-1x.jpg 1x, /b-2x.jpg 2x, /b-3x.jpg 3x" '
                 'width="400" height="300">')
    assert page.entries[0].image == "https://news.example.com/b-2x.jpg"


def test_picture_sources_count_among_the_sizes() -> None:
    """A `<picture>`'s `<source>` candidates are weighed with its `<img>`'s; a webp-only
    source is passed over."""
    page = _blog('<picture><source type="image/webp" srcset="/c-800.webp 800w">'
                 '<source srcset="/c-400.jpg 400w, /c-900.jpg 900w">'
                 '<img src="/c-300.jpg" alt="Leaders"></picture>')
    assert page.entries[0].image == "https://news.example.com/c-900.jpg"


def test_lazy_loading_attributes_are_read() -> None:
    """A lazy picture's real URL is in data-src / data-srcset, not in its placeholder src."""
    page = _blog('<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" '
                 'data-src="/lazy/photo.jpg" class="lazyload">',
                 '<img src="/spacer.gif" data-srcset="/lazy/two-400.jpg 400w, '
                 '/lazy/two-800.jpg 800w">')
    assert page.entries[0].image == "https://news.example.com/lazy/photo.jpg"
    assert page.entries[1].image == "https://news.example.com/lazy/two-800.jpg"


def test_tracking_pixel_is_refused_and_the_photo_after_it_taken() -> None:
    """A 1x1 pixel is never the picture; the real photo after it is."""
    page = _blog('<img src="https://stats.example.net/p.gif?id=3" width="1" height="1">'
                 '<img src="/photos/crowd.jpg" width="800" height="450">')
    assert page.entries[0].image == "https://news.example.com/photos/crowd.jpg"


def test_avatar_logo_icon_emoji_and_svg_are_refused() -> None:
    """An author's avatar, a logo, an icon, an emoji, an svg and a data: URI are furniture."""
    page = _blog('<div class="byline"><img src="/people/jane.jpg" alt="Jane Doe"></div>'
                 '<img class="author-avatar" src="/people/jane2.jpg">'
                 '<img src="/static/site-logo.png"><img src="/img/icons/share.png">'
                 '<img class="emoji" src="/e/1f600.png" width="72" height="72">'
                 '<img src="/img/map.svg"><img src="data:image/png;base64,iVBORw0KGgo=">')
    assert page.entries[0].image is None


def test_headshot_in_the_update_header_is_refused() -> None:
    """A portrait in an update's header (beside the author's name) is not its picture; a
    figure in its header is."""
    page = _blog('<header><img src="/uploads/Jane_Doe.png?width=300"><span>Jane Doe</span>'
                 '</header><p>From Brussels.</p>',
                 '<header><figure><img src="/photos/summit.jpg"><figcaption>Leaders at the '
                 'summit</figcaption></figure></header>')
    assert [entry.image for entry in page.entries] == [
        None, "https://news.example.com/photos/summit.jpg", None]


def test_video_poster_is_the_picture_a_reader_sees() -> None:
    """A native video shows its poster until played: that is the update's picture."""
    page = _blog('<video controls poster="/video/posters/crowd.jpg" width="640">'
                 '<source src="/video/crowd.mp4" type="video/mp4"></video>')
    assert page.entries[0].image == "https://news.example.com/video/posters/crowd.jpg"


def test_quoted_posts_picture_is_the_posts() -> None:
    """A picture inside a quoted post belongs to that post; the update's own photo after it
    is the update's."""
    page = _blog('<blockquote class="instagram-media"><img src="/cdn/insta-photo.jpg">'
                 '<p>A post</p></blockquote><figure><img src="/photos/own.jpg"></figure>')
    assert page.entries[0].image == "https://news.example.com/photos/own.jpg"


def test_linked_card_of_another_story_is_refused() -> None:
    """A related story's card links away: its thumbnail belongs to that story."""
    page = _blog('<a href="/news/other-story"><img src="/thumbs/other.jpg"> Read more</a>')
    assert page.entries[0].image is None


def test_an_update_never_takes_its_neighbours_picture() -> None:
    """Only the update whose element holds the picture gets it."""
    page = _blog("", '<figure><img src="/photos/brussels.jpg"></figure>')
    assert [entry.image for entry in page.entries] == [
        None, "https://news.example.com/photos/brussels.jpg", None]


def test_relative_url_resolves_against_the_base_element() -> None:
    """A relative picture URL resolves against the page's `<base href>` when it has one."""
    page = _blog('<img src="photos/summit.jpg">',
                 head='<base href="https://cdn.example.org/live/">')
    assert page.entries[0].image == "https://cdn.example.org/live/photos/summit.jpg"
    plain = _blog('<img src="photos/summit.jpg">')
    assert plain.entries[0].image == "https://news.example.com/live/photos/summit.jpg"


def test_saved_page_resolves_against_its_canonical_url() -> None:
    """A page read from a file resolves its relative pictures against the canonical URL it
    names (a file: URL is never sent)."""
    html = _blog_html('<img src="/photos/summit.jpg">',
                      head='<link rel="canonical" href="https://news.example.com/live/summit">')
    page = extract_page(html, url="file:///tmp/summit.html", fetched_at=FETCHED_AT,
                        content_type="text/html")
    assert page.entries[0].image == "https://news.example.com/photos/summit.jpg"
    bare = extract_page(_blog_html('<img src="/photos/summit.jpg">'),
                        url="file:///tmp/summit.html", fetched_at=FETCHED_AT,
                        content_type="text/html")
    assert bare.entries[0].image is None


def _json_ld(images: list[str]) -> Page:
    updates = ",".join(
        f'{{"@type":"BlogPosting","url":"{URL}#p{n}","headline":"Update number {n} here",'
        f'"datePublished":"2024-03-01T1{n}:00:00Z","articleBody":"Body of update {n} says '
        f'something new.","image":{image}}}' for n, image in enumerate(images))
    html = ('<html><head><script type="application/ld+json">{"@context":"https://schema.org",'
            '"@type":"LiveBlogPosting","headline":"Storm live","image":"https://img.example.com/'
            f'page.jpg","liveBlogUpdate":[{updates}]}}</script></head><body><h1>Storm live</h1>'
            '</body></html>')
    return extract_page(html, url=URL, fetched_at=FETCHED_AT, content_type="text/html")


def test_json_ld_image_as_string_object_or_list() -> None:
    """JSON-LD `image` may be a URL, an ImageObject or a list of them (the size nearest
    ~800 px); the page's own image repeated in an update is not the update's."""
    page = _json_ld([
        '"/photos/one.jpg"',
        '{"@type":"ImageObject","url":"https://img.example.com/two.jpg","width":1200}',
        '[{"@type":"ImageObject","url":"https://img.example.com/three-2000.jpg","width":2000},'
        '{"@type":"ImageObject","url":"https://img.example.com/three-900.jpg","width":900}]',
        '"https://img.example.com/page.jpg"',
    ])
    images = {entry.title: entry.image for entry in page.entries}
    assert images == {
        "Update number 0 here": "https://news.example.com/photos/one.jpg",
        "Update number 1 here": "https://img.example.com/two.jpg",
        "Update number 2 here": "https://img.example.com/three-900.jpg",
        "Update number 3 here": None,
    }


def test_json_ld_image_every_update_repeats_is_a_placeholder() -> None:
    """One image named by several structured updates is a default, not theirs."""
    page = _json_ld(['"https://img.example.com/brand.jpg"'] * 3)
    assert [entry.image for entry in page.entries] == [None, None, None]


FEED = """<?xml version="1.0"?><rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/">
<channel><title>Wire</title><link>https://wire.example.com/</link>
<item><title>Media content</title><link>https://wire.example.com/1</link>
 <pubDate>Fri, 01 Mar 2024 12:00:00 GMT</pubDate><description>One.</description>
 <media:content url="https://gravatar.com/avatar/abc?s=96" medium="image"/>
 <media:content url="https://wire.example.com/one-1600.jpg" medium="image" width="1600"/>
 <media:content url="https://wire.example.com/one-768.jpg" medium="image" width="768"/></item>
<item><title>Thumbnail</title><link>https://wire.example.com/2</link>
 <pubDate>Fri, 01 Mar 2024 11:00:00 GMT</pubDate><description>Two.</description>
 <media:thumbnail url="https://wire.example.com/two-thumb.jpg" width="480"/></item>
<item><title>Enclosure</title><link>https://wire.example.com/3</link>
 <pubDate>Fri, 01 Mar 2024 10:00:00 GMT</pubDate><description>Three.</description>
 <enclosure url="https://wire.example.com/three.mp3" type="audio/mpeg" length="1"/>
 <enclosure url="https://wire.example.com/three.png" type="image/png" length="1"/></item>
<item><title>None</title><link>https://wire.example.com/4</link>
 <pubDate>Fri, 01 Mar 2024 09:00:00 GMT</pubDate><description>Four.</description>
 <enclosure url="https://wire.example.com/four.mp3" type="audio/mpeg" length="1"/></item>
</channel></rss>"""


def test_feed_items_carry_media_thumbnail_and_image_enclosure() -> None:
    """A feed item's picture comes from Media RSS content (not an avatar), its thumbnail, or
    an image enclosure; an audio enclosure is no picture."""
    page = extract_page(FEED, url="https://wire.example.com/rss", fetched_at=FETCHED_AT)
    assert {entry.title: entry.image for entry in page.entries} == {
        "Media content": "https://wire.example.com/one-768.jpg",
        "Thumbnail": "https://wire.example.com/two-thumb.jpg",
        "Enclosure": "https://wire.example.com/three.png",
        "None": None,
    }


def test_json_feed_item_image() -> None:
    """A JSON Feed item's `image` is its picture, a relative one read from the item's URL;
    a logo is not."""
    feed = ('{"version": "https://jsonfeed.org/version/1.1", "title": "Wire", "items": ['
            '{"id": "2", "url": "https://wire.example.com/2", "title": "Two", "image": '
            '"/media/two.jpg", "content_text": "Second.", "date_published": "2024-03-01T11:00:00Z"},'
            '{"id": "1", "url": "https://wire.example.com/1", "title": "One", "image": '
            '"https://wire.example.com/site-logo.png", "content_text": "First.", '
            '"date_published": "2024-03-01T10:00:00Z"}]}')
    page = extract_page(feed, url="https://wire.example.com/feed.json", fetched_at=FETCHED_AT,
                        content_type="application/feed+json")
    assert {entry.title: entry.image for entry in page.entries} == {
        "Two": "https://wire.example.com/media/two.jpg", "One": None}


def test_picture_url_is_encoded_for_sending() -> None:
    """A picture file named with spaces or accents is sent percent-encoded; escapes the page
    already made are kept."""
    page = _blog('<img src="/photos/Place de la Concorde été.jpg">',
                 '<img src="/photos/caf%C3%A9.jpg?w=800&amp;q=75">')
    assert page.entries[0].image == ("https://news.example.com/photos/"
                                     "Place%20de%20la%20Concorde%20%C3%A9t%C3%A9.jpg")
    assert page.entries[1].image == "https://news.example.com/photos/caf%C3%A9.jpg?w=800&q=75"
