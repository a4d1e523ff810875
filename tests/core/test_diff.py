"""bot.core.diff: which fetched entries are new, edited or known (docs/BEHAVIOUR.md, Diff), rule by rule."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.core.diff import Confirmed, Diff, diff_entries, fold_burst
from bot.core.identity import Known, fingerprint, marks_of
from bot.core.model import DATED_BY_FETCH, DATED_BY_PAGE, DATED_OWN, Embed, Entry

T0 = datetime(2024, 2, 3, 12, 0, tzinfo=UTC)


def entry(n: int, text: str | None = None, *, key: str | None = None, minutes: int | None = None,
          title: str | None = None) -> Entry:
    at = T0 + timedelta(minutes=n * 10 if minutes is None else minutes)
    return Entry(key or f"k{n}", at, text or f"Update number {n} says something distinct {n}.",
                 title)


def stored_of(entries: list[Entry]) -> tuple[list[Known], dict[str, int | None]]:
    """The entries as storage would hold them after storing each with its marks."""
    rows = [Known(i + 1, e) for i, e in enumerate(entries)]
    marks: dict[str, int | None] = {}
    for row in rows:
        for mark in marks_of(row.entry):
            marks.setdefault(mark, row.ref)
    return rows, marks


def check(before: list[Entry], page: list[Entry], *, previous: int | None = None,
          baseline: bool = False) -> Diff:
    rows, marks = stored_of(before)
    count = len(before) if previous is None else previous
    wanted = {mark for e in page for mark in marks_of(e)}
    return diff_entries(rows, page, {m: r for m, r in marks.items() if m in wanted}, count,
                        baseline)


def test_first_check_is_a_baseline_stored_but_not_alerted() -> None:
    """The first check stores every entry and alerts none."""
    page = [entry(3), entry(2), entry(1)]
    diff = check([], page, baseline=True)
    assert [e.key for e in diff.new] == ["k1", "k2", "k3"]
    assert diff.alerts == ()


def test_an_added_update_is_new_and_alerted() -> None:
    """An update not stored before is new."""
    before = [entry(2), entry(1)]
    diff = check(before, [entry(3), *before])
    assert [e.key for e in diff.alerts] == ["k3"]
    assert diff.edited == ()


def test_identity_comes_from_the_key() -> None:
    """Same key, same text: known, even if the page retimed it."""
    before = [entry(1)]
    retimed = Entry("k1", T0 + timedelta(hours=3), before[0].text)
    diff = check(before, [retimed])
    assert (diff.new, diff.edited) == ((), ())
    # Its new time's fingerprint is stored too: the next fetch knows it by that as well.
    assert [(r.ref, r.marks) for r in diff.recognised] == [
        (1, (fingerprint(retimed.published_at, retimed.text),))]


def test_new_entries_are_delivered_oldest_first() -> None:
    """New entries come out oldest first whatever the page order."""
    before = [entry(1)]
    diff = check(before, [entry(3), entry(5), entry(4), entry(1)])
    assert [e.key for e in diff.new] == ["k3", "k4", "k5"]


def test_untimed_new_entries_keep_page_order_reversed() -> None:
    """Without times, the page's newest-first order is reversed."""
    page = [Entry("b", None, "second one here"), Entry("a", None, "first one here")]
    assert [e.key for e in check([], page).new] == ["a", "b"]


def test_an_update_pushed_down_or_reordered_is_not_new() -> None:
    """Moving on the page does not make an update new."""
    before = [entry(3), entry(2), entry(1)]
    assert check(before, [entry(1), entry(3), entry(2)]) == Diff()


def test_unkeyed_update_that_moved_is_known_by_time_and_text() -> None:
    """A re-keyed entry with a stored (time, text) fingerprint is not new."""
    before = [entry(1)]
    rekeyed = Entry("position-7", before[0].published_at, before[0].text)
    diff = check(before, [rekeyed])
    assert (diff.new, diff.edited) == ((), ())
    assert [(r.ref, r.marks) for r in diff.recognised] == [(1, ("k:position-7",))]


