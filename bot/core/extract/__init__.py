"""From one fetched document to its updates: `extract_page`.

Sources on the page each propose candidates (schema.org JSON-LD and microdata,
RSS/Atom/RDF and JSON Feed, site recipes, the generic HTML block heuristic,
plain-text timestamp lines); they are merged by id or text, each field taken from
the source most trusted for it on that page. The page's language, host and own
offsets decide its zone and how it writes numeric dates. Pure: no I/O, no clock;
`fetched_at` is "now".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from bot.core.extract.anchors import epoch_attributes
from bot.core.extract.blocks import html_candidates
from bot.core.extract.candidate import RANK_EPOCH, Candidate
from bot.core.extract.caps import Tally
from bot.core.extract.closing import NEWEST, closing_links, coverage_end
from bot.core.extract.dating import Reference
from bot.core.extract.document import read_document
from bot.core.extract.feeds import feed_candidates
from bot.core.extract.images import absolute_images
from bot.core.extract.jsonfeed import json_feed_candidates
from bot.core.extract.lone import lone_candidate, machine_timed, page_stamps
from bot.core.extract.markup import bounded
from bot.core.extract.merge import merge
from bot.core.extract.pageinfo import page_info, page_zone, written_zone
from bot.core.extract.plaintext import text_candidates, text_title
from bot.core.extract.recipes import BUILTIN_RECIPES, recipe_candidates, recipe_for
from bot.core.extract.structured import json_ld_candidates, json_ld_objects, microdata_candidates
from bot.core.extract.timemodel import Dating, date_candidates, dating_of, strength_of
from bot.core.extract.zones import country_zone, month_first, stated_zone
from bot.core.model import DATED_OWN, Page, Recipe
from bot.core.successor import COVERAGE_GRACE

__all__ = ["BUILTIN_RECIPES", "Dating", "Explained", "explain_page", "extract_page"]


@dataclass(frozen=True, slots=True)
class Explained:
    """A page with how each of its entries was dated (`datings[i]` is `page.entries[i]`'s)
    and where the page's own date came from (`page_date` "" when the page gives none;
    `page_day_only` when it gives a calendar day without a time)."""

    page: Page
    datings: tuple[Dating, ...]
    page_date: str
    page_date_at: datetime | None
    page_day_only: bool = False


@dataclass(frozen=True, slots=True)
class _Read:
    page: Page
    candidates: list[Candidate]
    reference: Reference


def extract_page(
    body: bytes | str,
    *,
    url: str,
    fetched_at: datetime,
    content_type: str = "",
    charset: str | None = None,
    recipes: Sequence[Recipe] = (),
    builtin_recipes: bool = True,
) -> Page:
    """Extract the page's title, canonical URL and updates (newest first).

    `content_type` is the HTTP media type, or "" to sniff (feed XML, JSON Feed, HTML, else
    text).
    `recipes` are extra site recipes; `builtin_recipes=False` turns the built-in ones off.
    Returns a Page whose entries may be empty. Raises NotAPage for binary,
    undecodable or non-text bodies.
    """
    return _read(body, url, fetched_at, content_type, charset, recipes, builtin_recipes).page


def explain_page(
    body: bytes | str,
    *,
    url: str,
    fetched_at: datetime,
    content_type: str = "",
    charset: str | None = None,
    recipes: Sequence[Recipe] = (),
    builtin_recipes: bool = True,
) -> Explained:
    """`extract_page`, with the time evidence behind each entry's time (`check --explain`).

    Raises NotAPage as `extract_page` does.
    """
    read = _read(body, url, fetched_at, content_type, charset, recipes, builtin_recipes)
    reference = read.reference
    return Explained(
        read.page, tuple(dating_of(c, reference) for c in read.candidates), reference.source,
        reference.at if reference.source else None, reference.day_only,
    )


def _read(
    body: bytes | str, url: str, fetched_at: datetime, content_type: str, charset: str | None,
    recipes: Sequence[Recipe], builtin_recipes: bool,
) -> _Read:
    now = fetched_at.astimezone(UTC) if fetched_at.tzinfo else fetched_at.replace(tzinfo=UTC)
    document = read_document(body, content_type, charset)
    tally = Tally()
    if document.kind == "feed":
        read = _feed_page(now, *feed_candidates(document.text, tally))
    elif document.kind == "jsonfeed":
        read = _feed_page(now, *json_feed_candidates(document.text))
    elif document.kind == "text":
        read = _text_page(document.text, url, now, tally)
    else:
        all_recipes = (*recipes, *(BUILTIN_RECIPES if builtin_recipes else ()))
        read = _html_page(document.text, document.utf8, url, now, all_recipes, tally)
    read = _with_strengths(read)
    if tally.ignored:
        return replace(read, page=replace(read.page, ignored=tally.counts()))
    return read


def _with_strengths(read: _Read) -> _Read:
    """The page's entries carrying how strongly each one's time is dated (`Entry.dated`)."""
    strengths = [strength_of(c, read.reference) for c in read.candidates]
    if all(strength == DATED_OWN for strength in strengths):
        return read  # the entries' default: nothing to copy
    entries = tuple(entry if strength == DATED_OWN else replace(entry, dated=strength)
                    for entry, strength in zip(read.page.entries, strengths, strict=True))
    return replace(read, page=replace(read.page, entries=entries))


def _feed_page(
    now: datetime, title: str | None, link: str | None, candidates: list[Candidate]
) -> _Read:
    entries, ordered = merge([], candidates)
    return _Read(Page(title, entries, link, feed=True), ordered, Reference(now, True, now))


def _text_page(text: str, url: str, now: datetime, tally: Tally) -> _Read:
    host = urlsplit(url).hostname or ""
    candidates = text_candidates(text, month_first=month_first(host, "", text), tally=tally)
    zone = written_zone(candidates) or country_zone(host, "") or UTC
    reference = Reference(now, True, now)
    entries, ordered = merge(date_candidates(candidates, zone, reference), [])
    return _Read(Page(text_title(text), entries, None), ordered, reference)


def _html_page(
    text: str, utf8: bytes | None, url: str, now: datetime, recipes: Sequence[Recipe],
    tally: Tally,
) -> _Read:
    tree = LexborHTMLParser(bounded(utf8 if utf8 is not None else text.encode("utf-8"), tally))
    objects = json_ld_objects(tree)
    info = page_info(tree, objects, url, now)
    base = info.canonical_url or url
    structured = json_ld_candidates(objects, base, tally) or microdata_candidates(tree)
    recipe = recipe_for(info.host, recipes)
    epochs = epoch_attributes(text)
    us = month_first(info.host, info.lang, text)
    primary: list[Candidate] = []
    if recipe is not None:
        primary = recipe_candidates(tree, recipe, now, base, epochs, tally)
    if not primary and tree.body is not None:
        primary = html_candidates(tree.body, now, base, epochs, month_first=us, tally=tally)
    if not primary and tree.body is not None:
        primary = _one_update(tree.body, now, base, epochs, us, bool(structured), tally)
    stated = stated_zone(text) if _zone_unshown(primary) else None
    if stated is not None:
        primary = [_in_zone(candidate, stated) for candidate in primary]
    zone = page_zone(info, primary, stated)
    entries, ordered = merge(date_candidates(primary, zone, info.reference), structured, zone)
    entries = absolute_images(entries, tree, url, base)
    end = coverage_end(objects)
    ended = end is not None and end + COVERAGE_GRACE <= now
    closing, live = closing_links(tree, base, ended=ended, newest=entries[:NEWEST])
    page = Page(info.title, entries, base, coverage_end=end, closing_links=closing,
                next_links=live)
    return _Read(page, ordered, info.reference)


def _zone_unshown(candidates: list[Candidate]) -> bool:
    """Whether some update's time rests on a clock shown without its zone: only then can a
    zone the page states in words matter (the search for one reads the whole page)."""
    return any(c.shown is not None and c.shown.zone is None and c.rank < RANK_EPOCH
               for c in candidates)


def _in_zone(candidate: Candidate, zone: tzinfo) -> Candidate:
    """`candidate` with its shown clock read in the `zone` the page states, unless the clock
    names its own."""
    shown = candidate.shown
    if shown is None or shown.zone is not None:
        return candidate
    return replace(candidate, shown=replace(shown, zone=zone))


def _one_update(
    body: LexborNode, now: datetime, base: str, epochs: frozenset[str], us: bool,
    structured: bool, tally: Tally,
) -> list[Candidate]:
    """Updates of a page without repeated stamped blocks: its text's timestamp lines when
    they show several, else its one stamped item, else what its text shows, dated by the
    markup's own times. Structured data, when the page has it, stands for the text."""
    texts = ([] if structured else
             text_candidates(body.text(separator="\n"), month_first=us, tally=tally))
    if len(texts) >= 2:
        return texts
    # The same elements html_candidates read, and counted, before.
    stamps = page_stamps(body, now, epochs, month_first=us)
    lone = lone_candidate(stamps, base, month_first=us)
    if lone is not None:
        return [lone]
    return machine_timed(texts, stamps)
