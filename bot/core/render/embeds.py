"""An alert's embed lines, the same on every output: "▶ Video: title", "🎧 Audio: title",
"Quoted @name: words", each with its link (docs/BEHAVIOUR.md, Alerts).

Each output links the line's lead ("▶ Video", "Quoted @name") and trims only its words, so a
link is never cut.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.model import Entry
from bot.core.render import one_line, safe_link

EMBEDS_SHOWN = 4
"""An alert shows at most this many embed lines (a page quoting a dozen tweets stays short)."""
WORDS_CHARS = 280
"""An embed line's words are cut to this much before the output's own trimming."""
_AUTHOR_CHARS = 64
_LEADS = {"video": "▶ Video", "audio": "🎧 Audio"}
# How much of an embed's words must open the summary for them to count as already shown.
_SHOWN_CHARS = 60
_NON_WORD = re.compile(r"\W+")


@dataclass(frozen=True, slots=True)
class EmbedLine:
    """One embed as a line: its `lead` (the linked part), its `words` (may be "") and `url`."""

    lead: str
    words: str
    url: str


def embed_lines(entry: Entry, summary: str) -> list[EmbedLine]:
    """The entry's embeds with a safe http(s) link, as lines, at most EMBEDS_SHOWN.

    A post's words already in `summary` (an update made only of a quoted post says them) are
    left out of its line, so they are not shown twice.
    """
    lines: list[EmbedLine] = []
    shown = _folded(summary)
    for embed in entry.embeds:
        url = safe_link(embed.url)
        if url is None:
            continue
        words = one_line(embed.text)
        opening = _folded(words[:_SHOWN_CHARS])
        if opening and opening in shown:
            words = ""
        if embed.kind == "post":
            author = _cut(one_line(embed.author or ""), _AUTHOR_CHARS)
            lead = f"Quoted {author}" if author else "Quoted post"
        else:
            lead = _LEADS.get(embed.kind, "▶ Video")
        lines.append(EmbedLine(lead, _cut(words, WORDS_CHARS), url))
        if len(lines) == EMBEDS_SHOWN:
            break
    return lines


def _folded(text: str) -> str:
    return _NON_WORD.sub("", text.casefold())


def _cut(words: str, limit: int) -> str:
    if len(words) <= limit:
        return words
    head = words[:limit - 1]
    return (head.rsplit(" ", 1)[0] if " " in head else head) + "…"
