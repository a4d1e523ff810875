"""Time-evidence and cleanliness traps real pages set: each on the real page of the
shared corpus (skipped when it is absent) and on a small hand-written page showing the rule,
so a publisher nobody has seen benefits too. Pages are read years after they were saved: every
date must come from the page."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.extract import explain_page, extract_page
from bot.core.extract.candidate import RANK_ATTRIBUTE, RANK_STRUCTURED, Candidate
from bot.core.extract.merge import merge
from bot.core.extract.zones import stated_zone
from bot.core.model import Page
from bot.core.render.console import render_explained
from tests.core.extract.scoring import load_truth, score

FETCHED_AT = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


def _real(corpus_dir: Path, name: str) -> tuple[Page, dict]:
    truth = load_truth(corpus_dir / "truth" / f"{name}.json")
    body = (corpus_dir / "raw" / truth["file"]).read_bytes()
    page = extract_page(body, url=truth["page_url"], fetched_at=FETCHED_AT,
                        content_type="text/html", builtin_recipes=False)
    return page, truth


def _page(html: str, url: str) -> Page:
    return extract_page(html, url=url, fetched_at=FETCHED_AT, content_type="text/html")


def _times(page: Page) -> list[str]:
    return [e.published_at.isoformat() if e.published_at else "-" for e in page.entries]


# --- a constant offset between datetime attributes and structured data: the page's zone decides

# An Italian page in November (CET, UTC+1): each <time datetime="...Z"> is Rome's clock, an hour
# ahead of the JSON-LD instant; the attributes carry no seconds, the JSON-LD does.
ROME_Z = """<html lang="it"><head><title>Diretta</title>
<script type="application/ld+json">{"@type":"LiveBlogPosting","liveBlogUpdate":[
{"@type":"BlogPosting","headline":"Il governo convoca il vertice","datePublished":"2023-11-02T15:56:32Z","articleBody":"Il governo convoca il vertice sulla manovra per domani mattina."},
{"@type":"BlogPosting","headline":"Sciopero dei treni","datePublished":"2023-11-02T14:01:57Z","articleBody":"Sciopero dei treni confermato per venerdì in tutta Italia."}]}
</script></head><body><div class="liveblog">
<section class="post"><time datetime="2023-11-02T16:56Z">16:56</time><p>Il governo convoca il vertice sulla manovra per domani mattina.</p></section>
<section class="post"><time datetime="2023-11-02T15:01Z">15:01</time><p>Sciopero dei treni confermato per venerdì in tutta Italia.</p></section>
</div></body></html>"""

# The other way round: the attributes are right (+00:00 written as Z) and the JSON-LD wrote
# Rome's clock as UTC; the gap is minus the zone's offset, so the attributes stand.
ROME_LD_LOCAL = (ROME_Z.replace("T15:56:32Z", "T16:56:32Z").replace("T14:01:57Z", "T15:01:57Z")
                 .replace("16:56Z", "15:56Z").replace("15:01Z", "14:01Z"))


def test_constant_offset_equal_to_the_zone_makes_the_z_local_time() -> None:
    """An hour between every attribute and its JSON-LD twin, on an Italian page in winter
    (UTC+1): the attribute's Z is Rome time, the JSON-LD instant is the truth, even though the
    attributes hold no seconds and the JSON-LD does."""
    page = _page(ROME_Z, "https://www.example.it/diretta")
    assert _times(page) == ["2023-11-02T15:56:00+00:00", "2023-11-02T14:01:00+00:00"]


def test_constant_offset_against_the_zone_leaves_the_attributes() -> None:
    """When the JSON-LD runs an hour ahead of the attributes on that page, it is the JSON-LD
    that wrote local time as UTC: the attributes keep their instants."""
    page = _page(ROME_LD_LOCAL, "https://www.example.it/diretta")
    assert _times(page) == ["2023-11-02T15:56:00+00:00", "2023-11-02T14:01:00+00:00"]


def test_repubblica_z_is_rome_time(corpus_dir: Path) -> None:
    """Repubblica: on all 79 updates the JSON-LD instant wins over the Rome clock marked Z."""
    page, truth = _real(corpus_dir, "repubblica__israele-hamas-diretta-2023-11-02")
    result = score(page.entries, truth)
    assert (result.matched_timed, result.valid, result.exact) == (79, 79, 79), result.wrong_time
    assert result.extracted == 79


# --- time-only updates under a page date that is a day without a time

# The page's date is a bare day (31 Dec); its updates run back from the evening past midnight
# into the day before: most of them are on the day the page names.
DAY_ONLY_ACROSS_MIDNIGHT = """<html lang="en-GB"><head><title>Search latest</title>
<meta itemprop="datePublished" content="2014-12-31"></head><body><div id="body">
<p><strong>17.00 </strong>We are leaving our live coverage here for today.</p>
<p><strong>09.10 </strong>Divers have reached the wreck in the morning light.</p>
<p><strong>00.04 </strong>The grim task of identification begins today.</p>
<p><strong>23.46 </strong>This is the search area teams will cover this morning.</p>
</div></body></html>"""


def test_a_day_only_page_date_is_the_day_most_updates_are_on() -> None:
    """Times running back from 17.00 past midnight to 23.46 under a page dated 31 Dec: the
    17.00 to 00.04 run is on 31 Dec and 23.46 on the 30th, not all a day later."""
    page = _page(DAY_ONLY_ACROSS_MIDNIGHT, "https://www.example.co.uk/news/search-latest.html")
    assert _times(page) == ["2014-12-31T17:00:00+00:00", "2014-12-31T09:10:00+00:00",
                            "2014-12-31T00:04:00+00:00", "2014-12-30T23:46:00+00:00"]


def test_telegraph_2014_times_stay_on_the_pages_day(corpus_dir: Path) -> None:
    """Telegraph 2014: page date 31 Dec 2014 (metadata, no time); every update found is on its
    true UTC day and minute, 17.00 .. 00.04 on the 31st and 23.46, 23.45 on the 30th."""
    page, truth = _real(corpus_dir, "telegraph__airasia-qz8501-latest-2014-12-31")
    result = score(page.entries, truth)
    assert result.exact == result.dated >= 37, result.wrong_time


# --- yearless day headers in the page's language, written with non-breaking spaces

# A flat ticker: "HH.MM Uhr:" headings under "Donnerstag, 18.&nbsp;7." day headers; the
# article's own header and a "more on this" panel carry dated stamps of their own.
SWISS_TICKER = """<html lang="de-CH"><head><title>Nahost</title>
<meta name="last-modified" content="2024-07-18T13:08:27+02:00"></head><body>
<section class="article">
<div class="headline"><h1>Krieg in Nahost: der Ticker</h1><time datetime="2024-07-18T09:08:27Z">18.07.2024, 11.08 Uhr</time></div>
<h2><span>Donnerstag, 18.&nbsp;7.</span></h2>
<h5><span>11.04 Uhr: Drohne trifft Fahrzeug im Süden Libanons</span></h5>
<p>Bei dem Angriff starb nach Angaben aus Beirut ein Mann.</p>
<h2><span>Mittwoch, 17.&nbsp;7.</span></h2>
<h5><span>19.27 Uhr: Armee meldet Erfolge gegen Kommandeure</span></h5>
<p>Die Hälfte der Führung sei ausgeschaltet, sagt ein Sprecher.</p>
<h5><span>1.26 Uhr: Erneuter Beschuss im Grenzgebiet</span></h5>
<p>Das Militär meldet mehrfachen Beschuss aus dem Norden.</p>
<section class="more"><h3>Passend zum Artikel</h3>
<a href="/a">Bilder des Krieges</a><time>08.07.2024</time>
<a href="/b">Eine Analyse</a><time>13.12.2023</time></section>
</section></body></html>"""


def test_day_headers_with_non_breaking_spaces_date_the_times_under_them() -> None:
    """"Donnerstag, 18.&nbsp;7." is a day header like "Donnerstag, 18. 7.": the times under it
    are on 18 July of the page's year, not on a day taken from a teaser panel's date."""
    page = _page(SWISS_TICKER, "https://www.example.ch/international/nahost-ticker")
    assert _times(page) == ["2024-07-18T09:04:00+00:00", "2024-07-17T17:27:00+00:00",
                            "2024-07-16T23:26:00+00:00"]


def test_dated_boxes_among_time_only_updates_are_not_updates() -> None:
    """The article's dated header and the "Passend zum Artikel" panel are not updates."""
    page = _page(SWISS_TICKER, "https://www.example.ch/international/nahost-ticker")
    assert [e.title for e in page.entries] == [
        "Drohne trifft Fahrzeug im Süden Libanons", "Armee meldet Erfolge gegen Kommandeure",
        "Erneuter Beschuss im Grenzgebiet"]


