"""Site recipes: CSS selectors for one publisher, the last resort after generic extraction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from selectolax.lexbor import LexborHTMLParser, LexborNode

from bot.core.extract.anchors import Anchor, find_anchors, text_hint
from bot.core.extract.blocktext import paragraphs
from bot.core.extract.candidate import Candidate
from bot.core.extract.caps import MAX_TIME_ELEMENTS, Tally
from bot.core.extract.segments import block_candidate, element_id
from bot.core.model import Recipe

# None are needed: every corpus page is read right by the generic sources.
BUILTIN_RECIPES: tuple[Recipe, ...] = ()


def recipe_for(host: str, recipes: Sequence[Recipe]) -> Recipe | None:
    """The first recipe whose host is the page's host or a parent domain of it."""
    host = host.lower().rstrip(".")
    for recipe in recipes:
        wanted = recipe.host.lower().lstrip(".")
        if host == wanted or host.endswith("." + wanted):
            return recipe
    return None


def recipe_candidates(
    tree: LexborHTMLParser, recipe: Recipe, now: datetime, base_url: str,
    epoch_names: frozenset[str] = frozenset(), tally: Tally | None = None,
) -> list[Candidate]:
    """One candidate per element the recipe's `entry` selector finds, page order, up to
    MAX_TIME_ELEMENTS; the rest are counted in `tally`."""
    found = []
    nodes = tree.css(recipe.entry)
    if tally is not None:
        tally.over("recipe entries", len(nodes) - MAX_TIME_ELEMENTS)
    for node in nodes[:MAX_TIME_ELEMENTS]:
        candidate = _entry(node, recipe, now, base_url, epoch_names)
        if candidate is not None:
            found.append(candidate)
    return found


def _entry(
    node: LexborNode, recipe: Recipe, now: datetime, base_url: str, epoch_names: frozenset[str]
) -> Candidate | None:
    anchors = _time_anchors(node, recipe.time, now, epoch_names)
    candidate = block_candidate(node, anchors, base_url)
    if candidate is None:
        return None
    title_selector = recipe.title
    text_selector = recipe.text
    title = candidate.title
    if title_selector:
        title_node = node.css_first(title_selector)
        title = " ".join(title_node.text().split()) or None if title_node else None
    text = candidate.text
    if text_selector:
        text = "\n\n".join(paragraphs(node.css(text_selector), set()))
    ident = candidate.ident or element_id(node)
    return Candidate(candidate.source, text, title, ident, candidate.url, candidate.instant,
                     candidate.rank, candidate.shown, candidate.updated_at,
                     image=candidate.image, embeds=candidate.embeds)


def _time_anchors(
    node: LexborNode, selector: str | None, now: datetime, epoch_names: frozenset[str]
) -> list[Anchor]:
    if not selector:
        return find_anchors(node, now, epoch_names)
    anchors = []
    for time_node in node.css(selector):
        found = find_anchors(time_node, now, epoch_names)
        if found:
            anchors.extend(found)
            continue
        hint = text_hint(" ".join(time_node.text().split()), now, loose=True)
        if hint is not None:
            anchors.append(Anchor(time_node, hint))
    return anchors
