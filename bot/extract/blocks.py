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

from bot.extract.anchors import Anchor, find_anchors
from bot.extract.blocktext import HEADINGS
from bot.extract.candidate import Candidate
from bot.extract.clock import find_clock, find_day
from bot.extract.segments import block_candidate, segment_candidate

_FLAT_TAGS = HEADINGS | {"p", "strong", "b", "span", "em", "time", "a", "dt", "font"}
_MIN_WORDS = 40
_LETTERS = re.compile(r"[\W\d_]+")
Day = tuple[int | None, int, int]


@dataclass(frozen=True, slots=True)
class _Container:
    node: LexborNode
    children: dict[int, LexborNode]
    anchors: dict[int, list[Anchor]]
    depth: int


def html_candidates(
    body: LexborNode, now: datetime, base_url: str, epoch_names: frozenset[str] = frozenset()
) -> list[Candidate]:
    """Candidates from the best repeated-block container under `body`, page order."""
    anchors = find_anchors(body, now, epoch_names)
    clocked = _best_container([a for a in anchors if not a.hint.minute])
    minutes = _best_container([a for a in anchors if a.hint.minute])
    # Match commentary timed in minutes wins only where it outnumbers clock-timed blocks.
    best = max((c for c in (clocked, minutes) if c is not None), key=lambda c: c[0], default=None)
    return _candidates(best[1], base_url) if best is not None else []


def _best_container(anchors: list[Anchor]) -> tuple[tuple[int, int, int], _Container] | None:
    nodes: dict[int, LexborNode] = {}
    children: dict[int, dict[int, LexborNode]] = defaultdict(dict)
    grouped: dict[int, dict[int, list[Anchor]]] = defaultdict(lambda: defaultdict(list))
    depths: dict[int, int] = {}
    for anchor in anchors:
        chain = _ancestors(anchor.node)
        for depth, (parent, child) in enumerate(zip(chain[1:], chain, strict=False)):
            nodes[parent.mem_id] = parent
            children[parent.mem_id][child.mem_id] = child
            grouped[parent.mem_id][child.mem_id].append(anchor)
            depths[parent.mem_id] = len(chain) - depth
    ranked = sorted(
        (key for key, kids in children.items() if len(kids) >= 2),
        key=lambda key: (len(children[key]), depths[key]),
        reverse=True,
    )[:6]
    # Containers with far fewer stamped children than the best sit near the root, where
    # measuring their children's text would read the whole page again.
    most = len(children[ranked[0]]) if ranked else 0
    ranked = [key for key in ranked if len(children[key]) * 4 >= most]
    best: tuple[tuple[int, int, int], _Container] | None = None
    for key in ranked:
        container = _Container(nodes[key], children[key], grouped[key], depths[key])
        score = (_substantial(container), len(container.children), container.depth)
        if score[0] >= 2 and (best is None or score > best[0]):
            best = (score, container)
    return best


def _ancestors(node: LexborNode) -> list[LexborNode]:
    chain = [node]
    parent = node.parent
    while parent is not None and parent.tag not in ("body", "html", None):
        chain.append(parent)
        parent = parent.parent
    return chain


def _substantial(container: _Container) -> int:
    count = 0
    flat = _is_flat(container)
    for key, child in container.children.items():
        anchor_text = sum(
            min(len(a.node.text(strip=True)), _MIN_WORDS)
            for a in container.anchors[key]
            if a.node.mem_id != key
        )
        length = len(child.text(strip=True)) - anchor_text
        sibling = child.next if flat else None
        while length < _MIN_WORDS and sibling is not None:
            if sibling.mem_id in container.children:
                break
            length += len(sibling.text(strip=True))
            sibling = sibling.next
        count += length >= _MIN_WORDS
    return count


def _is_flat(container: _Container) -> bool:
    tags = [child.tag for child in container.children.values()]
    return sum(tag in _FLAT_TAGS for tag in tags) * 2 > len(tags)


def _candidates(container: _Container, base_url: str) -> list[Candidate]:
    if _is_flat(container):
        return _flat(container, base_url)
    found: list[Candidate] = []
    tag, classes = _dominant(container)
    header: Day | None = None
    for child in container.node.iter():
        if child.tag != tag or not _shares_class(child, classes):
            header = day_header(child) or header
            continue
        anchors = container.anchors.get(child.mem_id)
        candidate = block_candidate(child, anchors or [], base_url)
        if candidate is not None:
            found.append(_under(candidate, header))
    return found


def _flat(container: _Container, base_url: str) -> list[Candidate]:
    found: list[Candidate] = []
    run: list[LexborNode] = []
    anchors: list[Anchor] = []
    header: Day | None = None
    for child in container.node.iter(include_text=True):
        stamped = child.mem_id in container.anchors
        new_header = None if stamped or child.tag == "-text" else day_header(child)
        if run and (stamped or new_header):
            found.append(_under(segment_candidate(run, anchors, base_url), header))
            run = []
        header = new_header or header
        if stamped:
            run, anchors = [child], container.anchors[child.mem_id]
        elif run:
            run.append(child)
    if run:
        found.append(_under(segment_candidate(run, anchors, base_url), header))
    return [c for c in found if c.text or c.title]


def day_header(node: LexborNode) -> Day | None:
    """The day a short date-only element ("Tuesday 27 August 2024") announces, if it is one."""
    text = node.text(strip=True)
    if not text or len(text) > 40 or find_clock(text) is not None:
        return None
    found = find_day(text)
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