def test_nzz_day_headers(corpus_dir: Path) -> None:
    """NZZ: 12 updates under "Donnerstag, 18. 7." / "Mittwoch, 17. 7." / "Dienstag, 16. 7.", all
    on their day (not 8 July), and nothing else."""
    page, truth = _real(corpus_dir, "nzz__nahost-live-ticker-2024-07-18")
    result = score(page.entries, truth)
    assert (result.matched_timed, result.extracted, result.exact) == (12, 12, 12), (
        result.wrong_time, result.extra)


# --- one structured source and the visible page give one list

# Microdata items for the same updates the page shows; the visible block glues the headline
# into its text, so the microdata body starts at the visible text's second paragraph. One
# older update is only in the microdata.
MICRODATA_TWINS = """<html lang="en"><head><title>Live score</title></head><body>
<div itemscope itemtype="https://schema.org/LiveBlogPosting"><ul class="blog">
<li class="post"><div itemprop="liveBlogUpdate" itemscope itemtype="https://schema.org/BlogPosting">
 <meta itemprop="datePublished" content="2023-11-02T21:06:52+05:30">
 <meta itemprop="headline" content="It's a wrap!">
 <meta itemprop="articleBody" content="Okay, folks! That's it from the game tonight."></div>
 <span class="date">21:06 (IST)</span><div class="text"><div class="ttl">It's a wrap!</div>Okay, folks! That's it from the game tonight.</div></li>
<li class="post"><div itemprop="liveBlogUpdate" itemscope itemtype="https://schema.org/BlogPosting">
 <meta itemprop="datePublished" content="2023-11-02T20:51:11+05:30">
 <meta itemprop="headline" content="Shami named Player of the Match">
 <meta itemprop="articleBody" content="Mohammed Shami gets the award for his five wickets."></div>
 <span class="date">20:51 (IST)</span><div class="text"><div class="ttl">Shami named Player of the Match</div>Mohammed Shami gets the award for his five wickets.</div></li>
</ul>
<div itemprop="liveBlogUpdate" itemscope itemtype="https://schema.org/BlogPosting">
 <meta itemprop="datePublished" content="2023-11-02T14:00:00+05:30">
 <meta itemprop="headline" content="Toss">
 <meta itemprop="articleBody" content="India have won the toss and chosen to bat first."></div>
</div></body></html>"""


