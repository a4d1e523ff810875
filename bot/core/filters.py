"""Include/exclude word matching (docs/BEHAVIOUR.md, Chat commands). Pure; compile once, match many.

A word matches whole words only, ignoring case and accents ("Iran" matches
"IRÁN", not "Iranian"); a trailing `*` makes it a prefix ("sanction*" matches
"sanctions"); a quoted phrase matches its words consecutively; a word that is
only digits is a word like any other. An entry passes a level of filters when
(there are no include words or any matches) and no exclude word matches.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from bot.core.errors import BadArgument
from bot.core.model import Entry

MAX_WORD_CHARS = 100
_EXAMPLE = 'example: /filter add iran "red sea" sanction*'
# Opening quote -> the quotes that may close it (typographers mix them up).
_QUOTES = {
    '"': '"”“',
    "“": '”“"',
    "”": '”“"',
    "„": '“”"',
    "'": "'’‘",
    "‘": "’‘'",
    "’": "’'",
    "«": "»",
    "»": "«",
}
_APOSTROPHES = "'’"
_APOSTROPHE_CLOSE = re.compile(r"['’‘](?=\s|\*|$)")
_WORD = re.compile(r"\w+")

Words = tuple[str, ...]
Level = tuple[Words, Words]
"""(include words, exclude words) of one level."""
Levels = tuple[Level, Level]
"""The chat's level, then the subscription's: an entry must pass both."""


def parse_words(text: str) -> tuple[str, ...]:
    """Split a command's word list into words and phrases, each kept as written.

    Whitespace separates words; straight or curly quotes (or « ») group a
    phrase, kept without its quotes and with single spaces; a trailing `*`
    marks a prefix. Raises BadArgument on an
    unterminated quote, an empty word or phrase, a lone `*`, or a word with no
    letters or digits.
    """
    words: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char.isspace():
            index += 1
            continue
        if char in _QUOTES and _opens_phrase(text, index):
            word, index = _read_phrase(text, index)
        else:
            end = index
            while end < len(text) and not text[end].isspace():
                end += 1
            word, index = text[index:end], end
        _check_word(word)
        words.append(word)
    return tuple(words)


def _opens_phrase(text: str, index: int) -> bool:
    """Whether the quote at `index` opens a phrase.

    ' and ’ are apostrophes too: inside a word ("don't"), or never closed
    ("'90s"), they are part of the word, not an unterminated phrase.
    """
    if text[index] in _APOSTROPHES:
        starts_word = index == 0 or text[index - 1].isspace()
        return starts_word and _closing_quote(text, index) != -1
    return True


def _closing_quote(text: str, index: int) -> int:
    """Where the phrase opened at `index` closes, or -1.

    A phrase in apostrophe-like quotes closes only at the end of a word, so
    "'don't stop'" is one phrase.
    """
    if text[index] in _APOSTROPHES:
        match = _APOSTROPHE_CLOSE.search(text, index + 1)
        return match.start() if match else -1
    closers = _QUOTES[text[index]]
    return min((at for c in closers if (at := text.find(c, index + 1)) != -1), default=-1)


def _read_phrase(text: str, index: int) -> tuple[str, int]:
    """The phrase between the quote at `index` and its closing quote, and the index after."""
    end = _closing_quote(text, index)
    if end == -1:
        raise BadArgument(f"a quote is not closed: {text[index:][:40]!r}; {_EXAMPLE}")
    phrase = " ".join(text[index + 1 : end].split())
    if not phrase or phrase == "*":
        raise BadArgument(f"an empty phrase in quotes; {_EXAMPLE}")
    # A "*" right after the closing quote makes the phrase's last word a prefix.
    end += 1
    if end < len(text) and text[end] == "*":
        phrase, end = f"{phrase}*", end + 1
    if end < len(text) and not text[end].isspace():
        raise BadArgument(f"put a space after the closing quote of {phrase!r}; {_EXAMPLE}")
    return phrase, end


def _check_word(word: str) -> None:
    if word.strip("*") == "":
        raise BadArgument(f"a lone '*' is not a word: put it after one, like sanction*; {_EXAMPLE}")
    if not _WORD.search(word):
        raise BadArgument(f"{word!r} has no letters or digits to match; {_EXAMPLE}")
    if len(word) > MAX_WORD_CHARS:
        raise BadArgument(f"a word is over {MAX_WORD_CHARS} characters; {_EXAMPLE}")


def fold(text: str) -> str:
    """`text` without case or accents: casefolded, combining marks removed (NFKD)."""
    if text.isascii():
        return text.lower()
    return unicodedata.normalize("NFKD", text.casefold()).translate(_STRIP_MARKS)


class _CombiningMarks(dict[int, int | None]):
    """A str.translate table that drops combining marks, filled as characters are met."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_STRIP_MARKS = _CombiningMarks()


# Whole words: the start is checked once, outside the alternation, because a
# lookbehind inside each of fifty alternatives makes the search 20 times slower.
_WORD_START = r"(?<!\w)"


def _pattern(word: str) -> str:
    """The regex of one word or phrase, on folded text, after a word start."""
    prefix = word.endswith("*")
    tokens = _WORD.findall(fold(word.rstrip("*")))
    body = r"\W+".join(re.escape(token) for token in tokens)
    tail = r"\w*" if prefix else r"(?!\w)"
    return f"{body}{tail}"


