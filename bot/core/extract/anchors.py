"""Where an HTML page says when: time elements, epoch data attributes, visible clock text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from selectolax.lexbor import LexborNode

from bot.core.extract.candidate import RANK_ATTRIBUTE, RANK_EPOCH, RANK_RELATIVE
from bot.core.extract.caps import MAX_TIME_ELEMENTS, Tally
from bot.core.extract.clock import (
    Shown,
    find_clock,
    find_day,
    find_relative,
    parse_epoch,
    parse_iso,
)
from bot.core.extract.embeds import in_quoted_post
from bot.core.extract.furniture import SKIP_TAGS
from bot.core.extract.zones import zone_for_abbreviation

# What may stand before an update's time: labels, weekdays, named days and separators
# ("Updated:", "Sat 3 Feb 2024,", "18 feb 2024 -", "20 maggio, ore"), once any date is cut out.
_LABEL = re.compile(
    r"^[\s(\[,:.|·–—-]*((update[ds]?|posted|published|aktualisiert|mis à jour|le|at|um|vom|à"
    r"|o|godz\.?|today|yesterday|heute|gestern|aujourd['’]hui|hier|dzisiaj|wczoraj|hoy|ayer"
    r"|oggi|ieri|publié|modifié|mise à jour|ore|alle|actualizado|publicado|aggiornato"
    r"|(mon|tues|wednes|thurs|fri|satur|sun)day|(mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)\.?"
    r"|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag)\b[\s,:.|·–—-]*)*$",
    re.IGNORECASE,
)
_SET_OFF = re.compile(r"^\s*[:|–—-]")
_MINUTE = re.compile(r"^\s*\d{1,3}(\+\d{1,2})?\s*['’′]\s*$")
# A cheap first look: most text holds no time at all.
_CLOCKISH = re.compile(r"\d(?:[:.h]\d|\sh\s?\d|\s*['’′]|\s?[aApP]\.?[mM]\b)")


def _maybe_time(text: str) -> bool:
    return _CLOCKISH.search(text) is not None or (
        "ago" in text or "vor " in text or "y a " in text or "just now" in text
        or "gerade eben" in text or "instant" in text or _AGO.search(text) is not None
    )


# How the other languages say "ago" ("2 ore fa", "hace 5 minutos", "há 3 horas", ...).
_AGO = re.compile(r" fa\b|hace |há |geleden|temu|sedan|siden")

# Epochs of this century start with 1 (2001-2033 in seconds and milliseconds alike);
# the literal prefix keeps this scan of the whole source fast.
_EPOCH_VALUE = re.compile(r"""=["']?1(?:\d{12}|\d{9})(?![\d])""")
_ATTRIBUTE_NAME = re.compile(r"^[A-Za-z_][\w-]*$")
_EPOCH_NAME = re.compile(r"time|date|stamp|^data-ts$|-ts$|epoch", re.IGNORECASE)
_UPDATED_WORDS = ("updated", "last updated", "aktualisiert", "mis à jour", "zaktualizowano")
_UPDATED_NAME = re.compile(r"updat|modif|edit|last", re.IGNORECASE)
_UPDATED_CLASS = re.compile(r"updated|modified", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Hint:
    """What one element says about when: an instant (with rank), a shown clock time,
    whether it is an edit time, or a match minute (commentary timed in minutes).
    """

    instant: datetime | None = None
    rank: int = 0
    shown: Shown | None = None
    updated: bool = False
    minute: bool = False
    zulu: bool = False


@dataclass(frozen=True, slots=True)
class Anchor:
    """An element carrying a time hint."""

    node: LexborNode
    hint: Hint


def epoch_attributes(source: str) -> frozenset[str]:
    """Names of attributes that hold epoch numbers somewhere in the page's source."""
    names = set()
    for match in _EPOCH_VALUE.finditer(source):
        start = match.start()
        words = source[max(0, start - 60) : start].rsplit(None, 1)
        name = words[-1] if words else ""
        if _ATTRIBUTE_NAME.match(name) and _EPOCH_NAME.search(name):
            names.add(name.lower())
    return frozenset(names)


def find_anchors(
    root: LexborNode, now: datetime, epoch_names: frozenset[str] = frozenset(),
    *, month_first: bool = False, tally: Tally | None = None,
) -> list[Anchor]:
    """Every element under `root` that carries a time, in document order, up to
    MAX_TIME_ELEMENTS; the rest are counted in `tally`.

    `epoch_names` are the attributes worth reading for epoch numbers (see
    `epoch_attributes`); reading every element's attributes would cost twice as much.
    """
    selector = ",".join(["[datetime]", "meta[itemprop][content]", *(f"[{n}]" for n in epoch_names)])
    with_attributes = {node.mem_id for node in root.css(selector)}
    if root.mem_id not in with_attributes and root.css_matches(selector):
        with_attributes.add(root.mem_id)
    anchors: list[Anchor] = []
    nodes = root.traverse()
    # The hot loop of extraction: kept flat, the cheap tests first.
    for node in nodes:
        hint = None
        if with_attributes and node.mem_id in with_attributes:
            hint = _attribute_hint(node, node.tag or "", node.attributes)
        if hint is None:
            own = node.text(deep=False)
            if not own or len(own) > 200 or own.isspace() or not _maybe_time(own):
                continue
            tag = node.tag
            if tag in SKIP_TAGS:
                continue
            own = own.strip()
            loose = tag == "time" or len(own) <= 12 or _bold_lead(node)
            hint = text_hint(own, now, loose=loose, month_first=month_first)
        if hint is not None and not in_quoted_post(node):
            anchors.append(Anchor(node, hint))
            if len(anchors) == MAX_TIME_ELEMENTS:
                if tally is not None:
                    tally.over("time elements", _looks_timed(nodes, with_attributes))
                break
    return anchors


def _bold_lead(node: LexborNode) -> bool:
    """A bold run opening its paragraph ("<p><strong>06.25 Jonathan Pearlman</strong> in
    ..."): a time at its start is the update's stamp even when the bold runs on to a name."""
    if node.tag not in ("strong", "b"):
        return False
    before = node.prev
    while before is not None and before.tag == "-text" and not before.text().strip():
        before = before.prev
    return before is None and node.parent is not None and node.parent.tag == "p"


def _looks_timed(nodes: Iterator[LexborNode], with_attributes: set[int]) -> int:
    """How many of `nodes`, left unread past the cap, carry a time: a machine-readable one,
    or a short text that looks like a stamp ("14:52"). A cheap test each, not a reading."""
    return sum(1 for node in nodes if node.mem_id in with_attributes
               or _looks_like_stamp(node.text(deep=False)))


def _looks_like_stamp(own: str | None) -> bool:
    return own is not None and len(own.strip()) <= 12 and _maybe_time(own)


def _attribute_hint(node: LexborNode, tag: str, attributes: dict[str, str | None]) -> Hint | None:
    value = attributes.get("datetime") or (
        attributes.get("content") if tag == "meta" and attributes.get("itemprop") else None
    )
    if value:
        parsed = parse_iso(value)
        if parsed is not None:
            return _iso_hint(node, parsed, value, attributes)
    for name, raw in attributes.items():
        if raw and len(raw) in (10, 13) and raw.isdigit() and _EPOCH_NAME.search(name):
            instant = parse_epoch(raw)
            if instant is not None:
                return Hint(instant, RANK_EPOCH, updated=bool(_UPDATED_NAME.search(name)))
    return None


def _iso_hint(node: LexborNode, parsed: datetime, raw: str, attributes: dict) -> Hint:
    prop = (attributes.get("itemprop") or "").lower()
    text = node.text().strip()
    label = f"{text[:20]} {(attributes.get('title') or '')[:20]}".lower()
    updated = ("modified" in prop or any(word in label for word in _UPDATED_WORDS)
               or _labelled_updated(node))
    found = find_clock(text, loose=True) if text and len(text) < 80 else None
    shown = _with_zone_after(node, found[0]) if found else None
    day = (parsed.year, parsed.month, parsed.day)
    if "T" not in raw.upper() and " " not in raw.strip():
        # A date alone ("2015-05-07") says which day the clock shown in it ("5.33pm") is on,
        # not that the update was posted at midnight.
        return Hint(shown=replace(shown, day=day) if shown else None, updated=updated)
    if parsed.tzinfo is None:
        local = Shown(parsed.hour, parsed.minute, parsed.second, day)
        return Hint(shown=local, updated=updated)
    zulu = raw.strip().upper().endswith(("Z", "+00:00"))
    return Hint(parsed.astimezone(UTC), RANK_ATTRIBUTE, shown, updated, zulu=zulu)


def _labelled_updated(node: LexborNode) -> bool:
    """Whether the words just before the element ("Updated <time>at 5.45pm</time>") or its
    parent's class ("updated-time") say it is an edit time."""
    before = node.prev
    lead = before.text()[-24:].lower() if before is not None and before.tag == "-text" else ""
    parent = node.parent
    classes = (parent.attributes.get("class") or "") if parent is not None else ""
    return (any(word in lead for word in _UPDATED_WORDS)
            or _UPDATED_CLASS.search(classes) is not None)


def _with_zone_after(node: LexborNode, shown: Shown) -> Shown:
    """`shown` with the zone word written just after its element ("5.33pm <span>BST</span>")."""
    if shown.zone is not None:
        return shown
    following = node.next
    while following is not None and following.tag == "-text" and not following.text().strip():
        following = following.next
    word = following.text(strip=True) if following is not None else ""
    zone = zone_for_abbreviation(word) if 2 <= len(word) <= 5 and word.isupper() else None
    return replace(shown, zone=zone) if zone is not None else shown


def _stands_as_stamp(prefix: str, rest: str) -> bool:
    """A time inside prose ("Um 14:00 Uhr trat der Minister ...") is not the update's stamp:
    a long text after a labelled time must be set off by a colon, bar or dash."""
    if len(rest) <= 40 or not prefix.strip():
        return True
    return _SET_OFF.match(rest) is not None


def text_hint(text: str, now: datetime, *, loose: bool, month_first: bool = False) -> Hint | None:
    """A hint from visible text that starts with a time (after a label such as "Update vom")."""
    if _MINUTE.match(text):
        return Hint(minute=True)
    found = find_clock(text, loose=loose, month_first=month_first)
    if found is not None:
        shown, match = found
        prefix = text[: match.start()]
        day = find_day(prefix, month_first=month_first)
        if day is not None:
            prefix = prefix[: day[1].start()] + prefix[day[1].end() :]
        labelled = "(" not in prefix and _LABEL.match(prefix) is not None
        if labelled and _stands_as_stamp(prefix, text[match.end() :]):
            return Hint(shown=shown, updated=prefix.lower().strip().startswith("updated"))
    if len(text) <= 40:
        instant = find_relative(text, now)
        if instant is not None:
            return Hint(instant, RANK_RELATIVE)
    return None