def test_a_correction_under_the_same_key_is_an_edit() -> None:
    """Changed text under a stored key is an edit, not new."""
    before = [entry(1, "Officials say 12 people were hurt.")]
    fixed = entry(1, "Officials say 14 people were hurt.")
    diff = check(before, [fixed])
    assert diff.new == ()
    assert [(e.stored.ref, e.entry.text) for e in diff.edited] == [(1, fixed.text)]


def test_a_correction_without_a_stable_key_is_a_fuzzy_edit() -> None:
    """An unkeyed corrected update near the stored one's time is an edit."""
    before = [entry(1, "The minister said the talks in Doha would resume on Monday morning.",
                    key="h-abc")]
    fixed = entry(1, "The minister said the talks in Doha would resume on Tuesday morning.",
                  key="h-def", minutes=12)
    diff = check(before, [fixed])
    assert diff.new == ()
    assert len(diff.edited) == 1
    assert diff.edited[0].fetched_key == "h-def"


def test_an_appended_sentence_is_an_edit() -> None:
    """A stored text extended by a sentence is the same update, corrected."""
    text = "Rescue teams reached the village after the landslide blocked the road."
    before = [entry(1, text, key="a")]
    longer = entry(1, text + " Two people are missing.", key="b")
    diff = check(before, [longer])
    assert diff.new == () and len(diff.edited) == 1


def test_fuzzy_matching_only_within_a_few_minutes() -> None:
    """A similar text far apart in time is a different update."""
    before = [entry(1, "Sirens sounded across the north of the city again.", key="a")]
    later = entry(1, "Sirens sounded across the north of the city again!", key="b", minutes=90)
    diff = check(before, [later, *before])
    assert [e.key for e in diff.new] == ["b"]


def test_fuzzy_matching_skips_entries_matched_by_key() -> None:
    """A stored entry already matched by key is not taken for another entry too."""
    before = [entry(1, "Sirens sounded across the north of the city again.", key="a")]
    similar = entry(1, "Sirens sounded across the north of the city again today.", key="b",
                    minutes=11)
    diff = check(before, [similar, before[0]])
    assert [e.key for e in diff.new] == ["b"]
    assert diff.edited == ()


def test_an_entry_whose_key_was_ever_stored_is_never_new() -> None:
    """A key in the marks is known even with no stored row."""
    gone = entry(1)
    marks = dict.fromkeys(marks_of(gone), None)
    assert diff_entries([], [entry(1, "entirely different words")], marks, 0, False) == Diff()


def test_an_entry_whose_time_and_text_were_ever_stored_is_never_new() -> None:
    """A (time, text) fingerprint in the marks is known under any key."""
    old = entry(1)
    marks: dict[str, int | None] = {fingerprint(old.published_at, old.text): None}
    again = Entry("new-key", old.published_at, old.text.upper())
    assert diff_entries([], [again], marks, 0, False) == Diff()


def test_an_entry_keeps_the_time_first_resolved_for_it() -> None:
    """An edit carries the stored publication time, not the refetched one."""
    before = [entry(1, "Five minutes ago: the first convoy crossed.")]
    refetched = Entry("k1", T0 + timedelta(minutes=25), "Ten minutes ago: the first convoy crossed")
    diff = check(before, [refetched])
    assert diff.edited[0].entry.published_at == before[0].published_at


def test_a_restart_is_not_a_baseline() -> None:
    """Updates posted while stopped are alerted when the story was checked before."""
    before = [entry(1)]
    diff = check(before, [entry(3), entry(2), entry(1)], baseline=False)
    assert [e.key for e in diff.alerts] == ["k2", "k3"]


def test_a_page_with_no_entries_is_a_failed_check() -> None:
    """No entries at all is a failure, not the removal of everything."""
    diff = check([entry(1)], [])
    assert diff.failed_reason and diff.new == () and diff.edited == ()


