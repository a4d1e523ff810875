"""Telegram HTML rendering: escaping, links, the 4096 limit after entity parsing, and
every output accepted by the fake Bot API's parser."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.model import Alert, Digest, Entry, Folded, Notice, StoryRef
from bot.core.render.telegram_html import (
    MAX_LENGTH,
    TelegramText,
    render_telegram,
    split_digest,
    utf16_length,
)
from tests.fakes.telegram_html_rules import check_message_text

WHEN = datetime(2024, 2, 3, 14, 52, tzinfo=UTC)
STORY = StoryRef("https://rt.test/live", "US unleashes strikes")


def make_alert(
    summary: str = "Strikes hit targets.",
    title: str | None = "Strikes",
    url: str | None = "https://rt.test/live#u1",
    story: StoryRef = STORY,
    matched: tuple[str, ...] = (),
    zone: str = "UTC",
) -> Alert:
    entry = Entry("u1", WHEN, summary, title, None, url)
    return Alert(story, entry, summary, matched, zone)


def shown(rendered: TelegramText) -> str:
    """What a reader sees: the text after Telegram's entity parsing, which must succeed."""
    return check_message_text(rendered.text, "HTML")


def test_markup_in_source_text_is_shown_as_text() -> None:
    """<b>, </a>, a javascript: anchor and &amp; in source text appear literally."""
    nasty = '<b>bold</b> </a> <a href="javascript:alert(1)">x</a> &amp; & AT&T'
    rendered = render_telegram(
        make_alert(summary=f"Summary {nasty}", title=nasty, story=StoryRef(STORY.url, nasty))
    )
    assert shown(rendered).count(nasty) == 3
    assert "javascript:" not in rendered.text.replace("javascript:alert(1)&quot;", "")
    assert "<b>bold</b>" not in rendered.text


def test_markdown_zero_width_and_rtl_are_plain_text() -> None:
    """Markdown, zero-width and right-to-left characters pass through as text."""
    text = "**bold** _it_ [link](https://x.test) `code` a\u200bb \u05e9\u05dc\u05d5\u05dd مرحبا"
    assert text in shown(render_telegram(make_alert(summary=text, title=None)))


def test_bidi_overrides_are_removed() -> None:
    """A right-to-left override, which could disguise a link, is dropped."""
    rendered = render_telegram(make_alert(summary="evil \u202egnp.exe"))
    assert "\u202e" not in rendered.text
    assert "evil gnp.exe" in shown(rendered)


def test_only_http_links_reach_href_and_button() -> None:
    """A javascript: entry URL is dropped; the story's http(s) URL is used instead."""
    rendered = render_telegram(make_alert(url="javascript:alert(1)"))
    assert "javascript" not in rendered.text
    assert rendered.button_url == STORY.url
    assert rendered.button_label == "Open story"
    assert "Open the story" in shown(rendered)
    bad_story = StoryRef("data:text/html,x", "t")
    rendered = render_telegram(make_alert(url="javascript:alert(1)", story=bad_story))
    assert rendered.button_url is None
    assert "href" not in rendered.text


def test_entry_link_is_attribute_escaped() -> None:
    """Quotes and angle brackets in a URL cannot break out of the href attribute."""
    url = 'https://rt.test/live?q="><b>x</b>&a=1'
    rendered = render_telegram(make_alert(url=url))
    assert rendered.button_url == url
    assert 'href="https://rt.test/live?q=&quot;&gt;&lt;b&gt;x&lt;/b&gt;&amp;a=1"' in rendered.text
    shown(rendered)


def test_alert_shows_story_time_in_zone_headline_summary_and_matches() -> None:
    """An alert names the story, the time in the chat's zone, headline, summary, matches."""
    alert = make_alert(
        summary="Jets took off.",
        title="Strikes begin",
        matched=("strike*", "air base"),
        zone="Europe/Moscow",
    )
    text = shown(render_telegram(alert))
    assert text.splitlines()[:4] == [
        "US unleashes strikes",
        "2024-02-03 17:52 MSK",
        "Strikes begin",
        "Jets took off.",
    ]
    assert 'Matched: strike*, "air base"' in text


def test_headline_already_leading_the_summary_is_not_repeated() -> None:
    """An extractive summary that starts with the headline does not repeat it."""
    text = shown(
        render_telegram(make_alert(summary="Strikes begin. Jets took off.", title="Strikes begin"))
    )
    assert text.count("Strikes begin") == 1


