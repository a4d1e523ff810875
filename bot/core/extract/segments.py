"""One update's candidate from its HTML: a block element, or a flat run of siblings."""

from __future__ import annotations

import re
from datetime import datetime

from selectolax.lexbor import LexborNode

from bot.core.extract.anchors import Anchor, Hint
from bot.core.extract.blocktext import HEADINGS, find_title, paragraphs
from bot.core.extract.candidate import (
    RANK_ATTRIBUTE,
    RANK_EPOCH,
    RANK_RELATIVE,
    Candidate,
    Evidence,
)
from bot.core.extract.clock import Shown, find_clock, find_day
from bot.core.extract.embeds import find_embeds
from bot.core.extract.furniture import headline_text
from bot.core.extract.images import lead_image

_META_ROW_CHARS = 80
_STAMP_TAIL = re.compile(r"^[\s:|–—-]+")
_ID_ATTRIBUTES = ("id", "data-id", "data-post-id", "data-entry-id", "data-block-id")
_GENERATED_ID = re.compile(r"^(ember|react|ng|yui|uid|ext-gen)[-_]?\d+$", re.IGNORECASE)
_TWO_LETTERS = re.compile(r"[^\W\d_].*?[^\W\d_]", re.DOTALL)
# An untimed block inside a timed list needs more words to count as an update of its own.
_UNTIMED_CHARS = 30
_STAMP_HEAD = 200  # characters of a line a leading time stamp may take


def block_candidate(
    block: LexborNode, anchors: list[Anchor], base_url: str, *, month_first: bool = False
) -> Candidate | None:
    """The update one block element holds, or None when it says almost nothing."""
    skip = {anchor.node.mem_id for anchor in anchors if anchor.node.mem_id != block.mem_id}
    skip |= _meta_rows(block, anchors)
    beside = _day_beside(anchors, month_first)
    if beside is not None and beside[1].mem_id != block.mem_id:
        skip.add(beside[1].mem_id)
    embedded = find_embeds([block], base_url)
    skip |= embedded.elements
    title_node = find_title(block, skip)
    title = _clean_title(headline_text(title_node)) if title_node is not None else None
    if title_node is not None:
        skip.add(title_node.mem_id)
    text = "\n\n".join(paragraphs(block.iter(include_text=True), skip)) or embedded.words
    if not _says_something(title or "", text, timed=bool(anchors)):
        return None
    ident = element_id(block)
    candidate = Candidate("html", text, title or _match_minute(anchors), ident,
                          _url(base_url, ident), image=lead_image([block]),
                          embeds=embedded.embeds)
    return _with_time(candidate, [a.hint for a in anchors], beside[0] if beside else None)


def _match_minute(anchors: list[Anchor]) -> str | None:
    """The match minute ("75'") of commentary timed in nothing else: the only stamp the reader
    has, kept as its headline since it is no wall-clock time."""
    if not anchors or not all(anchor.hint.minute for anchor in anchors):
        return None
    return " ".join(anchors[0].node.text().split()) or None


def _says_something(title: str, text: str, *, timed: bool) -> bool:
    """Whether a block holds words: "Goal!" is an update; a lone icon, a dash or a number is not."""
    if timed:
        return _TWO_LETTERS.search(f"{title} {text}") is not None
    return len(title) + len(text) >= _UNTIMED_CHARS


def segment_candidate(
    run: list[LexborNode], anchors: list[Anchor], base_url: str
) -> Candidate | None:
    """The update a flat run holds: a stamped heading or paragraph and the siblings after it;
    None when it holds no words beside its time."""
    first = run[0]
    # A bold stamp running on to words ("<strong>06.25 Jonathan Pearlman</strong> in ...")
    # keeps them: only its time is stripped below.
    running = {a.node.mem_id for a in anchors
               if a.node.tag in ("strong", "b") and strip_stamp(a.node.text())}
    skip = {a.node.mem_id for a in anchors
            if a.node.mem_id != first.mem_id and a.node.mem_id not in running}
    embedded = find_embeds(run, base_url)
    skip |= embedded.elements
    title = None
    if first.tag in HEADINGS:
        title = _clean_title(strip_stamp(headline_text(first))) or None
        skip.add(first.mem_id)
    found = paragraphs(run, skip)
    if found and first.tag not in HEADINGS and first.mem_id not in skip:
        # The stamp is the paragraph's own opening text ("14:05 Police have..."), not a child.
        stamped_itself = any(a.node.mem_id == first.mem_id for a in anchors) or bool(running)
        found[0] = strip_stamp(found[0]) if stamped_itself else found[0]
    text = "\n\n".join(p for p in found if p) or embedded.words
    if not text and not title:
        return None
    ident = element_id(first) if first.tag != "-text" else None
    return _with_time(Candidate("html", text, title, ident, _url(base_url, ident),
                                image=lead_image(run), embeds=embedded.embeds),
                      [a.hint for a in anchors])


