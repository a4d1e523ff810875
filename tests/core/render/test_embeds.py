"""An alert's embeds as lines on every output: "▶ Video: …", "🎧 Audio: …", "Quoted @name: …",
each with its link, escaped, within the outputs' limits."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.model import Alert, Embed, Entry, Page, StoryRef
from bot.core.render.console import render_check, render_text
from bot.core.render.discord_embed import DESCRIPTION_LIMIT, render_discord
from bot.core.render.embeds import EMBEDS_SHOWN
from bot.core.render.telegram_html import MAX_LENGTH, render_telegram
from tests.fakes.telegram_html_rules import check_message_text, parse_html

WHEN = datetime(2024, 3, 3, 14, 5, tzinfo=UTC)
STORY = StoryRef("https://news.test/live", "Summit live")
TWEET = Embed("post", "https://twitter.com/janeminister/status/1764321987654321098",
              "Talks were <b>frank</b> & useful", "@janeminister")
VIDEO = Embed("video", "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "Leaders arrive")
PODCAST = Embed("audio", "https://open.spotify.com/episode/4rOoJ6Egrf8K2IrywzwOMk",
                "Summit Daily")


def _alert(*embeds: Embed, text: str = "Reaction is pouring in.", summary: str | None = None
           ) -> Alert:
    entry = Entry("u1", WHEN, text, None, None, "https://news.test/live#u1", embeds=embeds)
    return Alert(STORY, entry, text if summary is None else summary)


def test_telegram_shows_each_embed_as_a_linked_line() -> None:
    """Telegram: "Quoted @name: words", "▶ Video: title", "🎧 Audio: title", leads linked."""
    rendered = render_telegram(_alert(TWEET, VIDEO, PODCAST))
    shown = check_message_text(rendered.text, "HTML")
    assert "Quoted @janeminister: Talks were <b>frank</b> & useful" in shown
    assert "▶ Video: Leaders arrive" in shown
    assert "🎧 Audio: Summit Daily" in shown
    assert (f'<a href="{TWEET.url}">Quoted @janeminister</a>: Talks were &lt;b&gt;frank&lt;/b&gt;'
            " &amp; useful") in rendered.text
    assert f'<a href="{VIDEO.url}">▶ Video</a>: Leaders arrive' in rendered.text


def test_telegram_escapes_embed_links_and_drops_unsafe_ones() -> None:
    """A link's quotes are escaped in the href; a javascript: link makes no line."""
    odd = Embed("video", 'https://v.test/watch?v=1&x="><script>', "Odd")
    bad = Embed("post", "javascript:alert(1)", "Click", "@evil")
    rendered = render_telegram(_alert(odd, bad))
    shown = check_message_text(rendered.text, "HTML")
    assert 'href="https://v.test/watch?v=1&amp;x=&quot;&gt;&lt;script&gt;"' in rendered.text
    assert "javascript" not in rendered.text and "@evil" not in shown


def test_telegram_keeps_the_limit_and_whole_links_with_long_embeds() -> None:
    """A long summary and long embed words stay within 4096: words are trimmed, links whole."""
    long_words = "word " * 2000
    embeds = tuple(Embed("post", f"https://twitter.com/a/status/{n}", long_words, f"@a{n}")
                   for n in range(10))
    rendered = render_telegram(_alert(*embeds, text="x " * 5000))
    shown = check_message_text(rendered.text, "HTML")
    assert len(shown.encode("utf-16-le")) // 2 <= MAX_LENGTH
    links = re.findall(r'<a href="([^"]*)">Quoted', rendered.text)
    assert links == [f"https://twitter.com/a/status/{n}" for n in range(EMBEDS_SHOWN)]
    assert shown.count("Quoted @a") == EMBEDS_SHOWN
    assert "…" in shown.split("Quoted @a0: ")[1].split("\n")[0]


def test_words_already_in_the_summary_are_not_shown_twice() -> None:
    """An update made only of a quoted post says its words once: the line keeps the author."""
    words = "The harbour is closed until further notice, the port authority said."
    post = Embed("post", "https://bsky.app/profile/port/post/3kxyz", words, "@port.example.org")
    shown = check_message_text(render_telegram(_alert(post, text=words)).text, "HTML")
    assert shown.count("The harbour is closed") == 1
    assert "Quoted @port.example.org\n" in shown


