"""Dating shown clock times when one entry is out of place (bot.core.extract.dating)."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.extract import extract_page

FETCHED = datetime(2024, 3, 2, 14, 0, tzinfo=UTC)
TEXTS = {
    "05:30": "Rail services on the coast line have been suspended until further notice.",
    "05:00": "Ferries between the islands have stopped for the rest of the day.",
    "04:30": "The coastguard has asked people to stay away from the harbour walls.",
    "04:00": "Winds of more than 90 mph were recorded on the headland this morning.",
    "00:05": "The first reports of flooding came in just after midnight from the valley.",
    "23:50": "Emergency shelters have opened in three schools in the north of the county.",
    "23:40": "The Met Office has raised its warning to amber for the whole region tonight.",
}
PINNED = "Pinned: what we know so far about the storm and where it is heading next."


def page(posts: list[tuple[str, str]], dateline: str = "") -> bytes:
    blocks = "".join(f'<div class="update"><span class="time">{clock}</span>'
                     f"<p>{html.escape(text)}</p></div>" for clock, text in posts)
    head = f'<p class="dateline">{dateline}</p>' if dateline else ""
    return (f"<!doctype html><html lang='en'><head><title>Storm live</title></head><body><main>"
            f"<h1>Storm live</h1>{head}{blocks}</main></body></html>").encode()


def dated(body: bytes) -> dict[str, str]:
    entries = extract_page(body, url="https://news.example.com/live", fetched_at=FETCHED,
                           content_type="text/html").entries
    return {e.text: e.published_at.strftime("%d %H:%M") if e.published_at else "-"
            for e in entries}


def run(*clocks: str) -> list[tuple[str, str]]:
    return [(clock, TEXTS[clock]) for clock in clocks]


def test_a_pinned_post_at_the_top_re_dates_nothing_below() -> None:
    """A post timed 04:15 above 05:00, 04:30, 04:00 leaves them on their day."""
    before = dated(page(run("05:00", "04:30", "04:00")))
    after = dated(page([("04:15", PINNED), *run("05:00", "04:30", "04:00")]))
    assert {text: after[text] for text in before} == before
    assert after[PINNED] == "02 04:15"


def test_a_key_event_out_of_order_mid_page_re_dates_nothing() -> None:
    """An old key event shown between newer posts moves neither the posts above nor below."""
    before = dated(page(run("05:30", "05:00", "04:30", "04:00")))
    after = dated(page([*run("05:30", "05:00"), ("04:15", PINNED), *run("04:30", "04:00")]))
    assert {text: after[text] for text in before} == before
    assert after[PINNED] == "02 04:15"


def test_a_short_step_back_past_midnight_is_a_new_day() -> None:
    """00:05 above 23:50 and 23:40 on an undated page: the run crosses midnight."""
    assert dated(page(run("00:05", "23:50", "23:40"))) == {
        TEXTS["00:05"]: "02 00:05", TEXTS["23:50"]: "01 23:50", TEXTS["23:40"]: "01 23:40"}


def test_a_pinned_post_under_a_date_line_re_dates_nothing() -> None:
    """With the page's own date, a pinned post moves no other post off that date."""
    dateline = "Saturday 24 February 2024"
    after = dated(page([("04:15", PINNED), *run("05:00", "04:30", "04:00")], dateline))
    assert set(after.values()) == {"24 04:15", "24 05:00", "24 04:30", "24 04:00"}


AGES = {
    "en": ("{} minutes ago", "1 hour ago"), "de": ("vor {} Minuten", "vor 1 Stunde"),
    "fr": ("il y a {} minutes", "il y a 1 h"), "it": ("{} minuti fa", "un'ora fa"),
    "es": ("hace {} minutos", "hace una hora"),
}


@pytest.mark.parametrize("lang", sorted(AGES))
def test_relative_ages_date_from_the_fetch_and_keep_their_keys(lang: str) -> None:
    """"12 minutes ago" in the page's language: updates dated back from the fetch, their keys
    the same when fetched again later with every age ticked on."""
    minutes, hour = AGES[lang]

    def fetched(at: datetime, *ages: int) -> list[tuple[str, datetime | None]]:
        stamps = [minutes.format(age) if age < 60 else hour for age in ages]
        body = page(list(zip(stamps, [TEXTS["05:00"], TEXTS["04:30"], TEXTS["04:00"]],
                             strict=True))).replace(b"lang='en'", f"lang='{lang}'".encode())
        entries = extract_page(body, url="https://news.example.com/live", fetched_at=at,
                               content_type="text/html").entries
        return [(e.key, e.published_at) for e in entries]

    first = fetched(FETCHED, 12, 34, 60)
    later = fetched(FETCHED + timedelta(minutes=7), 19, 41, 67)
    assert [at for _, at in first] == [FETCHED - timedelta(minutes=m) for m in (12, 34, 60)]
    assert [key for key, _ in later] == [key for key, _ in first]
