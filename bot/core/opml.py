"""A chat's subscriptions as OPML 2.0, written and read.

Reading takes files from anyone: the parser resolves no entity, loads no DTD, reaches
no network and keeps lxml's limits on (no huge tree); a document that declares a DTD
or an entity, passes MAX_BYTES, or holds more than MAX_OUTLINES outlines is refused
whole, so an import changes nothing or follows what a well-formed file names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from lxml import etree

from bot.core.errors import BadOpml
from bot.core.render import one_line

MAX_BYTES = 1 << 20
MAX_OUTLINES = 500
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")
"""Characters no XML 1.0 document may hold, besides the controls `one_line` drops."""
_ENTITIES = "the file declares a DTD or uses entities, which an OPML import refuses"


@dataclass(frozen=True, slots=True)
class Outline:
    """One followed story in an OPML file: its URL, its title, and whether it is a feed
    (written as `xmlUrl`) or a page (written as `htmlUrl`)."""

    url: str
    title: str
    feed: bool = False


def write_opml(title: str, outlines: Sequence[Outline]) -> str:
    """An OPML 2.0 document named `title` with one outline per story."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<opml version="2.0">',
             f"  <head><title>{_text(title)}</title></head>", "  <body>"]
    lines += [f"    {_outline(outline)}" for outline in outlines]
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines)


def _outline(outline: Outline) -> str:
    if outline.feed:
        link = f'type="rss" xmlUrl="{_text(outline.url)}"'
    else:
        link = f'type="link" htmlUrl="{_text(outline.url)}"'
    name = _text(outline.title)
    return f'<outline text="{name}" title="{name}" {link}/>'


def _text(value: str) -> str:
    """`value` escaped for XML, on one line without the control characters XML forbids (a
    page's title may hold them): a reader, storywatch's own among them, refuses those."""
    return escape(one_line(_NOT_XML.sub("", value)), {'"': "&quot;"})


def read_opml(data: bytes) -> list[str]:
    """The URLs an OPML file names, in order, each once: each outline's `xmlUrl`, else its
    `htmlUrl` (else its `url`, OPML 2.0's link outline); folders are flattened.

    Raises BadOpml with a one-line reason for a file that is too large, not XML, not OPML,
    declares a DTD or entities, or holds too many outlines.
    """
    if len(data) > MAX_BYTES:
        raise BadOpml(f"the file is over {MAX_BYTES // 1024} KiB, the most an import reads")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as error:
        if "entity" in str(error).lower():
            raise BadOpml(_ENTITIES) from None
        raise BadOpml(f"not an OPML file: the XML is malformed ({_first_line(error)})"
                      ) from None
    _refuse_declarations(root)
    if root.tag != "opml":
        raise BadOpml(f"not an OPML file: its root element is <{root.tag}>, not <opml>")
    return _urls(root)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True,
                           huge_tree=False, dtd_validation=False, remove_comments=True,
                           remove_pis=True)


def _refuse_declarations(root: etree._Element) -> None:
    """A DTD has no place in OPML; its entities are how billion-laughs and external
    entities attack, so any DTD is refused rather than read around."""
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.doctype:
        raise BadOpml(_ENTITIES)
    if any(isinstance(node, etree._Entity) for node in root.iter()):
        raise BadOpml(_ENTITIES)


def _urls(root: etree._Element) -> list[str]:
    urls: list[str] = []
    for count, outline in enumerate(root.iter("outline"), 1):
        if count > MAX_OUTLINES:
            raise BadOpml(f"the file holds more than {MAX_OUTLINES} outlines,"
                          " the most an import reads")
        url = _url(outline)
        if url and url not in urls:
            urls.append(url)
    return urls


def _url(outline: etree._Element) -> str:
    for name in ("xmlUrl", "htmlUrl", "url"):
        value = (outline.get(name) or "").strip()
        if value:
            return value
    return ""


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__
