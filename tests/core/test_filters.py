"""Include/exclude word matching and the word-list syntax (docs/BEHAVIOUR.md, Chat commands)."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.errors import BadArgument
from bot.core.filters import (
    Decision,
    Verdict,
    compile_words,
    decide_levels,
    judge,
    judge_levels,
    parse_words,
)


def test_parse_plain_words() -> None:
    """Whitespace separates words."""
    assert parse_words("  iran   gaza\tsyria ") == ("iran", "gaza", "syria")


def test_parse_keeps_words_as_written() -> None:
    """Words keep the case and accents the chat typed, for display."""
    assert parse_words("IRÁN Gaza") == ("IRÁN", "Gaza")


@pytest.mark.parametrize(
    "text",
    ['"red sea"', "“red sea”", "‘red sea’", "«red sea»", "'red sea'", "„red sea“"],
)
def test_parse_quoted_phrase(text: str) -> None:
    """Straight and curly quotes and guillemets group a phrase."""
    assert parse_words(f"iran {text} gaza") == ("iran", "red sea", "gaza")


def test_parse_prefix_star() -> None:
    """A trailing * is kept, marking a prefix (also after a quoted phrase)."""
    assert parse_words('sanction* "red se"*') == ("sanction*", "red se*")


def test_parse_apostrophe_inside_word() -> None:
    """An apostrophe inside a word does not open a phrase."""
    assert parse_words("don't Jones’ gaza") == ("don't", "Jones’", "gaza")


def test_parse_digits_are_words() -> None:
    """A word that is only digits is a word."""
    assert parse_words("2024 7") == ("2024", "7")


@pytest.mark.parametrize("text", ['"red sea', "«red sea", "iran “gaza"])
def test_parse_unterminated_quote(text: str) -> None:
    """An unclosed quote is a BadArgument with an example."""
    with pytest.raises(BadArgument, match="example"):
        parse_words(text)


@pytest.mark.parametrize("text", ['iran ""', "“  ”"])
def test_parse_empty_phrase(text: str) -> None:
    """An empty quoted phrase is a BadArgument."""
    with pytest.raises(BadArgument, match="empty"):
        parse_words(text)


@pytest.mark.parametrize("text", ["*", "iran * gaza", "**"])
def test_parse_lone_star(text: str) -> None:
    """A * that follows no word is a BadArgument."""
    with pytest.raises(BadArgument, match=r"\*"):
        parse_words(text)


def test_parse_error_is_one_line() -> None:
    """Every parse error is one line, so it can be the reply."""
    with pytest.raises(BadArgument) as error:
        parse_words('"a\nb')
    assert "\n" not in str(error.value)


@given(st.text(max_size=200))
def test_parse_never_crashes(text: str) -> None:
    """Any text yields words or a BadArgument, never another exception."""
    try:
        words = parse_words(text)
    except BadArgument:
        return
    assert all(word.strip() for word in words)


def test_case_and_accent_insensitive() -> None:
    """ "Iran" matches "IRÁN" and "irán" matches "Iran"."""
    assert compile_words(["Iran"]).find("Strikes on IRÁN") == ("Iran",)
    assert compile_words(["irán"]).find("Strikes on Iran") == ("irán",)


def test_whole_words_only() -> None:
    """ "iran" does not match "Iranian"."""
    assert compile_words(["iran"]).find("Iranian-backed fighters") == ()


def test_prefix_matches_longer_words() -> None:
    """ "sanction*" matches "sanctions" and "sanctioned" but not "unsanctioned"."""
    matcher = compile_words(["sanction*"])
    assert matcher.find("new sanctions") == ("sanction*",)
    assert matcher.find("sanctioned") == ("sanction*",)
    assert matcher.find("unsanctioned") == ()


def test_phrase_matches_consecutive_words() -> None:
    """A phrase matches its words in a row, across punctuation or line breaks only."""
    matcher = compile_words(["red sea"])
    assert matcher.find("ships in the Red\nSea") == ("red sea",)
    assert matcher.find("the red and the sea") == ()


def test_digits_are_words() -> None:
    """ "2024" matches the number 2024, not 20245."""
    assert compile_words(["2024"]).find("in 2024,") == ("2024",)
    assert compile_words(["2024"]).find("id 20245") == ()


def test_overlapping_words_all_reported() -> None:
    """Both "red" and "red sea" are reported when the text has "red sea"."""
    assert compile_words(["red sea", "red"]).find("the Red Sea") == ("red sea", "red")


def test_find_keeps_given_order_and_dedupes() -> None:
    """Matched words come in the order given, each once."""
    matcher = compile_words(["gaza", "iran", "gaza"])
    assert matcher.find("Iran and Gaza and Gaza") == ("gaza", "iran")


def test_no_include_words_passes() -> None:
    """With no include words every entry passes."""
    assert judge(None, "anything", include=[], exclude=[]) == Verdict(True, ())


def test_any_include_word_passes() -> None:
    """An entry passes when any include word matches, and says which."""
    verdict = judge(None, "Strikes on Iran", include=["gaza", "Iran"], exclude=[])
    assert verdict == Verdict(True, ("Iran",))


def test_no_include_match_fails() -> None:
    """An entry with none of the include words is dropped."""
    assert not judge(None, "Weather", include=["iran"], exclude=[]).passed


def test_exclude_drops() -> None:
    """An exclude word drops an entry even when an include word matches."""
    verdict = judge(None, "Iran football results", include=["iran"], exclude=["football"])
    assert not verdict.passed


def test_headline_is_matched() -> None:
    """Words in the headline count as well as the text."""
    assert judge("Iran responds", "The ministry spoke.", include=["iran"], exclude=[]).passed


def test_headline_and_text_do_not_join() -> None:
    """A phrase cannot straddle the headline's end and the text's start as one word."""
    assert not judge("Red", "sea", include=["redsea"], exclude=[]).passed


def test_levels_must_all_pass() -> None:
    """Chat and subscription filters both apply; matched words are unioned in order."""
    levels = [(["iran"], []), (["gaza", "iran"], ["sport*"])]
    assert judge_levels(None, "Iran and Gaza", levels) == Verdict(True, ("iran", "gaza"))
    assert not judge_levels(None, "Iran sports", levels).passed
    assert not judge_levels(None, "Gaza", levels).passed


def test_symbol_only_word_matches_nothing() -> None:
    """A word with no letters or digits compiles but matches nothing."""
    assert compile_words(["--"]).find("a -- b") == ()


def test_matching_is_fast() -> None:
    """Fifty words against a 10 kB text take well under 5 ms (one regex pass)."""
    words = [f"word{index}" for index in range(49)] + ["sanction*"]
    text = "lorem ipsum dolor sit amet " * 400
    matcher = compile_words(words)
    start = time.perf_counter()
    for _ in range(200):
        matcher.find(text)
    assert (time.perf_counter() - start) / 200 < 0.005


def test_parse_leading_apostrophe_is_part_of_word() -> None:
    """An apostrophe that closes nothing ("'90s") belongs to the word, not a phrase."""
    assert parse_words("'90s gaza") == ("'90s", "gaza")
    assert compile_words(["'90s"]).find("music of the '90s") == ("'90s",)


def test_parse_apostrophe_inside_single_quoted_phrase() -> None:
    """In 'single quotes' a phrase closes at a word's end, so it may hold "don't"."""
    assert parse_words("'don't stop' 'a 'b") == ("don't stop", "'a", "'b")


