"""An alert with a picture on Telegram: a photo with the alert as caption when it fits
1024 characters as Telegram counts them, else text; only alerts, only http(s) pictures."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.model import Alert, Digest, Entry, Folded, Notice, StoryRef
from bot.core.render.telegram_photo import (
    MAX_CAPTION,
    preview_image,
    render_caption,
    render_photo,
)
from tests.fakes.telegram_html_rules import ParseError, check_caption_text, utf16_length

WHEN = datetime(2024, 2, 3, 14, 52, tzinfo=UTC)
STORY = StoryRef("https://rt.test/live", "US unleashes strikes")
IMAGE = "https://cdn.rt.test/pics/strike.jpg"


def pictured(summary: str = "Strikes hit targets.", image: str | None = IMAGE) -> Alert:
    entry = Entry("u1", WHEN, summary, "Strikes", None, "https://rt.test/live#u1", image=image)
    return Alert(STORY, entry, summary)


def test_an_alert_with_a_picture_is_a_photo_captioned_with_the_alert() -> None:
    """The picture's URL as the photo, the alert's escaped HTML as its caption and the
    update's button under it."""
    photo = render_photo(pictured("Strikes <hit> & more"))
    assert photo is not None
    assert photo.photo == IMAGE
    caption = check_caption_text(photo.caption.text, "HTML")
    assert "Strikes <hit> & more" in caption and "US unleashes strikes" in caption
    assert photo.caption.button_url == "https://rt.test/live#u1"


def test_an_alert_too_long_for_a_caption_goes_as_text() -> None:
    """A summary that makes the alert longer than 1024 characters: no photo."""
    assert render_photo(pictured("word " * 250)) is None


def test_the_caption_limit_counts_utf16_units_after_entity_parsing() -> None:
    """Entities count one character each, an emoji outside the BMP two: an alert right at
    the limit is a photo, one unit more is not."""
    base = pictured("")
    fixed = utf16_length(check_caption_text(render_caption(base).text, "HTML"))
    room = MAX_CAPTION - fixed - 1  # the line break before the summary
    fits = "&" * (room - 2) + "😀"  # entities: 5 characters of HTML, 1 counted
    photo = render_photo(pictured(fits))
    assert photo is not None
    assert utf16_length(check_caption_text(photo.caption.text, "HTML")) == MAX_CAPTION
    assert render_photo(pictured(fits + "&")) is None


def test_no_photo_without_an_http_picture() -> None:
    """No image, a javascript:/data:/relative one or one over 2048 characters is no photo
    and no preview."""
    for image in (None, "javascript:alert(1)", "data:image/png;base64,AAAA", "/relative.jpg",
                  IMAGE + "?" + "x" * 2048):
        assert render_photo(pictured(image=image)) is None
        assert preview_image(pictured(image=image)) is None


def test_digests_folded_bursts_and_notices_never_go_as_photos() -> None:
    """Only an alert sent alone carries its picture."""
    alert = pictured()
    for message in (Digest((alert, alert)), Folded(STORY, (alert.entry,)), Notice("hi", IMAGE)):
        assert render_photo(message) is None
        assert preview_image(message) is None


def test_a_new_caption_is_trimmed_to_fit_a_photo_sent_earlier() -> None:
    """A corrected update grown long still fits the photo's caption: its summary gives way."""
    long = pictured("The corrected account, at length. " * 60)
    caption = render_caption(long)
    shown = check_caption_text(caption.text, "HTML")
    assert utf16_length(shown) <= MAX_CAPTION and shown.endswith("Read the update")
    assert "The corrected account" in shown


def test_only_an_alert_has_a_caption() -> None:
    """A digest never went as a photo, so it has no caption to edit."""
    with pytest.raises(TypeError):
        render_caption(Digest((pictured(),)))


def test_the_fakes_caption_rules_refuse_what_telegram_refuses() -> None:
    """The fake Bot API's caption check (which these tests trust) refuses 1025 units and
    takes an empty caption."""
    with pytest.raises(ParseError, match="caption is too long"):
        check_caption_text("x" * (MAX_CAPTION + 1), "HTML")
    assert check_caption_text("", "HTML") == ""
