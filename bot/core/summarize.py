"""The extractive summary of one update (docs/BEHAVIOUR.md, Summarize). Pure and offline.

The headline when there is one, then the leading sentences of the text, within
a character budget, never cut mid-word, with boilerplate ("Read more", share
widgets, bylines, "Advertisement") removed and whitespace collapsed.
"""

from __future__ import annotations

import re
import unicodedata

ELLIPSIS = "…"

# Lines that are boilerplate on their own: share widgets, bylines, ad slots.
# Case matters only for bylines: "By Jane Doe" is one, "by midnight" is not.
_BOILERPLATE_LINE = re.compile(
    r"""^\s*(?:
        (?i:advertisement | advert | sponsored(?:\s+content)?)
      | (?i:share(?:\s+(?:this(?:\s+\w+)?|on\s+\w+|via\s+\w+))?\s*(?::|…|\.{3})?)
      | (?i:(?:follow|like)\s+us\b.*)
      | (?i:(?:read|see|watch|learn)\s+more\b.*)
      | (?i:click\s+here\b.*)
      | [Bb]y\s+(?:[A-Z][\w'’.-]*\s*){1,4}(?:(?:and|&|,)\s*(?:[A-Z][\w'’.-]*\s*){1,4})*
      | (?i:(?:photo|image|video|source)\s*:.*)
    )\s*$""",
    re.VERBOSE,
)
# Boilerplate that also appears inside a paragraph, up to the end of it.
_BOILERPLATE_INLINE = re.compile(
    r"(?:\bread\s+more\s*(?::|…|\.{3}).*$"
    r"|\bclick\s+here\b.*$"
    r"|\bfollow\s+us\s+on\b.*$)",
    re.IGNORECASE,
)
# A sentence ends at . ! ? or … (with closing quotes/brackets) followed by a space.
_SENTENCE_END = re.compile(r"(?<=[.!?…])([\"'”’»)\]]*)\s+")
# "U.S." "Mr." "Jan." end a word, not a sentence; a following sentence is lost otherwise.
_ABBREVIATION = re.compile(
    r"(?:^|\W)(?:[A-Za-z]\.(?:[A-Za-z]\.)*|Mr|Mrs|Ms|Dr|Prof|Gen|Col|Lt|Sgt|Capt|Rep|Sen|Gov"
    r"|St|Jr|Sr|No|vs|etc|e\.g|i\.e|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.$"
)
_SPACE = re.compile(r"\s+")
_CONTROL_REPLACEMENTS = {"Cc": " ", "Cf": ""}
# How much of a text is read: far more than any budget needs, bounding the work
# for a pathological multi-megabyte update.
_READ_FACTOR = 20
_READ_MINIMUM = 10_000


def summarize(title: str | None, text: str, max_chars: int) -> str:
    """The headline, then the leading sentences of `text`, in at most `max_chars` characters.

    Returns "" when there is nothing to say or the budget is not positive.
    Never cuts a word: a first sentence too long for the budget is cut at a
    word boundary and ends with "…"; a headline too long likewise.
    """
    if max_chars <= 0:
        return ""
    headline = _collapse(_clean_control(title or ""))
    sentences = _sentences(_leading(text, max(_READ_MINIMUM, max_chars * _READ_FACTOR)))
    if headline and sentences and _same(sentences[0], headline):
        # The page repeats its headline as the first line of the text.
        sentences = sentences[1:]
    headline = _truncate(headline, max_chars)
    if len(headline) < max_chars:
        headline = _ensure_end(headline)
    return _append_sentences(headline, sentences, max_chars)


def first_sentence(title: str | None, text: str, max_chars: int) -> str:
    """The headline when there is one, else the first sentence of `text` (boilerplate
    skipped), within `max_chars`, cut at a word with "…" when longer. "" when empty."""
    headline = _collapse(_clean_control(title or ""))
    if not headline:
        sentences = _sentences(_leading(text, max(_READ_MINIMUM, max_chars * _READ_FACTOR)))
        headline = sentences[0] if sentences else ""
    return _truncate(headline, max_chars) if max_chars > 0 else ""