NONE: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())


@pytest.mark.parametrize(("text", "levels", "decision"), [
    ("Iran fires missiles", (NONE, NONE), Decision(True, "no filters")),
    ("Iran fires missiles", ((("iran",), ()), NONE), Decision(True, "include", "iran", 0)),
    ("Football in Iran", ((("iran",), ("football",)), NONE),
     Decision(False, "exclude", "football", 0)),
    ("Markets fall", ((("iran", "gaza"), ()), NONE), Decision(False, "no include", None, 0)),
    ("Markets fall", (((), ("football",)), NONE), Decision(True, "no exclude", None, 0)),
    # The subscription's level drops what the chat's lets through.
    ("Iran and football", ((("iran",), ()), ((), ("football",))),
     Decision(False, "exclude", "football", 1)),
    ("Iran strikes", ((("iran",), ()), (("gaza",), ())), Decision(False, "no include", None, 1)),
    # An include word outranks exclude words that did not match, whatever the level.
    ("Gaza talks", (((), ("football",)), (("gaza",), ())), Decision(True, "include", "gaza", 1)),
    ("IRÁN talks", ((("sanction*", "iran"), ()), NONE), Decision(True, "include", "iran", 0)),
])
def test_decide_levels_names_what_decided(
    text: str, levels: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...], decision: Decision
) -> None:
    """The word (and level) that let an entry through or dropped it, as /filter test shows."""
    assert decide_levels(None, text, levels) == decision


@given(st.text(alphabet="ab c", max_size=12), st.lists(st.sampled_from(["a", "b", "c*"]),
       max_size=2), st.lists(st.sampled_from(["a", "b", "ab"]), max_size=2),
       st.lists(st.sampled_from(["a", "c"]), max_size=2))
def test_decide_levels_agrees_with_routing(
    text: str, include: list[str], exclude: list[str], own: list[str]
) -> None:
    """What /filter test says passes is what routing lets through."""
    levels = ((include, exclude), (own, []))
    assert decide_levels("t", text, levels).passed == judge_levels("t", text, levels).passed