def test_missing_time_is_said() -> None:
    """An entry without a time says so instead of inventing one."""
    alert = make_alert()
    alert = Alert(alert.story, Entry("k", None, "minute 90", None), "minute 90")
    assert "time not given" in shown(render_telegram(alert))


def test_long_summary_is_trimmed_at_a_word_boundary() -> None:
    """A long summary is cut between words, with an ellipsis, within 4096 characters."""
    rendered = render_telegram(make_alert(summary="strikes " * 2000))
    text = shown(rendered)
    assert utf16_length(text) <= MAX_LENGTH
    assert "strikes…" in text
    assert "strik…" not in text.replace("strikes…", "")


def test_limit_is_measured_after_entity_parsing() -> None:
    """Escaped characters count once: the HTML may be far longer than 4096."""
    rendered = render_telegram(make_alert(summary="<&> " * 2000))
    assert len(rendered.text) > 2 * MAX_LENGTH
    assert MAX_LENGTH - 20 <= utf16_length(shown(rendered)) <= MAX_LENGTH


def test_limit_counts_utf16_units() -> None:
    """Emoji outside the BMP count two, as Telegram counts them."""
    text = shown(render_telegram(make_alert(summary="😀 " * 3000)))
    assert utf16_length(text) <= MAX_LENGTH
    assert "\ufffd" not in text


def test_folded_burst_says_how_many_more() -> None:
    """A folded burst lists the first updates and counts the rest, with a story button."""
    entries = tuple(Entry(f"k{n}", WHEN, f"update <{n}>", None) for n in range(25))
    rendered = render_telegram(Folded(STORY, entries))
    text = shown(rendered)
    assert "and 25 more updates:" in text
    assert "update <19>" in text and "update <20>" not in text
    assert "… and 5 more" in text
    assert rendered.button_url == STORY.url


def test_folded_burst_of_huge_entries_stays_within_limit() -> None:
    """Long titles and texts in a folded burst are trimmed so the message still fits."""
    entries = tuple(Entry(f"k{n}", WHEN, "😀 wide " * 400, None) for n in range(40))
    rendered = render_telegram(Folded(StoryRef(STORY.url, "T " * 500), entries, "Asia/Kolkata"))
    assert utf16_length(shown(rendered)) <= MAX_LENGTH


def test_split_digest_keeps_every_update_in_order_within_limits() -> None:
    """A long digest splits between updates; each part renders whole and valid."""
    alerts = tuple(make_alert(summary=f"update {n} " + "news " * 300) for n in range(20))
    parts = split_digest(Digest(alerts))
    assert len(parts) > 1
    assert tuple(a for part in parts for a in part.alerts) == alerts
    for part in parts:
        text = shown(render_telegram(part))
        assert "more update" not in text
        assert text.count("Read the update") == len(part.alerts)


def test_digest_over_the_limit_renders_what_fits_and_counts_the_rest() -> None:
    """Rendered whole, an oversize digest stays within the limit and says what is left."""
    alerts = tuple(make_alert(summary="news " * 300) for _ in range(20))
    text = shown(render_telegram(Digest(alerts, reason="mute")))
    assert text.startswith("While muted: 20 updates")
    assert "more updates" in text.splitlines()[-1]


def test_short_digest_is_one_part() -> None:
    """A digest that fits is not split; with one update it keeps that update's button."""
    digest = Digest((make_alert(),))
    assert split_digest(digest) == (digest,)
    assert render_telegram(digest).button_url == "https://rt.test/live#u1"


def test_notice_is_escaped_plain_text() -> None:
    """A notice's text and extra lines are shown as written, its http link as a button."""
    notice = Notice("Can't follow <that> & this", "https://rt.test/", ("1. a <b>", "2. b"))
    rendered = render_telegram(notice)
    assert shown(rendered) == "Can't follow <that> & this\n1. a <b>\n2. b"
    assert rendered.button_url == "https://rt.test/"
    assert render_telegram(Notice("x", "javascript:1")).button_url is None


@settings(max_examples=150, deadline=None)
@given(
    title=st.text(max_size=400),
    summary=st.text(max_size=6000),
    headline=st.text(max_size=700),
    words=st.lists(st.text(max_size=40), max_size=12),
)
def test_any_source_text_renders_valid_and_within_limit(title, summary, headline, words) -> None:
    """Whatever the source says, Telegram accepts the message and it fits."""
    alert = make_alert(
        summary=summary + "x",
        title=headline or None,
        story=StoryRef(STORY.url, title or None),
        matched=tuple(words),
    )
    assert utf16_length(shown(render_telegram(alert))) <= MAX_LENGTH
