"""bot.core.catchup: the /catchup message, newest first, in the chat's zone, folded to fit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.catchup import (
    CatchupLine,
    Happened,
    compose_catchup,
    newest_first,
    parse_catchup_answer,
)
from bot.core.model import Entry, StoryRef

UNTIL = datetime(2024, 6, 3, 14, 0, tzinfo=UTC)
SINCE = UNTIL - timedelta(hours=2)
STRIKES = StoryRef("https://news.example/strikes", "Strikes: live")
MARKETS = StoryRef("https://news.example/markets", "Markets live")


def happened(n: int, story: StoryRef = STRIKES, title: str | None = None,
             url: str | None = None) -> Happened:
    at = UNTIL - timedelta(minutes=10 * n)
    text = f"Development {n} was confirmed by officials. More detail follows here."
    return Happened(story, Entry(f"u{n}", at, text, title, None, url), at)


def test_extractive_lines_are_newest_first_in_the_chats_zone_with_links() -> None:
    """Each update is a line: its local time, its headline or first sentence, its link."""
    window = newest_first([happened(3), happened(1, title="Ceasefire announced",
                                                 url="https://news.example/strikes#u1")])
    text = compose_catchup(window, since=SINCE, until=UNTIL, zone="Europe/London", limit=4000)
    header, first, second = text.splitlines()
    assert header == ("Catch-up of the last 2 h: 2 updates in “Strikes: live”"
                      " (times BST, newest first)")
    assert first == "14:50 · Ceasefire announced https://news.example/strikes#u1"
    assert second == ("14:30 · Development 3 was confirmed by officials."
                      " https://news.example/strikes")


def test_several_stories_name_theirs_on_each_line() -> None:
    """With two stories, each line starts with its story's title."""
    window = newest_first([happened(1), happened(2, MARKETS)])
    text = compose_catchup(window, since=SINCE, until=UNTIL, zone="UTC", limit=4000)
    assert "2 updates in 2 stories" in text
    assert text.splitlines()[2].startswith("13:40 · Markets live: Development 2")


def test_what_does_not_fit_is_folded_into_one_line() -> None:
    """200 updates in a 1000-character message: whole lines, then how many were left out."""
    window = newest_first([happened(n) for n in range(200)])
    text = compose_catchup(window, since=SINCE - timedelta(days=1), until=UNTIL, zone="UTC",
                           limit=1000)
    lines = text.splitlines()
    assert len(text) <= 1000
    shown = len(lines) - 2
    assert lines[-1] == f"…and {200 - shown} earlier updates." and shown > 3
    assert lines[1].startswith("14:00 ·")


def test_an_earlier_day_shows_its_date() -> None:
    """A time on another day than now carries its day."""
    window = [happened(100)]
    text = compose_catchup(window, since=UNTIL - timedelta(hours=24), until=UNTIL, zone="UTC",
                           limit=4000)
    assert text.splitlines()[1].startswith("2 Jun 21:20 ·")


def test_an_empty_window_says_so() -> None:
    """No update in the window: one line saying nothing happened."""
    assert compose_catchup([], since=SINCE, until=UNTIL, zone="UTC",
                           limit=4000) == "Nothing new in the last 2 h."


def test_llm_sentences_keep_only_citations_of_updates_given() -> None:
    """A sentence citing no update given is dropped; bad numbers are dropped from the rest."""
    answer = ("- A ceasefire was announced. [1] Officials confirmed development 3 [2][9] "
              "Aliens landed. [7] Nothing cited here.")
    assert parse_catchup_answer(answer, 2) == [
        CatchupLine("A ceasefire was announced.", (0,)),
        CatchupLine("Officials confirmed development 3", (1,)),
    ]


def test_llm_lines_get_times_and_links_from_their_sources() -> None:
    """An LLM line is shown with its newest source's time and its sources' links."""
    window = newest_first([happened(1, url="https://news.example/strikes#u1"), happened(3)])
    lines = [CatchupLine("Officials confirmed two developments.", (1, 0))]
    text = compose_catchup(window, since=SINCE, until=UNTIL, zone="UTC", limit=4000,
                           lines=lines)
    assert text.splitlines()[1] == ("13:50 · Officials confirmed two developments. "
                                    "https://news.example/strikes https://news.example/strikes#u1")
