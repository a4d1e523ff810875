"""Pages from publishers the extractor was not built on (tests/core/extract/unseen/), scored with
the corpus README's rules, built-in recipes off: the generic sources must read them.

Goals: recall and precision at least 98 %, timestamps exact to the minute on at
least 99 %, over all unseen pages; and each page's own ids where it gives them.
"""

from __future__ import annotations

import pytest

from tests.core.extract.scoring import Score, score
from tests.core.extract.unseen import UnseenCase, unseen_cases

CASES = {case.name: case for case in unseen_cases()}


def _totals(results: list[Score]) -> tuple[float, float, float]:
    timed = sum(r.timed_truth for r in results)
    extracted = sum(r.extracted for r in results)
    dated = sum(r.dated for r in results)
    return (sum(r.matched_timed for r in results) / timed,
            sum(r.valid for r in results) / max(extracted, 1),
            sum(r.exact for r in results) / max(dated, 1))


def test_there_are_enough_unseen_publishers() -> None:
    """At least twelve unseen pages are scored."""
    assert len(CASES) >= 12


def test_unseen_pages_meet_the_goals_overall() -> None:
    """Over all unseen pages: recall and precision >= 98 %, timestamps >= 99 %."""
    recall, precision, stamps = _totals([score(c.extract().entries, c.truth) for c in CASES.values()])
    assert (recall, precision) >= (0.98, 0.98)
    assert stamps >= 0.99


@pytest.mark.parametrize("name", sorted(CASES))
def test_unseen_page_is_read_in_full(name: str) -> None:
    """Every update of the page is found, nothing else is, each at its true minute."""
    result = score(CASES[name].extract().entries, CASES[name].truth)
    assert result.missed == ()
    assert result.extra == ()
    assert result.wrong_time == ()


@pytest.mark.parametrize("name", sorted(CASES))
def test_unseen_page_keeps_its_own_ids(name: str) -> None:
    """Where a page gives an update an id (element id, data-post-id, feed id), it is the key."""
    case: UnseenCase = CASES[name]
    entries = case.extract().entries
    wanted = [t.get("id") for t in case.truth["entries"]]
    if any(wanted):
        assert [e.key for e in entries] == wanted
    else:
        assert all(e.key.startswith("t:") for e in entries)
