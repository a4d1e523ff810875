"""`/catchup`, pure: one message saying what happened in a window of updates
(docs/BEHAVIOUR.md, Chat commands).

A header names the window, then a few lines, newest first, each with its time
in the chat's zone and a link to the update it draws on; what does not fit is
folded into one closing line. The lines are extractive (the headline, else the
first sentence, of each update) or an LLM's, parsed from its answer: each of
its sentences must cite the updates it draws on by number (`[3]`, `[2][5]`),
and only sentences that cite updates it was given are kept, so the times and
links always come from the updates, never from the model.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.model import Entry, StoryRef
from bot.core.render import one_line, safe_link, zone_of
from bot.core.summarize import first_sentence

GIST_CHARS = 160
"""An extractive line's gist: the headline or first sentence, cut to this."""
STORY_CHARS = 60
"""A story's title in a line naming several stories."""
LLM_LINES = 8
"""Lines an LLM's catch-up may have."""

_CITED = re.compile(r"\s*(?P<text>[^\[\]]+?)\s*(?P<cites>(?:\[\s*\d+(?:\s*,\s*\d+)*\s*\]\s*)+)")
_NUMBER = re.compile(r"\d+")
_BULLET = re.compile(r"^(?:[-*•·–]|\d+[.)])\s+")


@dataclass(frozen=True, slots=True)
class Happened:
    """One update in the window, with the story it belongs to; `at` is when it happened
    (its published time, else when it was first seen)."""

    story: StoryRef
    entry: Entry
    at: datetime


@dataclass(frozen=True, slots=True)
class CatchupLine:
    """One sentence of an LLM's catch-up and the updates it draws on (indexes, newest first)."""

    text: str
    sources: tuple[int, ...]


def newest_first(window: Sequence[Happened]) -> list[Happened]:
    """The window's updates, newest first (the order the lines and the LLM's numbers use)."""
    return sorted(window, key=lambda happened: happened.at, reverse=True)


def parse_catchup_answer(answer: str, count: int) -> list[CatchupLine]:
    """The sentences of an LLM's answer that cite at least one of the `count` updates it was
    given (numbered from 1, newest first), at most `LLM_LINES`; citations of other numbers
    are dropped, and so is a sentence left citing none."""
    lines: list[CatchupLine] = []
    for match in _CITED.finditer(answer):
        numbers = [int(n) for n in _NUMBER.findall(match["cites"])]
        sources = tuple(dict.fromkeys(n - 1 for n in numbers if 1 <= n <= count))
        text = _BULLET.sub("", one_line(match["text"])).strip()
        if sources and text:
            lines.append(CatchupLine(text, sources))
        if len(lines) == LLM_LINES:
            break
    return lines


def compose_catchup(window: Sequence[Happened], *, since: datetime, until: datetime,
                    zone: str, limit: int, lines: Sequence[CatchupLine] | None = None) -> str:
    """The catch-up of `window` (newest first, see `newest_first`) within `limit` characters.

    With `lines` (an LLM's, parsed), one line each with the time of its newest source
    and links to its sources; otherwise one extractive line per update. Lines that do
    not fit are folded into a closing "…and N earlier updates" line.
    """
    stories = {happened.story.url for happened in window}
    header = _header(window, since, until, zone, len(stories))
    if not window:
        return header
    if lines:
        body = [_llm_line(line, window, until, zone) for line in lines]
        return _fit(header, body, limit, "more line")
    named = len(stories) > 1
    body = [_extractive_line(happened, until, zone, named=named) for happened in window]
    return _fit(header, body, limit, "earlier update")


def _header(window: Sequence[Happened], since: datetime, until: datetime, zone: str,
            stories: int) -> str:
    span = _span(until - since)
    if not window:
        return f"Nothing new in the last {span}."
    updates = f"{len(window)} update{'s' if len(window) != 1 else ''}"
    where = (f"in “{_title(window[0].story, 200)}”" if stories == 1
             else f"in {stories} stories")
    label = until.astimezone(zone_of(zone)).tzname() or zone
    return f"Catch-up of the last {span}: {updates} {where} (times {label}, newest first)"


def _extractive_line(happened: Happened, until: datetime, zone: str, *, named: bool) -> str:
    entry = happened.entry
    gist = one_line(first_sentence(entry.title, entry.text, GIST_CHARS))
    story = f"{_title(happened.story, STORY_CHARS)}: " if named else ""
    return f"{_clock(happened.at, until, zone)} · {story}{gist} {_link(happened)}"


def _llm_line(line: CatchupLine, window: Sequence[Happened], until: datetime,
              zone: str) -> str:
    sources = [window[index] for index in line.sources if index < len(window)]
    newest = max(sources, key=lambda happened: happened.at)
    links = " ".join(dict.fromkeys(_link(happened) for happened in sources[:3]))
    return f"{_clock(newest.at, until, zone)} · {line.text} {links}"


def _fit(header: str, body: list[str], limit: int, noun: str) -> str:
    """The header and as many whole lines as fit in `limit` with room for the fold line
    ("…and 3 earlier updates.") when some are left out; no line is shown cut."""
    kept: list[str] = []
    size = len(header)
    for index, line in enumerate(body):
        left = len(body) - index - 1
        fold = 1 + len(_fold(left, noun)) if left else 0
        if size + 1 + len(line) + fold > limit:
            break
        kept.append(line)
        size += 1 + len(line)
    left = len(body) - len(kept)
    text = "\n".join([header, *kept, *([_fold(left, noun)] if left else [])])
    # Only a limit shorter than the header itself gets here.
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def _fold(left: int, noun: str) -> str:
    return f"…and {left} {noun}{'s' if left != 1 else ''}."


def _clock(at: datetime, until: datetime, zone: str) -> str:
    """The time in the chat's zone: "14:05", with the day when it is not `until`'s."""
    tz = zone_of(zone)
    local, today = at.astimezone(tz), until.astimezone(tz)
    if local.date() == today.date():
        return f"{local:%H:%M}"
    return f"{local.day} {local:%b %H:%M}"


def _link(happened: Happened) -> str:
    return safe_link(happened.entry.url) or safe_link(happened.story.url) or ""


def _title(story: StoryRef, limit: int) -> str:
    title = one_line(story.title or "") or story.url
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


def _span(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    hours, minutes = divmod(seconds // 60, 60)
    if hours and minutes:
        return f"{hours} h {minutes} min"
    return f"{hours} h" if hours else f"{max(minutes, 1)} min"


class ExtractiveCatchup:
    """The catch-up without an LLM (satisfies `bot.core.ports.CatchupWriter`)."""

    async def catchup(self, window: Sequence[Happened], *, since: datetime, until: datetime,
                      zone: str, limit: int, within: float | None = None) -> str:
        """The extractive catch-up; see `compose_catchup`."""
        return compose_catchup(newest_first(window), since=since, until=until, zone=zone,
                               limit=limit)