def test_a_page_with_far_fewer_entries_is_a_failed_check() -> None:
    """Fewer than half the last count (from four up) is a failure."""
    before = [entry(n) for n in range(1, 9)]
    diff = check(before, [entry(9), entry(8), entry(7)])
    assert diff.failed_reason == "the page yielded 3 updates, down from 8"
    assert diff.new == ()


def test_a_small_drop_is_not_a_failure() -> None:
    """Half or more of the last count is a normal check (pages trim old updates)."""
    before = [entry(n) for n in range(1, 5)]
    assert check(before, [entry(5), entry(4)]).failed_reason is None
    assert check(before[:3], [entry(3)]).failed_reason is None


def test_the_same_update_twice_on_a_page_is_one_update() -> None:
    """A duplicate on one page is new once."""
    one = entry(2)
    twin = Entry("other", one.published_at, one.text)
    assert len(check([entry(1)], [one, twin, entry(1)]).new) == 1


def test_a_burst_alerts_the_newest_one_by_one_and_folds_the_rest() -> None:
    """More new entries than the limit: the newest `limit` singly, the older rest folded."""
    new = [entry(n) for n in range(1, 9)]
    folded, single = fold_burst(new, 5)
    assert [e.key for e in folded] == ["k1", "k2", "k3"]
    assert [e.key for e in single] == ["k4", "k5", "k6", "k7", "k8"]
    assert fold_burst(new[:5], 5) == ((), tuple(new[:5]))


def test_a_redated_unkeyed_update_is_known_by_its_content_key() -> None:
    """Content keys carry no date: an update re-dated by a day (its fingerprint new) is known."""
    before = [Entry("t:04:00:abc", T0, "Winds of 90 mph on the headland.")]
    redated = Entry("t:04:00:abc", T0 - timedelta(days=1), before[0].text)
    diff = check(before, [redated])
    assert (diff.new, diff.edited) == ((), ())


def test_a_stronger_dating_moves_a_known_update_as_an_edit() -> None:
    """A time-only update dated by the fetch day moves to the day the page's own date names,
    and a page-dated one to its own date: an edit under the stored key, never new."""
    text = "Winds of 90 mph on the headland."
    before = [Entry("t:04:00:abc", T0, text, dated=DATED_BY_FETCH)]
    page_day = Entry("t:04:00:abc", T0 - timedelta(days=300), text, dated=DATED_BY_PAGE)
    diff = check(before, [page_day])
    assert diff.new == ()
    assert [(e.entry.key, e.entry.published_at, e.entry.dated) for e in diff.edited] == [
        ("t:04:00:abc", page_day.published_at, DATED_BY_PAGE)]
    own = replace(page_day, published_at=T0 - timedelta(days=1), dated=DATED_OWN)
    assert [e.entry.published_at for e in check([page_day], [own]).edited] == [own.published_at]


def test_a_known_update_is_not_moved_on_evidence_no_stronger() -> None:
    """The page's date does not move an update it dated already, nor the fetch day one the
    page dated; a text correction then keeps the stored time and its strength."""
    text = "Winds of 90 mph on the headland."
    before = [Entry("t:04:00:abc", T0, text, dated=DATED_BY_PAGE)]
    for dated in (DATED_BY_FETCH, DATED_BY_PAGE):
        redated = Entry("t:04:00:abc", T0 + timedelta(days=1), text, dated=dated)
        assert (check(before, [redated]).new, check(before, [redated]).edited) == ((), ())
    corrected = Entry("t:04:00:abc", T0 + timedelta(days=1), text + " Gusts of 100.",
                      dated=DATED_BY_FETCH)
    [edit] = check(before, [corrected]).edited
    assert (edit.entry.published_at, edit.entry.dated) == (T0, DATED_BY_PAGE)