def test_structured_twins_of_visible_updates_are_merged_not_added() -> None:
    """Two visible updates and their microdata twins give two entries, not four; the update
    only the microdata holds comes after them."""
    page = _page(MICRODATA_TWINS, "https://sports.example.com/live-score")
    assert [e.title for e in page.entries] == [
        "It's a wrap!", "Shami named Player of the Match", "Toss"]
    assert _times(page) == ["2023-11-02T15:36:52+00:00", "2023-11-02T15:21:11+00:00",
                            "2023-11-02T08:30:00+00:00"]


def test_a_visible_text_with_its_headline_glued_in_meets_its_structured_twin() -> None:
    """A visible update whose text opens with its headline ("It's a wrap!" then the body)
    is the structured item whose body is that text's second paragraph: one entry."""
    at = datetime(2023, 11, 2, 15, 36, 52, tzinfo=UTC)
    glued = Candidate("html", "India vs Sri Lanka: It's a wrap!\n\nOkay, folks! That's it from "
                      "the game tonight.", instant=at, rank=RANK_ATTRIBUTE)
    plain = Candidate("html", "Mohammed Shami gets the award for his five wickets.",
                      "Shami named Player of the Match", instant=at - timedelta(minutes=15),
                      rank=RANK_ATTRIBUTE)
    twins = [replace(glued, source="microdata", text=glued.text.split("\n\n")[1],
                     title="India vs Sri Lanka: It's a wrap!", rank=RANK_STRUCTURED),
             replace(plain, source="microdata", rank=RANK_STRUCTURED),
             replace(plain, source="microdata", text="India have won the toss.", title="Toss",
                     instant=at - timedelta(hours=7), rank=RANK_STRUCTURED)]
    entries, _ = merge([glued, plain], twins)
    assert [e.title for e in entries] == [
        "India vs Sri Lanka: It's a wrap!", "Shami named Player of the Match", "Toss"]


