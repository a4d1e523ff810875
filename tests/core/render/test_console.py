"""The console's plain text and JSON lines (docs/BEHAVIOUR.md, Alerts and Command line)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.core.model import Alert, Digest, Entry, Folded, Notice, StoryRef
from bot.core.render import clean_text, format_time, safe_link
from bot.core.render.console import entry_json, render_json, render_text

STORY = StoryRef(
    "https://www.rt.com/news/591750-us-strikes/", "US unleashes strikes across Middle East"
)
PUBLISHED = datetime(2024, 2, 3, 14, 52, tzinfo=UTC)
ENTRY = Entry(
    key="e1",
    published_at=PUBLISHED,
    text="Hamas condemned the US strikes on Iraq and Syria.",
    title="Hamas condemns strikes",
    url="https://www.rt.com/news/591750-us-strikes/#e1",
)
ALERT = Alert(
    STORY,
    ENTRY,
    "Hamas condemns strikes. Hamas condemned the US strikes on Iraq and Syria.",
    ("Iran", "red sea"),
)


def test_alert_text_has_every_part() -> None:
    """An alert shows story title, time, summary, link and matched words."""
    text = render_text(ALERT)
    assert text.splitlines() == [
        "US unleashes strikes across Middle East · 2024-02-03 14:52 UTC",
        "Hamas condemns strikes. Hamas condemned the US strikes on Iraq and Syria.",
        "https://www.rt.com/news/591750-us-strikes/#e1",
        'Matched: Iran, "red sea"',
    ]


def test_alert_time_in_chat_zone() -> None:
    """The entry's time is shown in the chat's time zone with its abbreviation."""
    summer = Entry("k", datetime(2024, 7, 1, 12, 0, tzinfo=UTC), "text")
    text = render_text(Alert(STORY, summer, "text", timezone="Europe/London"))
    assert "2024-07-01 13:00 BST" in text


def test_headline_shown_when_summary_lacks_it() -> None:
    """A summary that doesn't start with the headline gets the headline above it."""
    text = render_text(Alert(STORY, ENTRY, "Another summary."))
    assert "Hamas condemns strikes\nAnother summary." in text


def test_alert_links_to_story_without_permalink() -> None:
    """An entry without its own link points to the story."""
    entry = Entry("k", PUBLISHED, "text")
    assert render_text(Alert(STORY, entry, "text")).splitlines()[-1] == STORY.url


def test_non_http_link_dropped() -> None:
    """A javascript: or data: link never reaches the output."""
    entry = Entry("k", PUBLISHED, "text", url="javascript:alert(1)")
    story = StoryRef("data:text/html,x", "Story")
    text = render_text(Alert(story, entry, "text"))
    assert "javascript" not in text and "data:" not in text


def test_untimed_entry() -> None:
    """An entry without a time says so instead of inventing one."""
    entry = Entry("k", None, "45' Goal!")
    assert "time not given" in render_text(Alert(STORY, entry, "Goal!"))


def test_control_characters_stripped() -> None:
    """Escape sequences and carriage returns in source text can't drive the terminal."""
    entry = Entry("k", PUBLISHED, "x", title="Evil\x1b[2J\rheadline\u202e")
    story = StoryRef(STORY.url, "Story\x07")
    text = render_text(Alert(story, entry, "Sum\x1b]0;title\x07mary\x9b\nnext"))
    assert "\x1b" not in text and "\r" not in text and "\x07" not in text
    assert "\x9b" not in text and "\u202e" not in text
    assert "mary\nnext" in text


def test_folded_text() -> None:
    """A folded burst says "and N more updates" with each one's time and headline."""
    entries = (
        ENTRY,
        Entry("e2", PUBLISHED - timedelta(minutes=59), "The Pentagon said more was coming."),
    )
    text = render_text(Folded(STORY, entries))
    lines = text.splitlines()
    assert lines[0] == "US unleashes strikes across Middle East · and 2 more updates:"
    assert lines[1] == "  2024-02-03 14:52 UTC  Hamas condemns strikes"
    assert lines[2] == "  2024-02-03 13:53 UTC  The Pentagon said more was coming."
    assert lines[3] == STORY.url


