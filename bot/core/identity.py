"""Which entry is which: the marks an entry leaves in storage, by which a later fetch knows it.

An update's identity is the source's key where it gives one, else its content: the
extractor's derived key holds the clock the page shows and the opening words, never a
date dating derived. Marks:

- `k:` the key; always;
- `x:` the text alone, for a text long enough to be one update's own (a copy of it
  anywhere on the page, at any time, is that update); short texts ("No update", a score
  line) repeat, and stay apart by their key (shown clock, position);
- `f:` the (minute, text) fingerprint: kept because every entry stored before keys were
  content carries it, and so is still known after an upgrade.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from bot.core.model import Entry

OWN_TEXT_CHARS = 60
"""From this many normalised characters a text is taken to be one update's alone."""

_NON_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True, slots=True)
class Known:
    """An entry storage holds: `ref` is storage's reference to it, `entry` what was stored."""

    ref: int
    entry: Entry


def normalize_text(text: str) -> str:
    """Text reduced to what identifies it: compatibility forms, case, punctuation, spacing."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _NON_WORD.sub(" ", folded).strip()


def is_own_text(text: str) -> bool:
    """Whether `text` is long enough that no other update of the story says the same."""
    return len(normalize_text(text)) >= OWN_TEXT_CHARS


def fingerprint(published_at: datetime | None, text: str) -> str:
    """The (time, text) mark of an update: the minute it was published and its normalised text."""
    minute = "-" if published_at is None else str(int(published_at.timestamp() // 60))
    return f"f:{minute}:{_digest(text)}"


def text_mark(text: str) -> str | None:
    """The mark of an update's own text, or None for a text short enough to repeat."""
    return f"x:{_digest(text)}" if is_own_text(text) else None


def marks_of(entry: Entry) -> tuple[str, ...]:
    """Every mark an entry leaves in storage, strongest first: key, own text, fingerprint."""
    own = text_mark(entry.text)
    key = f"k:{entry.key}"
    found = fingerprint(entry.published_at, entry.text)
    return (key, own, found) if own is not None else (key, found)


def is_shared(mark: str) -> bool:
    """Whether distinct updates may leave the same mark: the fingerprint of an untimed one
    (short texts without a time, "No update", repeat; they are apart by position)."""
    return mark.startswith("f:-:")


def copy_mark(entry: Entry) -> str | None:
    """The mark two copies of one update on one page share (its own text, or its time and
    text), or None when the same text twice is two updates (short and untimed)."""
    own = text_mark(entry.text)
    if own is not None:
        return own
    found = fingerprint(entry.published_at, entry.text)
    return None if is_shared(found) else found


def _digest(text: str) -> str:
    return hashlib.sha1(normalize_text(text).encode()).hexdigest()[:20]
