"""What is page furniture rather than an update's words: share buttons, bylines, trailers."""

from __future__ import annotations

import re

FURNITURE_LINE = re.compile(
    r"^\s*(read more\b.*|read more @.*|share( this)?( post| update)?|advertisement|anzeige"
    r"|(also read|read also|see also|lire aussi|à lire aussi|mehr zum thema|lesen sie auch)\b.*"
    r"|keep reading|continue reading|reblog\s*like"
    r"|copy link|link copied|facebook|twitter|x|whatsapp|email|e-mail|tweet|reddit|linkedin"
    r"|show more|mehr anzeigen|voir plus|posted at.*|updated at.*|key event|pinned( post)?"
    r"|by [\w .'-]{2,40}|von [\w .'-]{2,40}|par [\w .'-]{2,40}|(\d+\s*)?(mins?|hours?) ago"
    r"|\(?(image|photo|picture|bild|foto)( credit| source)?:.*)\s*$",
    re.IGNORECASE,
)
FURNITURE_CLASS = re.compile(
    r"share|social|byline|author|avatar|advert|\bad-|\bads?\b|promo|newsletter|related"
    r"|caption|credit|toolbar|footer|sharing|button|visually-hidden|sr-only|meta-time|timestamp"
    r"|controls",
    re.IGNORECASE,
)
_LONGEST_FURNITURE = 160
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
