"""What an update quotes or plays becomes its embeds, and leaves its text."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.extract import extract_page
from bot.core.extract.embeds import MAX_EMBEDS
from bot.core.model import Embed, Entry
from tests.core.extract import embed_pages
from tests.core.extract.corpus import SHARED_CORPUS

_NOW = datetime(2024, 3, 3, 18, 0, tzinfo=UTC)


def _newest(body: str) -> Entry:
    page = extract_page(body, url="https://news.example.com/live", fetched_at=_NOW)
    assert len(page.entries) == 2
    return page.entries[0]


@pytest.mark.parametrize(("code", "expected"), [
    (embed_pages.TWEET, Embed(
        "post", "https://twitter.com/janeminister/status/1764321987654321098",
        "Talks were frank and useful. More tomorrow pic.twitter.com/abc", "@janeminister")),
    (embed_pages.TWEET_FRAME, Embed("post", "https://twitter.com/i/status/1764321987654321098")),
    (embed_pages.BLUESKY, Embed(
        "post", "https://bsky.app/profile/did:plc:abc123/post/3kxyz",
        "The harbour is closed until further notice.", "@port.example.org")),
    (embed_pages.MASTODON_FRAME, Embed(
        "post", "https://mastodon.social/@Gargron/111111111111111111", "",
        "@Gargron@mastodon.social")),
    (embed_pages.MASTODON_QUOTE, Embed(
        "post", "https://mastodon.social/@Gargron/111111111111111111", "",
        "@Gargron@mastodon.social")),
    (embed_pages.INSTAGRAM, Embed(
        "post", "https://www.instagram.com/p/C4AbCdEfGhI/", "", "@summitteam")),
    (embed_pages.TELEGRAM_SCRIPT, Embed(
        "post", "https://t.me/summitnews/4321", "", "@summitnews")),
    (embed_pages.TELEGRAM_FRAME, Embed(
        "post", "https://t.me/summitnews/4321", "", "@summitnews")),
    (embed_pages.THREADS, Embed(
        "post", "https://www.threads.net/@summitteam/post/C4XyZ123", "", "@summitteam")),
    (embed_pages.FACEBOOK, Embed("post", "https://www.facebook.com/summitteam/posts/pfbid0abc")),
    (embed_pages.FACEBOOK_FRAME, Embed(
        "post", "https://www.facebook.com/summitteam/posts/pfbid0abc")),
    (embed_pages.YOUTUBE, Embed(
        "video", "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "Leaders arrive for the summit")),
    (embed_pages.YOUTUBE_NOCOOKIE, Embed("video", "https://www.youtube.com/watch?v=dQw4w9WgXcQ")),
    (embed_pages.LITE_YOUTUBE, Embed(
        "video", "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "Leaders arrive for the summit")),
    (embed_pages.VIMEO, Embed("video", "https://vimeo.com/76979871", "The summit in 60 seconds")),
    (embed_pages.DAILYMOTION, Embed("video", "https://www.dailymotion.com/video/x8abc12")),
    (embed_pages.TWITCH, Embed("video", "https://www.twitch.tv/videos/2012345678")),
    (embed_pages.SPOTIFY, Embed(
        "audio", "https://open.spotify.com/episode/4rOoJ6Egrf8K2IrywzwOMk",
        "Summit Daily: day one")),
    (embed_pages.APPLE_PODCASTS, Embed(
        "audio", "https://podcasts.apple.com/us/podcast/summit-daily/id1200361736?i=1000645321234")),
    (embed_pages.SOUNDCLOUD, Embed(
        "audio",
        "https://w.soundcloud.com/player/?url=https://api.soundcloud.com/tracks/1234567")),
    (embed_pages.AUDIO, Embed("audio", "https://news.example.com/media/briefing.mp3",
                              "Morning briefing")),
], ids=lambda value: "" if isinstance(value, Embed) else value.split()[1][:28])
def test_each_platforms_embed_code_becomes_one_embed(code: str, expected: Embed) -> None:
    """Each platform's embed code is one embed with its canonical link, words and author."""
    entry = _newest(embed_pages.page(code))
    assert entry.embeds == (expected,)
    assert entry.text == "Reaction is pouring in from abroad."


def test_a_quoted_tweet_leaves_the_update_text() -> None:
    """A tweet's words and its "— Name (@handle) date" line are the embed's, not the text's."""
    entry = _newest(embed_pages.page(embed_pages.TWEET))
    assert "frank and useful" not in entry.text
    assert "@janeminister" not in entry.text and "March" not in entry.text


def test_an_update_that_is_only_a_quoted_post_says_its_words() -> None:
    """An update made only of a tweet is still an update: its text is the tweet's words."""
    entry = _newest(embed_pages.only_embed(embed_pages.TWEET))
    assert entry.text == "Talks were frank and useful. More tomorrow pic.twitter.com/abc"
    assert entry.embeds[0].author == "@janeminister"