def _leading(text: str, limit: int) -> str:
    """The first `limit` characters of `text` or fewer, ending at whitespace (no cut word)."""
    if len(text) <= limit:
        return text
    cut = max(text.rfind(" ", 0, limit), text.rfind("\n", 0, limit))
    return text[:cut] if cut > 0 else ""


def _append_sentences(prefix: str, sentences: list[str], max_chars: int) -> str:
    """`prefix` followed by as many whole sentences as fit; a first one cut when none fits."""
    summary = prefix
    for index, sentence in enumerate(sentences):
        candidate = f"{summary} {sentence}" if summary else sentence
        if len(candidate) <= max_chars:
            summary = candidate
            continue
        if index == 0:
            room = max_chars - (len(summary) + 1 if summary else 0)
            cut = _truncate(sentence, room)
            if cut and cut != ELLIPSIS:
                summary = f"{summary} {cut}" if summary else cut
        break
    return summary


def _truncate(text: str, max_chars: int) -> str:
    """`text` when it fits; else its leading whole words and "…" within `max_chars`."""
    if len(text) <= max_chars:
        return text
    if max_chars <= 1:
        return ELLIPSIS if max_chars == 1 else ""
    head = text[: max_chars - 1]
    if not text[max_chars - 1].isspace():
        # Drop the partial word at the end; keep it only if nothing else remains.
        space = head.rfind(" ")
        head = head[:space] if space > 0 else ""
    head = head.rstrip(" ,;:-–—")
    return f"{head}{ELLIPSIS}" if head else ""


def _ensure_end(phrase: str) -> str:
    """Headlines and list items rarely end in punctuation; end them before the next sentence."""
    if phrase and phrase[-1] not in ".!?…:;\"'”’»)":
        return f"{phrase}."
    return phrase


def _sentences(text: str) -> list[str]:
    """The sentences of `text`, boilerplate dropped, whitespace collapsed.

    A line break ends a sentence too: a paragraph or a list item without a full
    stop must not run into the next one.
    """
    sentences: list[str] = []
    for line in _clean_control(text).splitlines():
        if not line.strip() or _BOILERPLATE_LINE.match(line):
            continue
        line = _collapse(_BOILERPLATE_INLINE.sub("", line))
        if line:
            *leading, last = _split_sentences(line)
            sentences.extend([*leading, _ensure_end(last)])
    return sentences


def _split_sentences(line: str) -> list[str]:
    """`line` cut after each full stop that ends a sentence, not an abbreviation."""
    parts: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(line):
        words = line[start : match.start()].split()
        if words and _ABBREVIATION.search(words[-1]):
            continue
        parts.append(line[start : match.end(1)])  # with its closing quote
        start = match.end()
    parts.append(line[start:])
    return [part for part in parts if part]


def _clean_control(text: str) -> str:
    """Control characters (but newlines and tabs) become spaces; format characters go.

    Format characters (soft hyphens, zero-width joiners, bidi overrides) sit
    inside words, so removing them keeps the word whole.
    """
    return "".join(
        char if char in "\n\t" else _CONTROL_REPLACEMENTS.get(unicodedata.category(char), char)
        for char in text
    )


def _collapse(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _same(sentence: str, headline: str) -> bool:
    """Whether a sentence is the headline again (ignoring case and final punctuation)."""

    def key(value: str) -> str:
        return value.casefold().rstrip(" .!?…:")

    return key(sentence) == key(headline)


class ExtractiveSummarizer:
    """The offline summarizer (satisfies `bot.core.ports.Summarizer`)."""

    offline = True

    async def summarize(self, title: str | None, text: str, max_chars: int) -> str:
        """The extractive summary; see `summarize`."""
        return summarize(title, text, max_chars)