def test_ndtv_microdata_and_visible_list_are_one_list(corpus_dir: Path) -> None:
    """NDTV: 40 visible updates and their 40 microdata twins give 40 entries, not 65."""
    page, truth = _real(corpus_dir, "ndtv-sports__ind-vs-sl-live-score-2023-11-02")
    result = score(page.entries, truth)
    assert (result.matched_timed, result.extracted, result.exact) == (40, 40, 40), result.extra


# --- a body fragment whose top-level elements are the updates; "Updated at" is no publication

# No <html>, no <head>: the blocks sit at the top; each has its publication time and some an
# "Updated <time>at ...</time>" whose word is outside the time element.
FRAGMENT = """<div id="block-3" class="block"> <p class="block-time published-time"><time datetime="2021-08-02T16:33:20Z">5.33pm <span class="timezone">BST</span></time></p>
<h2 class="block-title">Here's a summary of the latest developments</h2><div class="block-elements"><p>New cases fell again this week, the figures show.</p></div>
<p class="block-time updated-time">Updated <time datetime="2021-08-02T16:45:09Z">at 5.45pm BST</time></p></div>
<div id="block-2" class="block"> <p class="block-time published-time"><time datetime="2021-08-02T15:58:54Z">4.58pm <span class="timezone">BST</span></time></p>
<div class="block-elements"><p>A leading modeller says the government implies infections don't matter.</p></div></div>
<div id="block-1" class="block"> <p class="block-time published-time"><time datetime="2021-08-02T08:44:06Z">9.44am <span class="timezone">BST</span></time></p>
<div class="block-elements"><p>Hi, it's Miranda looking after the blog today.</p></div>
<p class="block-time updated-time">Updated <time datetime="2021-08-02T09:30:00Z">at 10.30am BST</time></p></div>"""


def test_a_body_fragment_of_top_level_blocks_gives_every_block() -> None:
    """Every top-level block is an update, at its publication time, never its "Updated at"
    time, and an "Updated" line is not an update of its own."""
    page = _page(FRAGMENT, "https://www.example.co.uk/politics/live/2021/aug/02/covid-live")
    assert _times(page) == ["2021-08-02T16:33:20+00:00", "2021-08-02T15:58:54+00:00",
                            "2021-08-02T08:44:06+00:00"]
    assert [e.key for e in page.entries] == ["block-3", "block-2", "block-1"]


