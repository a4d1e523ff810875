"""HTML the parser reads in bounded time.

lexbor (behind selectolax) is quadratic in two shapes no real page has: elements
nested thousands deep (40k nested divs take 3 s, 100k take 26 s) and one element
with tens of thousands of attributes (20k take 0.8 s, 40k take 5.6 s). A hostile or
broken page of either shape is cut down before parsing: the markup past the
depth limit is dropped, and an oversized start tag loses its attributes.
"""

from __future__ import annotations

import re

from bot.core.extract.caps import MAX_TIME_ELEMENTS, Tally

# Real pages nest a few dozen deep; lexbor reads 2,000 levels in a few milliseconds.
MAX_DEPTH = 2_000
# A page with fewer tags than this cannot nest deeper than lexbor reads quickly, so its
# tags are not walked at all (the corpus pages have under 8,000).
_TAGS_WORTH_COUNTING = 10_000
_TAG = re.compile(rb"<(/?)([A-Za-z][A-Za-z0-9-]*)[^<>]*?(/?)>")
# Elements that never hold children, or whose end the parser implies (an unclosed <li>
# or <p> closes at the next one): neither deepens the tree.
_FLAT = frozenset(
    b"area base br col embed hr img input link meta source track wbr param keygen "
    b"p li dt dd option optgroup tr td th tbody thead tfoot colgroup rb rt rp "
    b"html head body".split()
)
# Only a start tag this long can hold more attributes than lexbor reads quickly.
_LONG = 40_000
_MOST_ATTRIBUTES = 1_000
_TAG_NAME = re.compile(rb"<[A-Za-z][A-Za-z0-9-]*")
_DATETIME = re.compile(rb"<[A-Za-z][^<>]*?\sdatetime\s*=", re.IGNORECASE)


def bounded(markup: bytes, tally: Tally | None = None) -> bytes:
    """`markup` cut to what the parser reads in bounded time (unchanged for real pages),
    and before its (MAX_TIME_ELEMENTS + 1)th `datetime` attribute, counted in `tally`."""
    if markup.count(b"<") > _TAGS_WORTH_COUNTING:
        markup = _cut_at_depth(markup)
        markup = _cut_at_time_cap(markup, tally or Tally())
    return _without_attribute_floods(markup)


def _cut_at_time_cap(markup: bytes, tally: Tally) -> bytes:
    if markup.count(b"datetime=") <= MAX_TIME_ELEMENTS:
        return markup
    starts = [match.start() for match in _DATETIME.finditer(markup)]
    if len(starts) <= MAX_TIME_ELEMENTS:
        return markup
    tally.over("time elements", len(starts) - MAX_TIME_ELEMENTS)
    cut = markup.rfind(b"<", 0, starts[MAX_TIME_ELEMENTS])
    return markup[: max(cut, 0)]


def _cut_at_depth(markup: bytes) -> bytes:
    depth = 0
    for tag in _TAG.finditer(markup):
        name = tag[2].lower()
        if name in _FLAT or tag[3]:
            continue
        if tag[1]:
            depth = max(depth - 1, 0)
            continue
        depth += 1
        if depth > MAX_DEPTH:
            return markup[: tag.start()]
    return markup


def _without_attribute_floods(markup: bytes) -> bytes:
    """`markup` with each start tag of over _MOST_ATTRIBUTES attributes cut to its name.

    Every tag of _LONG bytes spans a whole stretch of _LONG / 2 bytes without ">": a few
    memchr calls per page find those stretches (where a regex would read every attribute),
    and only the tag each stretch ends in is looked at.
    """
    step, pieces, done = _LONG // 2, [], 0
    for start in range(0, len(markup), step):
        if start < done or markup.find(b">", start, start + step) >= 0:
            continue
        closed = markup.find(b">", start)
        end = len(markup) if closed < 0 else closed
        opened = markup.rfind(b"<", done, end)
        inside = opened >= 0 and markup.find(b">", opened, start) < 0  # not text or script
        name = _TAG_NAME.match(markup, opened) if inside else None
        flood = name is not None and (
            markup.count(b"=", opened, end) + markup.count(b" ", opened, end) > _MOST_ATTRIBUTES
        )
        if flood and name is not None:
            pieces += [markup[done:opened], name[0]]
        done = end if flood else max(done, end - step)
    return b"".join([*pieces, markup[done:]]) if pieces else markup