def test_a_handle_named_in_the_quoted_words_is_not_the_author() -> None:
    """A tweet thanking "(@bob)" is still by the account its byline and status link name."""
    tweet = embed_pages.TWEET.replace("Talks were\n frank", "Thanks (@bob): talks were frank")
    entry = _newest(embed_pages.page(tweet))
    assert entry.embeds[0].text.startswith("Thanks (@bob)")
    assert entry.embeds[0].author == "@janeminister"
    post = embed_pages.INSTAGRAM.replace("View this post on Instagram",
                                         "<p>Thanks (@bob) for the photos</p>")
    entry = _newest(embed_pages.page(post))
    assert entry.embeds[0].text == "Thanks (@bob) for the photos"
    assert entry.embeds[0].author == "@summitteam"


def test_plain_updates_and_unknown_frames_have_no_embeds() -> None:
    """An update without embed codes, or with a frame of no known player, has none."""
    frame = '<iframe src="https://ads.example.net/slot.html" title="Advertisement"></iframe>'
    quote = "<blockquote><p>Words a minister said, quoted by the page itself.</p></blockquote>"
    entry = _newest(embed_pages.page(frame + quote))
    assert entry.embeds == ()
    assert "Words a minister said" in entry.text


def test_a_page_without_http_base_keeps_only_absolute_links() -> None:
    """A relative audio source on a page read from a file is no link: no embed is made of it."""
    page = extract_page(embed_pages.page(embed_pages.AUDIO), url="live.html", fetched_at=_NOW)
    assert page.entries[0].embeds == ()


def test_telegraph_tweet_only_update_read_from_its_frame_fallback() -> None:
    """The Telegraph's 07.13 update is only a tweet player whose words sit in the frame's
    <noframe> fallback: it becomes an update with that quoted post."""
    body = (SHARED_CORPUS / "raw" / "telegraph__airasia-qz8501-latest-2014-12-31.html").read_bytes()
    page = extract_page(body, url="http://www.telegraph.co.uk/news/worldnews/asia/indonesia/"
                        "11315001/AirAsia-plane-reported-missing-with-162-passengers-onboard-"
                        "latest.html", fetched_at=datetime(2014, 12, 31, 18, 0, tzinfo=UTC))
    at_0713 = [e for e in page.entries
               if e.published_at == datetime(2014, 12, 31, 7, 13, tzinfo=UTC)]
    assert len(at_0713) == 1
    entry = at_0713[0]
    assert entry.text.startswith("Twitter: Tom Phillips - The Indonesian gov this morning")
    assert entry.embeds == (Embed(
        "post", "http://s.telegraph.co.uk/graphics/html/TwitterEmbed/Version1/web27804.html",
        "The Indonesian gov this morning asked its citizens to cancel outdoor New Year's Eve "
        "celebrations as sign of respect to #QZ8501 victims", "Tom Phillips"),)
    quoted = [e for e in page.entries if any("status/550153893359804418" in m.url
                                             for m in e.embeds)]
    assert len(quoted) == 1
    assert "So many ambulances" not in quoted[0].text
    assert "(@tomphillipsin)" not in quoted[0].text
    assert sum(len(e.embeds) for e in page.entries) == 12


def test_a_feed_items_quoted_tweet_is_its_embed() -> None:
    """A feed item's HTML quoting a tweet: the tweet is an embed, its words not in the text."""
    feed = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Summit live</title>
<item><title>Reaction</title><guid>g2</guid><link>https://news.example.com/live#g2</link>
<pubDate>Sun, 03 Mar 2024 14:05:00 GMT</pubDate><description><![CDATA[
<p>Reaction is pouring in from abroad.</p>{embed_pages.TWEET}]]></description></item>
<item><title>Arrival</title><guid>g1</guid><pubDate>Sun, 03 Mar 2024 13:40:00 GMT</pubDate>
<description>Leaders arrived this morning.</description></item></channel></rss>"""
    page = extract_page(feed, url="https://news.example.com/feed", fetched_at=_NOW,
                        content_type="application/rss+xml")
    newest = page.entries[0]
    assert newest.text == "Reaction is pouring in from abroad."
    assert [(e.url, e.author) for e in newest.embeds] == [
        ("https://twitter.com/janeminister/status/1764321987654321098", "@janeminister")]
    assert page.entries[1].embeds == ()


def test_an_update_quoting_hundreds_of_posts_keeps_a_bounded_few() -> None:
    """A page stuffing one update with 300 tweets: the first MAX_EMBEDS are kept, none of
    their words reach the update's text."""
    tweets = "".join(embed_pages.TWEET.replace("1764321987654321098", str(n)) for n in range(300))
    entry = _newest(embed_pages.page(tweets))
    assert len(entry.embeds) == MAX_EMBEDS
    assert entry.embeds[0].url == "https://twitter.com/janeminister/status/0"
    assert entry.text == "Reaction is pouring in from abroad."
