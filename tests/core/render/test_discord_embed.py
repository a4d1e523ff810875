"""Rendering for Discord: embeds within limits, text inert, links only http(s)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.core.model import Alert, Digest, Entry, Folded, Notice, StoryRef
from bot.core.render.discord_embed import (
    CONTENT_LIMIT,
    DESCRIPTION_LIMIT,
    EMBEDS_PER_MESSAGE,
    TITLE_LIMIT,
    TOTAL_LIMIT,
    DiscordPayload,
    embed_size,
    escape_markdown,
    render_discord,
    render_discord_parts,
    split_payload,
)

STORY = StoryRef("https://www.rt.com/news/591745-us-strikes-middle-east/",
                 "US unleashes strikes across Middle East")
WHEN = datetime(2024, 2, 3, 14, 52, tzinfo=UTC)


def alert(text: str = "US forces struck targets in Iraq and Syria.", title: str | None = None,
          url: str | None = "https://www.rt.com/news/591745/#update-1452",
          matched: tuple[str, ...] = (), summary: str | None = None,
          when: datetime | None = WHEN) -> Alert:
    entry = Entry(key="k1452", published_at=when, text=text, title=title, url=url)
    return Alert(STORY, entry, summary if summary is not None else text, matched)


def only_embed(payload: DiscordPayload) -> dict:
    assert payload.content is None and len(payload.embeds) == 1
    return payload.embeds[0]


def test_alert_is_one_embed_with_title_link_time_and_story_footer() -> None:
    """An alert renders as one embed: headline, entry link, ISO time, story in the footer."""
    embed = only_embed(render_discord(alert(title="Strikes begin")))
    assert embed["title"] == "Strikes begin"
    assert embed["url"] == "https://www.rt.com/news/591745/#update-1452"
    assert embed["description"] == "US forces struck targets in Iraq and Syria."
    assert embed["timestamp"] == "2024-02-03T14:52:00+00:00"
    assert embed["footer"] == {"text": "US unleashes strikes across Middle East"}


def test_alert_without_headline_takes_story_title() -> None:
    """With no headline the embed title is the story's title."""
    assert only_embed(render_discord(alert()))["title"] == STORY.title


def test_alert_time_is_converted_to_utc() -> None:
    """A timestamp in another offset is written in UTC."""
    cet = datetime(2024, 2, 3, 15, 52, tzinfo=timezone(timedelta(hours=1)))
    assert only_embed(render_discord(alert(when=cet)))["timestamp"] == "2024-02-03T14:52:00+00:00"


def test_alert_without_time_has_no_timestamp() -> None:
    """An entry with no time gets no embed timestamp."""
    assert "timestamp" not in only_embed(render_discord(alert(when=None)))


def test_javascript_link_is_dropped_for_story_link() -> None:
    """A javascript: entry link is never used; the story's http(s) link is."""
    embed = only_embed(render_discord(alert(url="javascript:alert(1)")))
    assert embed["url"] == STORY.url


def test_no_url_when_nothing_is_http() -> None:
    """Without any http(s) link the embed has no url."""
    story = StoryRef("data:text/html,hi", "Odd story")
    entry = Entry("k", WHEN, "text", url="ftp://example.com/x")
    assert "url" not in only_embed(render_discord(Alert(story, entry, "text")))


def test_matched_words_are_listed() -> None:
    """The matched include words appear under the summary as the chat wrote them."""
    embed = only_embed(render_discord(alert(matched=("Iraq", "Syria"))))
    assert embed["description"].endswith("\n\nMatched: Iraq, Syria")


def test_markdown_in_source_text_is_escaped() -> None:
    """Markdown in source text is escaped so that it renders as the text it is."""
    text = "**Breaking** _now_ ~~x~~ `code` [click](https://evil.example) | spoiler ||s||"
    embed = only_embed(render_discord(alert(text=text, title="# Big *news*")))
    assert embed["description"] == escape_markdown(text)
    assert "\\*\\*Breaking\\*\\*" in embed["description"]
    assert "\\[click\\]" in embed["description"]
    assert embed["title"] == "\\# Big \\*news\\*"


def test_escape_markdown_handles_line_starts() -> None:
    """Quotes, headings and list markers at a line start are escaped; mid-line ones are not."""
    assert escape_markdown("> quote\n- item\n1. first\nA - B") == (
        "\\> quote\n\\- item\n1\\. first\nA - B")


def test_mentions_are_broken_in_embeds() -> None:
    """@everyone, @here and user mentions in source text can't ping, even copied."""
    description = only_embed(render_discord(alert(text="@everyone @here <@123456789012345678>")))
    assert "@everyone" not in description["description"]
    assert "@here" not in description["description"]
    assert "@\u200beveryone" in description["description"]
    assert "@\u200b123456789012345678" in description["description"]


