"""The request `/catchup` makes of the chat endpoint: the window's updates, numbered newest
first, with their times, stories, headlines and text, bounded; and what the answer may be.

The answer is parsed by `bot.core.catchup.parse_catchup_answer`: only sentences citing the
numbers given here are kept, so the model is held to the updates it was shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.catchup import LLM_LINES, Happened
from bot.core.render import format_time, one_line

SYSTEM = (
    "You write a catch-up for someone who was away from live news stories. Use only the "
    "facts in the numbered updates you are given; add nothing, guess nothing. Write at most "
    "{lines} short sentences, newest events first, one per line, each at most {chars} "
    "characters and ending with the numbers of the updates it draws on in brackets, like "
    "[1] or [2][5]. Answer with those sentences only."
)
SENTENCE_CHARS = 200
ANSWER_CHARS = LLM_LINES * (SENTENCE_CHARS + 16)
"""The longest answer accepted: the lines asked for, with their citations."""
UPDATE_CHARS = 400
"""Of each update's text, the leading characters the model sees."""
PROMPT_CHARS = 12_000
"""The whole list of updates is cut here (the oldest left out): a bounded request."""


@dataclass(frozen=True, slots=True)
class CatchupRequest:
    """The prompt, and how many of the window's newest updates it numbers (1..count)."""

    system: str
    user: str
    count: int


def catchup_request(window: Sequence[Happened], zone: str) -> CatchupRequest:
    """The request for the catch-up of `window` (newest first), times in `zone`."""
    lines: list[str] = []
    size = 0
    for number, happened in enumerate(window, start=1):
        entry = happened.entry
        parts = [format_time(happened.at, zone),
                 one_line(happened.story.title or happened.story.url)]
        if entry.title:
            parts.append(one_line(entry.title))
        parts.append(one_line(entry.text)[:UPDATE_CHARS])
        line = f"[{number}] " + " | ".join(parts)
        if size + len(line) + 1 > PROMPT_CHARS:
            break
        lines.append(line)
        size += len(line) + 1
    system = SYSTEM.format(lines=LLM_LINES, chars=SENTENCE_CHARS)
    return CatchupRequest(system, "\n".join(lines), len(lines))