@dataclass(frozen=True, slots=True)
class Matcher:
    """Precompiled words: `find` tells which of them occur in a text.

    `_any` is all the words in one regex, so a text that matches none (most
    texts) costs one pass; `_each` then tells which words matched, including
    overlapping ones ("red" and "red sea") that one alternation would hide.
    """

    words: tuple[str, ...]
    _any: re.Pattern[str] | None
    _each: tuple[tuple[str, re.Pattern[str]], ...]

    def find(self, text: str) -> tuple[str, ...]:
        """The words (as written, in the order given) that occur in `text`."""
        return self.find_folded(fold(text))

    def find_folded(self, folded: str) -> tuple[str, ...]:
        """Like `find`, for a text already passed through `fold` (fold once, match many)."""
        if self._any is None or not self._any.search(folded):
            return ()
        return tuple(word for word, regex in self._each if regex.search(folded))

    def __bool__(self) -> bool:
        return bool(self.words)


def compile_words(words: Sequence[str]) -> Matcher:
    """All `words` (duplicates once) compiled, to be matched against many texts.

    Words without letters or digits match nothing. Cached: the same words compile once.
    """
    return _compile(tuple(dict.fromkeys(words)))


@lru_cache(maxsize=4096)
def _compile(words: tuple[str, ...]) -> Matcher:
    patterns = [(word, _pattern(word)) for word in words if _WORD.search(word)]
    if not patterns:
        return Matcher(words, None, ())
    combined = re.compile(_WORD_START + "(?:" + "|".join(pattern for _, pattern in patterns) + ")")
    each = tuple((word, re.compile(_WORD_START + pattern)) for word, pattern in patterns)
    return Matcher(words, combined, each)


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether an entry passes the filters, and the include words that matched, as written."""

    passed: bool
    matched: tuple[str, ...]


def judge(
    title: str | None, text: str, *, include: Sequence[str], exclude: Sequence[str]
) -> Verdict:
    """Whether an entry (headline and text) passes one level of filters.

    Passes when (no include words, or any matches) and no exclude word matches.
    `matched` lists the include words that occur, as written, even when an
    exclude word drops the entry.
    """
    return _judge_folded(_haystack(title, text), include, exclude)


def entry_words(entry: Entry) -> str:
    """What filters read of an entry besides its headline: its text, then the words and
    authors of the posts it quotes and the titles of what it plays (a chat filtering on a
    word inside a quoted tweet hears it)."""
    quoted = [part for embed in entry.embeds for part in (embed.text, embed.author) if part]
    return "\n".join((entry.text, *quoted)) if quoted else entry.text


def _haystack(title: str | None, text: str) -> str:
    # A newline keeps the headline's last word and the text's first word apart.
    return fold(f"{title}\n{text}" if title else text)


def _judge_folded(folded: str, include: Sequence[str], exclude: Sequence[str]) -> Verdict:
    matched = compile_words(include).find_folded(folded) if include else ()
    excluded = bool(exclude) and bool(compile_words(exclude).find_folded(folded))
    return Verdict((not include or bool(matched)) and not excluded, matched)


def judge_levels(
    title: str | None, text: str, levels: Sequence[tuple[Sequence[str], Sequence[str]]]
) -> Verdict:
    """Whether an entry passes every level of `(include, exclude)` filters (chat, subscription).

    `matched` is the union of each level's matched include words, in order, once each.
    """
    folded = _haystack(title, text)
    matched: dict[str, None] = {}
    passed = True
    for include, exclude in levels:
        verdict = _judge_folded(folded, include, exclude)
        passed = passed and verdict.passed
        matched.update(dict.fromkeys(verdict.matched))
    return Verdict(passed, tuple(matched))


Reason = Literal["include", "exclude", "no include", "no exclude", "no filters"]


@dataclass(frozen=True, slots=True)
class Decision:
    """Why an entry passes or is dropped (`/filter test`): what decided, the word, the level.

    `reason`: "include" (an include word matched; passes), "exclude" (an exclude word
    matched; dropped), "no include" (include words, none matched; dropped), "no exclude"
    (only exclude words, none matched; passes), "no filters" (passes). `level` is the
    index in the levels of the one that decided (0: the chat's, 1: the subscription's),
    None for "no filters".
    """

    passed: bool
    reason: Reason
    word: str | None = None
    level: int | None = None


def decide_levels(
    title: str | None, text: str, levels: Sequence[tuple[Sequence[str], Sequence[str]]]
) -> Decision:
    """What decides whether an entry passes every level, as `judge_levels` judges it.

    The first level that drops the entry decides (an exclude word before a missing
    include word); an entry that passes was let through by the first include word
    that matched, else by the exclude words that did not.
    """
    folded = _haystack(title, text)
    let_through: Decision | None = None
    for level, (include, exclude) in enumerate(levels):
        excluded = compile_words(exclude).find_folded(folded) if exclude else ()
        if excluded:
            return Decision(False, "exclude", excluded[0], level)
        matched = compile_words(include).find_folded(folded) if include else ()
        if include and not matched:
            return Decision(False, "no include", None, level)
        if let_through is None or let_through.reason == "no exclude":
            if matched:
                let_through = Decision(True, "include", matched[0], level)
            elif exclude and let_through is None:
                let_through = Decision(True, "no exclude", None, level)
    return let_through or Decision(True, "no filters")