def test_stronger_evidence_for_the_stored_time_is_kept_so_weaker_cannot_move_it() -> None:
    """The page's date agreeing with a time first dated by the fetch day changes nothing a
    reader sees, but raises the stored strength: a fetch-day dating later stays put."""
    text = "Winds of 90 mph on the headland."
    before = [Entry("t:04:00:abc", T0, text, dated=DATED_BY_FETCH)]
    diff = check(before, [replace(before[0], dated=DATED_BY_PAGE)])
    assert (diff.new, diff.edited, diff.confirmed) == ((), (), (Confirmed(1, DATED_BY_PAGE),))
    assert check(before, [replace(before[0], dated=DATED_BY_FETCH)]).confirmed == ()


def test_short_texts_repeated_at_other_clocks_are_each_new() -> None:
    """"No update" at 12:10 is new beside a stored "No update" at 12:00: keys differ by clock."""
    before = [Entry("t:12:00:nu", T0, "No update")]
    again = Entry("t:12:10:nu", T0 + timedelta(minutes=10), "No update")
    assert [e.key for e in check(before, [again, *before]).new] == ["t:12:10:nu"]


def test_untimed_short_repeats_stay_apart_by_position() -> None:
    """Untimed "1-0" lines: one more at the top is one new update, the stored two are known."""
    before = [Entry("t:-:g+", None, "1-0"), Entry("t:-:g", None, "1-0")]
    page = [Entry("t:-:g+2", None, "1-0"), *before]
    assert [e.key for e in check(before, page).new] == ["t:-:g+2"]


def test_a_copy_of_a_known_update_at_the_top_is_not_new() -> None:
    """An old update repeated at the top (another key, the same time and text) is known."""
    before = [entry(2), entry(1)]
    copy = Entry("t:copy", before[1].published_at, before[1].text)
    assert check(before, [copy, *before]).new == ()


def test_a_long_text_re_keyed_and_re_dated_at_once_is_known() -> None:
    """An update stored under an old-style key, now under a content key and another date, is
    the stored one: its own text identifies it (an upgrade that also re-dates)."""
    text = "The coastguard has asked people to stay away from the harbour walls tonight."
    stored = [Known(1, Entry("t:2024-02-03T12:00Z:abc", T0, text))]
    fetched = [Entry("t:12:00:def", T0 - timedelta(days=1), text)]
    diff = diff_entries(stored, fetched, {}, 1, False)
    assert (diff.new, diff.edited) == ((), ())
    assert [r.ref for r in diff.recognised] == [1]


def test_a_pruned_update_is_known_by_any_mark() -> None:
    """A mark whose entry was pruned (None) still makes the update known."""
    gone = Entry("t:12:00:x", T0, "Ferries have stopped for the day.")
    marks: dict[str, int | None] = {f"k:{gone.key}": None}
    assert diff_entries([], [gone], marks, 0, False) == Diff()


def test_a_quoted_post_set_apart_from_the_text_is_an_edit_not_a_new_update() -> None:
    """An unkeyed update stored with a tweet's words and byline in its text, fetched with
    the tweet set apart as an embed (a new key, its text much shorter), is the same update:
    edited, never alerted again."""
    words = ("I hope to fly to evacuation site to thank everyone for putting in so much effort "
             "in finding the site. And keep everyone informed.")
    old = entry(1, f"AIrAsia boss is on his way to the island.\n\n{words}\n\n— Tony Fernandes "
                   "(@tonyfernandes) December 31, 2014", key="t:02:10:aaaa")
    tweet = Embed("post", "https://twitter.com/tonyfernandes/status/550111045792976896", words,
                  "@tonyfernandes")
    new = replace(entry(1, "AIrAsia boss is on his way to the island.", key="t:02:10:bbbb"),
                  embeds=(tweet,))
    diff = check([entry(2), old], [entry(2), new])
    assert diff.alerts == ()
    assert [(e.stored.entry.key, e.entry.embeds) for e in diff.edited] == [("t:02:10:aaaa",
                                                                           (tweet,))]
