"""What is page furniture rather than an update's words: share buttons, bylines, trailers."""

from __future__ import annotations

import re

from selectolax.lexbor import LexborNode

FURNITURE_LINE = re.compile(
    r"^\s*(read more\b.*|read more @.*|share( this)?( post| update)?|advertisement|anzeige"
    r"|(also read|read also|see also|lire aussi|à lire aussi|mehr zum thema|lesen sie auch)\b.*"
    r"|keep reading|continue reading|reblog\s*like"
    r"|copy link|link copied|facebook|twitter|x|whatsapp|email|e-mail|tweet|reddit|linkedin"
    r"|show more|mehr anzeigen|voir plus|posted at.*|updated at.*|key event|pinned( post)?"
    r"|by [\w .'-]{2,40}|von [\w .'-]{2,40}|par [\w .'-]{2,40}|(\d+\s*)?(mins?|hours?) ago"
    r"|\(?(image|photo|picture|bild|foto)( credit| source)?:.*|(©|copyright\b).*)\s*$",
    re.IGNORECASE,
)
FURNITURE_CLASS = re.compile(
    r"share|social|byline|author|avatar|advert|\bad-|\bads?\b|promo|newsletter|related"
    r"|caption|credit|toolbar|footer|sharing|button|visually-hidden|sr-only|meta-time|timestamp"
    r"|controls",
    re.IGNORECASE,
)
_LONGEST_FURNITURE = 160
# A post's flag set inside its headline element ("Breaking", "Pinned", "Key event").
_LABEL_CLASS = re.compile(r"(^|[\s_-])(tag|label|badge|flag|pill|kicker)(s?)([\s_-]|$)", re.I)
_LABEL_WORDS = (r"breaking(?: news)?|pinned(?: post)?|key event|live|new|update|updated"
                r"|eilmeldung|exclusive|urgent|en direct|alerta|ultim'ora")
_LABEL = re.compile(rf"^(?:{_LABEL_WORDS})$", re.IGNORECASE)
# A label glued to the headline by markup without a space: "BreakingTotal lockdown ...".
# Only words no headline starts with: "LiveScore" or "NewYork" are not labels.
_GLUED_LABEL = re.compile(r"^(?:Breaking|BREAKING|Pinned|PINNED|Key [Ee]vent|KEY EVENT"
                          r"|Eilmeldung|EILMELDUNG|Exclusive|EXCLUSIVE)(?=[A-Z][a-z])")
_LONGEST_LABEL = 24
# Characters a reader cannot see (zero-width space, word joiner, byte-order mark, soft hyphen);
# joiners inside emoji and scripts that need them are kept.
_INVISIBLE_CHARS = "\u200b\u2060\ufeff\u00ad"
_INVISIBLE = str.maketrans("", "", _INVISIBLE_CHARS)
SKIP_TAGS = frozenset(
    {"script", "style", "noscript", "template", "svg", "button", "iframe", "select",
     "nav", "figcaption", "amp-ad", "amp-social-share", "input", "label", "head"}
)


def clean_paragraphs(paragraphs: list[str]) -> list[str]:
    """Drop furniture paragraphs and empty ones (spacing already collapsed)."""
    return [
        p for p in paragraphs
        if p and (len(p) > _LONGEST_FURNITURE or not FURNITURE_LINE.match(p))
    ]


def headline_text(node: LexborNode) -> str:
    """A headline element's words without a label set inside it ("Breaking", "Pinned",
    "Key event"), which markup often glues to the headline without a space."""
    parts = []
    for child in node.iter(include_text=True):
        if child.tag != "-text" and _is_label(child):
            continue
        parts.append(child.text())
    text = " ".join("".join(parts).split())
    if _GLUED_LABEL.match(text):
        text = _GLUED_LABEL.sub("", text)
    return text


def _is_label(node: LexborNode) -> bool:
    text = node.text(strip=True)
    if not text or len(text) > _LONGEST_LABEL:
        return False
    return _LABEL.match(text) is not None or _LABEL_CLASS.search(
        node.attributes.get("class") or "") is not None


def visible(text: str) -> str:
    """`text` without characters a reader cannot see."""
    # Looking for each is much faster than translating every non-ASCII text.
    if text.isascii() or not any(char in text for char in _INVISIBLE_CHARS):
        return text
    return text.translate(_INVISIBLE)
