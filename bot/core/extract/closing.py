"""What a page says about its own end: its structured coverage end time, and the links in a
closing line or banner ("This blog is now closed, follow our new live blog here").

`bot.core.successor` decides from these (and the fetch) whether the page moved on.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode

from bot.core.extract.clock import parse_iso
from bot.core.extract.structured import has_type

CLOSING = re.compile(
    "|".join((
        # English
        r"\b(?:this|the|our) (?:live )?(?:blog|page|coverage) (?:is|has) (?:now )?"
        r"(?:closed|ended)",
        r"\bwe(?:'re| are) (?:now )?(?:closing|pausing) (?:this|our) (?:live )?(?:blog|coverage)",
        r"\bwe(?:'ve| have) (?:now )?(?:closed|ended) (?:this|our) (?:live )?(?:blog|coverage)",
        r"\bfollow (?:our|the) (?:new|latest) live",
        r"\bwe(?:'ve| have) (?:launched|started|opened|moved to) a new live",
        r"\b(?:continues|continuing|continue) (?:on|in|at) (?:our|a|the) new live",
        r"\bnew live (?:blog|page|coverage) (?:here|is here)",
        # German
        r"\bim neuen (?:live-?)?(?:ticker|blog|liveblog)",
        r"\bzum neuen (?:live-?)?(?:ticker|blog|liveblog)",
        r"\b(?:dieser|der|unser) (?:live-?)?(?:ticker|blog|liveblog) (?:ist|wird) "
        r"(?:hiermit |nun |jetzt )?(?:beendet|geschlossen)",
        r"\bwir beenden (?:diesen|unseren|den) (?:live-?)?(?:ticker|blog|liveblog)",
        # French
        r"\b(?:suivez|retrouvez|rejoignez) notre nouveau (?:direct|live)",
        r"\b(?:ce|notre) (?:direct|live) est (?:désormais |maintenant |à présent )?"
        r"(?:terminé|clos)",
        r"\bla suite de (?:notre|ce) (?:direct|live) (?:ici|dans|sur)",
        # Italian
        r"\b(?:segui(?:te)?|prosegue|continua) (?:la|nella) nuova diretta",
        r"\b(?:questa|la) diretta (?:è|e') (?:terminata|chiusa|finita)",
        r"\bla diretta (?:termina|si chiude) qui",
        # Spanish
        r"\b(?:sigue|siga|seguimos) (?:en )?(?:nuestro|el) nuevo directo",
        r"\b(?:este|nuestro) directo (?:ha )?(?:terminado|finalizado|concluido)",
        # Polish
        r"\b(?:relacja|transmisja) (?:na żywo )?(?:została )?zakończona",
        r"\bzapraszamy do (?:nowej|kolejnej) relacji",
        r"\b(?:kontynuujemy|kontynuacja) w nowej relacji",
    )),
    re.IGNORECASE,
)
"""Closing lines in the corpus's languages (en, de, fr, it, es, pl)."""

LIVE_WORDS = re.compile(
    r"\b(?:live|liveblog|liveticker|ticker|direct|diretta|directo|en vivo|na żywo)\b",
    re.IGNORECASE,
)
"""Words that name a live page in a link's text (the next page after a coverage end)."""

BLOCK_CHARS = 500
"""A closing line or banner is short: a longer ancestor is the article, not the line."""
CLIMB = 4
"""Ancestors of a link looked at for the line it stands in."""
MAX_LINKS = 5


def coverage_end(objects: list[dict[str, Any]]) -> datetime | None:
    """The LiveBlogPosting's `coverageEndTime` in UTC, unless it is a placeholder (equal to or
    before its `coverageStartTime`, as some publishers write the start in both)."""
    for blog in (o for o in objects if has_type(o, "LiveBlogPosting")):
        end = parse_iso(str(blog.get("coverageEndTime") or ""))
        if end is None or end.tzinfo is None:
            continue
        start = parse_iso(str(blog.get("coverageStartTime") or ""))
        if start is not None and start.tzinfo is not None and end <= start:
            continue
        return end.astimezone(UTC)
    return None


def closing_links(tree: LexborHTMLParser, base: str, *, ended: bool
                  ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Absolute http(s) links of the page, in page order: those standing in a closing line or
    banner, and (only when its coverage has `ended`) those in short lines naming a live page."""
    body = tree.body
    if body is None:
        return (), ()
    if not ended and not CLOSING.search(body.text(separator=" ")):
        return (), ()
    closing: list[str] = []
    live: list[str] = []
    for link in body.css("a[href]"):
        line = _line_of(link)
        url = _absolute(link.attributes.get("href") or "", base) if line else None
        if line is None or url is None:
            continue
        if CLOSING.search(line):
            _add(closing, url)
        elif ended and LIVE_WORDS.search(line):
            _add(live, url)
    return tuple(closing), tuple(live)


def _add(found: list[str], url: str) -> None:
    if url not in found and len(found) < MAX_LINKS:
        found.append(url)


def _line_of(link: LexborNode) -> str | None:
    """The text of the shortest ancestor of `link` (or the link itself) that reads as a
    sentence: with words beyond the link's own, within BLOCK_CHARS."""
    node: LexborNode | None = link
    own = " ".join(link.text(separator=" ").split())
    for _ in range(CLIMB):
        if node is None:
            return None
        text = " ".join(node.text(separator=" ").split())
        if len(text) > BLOCK_CHARS:
            return None
        if len(text) > len(own):
            return text
        node = node.parent
    return own or None


def _absolute(href: str, base: str) -> str | None:
    url = urljoin(base, href.strip()).split("#", 1)[0]
    return url if url.startswith(("http://", "https://")) else None