def test_explain_names_the_updated_at_time_as_an_edit() -> None:
    """`check --explain` lists the "Updated at 5.45pm" time as an edit time that lost."""
    explained = explain_page(FRAGMENT, url="https://www.example.co.uk/live/2021/aug/02/covid",
                             fetched_at=FETCHED_AT, content_type="text/html")
    kinds = [evidence.kind for evidence in explained.datings[0].evidence]
    assert kinds == ["datetime attribute marked Z", "edit time (not the publication time)"]


def test_guardian_2021_fragment_reads_all_35_blocks(corpus_dir: Path) -> None:
    """The Guardian 2021 body fragment: 35 of 35 blocks (not 12), each at its published time."""
    page, truth = _real(corpus_dir, "guardian2021__liveblog-body-fixture")
    result = score(page.entries, truth)
    assert (result.matched_timed, result.extracted, result.exact) == (35, 35, 35), (
        result.missed, result.wrong_time)


# --- what the reader sees is clean

# A label span inside the headline element with no space before the headline; a credit line
# opening the text; a zero-width space opening another update.
LABELLED = """<html lang="en-GB"><head><title>Live</title></head><body><ol class="feed">
<li class="post" id="post-3"><time datetime="2020-05-12T12:57:24Z">13:57</time>
 <h3><span class="stream-tag">Breaking</span><span class="header-text">Total lockdown announced in Lebanon</span></h3>
 <p>Copyright: Reuters</p><p>Lebanon will go into a four-day total lockdown from Wednesday.</p></li>
<li class="post" id="post-2"><time datetime="2020-05-12T12:40:00Z">13:40</time>
 <h3><span>Pinned</span>Schools to reopen in June</h3><p>\u200bPrimary schools will reopen on 1 June, ministers say.</p></li>
<li class="post" id="post-1"><time datetime="2020-05-12T12:20:00Z">13:20</time>
 <h3>Newcastle takeover talks continue</h3><p>The club's sale is still under review by the league.</p></li>
</ol></body></html>"""


def test_a_label_is_not_glued_into_the_headline() -> None:
    """"Breaking" and "Pinned" set inside the headline element are labels, not headline words:
    "Total lockdown announced in Lebanon", not "BreakingTotal lockdown ..."; a headline that
    merely starts like a label ("Newcastle") keeps its words."""
    page = _page(LABELLED, "https://www.example.co.uk/news/live/world-1")
    assert [e.title for e in page.entries] == [
        "Total lockdown announced in Lebanon", "Schools to reopen in June",
        "Newcastle takeover talks continue"]


def test_credit_lines_and_invisible_characters_are_not_text() -> None:
    """An image credit line ("Copyright: Reuters") does not open the update's text, and a
    zero-width space is stripped."""
    page = _page(LABELLED, "https://www.example.co.uk/news/live/world-1")
    assert page.entries[0].text == "Lebanon will go into a four-day total lockdown from Wednesday."
    assert page.entries[1].text == "Primary schools will reopen on 1 June, ministers say."


SECTION_TITLES = """<html lang="en-GB"><head><title>World Cup live</title></head><body>
<div class="live-list">""" + "".join(
    f"""<div class="post" id="post-{n}"><h3>{title}</h3><p>{text}</p>
<footer><amp-timeago datetime="2023-08-14T0{n}:01:52Z">14 August 2023 0{n + 1}:01</amp-timeago></footer></div>"""
    for n, title, text in (
        (8, "Women’s World Cup", "Coach Tony Gustavsson expects Australia to go all the way."),
        (7, "Women’s World Cup", "One of the oldest rivalries will be played on a new stage."),
        (6, "Who and when do England play next?", "England face Australia in the semi-finals."),
        (5, "Women’s World Cup", "Prime Minister Anthony Albanese backed calls for a holiday."),
        (4, "Women’s World Cup", "England held a training session ahead of the semi-final."))
) + "</div></body></html>"