def test_digest_text_holds_all_alerts() -> None:
    """A digest shows a header and every alert, in the digest's zone."""
    second = Alert(STORY, Entry("e2", PUBLISHED, "Second update."), "Second update.")
    text = render_text(Digest((ALERT, second), timezone="Europe/London", reason="mute"))
    assert text.startswith("While muted: 2 updates\n\n")
    assert text.count("2024-02-03 14:52 GMT") == 2
    assert "Second update." in text


def test_notice_text() -> None:
    """A notice is its text, its extra lines and its link."""
    notice = Notice("Subscribed.", link="https://example.com/live", extra=("3 updates",))
    assert render_text(notice) == "Subscribed.\n3 updates\nhttps://example.com/live"


def test_entry_json_fields() -> None:
    """An entry's JSON has the seven keys, times in UTC ending +00:00."""
    offset = timezone(timedelta(hours=2))
    entry = Entry("k", datetime(2024, 2, 3, 16, 52, tzinfo=offset), "t", updated_at=None)
    assert entry_json(entry) == {
        "key": "k",
        "published_at": "2024-02-03T14:52:00+00:00",
        "updated_at": None,
        "title": None,
        "text": "t",
        "url": None,
        "image": None,
    }


def test_alert_json_line() -> None:
    """watch --json prints an alert as one line with story, entry, summary, matched."""
    line = render_json(ALERT)
    assert "\n" not in line
    document = json.loads(line)
    assert document["story"] == {"url": STORY.url, "title": STORY.title}
    assert document["entry"]["published_at"] == "2024-02-03T14:52:00+00:00"
    assert document["summary"] == ALERT.summary
    assert document["matched"] == ["Iran", "red sea"]


def test_folded_json_line() -> None:
    """A folded burst is one line with the story and the folded entries."""
    document = json.loads(render_json(Folded(STORY, (ENTRY,))))
    assert set(document) == {"story", "folded"}
    assert document["folded"][0]["key"] == "e1"


def test_json_line_escapes_line_separators() -> None:
    """U+2028, C1 controls and bidi overrides are escaped, keeping the line one line."""
    entry = Entry("k", None, "a\u2028b\x85c\u202ed\nÁ")
    line = render_json(Alert(STORY, entry, "s"))
    assert not any(char in line for char in "\u2028\x85\u202e\n")
    assert "Á" in line
    assert json.loads(line)["entry"]["text"] == "a\u2028b\x85c\u202ed\nÁ"


def test_json_refuses_other_messages() -> None:
    """Only alerts and folded bursts have a JSON line."""
    with pytest.raises(TypeError):
        render_json(Notice("hi"))  # type: ignore[arg-type]


def test_format_time_offset_zone() -> None:
    """A zone without an abbreviation is shown as UTC+hh."""
    assert format_time(PUBLISHED, "Asia/Dubai") == "2024-02-03 18:52 UTC+04"


def test_format_time_unknown_zone_is_utc() -> None:
    """An unknown zone name falls back to UTC rather than failing delivery."""
    assert format_time(PUBLISHED, "Mars/Base") == "2024-02-03 14:52 UTC"


def test_clean_text_keeps_newlines() -> None:
    """Newlines stay; tabs become spaces; CR LF becomes LF."""
    assert clean_text("a\r\nb\tc\x00") == "a\nb c"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com/a", "https://example.com/a"),
        ("HTTP://example.com", "HTTP://example.com"),
        ("ftp://example.com", None),
        ("https://exa mple.com", None),
        ("https:///nohost", None),
        (None, None),
    ],
)
def test_safe_link(url: str | None, expected: str | None) -> None:
    """Only http(s) links with a host and no spaces are kept."""
    assert safe_link(url) == expected
