"""The seed story: the page the product was designed from."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.core.extract import extract_page

FETCHED = datetime(2024, 2, 3, 15, 30, tzinfo=UTC)


def _seed(seed_path: Path):
    return extract_page(seed_path.read_bytes(), url="https://www.rt.com/news/seed/",
                        fetched_at=FETCHED)


def test_seed_has_five_updates_newest_first(seed_path: Path) -> None:
    """The seed yields its five timestamped updates, newest first, in UTC."""
    page = _seed(seed_path)
    assert [e.published_at for e in page.entries] == [
        datetime(2024, 2, 3, h, m, tzinfo=UTC) for h, m in
        ((14, 52), (13, 53), (11, 32), (11, 16), (10, 16))
    ]


def test_seed_texts_start_with_each_updates_own_words(seed_path: Path) -> None:
    """Each update's text starts with its own first words, not the intro or a time line."""
    starts = ["Hamas condemned", "US airstrikes in Syria", "Iraq’s Parliamentary",
              "Iran strongly condemns", "Iraq rejects US claims"]
    page = _seed(seed_path)
    assert [e.text[: len(start)] for e, start in zip(page.entries, starts, strict=True)] == starts


def test_seed_drops_read_more_trailer(seed_path: Path) -> None:
    """The "Read More @" trailer is furniture, not part of the last update."""
    assert all("Read More" not in e.text for e in _seed(seed_path).entries)


def test_seed_title_is_the_first_line(seed_path: Path) -> None:
    """A text page's title is its first line."""
    assert _seed(seed_path).title == "US unleashes strikes across Middle East"


def test_seed_keys_are_unique_and_stable(seed_path: Path) -> None:
    """Keys are distinct and the same on a second extraction a minute later."""
    first = [e.key for e in _seed(seed_path).entries]
    again = extract_page(seed_path.read_bytes(), url="https://www.rt.com/news/seed/",
                         fetched_at=datetime(2024, 2, 3, 15, 31, tzinfo=UTC))
    assert len(set(first)) == 5
    assert [e.key for e in again.entries] == first


def test_seed_keeps_paragraphs(seed_path: Path) -> None:
    """Paragraphs of one update are joined by a blank line."""
    second = _seed(seed_path).entries[1]
    assert second.text.count("\n\n") == 2