def test_discord_shows_embeds_as_inert_markdown_links() -> None:
    """Discord: each lead a markdown link, words escaped, no mention left live."""
    ping = Embed("post", "https://x.com/a/status/1?q=(x)", "hi @everyone *bold*", "@a")
    description = render_discord(_alert(ping, VIDEO)).embeds[0]["description"]
    assert "[Quoted @a](https://x.com/a/status/1?q=%28x%29): hi @\u200beveryone \\*bold\\*" \
        in description
    assert f"[▶ Video]({VIDEO.url}): Leaders arrive" in description
    assert description.startswith("Reaction is pouring in.\n\n")
    loud = Embed("post", "https://x.com/b/status/2", "", "@here [x](https://evil.test)")
    description = render_discord(_alert(loud)).embeds[0]["description"]
    assert "[Quoted @\u200bhere \\[x\\](https://evil.test)](https://x.com/b/status/2)" \
        in description


def test_discord_description_keeps_its_limit_with_many_embeds() -> None:
    """Long summary and embeds together stay within Discord's 4096-character description."""
    embeds = tuple(Embed("post", f"https://x.com/a/status/{n}", "w " * 400, "@a")
                   for n in range(10))
    description = render_discord(_alert(*embeds, text="y " * 4000)).embeds[0]["description"]
    assert len(description) <= DESCRIPTION_LIMIT
    assert "[Quoted @a](https://x.com/a/status/0)" in description


def test_console_prints_embed_lines_with_their_links() -> None:
    """The console's alert prints each embed as text followed by its link."""
    text = render_text(_alert(TWEET, VIDEO))
    assert f"Quoted @janeminister: Talks were <b>frank</b> & useful {TWEET.url}" in text
    assert f"▶ Video: Leaders arrive {VIDEO.url}" in text


def test_an_untitled_video_and_an_anonymous_post_still_get_a_line() -> None:
    """Without a title or author the line is its lead alone, still linked."""
    bare_video = Embed("video", "https://vimeo.com/1")
    bare_post = Embed("post", "https://www.facebook.com/x/posts/1")
    shown = check_message_text(render_telegram(_alert(bare_video, bare_post)).text, "HTML")
    assert "▶ Video\n" in shown and "Quoted post\n" in shown
    assert parse_html(render_telegram(_alert(bare_video)).text)


def test_check_shows_embeds_and_lists_them_in_json() -> None:
    """`check` prints an entry's embeds under it; `check --json` adds an "embeds" list."""
    page = Page("Summit live", (_alert(TWEET).entry,))
    assert f"Quoted @janeminister: Talks were <b>frank</b> & useful {TWEET.url}" \
        in render_check(page, as_json=False)
    document = render_check(page, as_json=True)
    assert '"embeds": [{"kind": "post", "url": "https://twitter.com/janeminister/status/' \
        '1764321987654321098", "text": "Talks were <b>frank</b> & useful", ' \
        '"author": "@janeminister"}]' in document


_EMBEDS = st.lists(st.builds(
    Embed, kind=st.sampled_from(["video", "audio", "post"]),
    url=st.one_of(st.just("https://x.com/a/status/1"), st.text(max_size=60).map(
        lambda tail: "https://v.test/" + tail)),
    text=st.text(max_size=2000), author=st.one_of(st.none(), st.text(max_size=120))),
    max_size=8)


@settings(max_examples=120, deadline=None)
@given(embeds=_EMBEDS, summary=st.text(max_size=6000), headline=st.text(max_size=700))
def test_any_embeds_render_valid_and_within_limits(embeds: list[Embed], summary: str,
                                                   headline: str) -> None:
    """Whatever the embeds say, Telegram accepts the alert within 4096 and Discord's
    description stays within 4096."""
    entry = Entry("u1", WHEN, summary, headline or None, None, "https://news.test/live#u1",
                  embeds=tuple(embeds))
    alert = Alert(STORY, entry, summary + "x", ("word",))
    shown = check_message_text(render_telegram(alert).text, "HTML")
    assert len(shown.encode("utf-16-le")) // 2 <= MAX_LENGTH
    assert len(render_discord(alert).embeds[0]["description"]) <= DESCRIPTION_LIMIT

