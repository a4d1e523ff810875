"""The extractive summary (docs/BEHAVIOUR.md, Summarize)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bot.core.ports import Summarizer
from bot.core.summarize import ExtractiveSummarizer, summarize

TEXT = (
    "Hamas condemned the US strikes on Iraq and Syria. "
    "The Biden administration said the strikes were a success. "
    "More strikes are expected in the coming days."
)


def test_headline_then_leading_sentences() -> None:
    """The headline comes first, then the text's leading sentences."""
    result = summarize("Strikes condemned", TEXT, 300)
    assert result.startswith("Strikes condemned. Hamas condemned the US strikes on Iraq and Syria.")
    assert result.endswith("coming days.")


def test_without_headline() -> None:
    """With no headline the summary is the leading sentences alone."""
    assert summarize(None, TEXT, 300) == TEXT


def test_stops_at_a_whole_sentence() -> None:
    """Only whole sentences that fit are kept."""
    result = summarize(None, TEXT, 100)
    assert result == "Hamas condemned the US strikes on Iraq and Syria."


def test_long_first_sentence_cut_at_word_with_ellipsis() -> None:
    """A first sentence over the budget is cut at a word boundary and ends with "…"."""
    text = "The Pentagon has commenced retaliation strikes in response to a drone attack."
    result = summarize(None, text, 30)
    assert result == "The Pentagon has commenced…"
    assert len(result) <= 30


def test_long_headline_cut_at_word() -> None:
    """A headline over the whole budget is cut at a word and nothing else follows."""
    result = summarize("US unleashes strikes across the Middle East tonight", TEXT, 25)
    assert result == "US unleashes strikes…"


def test_headline_repeated_in_text_shown_once() -> None:
    """A page that repeats its headline as the first sentence shows it once."""
    result = summarize("Hamas condemns strikes", "Hamas condemns strikes.\nThe group spoke.", 300)
    assert result == "Hamas condemns strikes. The group spoke."


def test_boilerplate_removed() -> None:
    """Read more, share widgets, follow-us, click-here, bylines and ads are dropped."""
    text = (
        "By Jane Doe\n"
        "Advertisement\n"
        "The strikes began at midnight. Read more: why it matters\n"
        "Share\n"
        "Follow us on Telegram\n"
        "Click here to subscribe\n"
        "Read More…\n"
        "Officials confirmed the toll."
    )
    result = summarize(None, text, 300)
    assert result == "The strikes began at midnight. Officials confirmed the toll."


def test_lowercase_by_sentence_is_not_a_byline() -> None:
    """ "by midnight" in the text is content, not a byline."""
    assert (
        summarize(None, "by midnight the toll had risen", 300) == "by midnight the toll had risen."
    )


def test_whitespace_collapsed() -> None:
    """Runs of spaces, tabs and newlines become single spaces."""
    assert summarize(None, "Two   spaces.\t\tTabs.\n\n\nLines.", 300) == "Two spaces. Tabs. Lines."


def test_line_without_full_stop_ends_a_sentence() -> None:
    """A list item without punctuation does not run into the next paragraph."""
    assert (
        summarize(None, "Strikes in Iraq\nThe toll rose.", 300) == "Strikes in Iraq. The toll rose."
    )


def test_abbreviation_does_not_end_a_sentence() -> None:
    """ "U.S." and "Mr." are not sentence ends, so a summary never stops at them."""
    text = "The U.S. military said Mr. Smith spoke. A second sentence follows here."
    assert summarize(None, text, 45) == "The U.S. military said Mr. Smith spoke."


def test_control_characters_removed() -> None:
    """Terminal escapes in source text never reach the summary."""
    assert summarize(None, "Alert\x1b[2J cleared.", 300) == "Alert [2J cleared."


def test_empty_text_and_budget() -> None:
    """No text gives the headline alone; no budget gives nothing."""
    assert summarize("Headline", "", 300) == "Headline."
    assert summarize(None, "", 300) == ""
    assert summarize("Headline", TEXT, 0) == ""


def test_seed_story(seed_path: Path) -> None:
    """The seed story's summary starts with its headline and keeps to 300 characters."""
    result = summarize("US unleashes strikes across Middle East", seed_path.read_text(), 300)
    assert result.startswith("US unleashes strikes across Middle East.")
    assert "US unleashes strikes across Middle East. US unleashes" not in result
    assert len(result) <= 300


async def test_extractive_summarizer_is_a_port() -> None:
    """ExtractiveSummarizer satisfies the Summarizer port and calls summarize()."""
    summarizer: Summarizer = ExtractiveSummarizer()
    assert await summarizer.summarize("Title", TEXT, 120) == summarize("Title", TEXT, 120)


WORDS = st.text(alphabet=st.characters(categories=("L", "Nd")), min_size=1, max_size=15)
SEPARATORS = st.sampled_from([" ", "  ", ". ", "! ", "\n", ", ", "? ", "\t"])
TEXTS = st.lists(st.tuples(WORDS, SEPARATORS), max_size=60).map(
    lambda pairs: "".join(word + sep for word, sep in pairs)
)


@given(title=st.none() | TEXTS, text=TEXTS, budget=st.integers(min_value=0, max_value=400))
def test_budget_always_kept(title: str | None, text: str, budget: int) -> None:
    """The summary never exceeds max_chars."""
    assert len(summarize(title, text, budget)) <= budget


@given(text=TEXTS, budget=st.integers(min_value=1, max_value=200))
def test_never_cuts_a_word(text: str, budget: int) -> None:
    """Every word of the summary is a whole word of the text."""
    source_words = set(text.replace(".", " ").replace("!", " ").replace("?", " ").split())
    source_words = {word.strip(",") for word in source_words}
    result = summarize(None, text, budget)
    for word in result.replace("…", " ").split():
        assert word.strip(".,!?") in source_words


@given(title=st.none() | st.text(), text=st.text(), budget=st.integers(-5, 500))
def test_never_crashes(title: str | None, text: str, budget: int) -> None:
    """Any text at all gives a string within the budget."""
    assert len(summarize(title, text, budget)) <= max(budget, 0)


def test_closing_quote_stays_with_its_sentence() -> None:
    """A sentence ending inside quotes keeps its closing quote."""
    text = "Biden said “our response began today.” Strikes followed."
    assert summarize(None, text, 50) == "Biden said “our response began today.”"


def test_soft_hyphen_keeps_word_whole() -> None:
    """Invisible format characters inside a word are removed, not made spaces."""
    assert summarize(None, "inter\xadnational law.", 300) == "international law."


def test_huge_text_is_bounded() -> None:
    """A multi-megabyte update is summarized quickly from its beginning."""
    text = "First sentence here. " + "word " * 1_000_000
    assert summarize(None, text, 300).startswith("First sentence here.")
