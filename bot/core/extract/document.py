"""From a fetched body to text and its kind: html, feed or plain text."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from bot.core.errors import NotAPage

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_\-]+)""")
_FEED_ROOT = re.compile(r"<(rss|feed|rdf:RDF)\b", re.IGNORECASE)
_HTML_MARK = re.compile(r"<(!doctype html|html|head|body|div|p|article|section)\b", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")
_FEED_TYPES = ("rss", "atom", "rdf", "feed")
_TEXT_TYPES = ("text/plain", "text/markdown")
_JSON_FEED_MARK = "jsonfeed.org/version"


@dataclass(frozen=True, slots=True)
class Document:
    """A decoded body and what it is: `kind` is "html", "feed", "jsonfeed" or "text".

    `utf8` is the body itself when it was UTF-8 (the HTML parser reads it faster than text).
    """

    text: str
    kind: str
    utf8: bytes | None = None


def read_document(body: bytes | str, content_type: str, charset: str | None) -> Document:
    """Decode `body` and decide its kind from the content type, else by sniffing.

    Raises NotAPage for binary or undecodable bodies and for non-text content types.
    """
    text, encoding = (body, None) if isinstance(body, str) else _decode(body, charset)
    if "\x00" in text[:4096] or _control_share(text[:4096]) > 0.05:
        raise NotAPage("the body is binary, not a page")
    kind = _kind(text, content_type.split(";")[0].strip().lower())
    utf8 = body if isinstance(body, bytes) and encoding in ("utf-8", "utf8") else None
    return Document(text, kind, utf8)


def _decode(body: bytes, charset: str | None) -> tuple[str, str]:
    if body[:2] in (b"\xff\xfe", b"\xfe\xff") or body[:3] == codecs.BOM_UTF8:
        encodings = ["utf-8-sig" if body[:3] == codecs.BOM_UTF8 else "utf-16"]
    else:
        head = body[:4096]
        declared = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
        encodings = [e for e in (charset, declared and declared.group(1).decode()) if e]
        encodings.append("utf-8")
    for encoding in encodings:
        try:
            return body.decode(encoding), encoding.lower()
        except (LookupError, UnicodeDecodeError):
            continue
    if b"\x00" in body[:4096]:
        raise NotAPage("the body is binary, not a page")
    try:
        return body.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as error:
        raise NotAPage(f"the body could not be decoded: {error}") from error


def _control_share(sample: str) -> float:
    if not sample:
        return 0.0
    return len(_CONTROL.findall(sample)) / len(sample)


def _kind(text: str, content_type: str) -> str:
    head = text[:2048]
    if content_type:
        if "json" in content_type:
            return _json_kind(head, content_type)
        if "html" in content_type:
            return "html"
        if any(word in content_type for word in _FEED_TYPES):
            return "feed"
        if content_type.endswith("xml"):
            return "feed" if _FEED_ROOT.search(head) else "html"
        if content_type in _TEXT_TYPES:
            return "text"
        if not content_type.startswith("text/"):
            raise NotAPage(f"{content_type} is not a page, a feed or text")
    if head.lstrip().startswith("{") and _JSON_FEED_MARK in head:
        return "jsonfeed"
    if _FEED_ROOT.search(head) and not _HTML_MARK.search(head):
        return "feed"
    if _HTML_MARK.search(text[:65536]):
        return "html"
    return "text"


def _json_kind(head: str, content_type: str) -> str:
    """JSON is a page only as a JSON Feed: by its media type or its version URL."""
    if content_type == "application/feed+json" or _JSON_FEED_MARK in head:
        return "jsonfeed"
    raise NotAPage(f"{content_type} is not a page, a feed or text")
