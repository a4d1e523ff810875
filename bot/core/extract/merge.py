"""Merging what the sources propose into entries, each field from its most trusted source."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, tzinfo
from itertools import pairwise

from bot.core.extract.candidate import Candidate, derived_key, normalise
from bot.core.extract.furniture import visible
from bot.core.extract.timemodel import (
    mislabelled_offset,
    paired_time,
    stated_zone_holds,
    unslipped,
)
from bot.core.model import Entry

_MATCH_CHARS = 30
# How many of a visible update's opening paragraphs may hold its structured twin's text.
_PARAGRAPHS = 4
# How many updates must share a headline before it is taken for a section label.
_LABEL_REPEATS = 3


def merge(
    primary: list[Candidate], structured: list[Candidate], zone: tzinfo = UTC
) -> tuple[tuple[Entry, ...], list[Candidate]]:
    """Entries from the page's visible updates and its structured data, newest first, with
    the candidate each entry was made from.

    Structured items match visible ones by id, else by their opening words; those
    only in structured data are kept when their dates are real (not placeholders).
    """
    index = _index(structured)
    used: set[int] = set()
    matches = [_find(candidate, index, used) for candidate in primary]
    if len(structured) >= 2 and sum(m is not None for m in matches) * 4 < len(primary):
        # The visible blocks found share nothing with the page's own list of updates:
        # they are some other list (related stories, a schedule); trust the structured data.
        primary, matches, used = [], [], set()
    offset = mislabelled_offset([(candidate, structured[match])
                                 for candidate, match in zip(primary, matches, strict=True)
                                 if match is not None], zone)
    primary = [unslipped(candidate, offset, zone) for candidate in primary]
    holds = stated_zone_holds([(candidate, structured[match])
                               for candidate, match in zip(primary, matches, strict=True)
                               if match is not None])
    merged = [
        _combine(candidate, structured[match], holds) if match is not None else candidate
        for candidate, match in zip(primary, matches, strict=True)
    ]
    for position, item in enumerate(structured):
        if position not in used and (item.instant is not None or not primary):
            merged.append(item)
    return _entries(merged)


def _keys(candidate: Candidate) -> list[str]:
    keys = [f"id:{candidate.ident}"] if candidate.ident else []
    for value in (candidate.text, candidate.title or ""):
        norm = normalise(value[: _MATCH_CHARS * 4])[:_MATCH_CHARS]
        if len(norm) >= 12:
            keys.append(f"tx:{norm}")
    return keys


def _index(structured: list[Candidate]) -> dict[str, list[int]]:
    index: dict[str, list[int]] = {}
    for position, item in enumerate(structured):
        for key in _keys(item):
            index.setdefault(key, []).append(position)
    return index


def _paragraph_keys(candidate: Candidate) -> list[str]:
    """A visible update's next paragraphs' openings: a page that glues the headline into the
    text ("It's a wrap!\n\nOkay, folks!...") holds the structured item's body from its
    second paragraph."""
    keys = []
    for paragraph in candidate.text[:_MATCH_CHARS * 40].split("\n")[1:_PARAGRAPHS]:
        norm = normalise(paragraph[: _MATCH_CHARS * 4])[:_MATCH_CHARS]
        if len(norm) >= 12:
            keys.append(f"tx:{norm}")
    return keys


def _find(candidate: Candidate, index: dict[str, list[int]], used: set[int]) -> int | None:
    if not index:
        return None
    for keys in (_keys, _paragraph_keys):
        for key in keys(candidate):
            for position in index.get(key, ()):
                if position not in used:
                    used.add(position)
                    return position
    return None


def _combine(seen: Candidate, data: Candidate, zone_holds: bool) -> Candidate:
    instant, rank, basis = paired_time(seen, data, zone_holds)
    return replace(
        seen,
        ident=seen.ident or data.ident,
        url=data.url or seen.url,
        title=seen.title or data.title,
        text=seen.text if len(seen.text) >= 20 or not data.text else data.text,
        instant=instant,
        rank=rank,
        updated_at=seen.updated_at or data.updated_at,
        basis=basis,
        evidence=seen.evidence + data.evidence,
        image=seen.image or data.image,
    )


def _newest_first(candidates: list[Candidate]) -> list[Candidate]:
    """Sorted by time, newest first; an untimed update stays beside the timed one above it
    on the page (or, at the top, below it); equal times keep the page's own order."""
    stamps = [c.instant for c in candidates if c.instant is not None]
    if not stamps:
        return candidates
    rises = sum(1 for a, b in pairwise(stamps) if a < b)
    rising = rises > sum(1 for a, b in pairwise(stamps) if a > b)
    order: list[tuple[datetime, int, Candidate]] = []
    last = stamps[0]
    for position, candidate in enumerate(candidates):
        last = candidate.instant or last
        order.append((last, position if rising else -position, candidate))
    order.sort(key=lambda item: item[:2], reverse=True)
    return [candidate for _, _, candidate in order]


def _unique(key: str, seen: set[str], repeats: dict[str, int]) -> str:
    """`key`, or for its n-th repeat `key+` then `key+2`, `key+3`...: counted, not searched,
    so a page repeating one id ten thousand times stays linear."""
    count = repeats.get(key, 0)
    repeats[key] = count + 1
    unique = key if count == 0 else key + ("+" if count == 1 else f"+{count}")
    while unique in seen:  # only when a page's own id happens to look like a repeat's
        unique += "+"
    seen.add(unique)
    return unique


def _section_label(candidates: list[Candidate]) -> str | None:
    """A headline most updates share ("Women's World Cup" on 9 of 10) names the page's
    section, not an update: the normalised label, or None."""
    counts = Counter(normalise(c.title) for c in candidates if c.title)
    if not counts:
        return None
    label, count = counts.most_common(1)[0]
    return label if count >= _LABEL_REPEATS and count * 2 > len(candidates) else None


def _entries(candidates: list[Candidate]) -> tuple[tuple[Entry, ...], list[Candidate]]:
    entries: list[Entry] = []
    seen: set[str] = set()
    repeats: dict[str, int] = {}
    ordered = _newest_first(candidates)
    label = _section_label(ordered)
    cleaned = []
    for candidate in ordered:
        title = candidate.title
        title = visible(title) if title and normalise(title) != label else None
        cleaned.append((candidate, title, visible(candidate.text)))
    # Repeats are counted from the oldest: an update added at the top renumbers none below.
    keys = [_unique(candidate.ident or derived_key(candidate.shown, title, text), seen, repeats)
            for candidate, title, text in reversed(cleaned)][::-1]
    for (candidate, title, text), key in zip(cleaned, keys, strict=True):
        updated = candidate.updated_at
        if updated is not None and (candidate.instant is None or updated <= candidate.instant):
            updated = None
        entries.append(Entry(key, candidate.instant, text, title, updated, candidate.url,
                             image=candidate.image, embeds=candidate.embeds))
    return tuple(entries), ordered
