"""The Bot API's rules for message text, as the fake Telegram server enforces them.

Telegram's HTML parse mode is much stricter than a browser: only a few tags,
only four named entities, every tag closed in order. Anything else is answered
with 400 "Bad Request: can't parse entities: ...". These functions are pure so
the renderer's tests can check their output against the very same rules.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024

ALLOWED_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "code",
        "pre",
        "blockquote",
        "tg-emoji",
    }
)

_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,6}));")
_TAG_NAME = re.compile(r"[a-zA-Z][a-zA-Z0-9-]*")
_ATTRIBUTE = re.compile(
    r"""\s*([a-zA-Z][a-zA-Z0-9-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?"""
)
_BUTTON_SCHEMES = frozenset({"http", "https", "tg"})


class ParseError(ValueError):
    """Text the Bot API refuses; str(error) is the description it answers with."""


def utf16_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP is two)."""
    return len(text.encode("utf-16-le")) // 2


def parse_html(text: str) -> str:
    """The plain text Telegram would show for `text` in HTML parse mode.

    Raises ParseError with the Bot API's description when the markup is refused.
    """
    plain: list[str] = []
    open_tags: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "<":
            index = _tag(text, index, open_tags)
        elif char == "&":
            decoded, index = _entity(text, index)
            plain.append(decoded)
        else:
            plain.append(char)
            index += 1
    if open_tags:
        raise _cant_parse(f'Can\'t find end tag corresponding to start tag "{open_tags[-1]}"')
    return "".join(plain)


def check_message_text(text: str, parse_mode: str | None) -> str:
    """Validate a sendMessage/editMessageText text; returns the text after entity parsing.

    Raises ParseError("Bad Request: ...") exactly where the Bot API answers 400.
    """
    plain = parse_html(text) if (parse_mode or "").upper() == "HTML" else text
    if not plain.strip():
        raise ParseError("Bad Request: message text is empty")
    if utf16_length(plain) > MAX_TEXT_LENGTH:
        raise ParseError("Bad Request: message is too long")
    return plain


def check_caption_text(caption: str, parse_mode: str | None) -> str:
    """Validate a sendPhoto/editMessageCaption caption (0-1024 characters after entity
    parsing); returns it after entity parsing. Raises ParseError where the Bot API answers 400.
    """
    plain = parse_html(caption) if (parse_mode or "").upper() == "HTML" else caption
    if utf16_length(plain) > MAX_CAPTION_LENGTH:
        raise ParseError("Bad Request: message caption is too long")
    return plain


def check_button_url(url: str) -> None:
    """Refuse an inline keyboard URL Telegram would refuse (only http(s) and tg links)."""
    parts = urlsplit(url)
    web_without_host = parts.scheme in {"http", "https"} and not parts.netloc
    if parts.scheme.lower() not in _BUTTON_SCHEMES or web_without_host:
        raise ParseError(
            f"Bad Request: inline keyboard button URL '{url}' is invalid: BUTTON_URL_INVALID"
        )


def _tag(text: str, start: int, open_tags: list[str]) -> int:
    """Consume one start or end tag at `start`; returns the index after it."""
    closing = text.startswith("</", start)
    name_at = start + (2 if closing else 1)
    name_match = _TAG_NAME.match(text, name_at)
    end = text.find(">", name_at)
    if end < 0:
        raise _cant_parse(f"Unclosed start tag at byte offset {_byte_offset(text, start)}")
    if name_match is None:
        raise _cant_parse(f'Unsupported start tag "" at byte offset {_byte_offset(text, start)}')
    name = name_match.group(0).lower()
    if closing:
        if text[name_match.end() : end].strip() or not open_tags or open_tags[-1] != name:
            raise _cant_parse(
                f"Unmatched end tag at byte offset {_byte_offset(text, start)}, "
                f'expected "</{open_tags[-1] if open_tags else ""}>", found "</{name}>"'
            )
        open_tags.pop()
        return end + 1
    if name not in ALLOWED_TAGS:
        raise _cant_parse(
            f'Unsupported start tag "{name}" at byte offset {_byte_offset(text, start)}'
        )
    _attributes(text[name_match.end() : end], name, _byte_offset(text, start))
    open_tags.append(name)
    return end + 1


def _attributes(raw: str, tag: str, offset: int) -> None:
    """Check a start tag's attributes: well formed, entities valid, span only as a spoiler."""
    seen: dict[str, str] = {}
    position = 0
    while raw[position:].strip():
        match = _ATTRIBUTE.match(raw, position)
        if match is None or match.end() == position:
            raise _cant_parse(
                f"Expected equal sign in declaration of an attribute of tag "
                f'"{tag}" at byte offset {offset}'
            )
        position = match.end()
        value = next((group for group in match.groups()[1:] if group is not None), "")
        if "<" in value:
            raise _cant_parse(f"Unexpected start tag in an attribute at byte offset {offset}")
        # Telegram ignores attributes it does not know, but decodes every value.
        seen[match.group(1).lower()] = parse_html(value)
    if tag == "span" and seen.get("class") != "tg-spoiler":
        raise _cant_parse(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')


def _entity(text: str, start: int) -> tuple[str, int]:
    """Decode the character reference at `start`; returns it and the index after it."""
    match = _ENTITY.match(text, start)
    if match is None:
        raise _cant_parse(f"Character entity expected at byte offset {_byte_offset(text, start)}")
    named, decimal, hexadecimal = match.groups()
    if named:
        return _NAMED_ENTITIES[named], match.end()
    code = int(decimal) if decimal else int(hexadecimal, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise _cant_parse(f"Invalid character entity at byte offset {_byte_offset(text, start)}")
    return chr(code), match.end()


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _cant_parse(detail: str) -> ParseError:
    return ParseError(f"Bad Request: can't parse entities: {detail}")
