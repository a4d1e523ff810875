"""What the Telegram messenger needs to know of photos: the mark on a photo's message id,
Telegram's refusals of a picture, and a picture as a text's link preview
(docs/BEHAVIOUR.md, Alerts).

Telegram fetches every picture itself, from the URL it is given: the bot never does.
"""

from __future__ import annotations

from telegram import LinkPreviewOptions

from bot.core.model import Message
from bot.core.render.telegram_photo import preview_image

PHOTO_READ_SECONDS = 14.0
"""How long a sendPhoto may take to be answered: Telegram fetches the picture before it
answers, slower than a text (PTB's default read timeout, 5 s, would call a slow picture a
failure and its retry a second photo); under the dispatcher's 15 s send timeout."""
PHOTO_MARK = "photo:"
"""Begins the id `send` returns for a photo: its edit changes the caption, not a text."""
REFUSED_PHOTO = (
    "wrong file identifier",
    "wrong remote file identifier",
    "failed to get http url content",
    "wrong type of the web page content",
    "image_process_failed",
    "photo_invalid_dimensions",
    "photo_invalid",
    "photo_ext_invalid",
    "photo_save_file_invalid",
    "file is too big",
    "caption is too long",
    "not enough rights to send photos",
    "chat_send_photos_forbidden",
)
"""Telegram's 400s (lower case) for a photo it will not take from its URL, a chat where the
bot may post text but not photos, or a caption it counts longer than we do: the alert then
goes as text."""


def refused_photo(reason: str) -> bool:
    """Whether a refusal of sendPhoto is about the picture (its URL, its content, the right
    to send photos there): then the alert can still go as text."""
    lowered = reason.lower()
    return any(marker in lowered for marker in REFUSED_PHOTO)


def link_preview(message: Message) -> LinkPreviewOptions:
    """An alert's picture as its text's link preview, large and above the text; previews
    off for anything else (an alert's links are its button and its "Read the update")."""
    image = preview_image(message)
    if image is None:
        return LinkPreviewOptions(is_disabled=True)
    return LinkPreviewOptions(url=image, prefer_large_media=True, show_above_text=True)
