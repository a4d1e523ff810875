"""An alert with a picture on Telegram: one photo with the alert as its caption, when the
caption fits (docs/BEHAVIOUR.md, Alerts).

Telegram fetches the picture from its URL itself; the bot only names it. A caption has
1024 characters after entity parsing, counted as `telegram_html` counts text (UTF-16 code
units). An alert too long for that goes as text with the picture as its link preview
(`preview_image`). Digests, folded bursts and notices never go as photos.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.model import Alert, Message
from bot.core.render import picture_link
from bot.core.render.telegram_html import TelegramText, render_alert, visible_length

MAX_CAPTION = 1024


@dataclass(frozen=True, slots=True)
class TelegramPhoto:
    """One photo message: the picture's URL and the caption, with its button."""

    photo: str
    caption: TelegramText


def preview_image(message: Message) -> str | None:
    """The picture an alert shows on Telegram (its entry's image, `picture_link`); None for
    anything but an alert."""
    if not isinstance(message, Alert):
        return None
    return picture_link(message.entry)


def render_photo(message: Message) -> TelegramPhoto | None:
    """`message` as one photo with its caption: an alert with a picture whose whole text
    fits a caption; None otherwise (it goes as text)."""
    image = preview_image(message)
    if image is None or not isinstance(message, Alert):
        return None
    rendered = render_alert(message)
    if visible_length(rendered.text) > MAX_CAPTION:
        return None
    return TelegramPhoto(image, rendered)


def render_caption(message: Message) -> TelegramText:
    """`message` as the new caption of a photo sent earlier: an alert within 1024
    characters, its summary trimmed to fit. Raises TypeError for anything but an alert
    (only alerts go as photos)."""
    if not isinstance(message, Alert):
        raise TypeError(f"only an alert has a caption: {message!r}")
    return render_alert(message, MAX_CAPTION)
