"""What a page says about its own end: its structured coverage end time, and the links in a
closing line or banner ("This blog is now closed, follow our new live blog here").

`bot.core.successor` decides from these (and the fetch) whether the page moved on.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

from bot.core.extract.clock import parse_iso
from bot.core.extract.links import absolute_link
from bot.core.extract.structured import has_type
from bot.core.model import Entry

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
ANCHORS = (
    "is closed", "is now closed", "is ended", "is now ended", "has closed", "has now closed",
    "has ended", "has now ended", "closing this", "closing our", "pausing this", "pausing our",
    "closed this blog", "closed this live", "closed our", "ended this blog", "ended this live",
    "ended our live", "ended our blog", "ended our coverage", "new live", "latest live",
    "m neuen live", "m neuen tick", "m neuen blog", "ticker ist", "ticker wird", "blog ist",
    "blog wird", "wir beenden", "nouveau direct", "nouveau live", "direct est", "live est",
    "suite de", "nuova diretta", "diretta è", "diretta e'", "diretta termina",
    "diretta si chiude", "nuevo directo", "directo ha", "directo terminado",
    "directo finalizado", "directo concluido", "zakończona", "ej relacji",
)
"""Words one of which every closing line holds (lower case, single-spaced as pages write
them)."""

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
"""Links kept of each kind: the successor is among the first a closing line gives."""
MAX_SCANNED = 3000
"""Links looked at, at most, in page order: a page of a hundred thousand links costs no more
than a big real one (the BBC's has a few hundred)."""
TOP_CHARS = 15_000
"""The top of a page's text, where a closing banner stands, read for a closing phrase's words."""
NEWEST = 3
"""The newest updates read for a closing line."""


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


def closing_links(tree: LexborHTMLParser, base: str, *, ended: bool,
                  newest: Sequence[Entry] = ()) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Absolute http(s) links of the page, in page order: those standing in a closing line or
    banner, and (only when its coverage has `ended`) those in short lines naming a live page.

    The page's lines are searched only when it may be closing: its coverage `ended`, one of
    its `newest` updates is a closing line, or the top of its text (where banners stand)
    holds a closing phrase's words. Searching every page's lines cost a third of its
    extraction, its whole text for every phrase more than the rest of its extraction.
    """
    body = tree.body
    if body is None or not _may_be_closing(body, ended, newest):
        return (), ()
    closing: list[str] = []
    live: list[str] = []
    lines = _Lines()
    for link in body.css("a[href]")[:MAX_SCANNED]:
        line = lines.of(link)
        if line is None:
            continue
        found = (closing if _closing(line)
                 else live if ended and LIVE_WORDS.search(line) else None)
        url = _page(link.attributes.get("href") or "", base) if found is not None else None
        if found is not None and url is not None and url not in found and len(found) < MAX_LINKS:
            found.append(url)
    return tuple(closing), tuple(live)


def _may_be_closing(body: LexborNode, ended: bool, newest: Sequence[Entry]) -> bool:
    if ended or any(_closing(f"{entry.title or ''} {entry.text}") for entry in newest):
        return True
    top = body.text(separator=" ")[:TOP_CHARS].lower()
    return any(anchor in top for anchor in ANCHORS)


def _closing(text: str) -> bool:
    # The phrases' words first: the phrases themselves are slow to look for.
    lowered = text.lower()
    return any(anchor in lowered for anchor in ANCHORS) and CLOSING.search(text) is not None


class _Lines:
    """The line each link stands in; the texts of the elements around links read once each
    (a menu of a hundred links is one long text, not a hundred)."""

    def __init__(self) -> None:
        self._texts: dict[int, str | None] = {}

    def of(self, link: LexborNode) -> str | None:
        """The text of the shortest ancestor of `link` (or the link itself) that reads as a
        sentence: with words beyond the link's own, within BLOCK_CHARS."""
        own = self._text(link)
        if own is None:
            return None
        node = link.parent
        for _ in range(CLIMB):
            if node is None:
                break
            text = self._text(node)
            if text is None:
                return None
            if len(text) > len(own):
                return text
            node = node.parent
        return own or None

    def _text(self, node: LexborNode) -> str | None:
        """The node's text with spaces collapsed; None past BLOCK_CHARS."""
        key = node.mem_id
        if key not in self._texts:
            text = " ".join(node.text(separator=" ").split())
            self._texts[key] = text if len(text) <= BLOCK_CHARS else None
        return self._texts[key]


def _page(href: str, base: str) -> str | None:
    url = absolute_link(href, base)
    return None if url is None else url.split("#", 1)[0]