def test_a_headline_on_most_updates_is_a_section_label() -> None:
    """"Women's World Cup" heads 4 of 5 updates: it names the section, so those updates have
    no headline of their own; the one real headline stays."""
    page = _page(SECTION_TITLES, "https://www.example.co.uk/sport/world-cup-live")
    assert [e.title for e in page.entries] == [
        None, None, "Who and when do England play next?", None, None]


COMMENTARY = """<html lang="fr"><head><title>Lorient - Lyon</title></head><body>
<div class="comments">
<div class="comment" data-time="95"><div class="comment-time"><span>95'</span></div><div class="comment-body">C'est terminé au Moustoir ! Lorient a tenu tête à l'OL.</div></div>
<div class="comment" data-time="75"><div class="comment-time"><span>75'</span></div><div class="comment-body">Carton jaune pour Paul Nardi, qui a perdu trop de temps.</div></div>
<div class="comment" data-time="3"><div class="comment-time"><span>3'</span></div><div class="comment-body">Premier corner du match pour Lyon, sans danger.</div></div>
</div></body></html>"""


def test_match_minutes_are_kept_as_the_updates_stamp() -> None:
    """Commentary timed only in match minutes keeps "75'" as what heads each update (it is no
    wall-clock time, so published_at stays None) rather than showing "(no time)"."""
    page = _page(COMMENTARY, "https://www.example.fr/direct-foot/lorient-lyon")
    assert [(e.title, e.published_at) for e in page.entries] == [
        ("95'", None), ("75'", None), ("3'", None)]


def test_real_pages_read_clean(corpus_dir: Path) -> None:
    """BBC's "Breaking" is not glued into its titles; the Independent's "Women's World Cup" is
    no title; sports.fr's commentary keeps its minutes; Times of India's zero-width space is
    gone."""
    bbc, _ = _real(corpus_dir, "bbc__coronavirus-live-2020-05-12")
    assert "Total lockdown announced in Lebanon" in [e.title for e in bbc.entries]
    assert not any((e.title or "").startswith("Breaking") for e in bbc.entries)
    independent, _ = _real(corpus_dir, "independent__womens-world-cup-live-2023-08-14-amp")
    assert [e.title for e in independent.entries].count(None) == 9
    sportsfr, _ = _real(corpus_dir, "sportsfr__lorient-lyon-direct-commentary-2020-09-27")
    assert [e.title for e in sportsfr.entries][:3] == ["95'", "95'", "93'"]
    toi, _ = _real(corpus_dir, "timesofindia__ipl-2020-csk-vs-srh-liveblog-2020-10-02")
    assert not any("\u200b" in e.text for e in toi.entries)


# --- a zone the page states in words, with daylight saving from the date

# A republished blog: its intro says its times are Eastern; on 24 March 2020 that is EDT
# (UTC-4), but its JSON-LD wrote every time with EST's -05:00.
EASTERN_IN_WORDS = """<html lang="en"><head><title>Markets live</title>
<script type="application/ld+json">{"@type":"LiveBlogPosting","datePublished":"2020-03-24T08:00:00-05:00","liveBlogUpdate":[
{"@type":"BlogPosting","headline":"Stocks surge at the open","datePublished":"2020-03-24T09:45:00-05:00","articleBody":"The Dow jumped 1,500 points in the first minutes of trading."},
{"@type":"BlogPosting","headline":"Futures point higher","datePublished":"2020-03-24T08:10:00-05:00","articleBody":"Futures rose overnight as Congress neared a relief deal."}]}
</script></head><body><article><p class="intro"><em>All times below are in Eastern time.</em></p>
<div class="updates">
<div class="update"><span class="stamp">9:45 a.m.</span><h2>Stocks surge at the open</h2><p>The Dow jumped 1,500 points in the first minutes of trading.</p></div>
<div class="update"><span class="stamp">8:10 a.m.</span><h2>Futures point higher</h2><p>Futures rose overnight as Congress neared a relief deal.</p></div>
</div></article></body></html>"""