def test_notice_is_plain_content_with_mentions_broken() -> None:
    """A notice renders as content only, its mentions neutralised."""
    payload = render_discord(Notice("Following it now @everyone", link="https://x.example/a"))
    assert payload.embeds == ()
    assert payload.content == "Following it now @\u200beveryone\n<https://x.example/a>"


def test_notice_drops_non_http_link_and_keeps_extra_lines() -> None:
    """A notice's extra lines follow its text; a non-http link is left out."""
    payload = render_discord(Notice("Subscribed.", link="javascript:x", extra=("1 update",)))
    assert payload.content == "Subscribed.\n1 update"


def test_long_notice_fits_content_limit() -> None:
    """A notice longer than 2000 characters is cut at a word, within the limit."""
    payload = render_discord(Notice("word " * 1000, link="https://x.example/a"))
    assert payload.content is not None and len(payload.content) <= CONTENT_LIMIT
    assert payload.content.endswith("…\n<https://x.example/a>")


def test_long_texts_are_trimmed_at_word_boundaries() -> None:
    """Title and description over their limits end at a whole word with an ellipsis."""
    embed = only_embed(render_discord(alert(title="headline " * 60, summary="lorem " * 1000)))
    assert len(embed["title"]) <= TITLE_LIMIT and embed["title"].endswith("headline…")
    assert len(embed["description"]) <= DESCRIPTION_LIMIT
    assert embed["description"].endswith("lorem…")
    assert embed_size(embed) <= TOTAL_LIMIT


def test_trimming_counts_escapes() -> None:
    """Text full of markdown stays within the limit once escaped, with no dangling escape."""
    embed = only_embed(render_discord(alert(summary="*a* " * 2000)))
    assert len(embed["description"]) <= DESCRIPTION_LIMIT
    assert not embed["description"].removesuffix("…").endswith("\\")


def test_long_story_title_in_footer_is_bounded() -> None:
    """A huge story title cannot push an alert past the 6000-character total."""
    story = StoryRef("https://x.example/", "t" * 5000)
    embed = only_embed(render_discord(Alert(story, Entry("k", WHEN, "x" * 5000), "y " * 3000)))
    assert embed_size(embed) <= TOTAL_LIMIT


def test_folded_lists_entries_under_and_n_more() -> None:
    """A folded burst is one embed titled "and N more updates" listing each entry."""
    entries = tuple(Entry(f"k{i}", WHEN - timedelta(minutes=i), f"Update *{i}*") for i in range(3))
    embed = only_embed(render_discord(Folded(STORY, entries, timezone="Europe/Paris")))
    assert embed["title"] == "and 3 more updates"
    lines = embed["description"].splitlines()
    assert lines[0] == "- 15:52 Update \\*0\\*"
    assert len(lines) == 3


def test_folded_many_entries_stays_in_limit() -> None:
    """A very large burst lists what fits and says how many more."""
    entries = tuple(Entry(f"k{i}", WHEN, "long text " * 30) for i in range(200))
    embed = only_embed(render_discord(Folded(STORY, entries)))
    assert len(embed["description"]) <= DESCRIPTION_LIMIT
    assert embed["description"].splitlines()[-1].startswith("…and ")


def test_digest_splits_into_messages_within_limits() -> None:
    """A digest of 25 alerts goes as messages of at most 10 embeds and 6000 characters."""
    digest = Digest(tuple(alert(summary="s " * 400) for _ in range(25)))
    parts = render_discord_parts(digest)
    assert sum(len(p.embeds) for p in parts) == 25
    assert parts[0].content == "Digest: 25 updates"
    assert all(p.content is None for p in parts[1:])
    for part in parts:
        assert len(part.embeds) <= EMBEDS_PER_MESSAGE
        assert sum(embed_size(e) for e in part.embeds) <= TOTAL_LIMIT


def test_split_payload_keeps_a_small_payload_whole() -> None:
    """A payload within the limits is one part, unchanged."""
    payload = render_discord(alert())
    assert split_payload(payload) == (payload,)


def test_split_payload_of_content_only() -> None:
    """A content-only payload stays one part."""
    payload = DiscordPayload("hello")
    assert split_payload(payload) == (payload,)


@pytest.mark.parametrize("link", ["http://a\u200b.example/x", "http://[x/", "javascript:alert(1)"])
def test_a_disguised_or_malformed_link_is_dropped_not_fatal(link: str) -> None:
    """A zero-width character, a broken IPv6 host or a non-web scheme never becomes the embed's
    link, and never stops the alert from rendering."""
    story = StoryRef("https://news.example/live", "Live")
    entry = Entry("k", datetime(2024, 2, 3, 14, 52, tzinfo=UTC), "Text of the update.", url=link)
    [embed] = render_discord(Alert(story, entry, "Text of the update.")).embeds
    assert embed["url"] == "https://news.example/live"
