"""The words of an update's HTML: paragraphs without furniture, and its headline."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from selectolax.lexbor import LexborNode

from bot.core.extract.furniture import FURNITURE_CLASS, SKIP_TAGS, clean_paragraphs

BLOCK_TAGS = frozenset(
    {"p", "div", "li", "ul", "ol", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "section",
     "article", "figure", "table", "tr", "dd", "dt", "header", "footer", "aside", "pre"}
)
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_TITLE_CLASS = re.compile(r"title|headline|heading|header-text", re.IGNORECASE)


def paragraphs(nodes: Iterable[LexborNode], skip: set[int]) -> list[str]:
    """Paragraph texts under `nodes`, skipping elements whose mem_id is in `skip`,
    scripts, buttons, and elements whose class or id names furniture.
    """
    out: list[str] = []
    buffer: list[str] = []
    for node in nodes:
        _walk(node, skip, out, buffer)
    if buffer:
        _flush(out, buffer)
    return clean_paragraphs(out)


def _walk(node: LexborNode, skip: set[int], out: list[str], buffer: list[str]) -> None:
    text = node.text_content  # None unless a text node: one call instead of two for most
    if text is not None:
        buffer.append(text)
        return
    tag = node.tag
    if tag == "-text":
        buffer.append(node.text(deep=False))
        return
    if tag in SKIP_TAGS or tag == "-comment" or node.mem_id in skip or _is_furniture(node):
        return
    if tag == "br":
        if buffer:
            _flush(out, buffer)
        return
    block = tag in BLOCK_TAGS
    if block and buffer:
        _flush(out, buffer)
    for child in node.iter(include_text=True):
        _walk(child, skip, out, buffer)
    if block and buffer:
        _flush(out, buffer)


def _flush(out: list[str], buffer: list[str]) -> None:
    text = " ".join("".join(buffer).split())
    if text:
        out.append(text)
    buffer.clear()


def _is_furniture(node: LexborNode) -> bool:
    attributes = node.attributes
    if not attributes:
        return False
    if attributes.get("aria-hidden") == "true" or "hidden" in attributes:
        return True
    return _furniture_marks(attributes.get("class") or "", attributes.get("id") or "")


@lru_cache(maxsize=4096)
def _furniture_marks(classes: str, ident: str) -> bool:
    # Pages repeat the same few class strings thousands of times: remember the verdicts.
    return FURNITURE_CLASS.search(f"{classes} {ident}") is not None


def find_title(block: LexborNode, skip: set[int]) -> LexborNode | None:
    """The update's headline element: its first heading, else an element classed as a title."""
    block_key = block.mem_id
    for node in block.traverse():
        key = node.mem_id
        if key in skip or key == block_key:
            continue
        tag = node.tag
        if tag in HEADINGS or (
            tag in ("span", "div", "p", "strong")
            and _TITLE_CLASS.search(node.attributes.get("class") or "")
        ):
            text = " ".join(node.text().split())
            if 3 <= len(text) <= 300:
                return node
    return None