def test_a_zone_stated_in_words_follows_daylight_saving() -> None:
    """"All times below are in Eastern time" on 24 March 2020 means EDT (UTC-4): 9:45 a.m. is
    13:45 UTC, not the 14:45 the JSON-LD's -05:00 gives; the JSON-LD's fixed offset loses."""
    page = _page(EASTERN_IN_WORDS, "https://markets.example.com/live/stocks-march-24")
    assert _times(page) == ["2020-03-24T13:45:00+00:00", "2020-03-24T12:10:00+00:00"]


def test_zone_statements_in_other_languages() -> None:
    """"alle Zeiten MEZ", "Uhrzeiten in MESZ", "(heure de Paris)" and "(IST)"-style statements
    name the zone; a phrase like "several times in eastern Ukraine" does not."""
    assert str(stated_zone("Der Ticker zum Nachlesen, alle Zeiten MEZ.")) == "MEZ"
    assert str(stated_zone("Uhrzeiten in MESZ")) == "MESZ"
    assert str(stated_zone("Les horaires sont donnés en heure de Paris.")) == "Europe/Paris"
    assert str(stated_zone("Live updates (all times IST)")) == "IST"
    assert stated_zone("Shelling was heard several times in eastern Ukraine.") is None


# --- check --explain: the evidence that won and the evidence that lost


def test_explain_marks_the_evidence_that_lost_and_names_the_zone() -> None:
    """On the Rome page, `check --explain` says why the attribute's Z is local time (the page's
    zone and the constant gap), marks the attribute "lost" by an hour and the JSON-LD as the
    agreeing evidence, in text and in JSON."""
    explained = explain_page(ROME_Z, url="https://www.example.it/diretta", fetched_at=FETCHED_AT,
                             content_type="text/html")
    text = render_explained(explained, as_json=False)
    assert "the page's zone, Europe/Rome, is UTC+1 then" in text
    assert ('lost: datetime attribute marked Z 2023-11-02 16:56 UTC shows "16:56" '
            "(1 h 00 min later)") in text
    assert "agrees: JSON-LD datePublished 2023-11-02 15:56 UTC" in text
    seen = json.loads(render_explained(explained, as_json=True))[0]["evidence"]["seen"]
    assert [item["verdict"] for item in seen] == ["lost", "agrees"]


# The newest update set apart in a box of its own above the rest, and a bold stamp running
# on to a name: both are updates like the others.
LEAD_BOX = """<html lang="en-GB"><head><title>Search latest</title>
<meta itemprop="datePublished" content="2014-12-31"></head><body><div id="main">
<div class="secondPar"><h3>Latest</h3><p><strong>17.00 </strong>We are leaving our live coverage here for today.</p></div>
<div class="thirdPar"><p>Meanwhile, our correspondents have this wrap of the day.</p></div>
<div class="body">
<p><strong>16.06 </strong>The plane made an unusually steep climb before it crashed.</p>
<p><strong>06.25 Jonathan Pearlman </strong>in Pangkalan Bun has spoken to the search chief.</p>
<p><strong>06.20 </strong>This from Tom Phillips, our correspondent in Surabaya.</p>
</div></div></body></html>"""


def test_a_lead_box_and_a_bold_stamp_running_on_are_updates() -> None:
    """The 17.00 update in its own box above the list is an update, and "06.25 Jonathan
    Pearlman" in bold is a stamp whose name stays in the text."""
    page = _page(LEAD_BOX, "https://www.example.co.uk/news/search-latest.html")
    assert _times(page) == ["2014-12-31T17:00:00+00:00", "2014-12-31T16:06:00+00:00",
                            "2014-12-31T06:25:00+00:00", "2014-12-31T06:20:00+00:00"]
    assert page.entries[2].text == "Jonathan Pearlman in Pangkalan Bun has spoken to the search chief."
