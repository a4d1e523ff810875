"""The generic HTML heuristic: repeated sibling blocks (or flat runs) that each carry a time.

The container is the element with the most children that carry a time and say
something; each such child is one update ("block mode"), or, when those children
are headings or paragraphs, each starts one that runs to the next ("flat mode").
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime

from selectolax.lexbor import LexborNode

from bot.core.extract.anchors import Anchor, find_anchors
from bot.core.extract.blocktext import HEADINGS
from bot.core.extract.candidate import Candidate
from bot.core.extract.caps import Tally
from bot.core.extract.clock import find_clock, find_day
from bot.core.extract.segments import block_candidate, segment_candidate

# Regions of a page that hold other pages' teasers, never the story's own updates.
_ASIDE_TAGS = frozenset({"aside", "nav", "footer"})
_ASIDE_CLASS = re.compile(r"sidebar|\brail\b|most-?(read|popular|viewed)|trending|popular", re.I)
_FLAT_TAGS = HEADINGS | {"p", "strong", "b", "span", "em", "time", "a", "dt", "font"}
# An anchor's own text counts against its block's words only up to this much.
_ANCHOR_CHARS = 40
# Words of its own a stamped block needs to be an update ("Goal!" has them).
_OWN_CHARS = 4
_ALL_LINK_CHARS = 600
_LETTERS = re.compile(r"[\W\d_]+")
Day = tuple[int | None, int, int]


@dataclass(frozen=True, slots=True)
class _Container:
    node: LexborNode
    children: dict[int, LexborNode]
    anchors: dict[int, list[Anchor]]
    depth: int


def html_candidates(
    body: LexborNode, now: datetime, base_url: str, epoch_names: frozenset[str] = frozenset(),
    *, month_first: bool = False, tally: Tally | None = None,
) -> list[Candidate]:
    """Candidates from the best repeated-block container under `body`, page order.

    `month_first` reads numeric dates as US pages write them (03/04 is March 4).
    """
    anchors = find_anchors(body, now, epoch_names, month_first=month_first, tally=tally)
    clocked = _best_container([a for a in anchors if not a.hint.minute])
    minutes = _best_container([a for a in anchors if a.hint.minute])
    # Match commentary timed in minutes wins only where it outnumbers clock-timed blocks.
    best = max((c for c in (clocked, minutes) if c is not None), key=lambda c: c[0], default=None)
    return _group_candidates(best[1], base_url, month_first) if best is not None else []


def _group_candidates(group: list[_Container], base_url: str, month_first: bool) -> list[Candidate]:
    """Candidates of the best container and its twins, a day header between them dating
    the updates below it."""
    if len(group) == 1:
        return _candidates(group[0], base_url, month_first, None)
    members = {container.node.mem_id: container for container in group}
    found: list[Candidate] = []
    header: Day | None = None
    parent = group[0].node.parent
    for sibling in parent.iter() if parent is not None else ():
        member = members.get(sibling.mem_id)
        if member is None:
            header = day_header(sibling, month_first=month_first) or header
        else:
            found.extend(_candidates(member, base_url, month_first, header))
    return found


def _best_container(anchors: list[Anchor]) -> tuple[tuple[int, int, int], list[_Container]] | None:
    """The container with the most stamped children that say something, with its twins:
    siblings of the same tag and class that hold more of the same updates (a ticker split
    into one list per day)."""
    nodes, children, grouped = _stamped_children(anchors)
    several = [key for key, kids in children.items() if len(kids) >= 2]
    depths = _depths([nodes[key] for key in several])
    ranked = sorted(several, key=lambda key: (len(children[key]), depths[key]), reverse=True)[:6]
    # Containers with far fewer stamped children than the best sit near the root, where
    # measuring their children's text would read the whole page again.
    most = len(children[ranked[0]]) if ranked else 0
    scored = []
    for key in (key for key in ranked if len(children[key]) * 4 >= most):
        container = _Container(nodes[key], children[key], grouped[key], depths[key])
        scored.append(((_substantial(container), len(children[key]), depths[key]), container))
    scored.sort(key=lambda item: item[0], reverse=True)
    best = next((s for s in scored if s[0][0] >= 2 and not in_aside(s[1].node)), None)
    if best is None:
        return None
    keys = [*_twins(best[1].node, nodes), *_alike(best[1], nodes, children, grouped)]
    twins = [_Container(nodes[key], children[key], grouped[key], best[1].depth) for key in keys]
    return best[0], [best[1], *twins] if twins else [best[1]]


def _stamped_children(anchors: list[Anchor]) -> tuple[
    dict[int, LexborNode], dict[int, dict[int, LexborNode]], dict[int, dict[int, list[Anchor]]]
]:
    """Every ancestor of a stamp (by mem_id), its children that lead to stamps, and the
    stamps under each of those children."""
    nodes: dict[int, LexborNode] = {}
    children: dict[int, dict[int, LexborNode]] = defaultdict(dict)
    grouped: dict[int, dict[int, list[Anchor]]] = defaultdict(lambda: defaultdict(list))
    known: dict[int, list[tuple[int, LexborNode]]] = {}
    for anchor in anchors:
        chain = _ancestors(anchor.node, known)
        for (parent_key, parent), (child_key, child) in zip(chain[1:], chain, strict=False):
            nodes[parent_key] = parent
            children[parent_key][child_key] = child
            grouped[parent_key][child_key].append(anchor)
    return nodes, children, grouped


def _depths(targets: list[LexborNode]) -> dict[int, int]:
    """Each node's depth (the root's is 0) by mem_id; every ancestor is walked once, so a
    page nested thousands deep costs its size, not its depth for every node."""
    known: dict[int, int] = {}
    for node in targets:
        chain: list[LexborNode] = []
        current: LexborNode | None = node
        while current is not None and current.mem_id not in known:
            chain.append(current)
            current = current.parent
        depth = known[current.mem_id] if current is not None else -1
        for ancestor in reversed(chain):
            depth += 1
            known[ancestor.mem_id] = depth
    return known


def in_aside(node: LexborNode, known: dict[int, bool] | None = None) -> bool:
    """Whether `node` sits in a sidebar, navigation or footer (a "Latest news" list with
    times and teasers can outnumber the story's own updates).

    `known` remembers the verdict of every element walked, for a caller asking of many
    nodes: each ancestor is then looked at once, however deep the page nests."""
    walked: list[int] = []
    verdict = False
    current: LexborNode | None = node
    while current is not None and current.tag not in ("body", "html", None):
        if known is not None and current.mem_id in known:
            verdict = known[current.mem_id]
            break
        attributes = current.attributes
        if current.tag in _ASIDE_TAGS or _ASIDE_CLASS.search(
                f"{attributes.get('class') or ''} {attributes.get('id') or ''}"):
            verdict = True
            break
        walked.append(current.mem_id)
        current = current.parent
    if known is not None:
        known.update(dict.fromkeys(walked, verdict))
    return verdict


def _twins(node: LexborNode, nodes: dict[int, LexborNode]) -> list[int]:
    parent, tag = node.parent, node.tag
    classes = node.attributes.get("class")
    return [
        key for key, other in nodes.items()
        if key != node.mem_id and other.tag == tag and other.parent is not None
        and parent is not None and other.parent.mem_id == parent.mem_id
        and other.attributes.get("class") == classes
    ]


def _alike(
    best: _Container, nodes: dict[int, LexborNode], children: dict[int, dict[int, LexborNode]],
    grouped: dict[int, dict[int, list[Anchor]]],
) -> list[int]:
    """Sibling boxes of another class holding updates stamped exactly as the container's are
    (the newest update set apart above the rest: "<div class=lead><p><strong>17.00</strong>"):
    the same child tag, the same stamp element, a time of day alone."""
    parent = best.node.parent
    if parent is None or not _is_flat(best):
        return []
    child_tags = {child.tag for child in best.children.values()}
    stamp_tags = {a.node.tag for anchors in best.anchors.values() for a in anchors}
    found = []
    for key, other in nodes.items():
        if (key == best.node.mem_id or other.tag != best.node.tag or other.parent is None
                or other.parent.mem_id != parent.mem_id
                or other.attributes.get("class") == best.node.attributes.get("class")):
            continue
        anchors = [a for kid in grouped[key].values() for a in kid]
        if (all(child.tag in child_tags for child in children[key].values())
                and all(a.node.tag in stamp_tags for a in anchors) and not _dated(anchors)):
            found.append(key)
    return found


# How far above a stamp its update's container may sit: posts put their time a few levels
# down, and a page nested thousands deep (a time at every level) must not cost depth squared.
_MAX_CLIMB = 32


def _ancestors(
    node: LexborNode, known: dict[int, list[tuple[int, LexborNode]]]
) -> list[tuple[int, LexborNode]]:
    """`node` and up to _MAX_CLIMB of its ancestors below <html>, each with its mem_id.

    Stamps share most of their ancestors: `known` holds the chain of every node met, so
    each element is climbed through once."""
    pending: list[tuple[int, LexborNode]] = []
    chain: list[tuple[int, LexborNode]] = []
    current = node
    while True:
        key = current.mem_id
        if key in known:
            chain = known[key]
            break
        pending.append((key, current))
        parent = current.parent
        if parent is None or parent.tag in ("html", None):
            break
        current = parent
    for entry in reversed(pending):
        chain = [entry, *chain[:_MAX_CLIMB]]
        known[entry[0]] = chain
    return chain


def _substantial(container: _Container) -> int:
    """How many stamped children say something of their own: words beyond their times and
    links. Length is no test (real updates can be one word, "GOAL!"), but a child that is
    all link ("Most read" lists, related stories with times) is a list of other pages."""
    count = 0
    flat = _is_flat(container)
    for key, child in container.children.items():
        anchor_text = sum(
            min(len(a.node.text(strip=True)), _ANCHOR_CHARS)
            for a in container.anchors[key]
            if a.node.mem_id != key
        )
        whole = len(child.text(strip=True))
        length = whole - anchor_text - _link_chars(child, whole)
        sibling = child.next if flat else None
        while length < _OWN_CHARS and sibling is not None:
            if sibling.mem_id in container.children:
                break
            whole = len(sibling.text(strip=True))
            length += whole - _link_chars(sibling, whole)
            sibling = sibling.next
        count += length >= _OWN_CHARS
    return count


def _link_chars(node: LexborNode, length: int) -> int:
    """Characters of `node`'s text inside links; not counted for long texts, which are
    never all links (a teaser card wrapped in one link runs to a few hundred)."""
    if node.tag == "a":
        return length
    if node.tag == "-text" or length > _ALL_LINK_CHARS:
        return 0
    return sum(len(link.text(strip=True)) for link in node.css("a"))


def _is_flat(container: _Container) -> bool:
    tags = [child.tag for child in container.children.values()]
    return sum(tag in _FLAT_TAGS for tag in tags) * 2 > len(tags)


def _candidates(
    container: _Container, base_url: str, month_first: bool, header: Day | None
) -> list[Candidate]:
    if _is_flat(container):
        return _flat(container, base_url, month_first, header)
    found: list[Candidate] = []
    tag, classes = _dominant(container)
    for child in container.node.iter():
        if child.tag != tag or not _shares_class(child, classes):
            header = day_header(child, month_first=month_first) or header
            continue
        anchors = container.anchors.get(child.mem_id)
        candidate = block_candidate(child, anchors or [], base_url, month_first=month_first)
        if candidate is not None:
            found.append(_under(candidate, header))
    return found


def _flat(
    container: _Container, base_url: str, month_first: bool, header: Day | None
) -> list[Candidate]:
    found: list[Candidate] = []
    run: list[LexborNode] = []
    anchors: list[Anchor] = []
    openers = [key for key, child in container.children.items() if child.tag in _FLAT_TAGS]
    time_only = sum(not _dated(container.anchors[key]) for key in openers) * 2 > len(openers)
    for child in container.node.iter(include_text=True):
        stamped = child.mem_id in container.anchors
        new_header = (
            None if stamped or child.tag == "-text" else day_header(child, month_first=month_first)
        )
        if run and (stamped or new_header):
            _add(found, segment_candidate(run, anchors, base_url), header)
            run = []
        header = new_header or header
        if stamped and not (time_only and _dated_box(child, container)):
            run, anchors = [child], container.anchors[child.mem_id]
        elif run:
            run.append(child)
    if run:
        _add(found, segment_candidate(run, anchors, base_url), header)
    return found


def _dated_box(child: LexborNode, container: _Container) -> bool:
    """A box (not a heading or paragraph) whose stamp carries a date: among updates opened
    by times of day, that is the article's own header or a "more on this" panel with its
    teasers' dates, not an update; it ends the one above it."""
    return child.tag not in _FLAT_TAGS and _dated(container.anchors[child.mem_id])


def _dated(anchors: list[Anchor]) -> bool:
    return any(a.hint.instant is not None or (a.hint.shown is not None
                                              and a.hint.shown.day is not None) for a in anchors)


def _add(found: list[Candidate], candidate: Candidate | None, header: Day | None) -> None:
    if candidate is not None:
        found.append(_under(candidate, header))


def day_header(node: LexborNode, *, month_first: bool = False) -> Day | None:
    """The day a short date-only element ("Tuesday 27 August 2024") announces, if it is one."""
    text = node.text(strip=True)
    if not text or len(text) > 40 or find_clock(text) is not None:
        return None
    found = find_day(text, month_first=month_first)
    if found is None:
        return None
    rest = text[: found[1].start()] + text[found[1].end() :]
    return found[0] if len(_LETTERS.sub("", rest)) <= 12 else None


def _under(candidate: Candidate, header: Day | None) -> Candidate:
    if header is None or candidate.header_day is not None:
        return candidate
    return replace(candidate, header_day=header)


def _classes(node: LexborNode) -> frozenset[str]:
    return frozenset((node.attributes.get("class") or "").split())


def _shares_class(node: LexborNode, classes: frozenset[str]) -> bool:
    return not classes or bool(_classes(node) & classes)


def _dominant(container: _Container) -> tuple[str, frozenset[str]]:
    """The tag of most stamped children and the classes most of those share."""
    tags: dict[str, int] = defaultdict(int)
    for child in container.children.values():
        tags[child.tag or ""] += 1
    tag = max(tags, key=lambda key: tags[key])
    counts: dict[str, int] = defaultdict(int)
    same = [c for c in container.children.values() if c.tag == tag]
    for child in same:
        for name in _classes(child):
            counts[name] += 1
    return tag, frozenset(name for name, n in counts.items() if n * 2 > len(same))
