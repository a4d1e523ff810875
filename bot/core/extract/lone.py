"""A page's one update, before it has a second: its only stamped item.

Block mode needs two stamped siblings to see a list, but every live page starts with one
post. Read any other way (as plain text) that post would get another key, time and text
than block mode gives it once a second post arrives, and its subscribers would be alerted
for it again. So where a page has no repeated stamped blocks, the element marked as an item
around its stamp (an own id, `<article>`, `<li>`) is read exactly as block mode reads each
of its blocks, under the day header before it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from selectolax.lexbor import LexborNode

from bot.core.extract.anchors import Anchor, find_anchors
from bot.core.extract.blocks import day_header, in_aside
from bot.core.extract.candidate import RANK_EPOCH, Candidate
from bot.core.extract.caps import Tally
from bot.core.extract.segments import block_candidate, own_id

_ITEM_TAGS = frozenset({"article", "li"})
# How far above its stamp a post's own element may sit (time > header > post is typical).
_ITEM_CLIMB = 6
# How many siblings back a day header may stand before the post ("Saturday 3 February").
_HEADER_LOOKBACK = 3


def page_stamps(
    body: LexborNode, now: datetime, epoch_names: frozenset[str], *, month_first: bool,
    tally: Tally | None = None,
) -> list[Anchor]:
    """The page's clock stamps outside sidebars, navigation and footers."""
    anchors = find_anchors(body, now, epoch_names, month_first=month_first, tally=tally)
    known: dict[int, bool] = {}
    return [a for a in anchors if not a.hint.minute and not in_aside(a.node, known)]


def lone_candidate(
    stamps: list[Anchor], base_url: str, *, month_first: bool = False
) -> Candidate | None:
    """The update of the one item that holds every stamp of the page, or None.

    None when stamps sit in several items or outside any, or when the item holds the
    page's main heading (then it is the page itself, not a post of it).
    """
    items = [_item(anchor.node) for anchor in stamps]
    item = items[0] if items else None
    if item is None or any(o is None or o.mem_id != item.mem_id for o in items):
        return None
    if item.css_first("h1") is not None:
        return None
    candidate = block_candidate(item, stamps, base_url, month_first=month_first)
    if candidate is None or candidate.header_day is not None:
        return candidate
    return replace(candidate, header_day=_header_before(item, month_first))


def machine_timed(texts: list[Candidate], stamps: list[Anchor]) -> list[Candidate]:
    """Text candidates whose clock is the visible face of a machine-readable time
    (`<time datetime>`, an epoch attribute) take that time's instant: the date the markup
    states, as block mode would read it, not a day guessed from the fetch time."""
    exact = [a.hint for a in stamps
             if a.hint.instant is not None and a.hint.rank >= RANK_EPOCH and not a.hint.updated
             and a.hint.shown is not None]
    found: list[Candidate] = []
    for candidate in texts:
        shown = candidate.shown
        hint = next((h for h in exact if shown is not None and h.shown is not None
                     and (h.shown.hour, h.shown.minute) == (shown.hour, shown.minute)), None)
        if hint is None or candidate.rank >= hint.rank:
            found.append(candidate)
            continue
        exact.remove(hint)
        found.append(replace(candidate, instant=hint.instant, rank=hint.rank))
    return found


def _item(node: LexborNode) -> LexborNode | None:
    """The nearest element around a stamp that marks itself as one item."""
    current: LexborNode | None = node if node.tag != "time" else node.parent
    for _ in range(_ITEM_CLIMB):
        if current is None or current.tag in ("body", "html", "main", None):
            return None
        if current.tag in _ITEM_TAGS or own_id(current) is not None:
            return current
        current = current.parent
    return None


def _header_before(item: LexborNode, month_first: bool) -> tuple[int | None, int, int] | None:
    sibling = item.prev
    for _ in range(_HEADER_LOOKBACK):
        while sibling is not None and sibling.tag == "-text":
            sibling = sibling.prev
        if sibling is None:
            return None
        found = day_header(sibling, month_first=month_first)
        if found is not None:
            return found
        sibling = sibling.prev
    return None