def strip_stamp(text: str) -> str:
    """Text without the time label it starts with ("12.31 Uhr: ...", "Update, 13:17 Uhr: ...")."""
    found = find_clock(text[:_STAMP_HEAD], loose=True)
    if found is None or found[1].start() > 40:
        return text.strip()
    return _STAMP_TAIL.sub("", text[found[1].end() :]).strip()


def element_id(node: LexborNode) -> str | None:
    """The source's own id for an element: its id or data-id, or that of its only child."""
    current: LexborNode | None = node
    for _ in range(3):
        if current is None or current.tag == "-text":
            return None
        found = own_id(current)
        if found is not None:
            return found
        kids = [c for c in current.iter() if c.tag not in ("script", "style", "noscript")]
        current = kids[0] if len(kids) == 1 else None  # descend through lone wrappers
    return None


def own_id(node: LexborNode) -> str | None:
    """The element's own id or data-id, unless a framework generated it."""
    attributes = node.attributes
    for name in _ID_ATTRIBUTES:
        value = (attributes.get(name) or "").strip()
        if value and not _GENERATED_ID.match(value) and len(value) <= 120:
            return value
    return None


def _url(base_url: str, ident: str | None) -> str | None:
    if not ident or not base_url.startswith(("http://", "https://")):
        return None
    return base_url.split("#")[0] + "#" + ident


def _clean_title(text: str) -> str | None:
    title = " ".join(text.split())
    return title or None


def _meta_rows(block: LexborNode, anchors: list[Anchor]) -> set[int]:
    rows = set()
    for anchor in anchors:
        node: LexborNode | None = anchor.node
        row: LexborNode | None = None
        while node is not None and node.mem_id != block.mem_id:
            text = node.text(strip=True)
            if len(text) > _META_ROW_CHARS or node.css_first("h1,h2,h3,h4,h5,h6") is not None:
                break
            row, node = node, node.parent
        if row is not None:
            rows.add(row.mem_id)
    return rows


def _day_beside(
    anchors: list[Anchor], month_first: bool
) -> tuple[tuple[int | None, int, int], LexborNode] | None:
    """A date written in a short element just before the time ("03 February 2024", "14:52"),
    with that element: it is part of the stamp, not of the update's text (the newest post
    shows it, the same post pushed down by newer ones may not)."""
    for anchor in anchors:
        sibling = anchor.node.prev
        for _ in range(3):
            if sibling is None:
                break
            text = sibling.text(strip=True)
            if text and len(text) <= 40:
                found = find_day(text, month_first=month_first)
                if found is not None:
                    return found[0], sibling
            sibling = sibling.prev
    return None


def _with_time(
    candidate: Candidate, hints: list[Hint], day: tuple[int | None, int, int] | None = None
) -> Candidate:
    published = [h for h in hints if not h.updated and not h.minute]
    if not published:
        # "Updated 12 mins ago" is then the only time the reader is given for the update.
        published = [h for h in hints if h.updated]
    updated = [h.instant for h in hints if h.updated and h.instant]
    best = max(published, key=lambda h: h.rank, default=None)
    shown = next((h.shown for h in published if h.shown is not None), None)
    instant, rank = (best.instant, best.rank) if best and best.instant else (None, 0)
    if instant is not None and best is not None and best.zulu and _local_marked_z(instant, shown):
        instant, rank = None, 0
    evidence = tuple(hint_evidence(h) for h in hints if not h.minute)
    if day is not None:
        evidence += (Evidence(f"date beside the time {_day_text(day)}"),)
    return Candidate(
        candidate.source, candidate.text, candidate.title, candidate.ident, candidate.url,
        instant, rank if instant else 0, shown, max(updated, default=None), day,
        evidence=evidence, image=candidate.image, embeds=candidate.embeds,
    )


def hint_evidence(hint: Hint) -> Evidence:
    """What one time hint of an update's markup is, as evidence."""
    if hint.updated:
        kind = "edit time (not the publication time)"
    elif hint.rank == RANK_ATTRIBUTE:
        kind = "datetime attribute" + (" marked Z" if hint.zulu else "")
    elif hint.rank == RANK_EPOCH:
        kind = "epoch data attribute"
    elif hint.rank == RANK_RELATIVE:
        kind = "relative time, counted from the fetch"
    else:
        kind = "shown time"
    return Evidence(kind, hint.instant, hint.shown)


def _day_text(day: tuple[int | None, int, int]) -> str:
    year, month, dom = day
    return f"{year or '????'}-{month:02}-{dom:02}"


def _local_marked_z(instant: datetime, shown: Shown | None) -> bool:
    """A 'Z' time whose clock equals a shown time in another zone is local time mislabelled."""
    if shown is None or shown.zone is None:
        return False
    offset = instant.replace(tzinfo=shown.zone).utcoffset()
    same_clock = (instant.hour, instant.minute) == (shown.hour, shown.minute)
    return bool(offset) and same_clock

