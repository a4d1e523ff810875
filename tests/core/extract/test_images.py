"""Each update's lead picture (`Entry.image`): on the real corpus pages, the picture a
reader sees beside it, never the page's furniture; on small pages, one rule each.

The truth below was made by reading each corpus page's HTML around every update: which
updates show a picture of their own (a photo, a graphic, a video's poster), and which show
only an author's headshot, a quote mark, a related story's card or nothing.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.extract import extract_page
from bot.core.model import Page
from tests.core.extract.corpus import corpus_pages, repo_corpus_dir
from tests.core.extract.scoring import load_truth
from tests.core.extract.unseen import unseen_cases

FETCHED_AT = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)

# page: [(words opening the update's headline or text, a stable part of its picture's URL)];
# every other update of the page has no picture.
PICTURES: dict[str, list[tuple[str, str]]] = {
    "bbc__coronavirus-live-2020-05-12": [
        # Lazy-loaded: data-src "/cps/{width}/..." filled from data-widths; the contributor
        # portraits (sizes 56px) and the JSON-LD image 11 updates share are not theirs.
        ("Where does the US stand on testing?", "/624/cpsprodpb/vivo/live/images/2020/5/12/597b32ee"),
        ("Who is Dr Anthony Fauci?", "10b32d7c-f533-419b-a56f-cf32100c0537"),
        ("'Football shouldn't even be spoken about", "a83b5a8d-8a88-46b7-9797-8199c08689e2"),
        ("How do Northern Ireland's plans differ?", "251c51fb-8db6-420e-804d-81693d5ee931"),
        ("WHO: Initial warnings not taken seriousl", "726881a8-7092-4ab0-b3d6-ea6ad61db16e"),
        ("Fauci to warn US of 'needless suffering ", "e937d519-174e-4397-bad2-77b942c18306"),
        ("Second wave 'highly unlikely' in Denmark", "2ec9278b-2534-4236-9f04-4a3ca28beb95"),
        ("'I got sick,' admits Kremlin spokesman", "5cc35144-db00-4b06-9ad7-cd55309084ab"),
        ("Train station ticket worker dies after b", "81bb0245-631b-4069-b136-bc014d7890f5"),
    ],
    "br24__nahost-ticker-2024-08-27": [],
    "corkbeo__level-3-live-cork-2020-10-06": [
        ("Princes Street is very quiet this evenin", "120924079_1397416583800032"),
        ("One of Cork's oldest pubs to remain open", "121002089_1037520166673280"),
        # "NPHET's letter" shows two blob: images, which no one outside the editor can load.
    ],
    "express__harry-meghan-live-2024-07-18": [
        ("The only person Prince Harry and Meghan ", "secondary/5505003.jpg"),
        ("Meghan Markle 'turned and hissed' at a s", "secondary/5504522.jpg"),
        ("Meghan Markle fails to compete with Prin", "secondary/5504215.jpg"),
        ("Meghan Markle pal says Prince Harry 'fit", "secondary/5504152.jpg"),
        ("Royal expert tears into Meghan Markle af", "secondary/5504090.jpg"),
        ("Unusual way Donald Trump 'saved' Prince ", "secondary/5504078.jpg"),
        ("Prince Harry's heartbreaking 8-word resp", "secondary/5504050.jpg"),
        ("Prince Harry and Meghan celebrate as Lil", "secondary/5504054.jpg"),
        ("Meghan Markle shows true colours with tr", "secondary/5504049.jpg"),
    ],
    "frankfurter-rundschau__kim-jong-un-update-article-2020-05-04": [
        # srcset of nine widths, 342w to 2200w: the 700w one; a protocol-relative URL.
        ("Inmitten der Spekulationen über den Verb", "//www.fr.de/bilder/2020/04/21/13680734/"
                                                     "1896450265-coronavirus-RP0h2sGL4BI.jpg"),
    ],
    "guardian2021__liveblog-body-fixture": [
        ("There were emotional scenes at Gatwick t", "c05544d822907490d0b1e09d5b755bc8e2450551"),
        ("PM says wants travel rules that are 'as ", "7cf17dafb4749d008bc0bf945e97bb3f504f8b36"),
        ("US travel industry boss urges White Hous", "5aac5ee6ad12bb2ad9533e4e1be7392577c0b821"),
        ("Heathrow CEO urges government to 'keep t", "d9f4b71ff7980e9ecad384fcccba6a36b73d4a3a"),
    ],
    "guardian__russia-ukraine-war-live-2023-05-15": [
        # A video's poster (1000w of 140w..1920w); Jennifer Rankin's headshot in the update's
        # header and the page image every JSON-LD update repeats are not the updates'.
        ("Stoltenberg: no point discussing how Ukr", "df1dd0d37ef392b673d510676a24ab24627c78a5"
                                                     "/0_0_1920_1080/1000.jpg"),
        ("Earlier, Rishi Sunak noted that today’s ", "b85eeabca3167f481f10644c8e09e8e4ac54ff16"),
        ("Zelenskiy discussed 'coalition of jets' ", "d3f2ad1d2dfe5bf99e19d74e9d0aea84d9fc21ef"),
    ],
    "independent__womens-world-cup-live-2023-08-14-amp": [
        ("Coach Tony Gustavsson expects Australia’", "GettyImages-1609438043.jpg"),
        ("One of the oldest sporting rivalries wil", "newFile-3.jpg"),
        ("Australia Prime Minister Anthony Albanes", "GettyImages-1609500889.jpg"),
        ("Who and when do England play next? Lione", "14/newFile.jpg"),
        ("England held a training session yesterda", "GettyImages-1611286403-1.jpg"),
        ("England are into the World Cup semi-fina", "GettyImages-1609633466.jpg"),
        ("It took Sarina Wiegman a moment to fully", "GettyImages-1609784285.jpg"),
    ],
    "mirror__uk-riots-live-2024-08-05": [
        ("Plymouth protests erupt in violence as m", "article33400927.ece"),
        ("Large group of anti-racism activists rea", "article33400767.ece"),
        ('Plymouth police promise "robust" action', "article33400760.ece"),
        ("Rioters hauled in front of courts after ", "article33400688.ece"),
        # Not the related story's 180x120 thumbnail further down the same update.
        ("Tensions escalate in Plymouth", "article33400677.ece"),
        ('Southport locals blow "bubbles to heaven', "article33400592.ece"),
        ("Balaclava-clad group seen forming a ring", "article33400567.ece"),
        ("Sky News stops Birmingham broadcast as r", "article33400234.ece"),
        ("Manchester mayor Andy Burnham says city ", "article33328018.ece"),
        ("Police Federation says officers will bec", "article33393999.ece"),
        ("Police have made 378 arrests since last ", "article33396802.ece"),
        ("Hero woman's iconic speech slamming vile", "article33397761.ece"),
        ("How YOU can help the clean-up and those ", "article33391779.ece"),
    ],
    # Microdata only, whose every update names the publisher's default image.
    "ndtv-sports__ind-vs-sl-live-score-2023-11-02": [],
    "nytimes__live-business-briefing-2020-09-25": [
        # No visible times: the updates come from JSON-LD, whose own images are these same
        # pictures; the 1200x675 nameplate two updates share is the publisher's.
        ("Apple continues to suspend fees for some", "25markets-brf-apple1/merlin_172849092"),
        ("F.A.A. chief will fly the Boeing 737 Max", "25markets-brf-maxflight/merlin_173629380"),
        ("China restarts construction, sending the", "25virus-metals1/"),
        ("A Boeing parts suppler files for bankrup", "25markets-brf-boeing1/merlin_177388359"),
        ("Seeking student aid for college? File ea", "25Adviser-illo/"),
        ("There’s a Covid-19 case in the office. W", "25db-newsletter-office/merlin_61670078"),
    ],
    "nzz__nahost-live-ticker-2024-07-18": [
        # Flat ticker: the figure after an "HH.MM Uhr" heading, lazy ones included.
        ("USA schliessen provisorischen Hafen vor ", "1f69e1dc-d5e8-47fc-ae5f-d9c0d12a528d"),
        ("Weiterhin tödliche Angriffe im Gazastrei", "fb23cc62-7286-4a26-860b-b43ee85f587d"),
        ("Israelische Armee will ab Sonntag Einber", "b95b1cd8-b891-45cf-9e2e-a676ca2e43b2"),
    ],
    "repubblica__israele-hamas-diretta-2023-11-02": [
        ("Netanyahu non ha approvato la benzina pe", "165012523-1ecddc78"),
        ("Hezbollah, 2 droni esplosivi contro mili", "164451070-20515db2"),
        ("Israele, forniremo carburante agli osped", "160434924-32ce132f"),
        ("Medioriente: Sunak incontra Guterres, “P", "153806964-05320dd3"),
        ("Idf, “Usata metà forza area a Gaza, pron", "153037224-d36ffaf6"),
        ("Bilaterale Sunak-Guterres: “Più aiuti a ", "150323361-d64be322"),
        ("Idf: “Scoperta rete di profili fake di H", "133039780-68bb96ac"),
        ("Biden contestato da comunità islamica in", "122546015-0320ba69"),
        ("Valico di Rafah tra Gaza e Egitto aperto", "095737074-52a92c94"),
        ("Unicef: “A Jabalia una carneficina, molt", "091641667-c9d00d1a"),
        ("Esercito israeliano: nella notte uccise ", "073416491-fc76f0e4"),
        ("Sirene d’allarme nell’area di Israele vi", "920225-thumb-rep-haniyeh.jpg"),
        ("Hamas: “Almeno 195 i palestinesi uccisi ", "920228-thumb-rep-tunnel_hamas.jpg"),
        # "Cpj: ..." and "L'Egitto favorirà ..." hold only a linked card of another article.
    ],
    # Team badges and helmet icons (30x30), and two linked teasers (a job advert, a preview).
    "sportowefakty__speedway-relacja-unia-falubaz-2020-09-28": [],
    "sportsfr__lorient-lyon-direct-commentary-2020-09-27": [],
    "telegraph__airasia-qz8501-latest-2014-12-31": [
        # Not the 45x40 quotation-mark gif nor the T logo before "airasia-child".
        ("As night falls in southeast Asia, the se", "air-asia-candles_3151768c.jpg"),
        ("These latest images from the search miss", "air-asia-search_3151695c.jpg"),
        ("More photos are coming in from the searc", "AirAsia-Indonesia-_3151358c.jpg"),
        ("Our picture desk have compiled a gallery", "AirAsia-Indonesia-_3151355c.jpg"),
        ("In Indonesia, Tom Phillips has been spea", "airasia-child_3151371c.jpg"),
        ("Reuters - INDONESIA SEARCH AND RESCUE AG", "AirAsia-Indonesia-_3151363c.jpg"),
        ("Update: total of 7 bodies - 4 men, 3 wom", "AirAsia-Indonesia-_3151361c.jpg"),
        ("Three people killed on AirAsia flight QZ", "AirAsia-Indonesia-_3151355c.jpg"),
        ("Stormy weather has forced Indonesian res", "AirAsia-Indonesia-_3151362c.jpg"),
        ("The Telegraph team in China has been spe", "gal1_3150180c.jpg"),
        ("It is now approaching 7am in Jakarta.The", "AirAsia_hug_3150722c.jpg"),
    ],
    "timesofindia__ipl-2020-csk-vs-srh-liveblog-2020-10-02": [],
}

# The furniture these pages carry beside their updates, and what furniture is called.
_FURNITURE_SEEN = ("Jennifer_Rankin", "7bbc638d-c11c-479b-90b5", "quotes_1817837a", "T_logo_",
                   "ndtv_default_image", "1200x675_nameplate", "scorecardresearch", "hit.xiti",
                   "vgwort", "v.wpimg.pl", "230919446-fbf67ba9", "225636659-954ded46",
                   "_112243833_mediaitem112243832", "gravatar", "blob:")
_FURNITURE_WORDS = re.compile(r"(?<![a-z0-9])(logo|avatar|pixel|icon|sprite|spacer|blank|emoji"
                              r"|1x1|doubleclick|ads?)(?![a-z0-9])", re.IGNORECASE)


def _page(corpus_dir: Path, name: str) -> Page:
    truth = load_truth(corpus_dir / "truth" / f"{name}.json")
    body = (corpus_dir / "raw" / truth["file"]).read_bytes()
    return extract_page(body, url=truth["page_url"], fetched_at=FETCHED_AT,
                        content_type="text/html")


def _opening(entry_title: str | None, text: str) -> str:
    return " ".join(f"{entry_title or ''} {text}".split())


@pytest.mark.parametrize("name", sorted(PICTURES))
def test_corpus_updates_carry_the_picture_beside_them(corpus_dir: Path, name: str) -> None:
    """Every update of a corpus page has the picture a reader sees beside it, or none."""
    page = _page(corpus_dir, name)
    expected = PICTURES[name]
    pictured = [entry for entry in page.entries if entry.image is not None]
    assert len(pictured) == len(expected), [(e.title or e.text[:40], e.image) for e in pictured]
    for words, image in expected:
        found = [e for e in page.entries if " ".join(words.split()) in _opening(e.title, e.text)]
        assert len(found) == 1, words
        assert found[0].image is not None and image in found[0].image, (words, found[0].image)
        assert found[0].image.startswith(("http://", "https://"))


def test_corpus_truth_lists_every_shared_page(corpus_dir: Path) -> None:
    """The truth above covers every page of the shared corpus."""
    assert {p.stem for p in (corpus_dir / "truth").glob("*.json")} == set(PICTURES)


def test_no_corpus_page_yields_furniture() -> None:
    """On no page of either corpus is a logo, avatar, pixel, icon, ad or stand-in picked."""
    pages = corpus_pages(repo_corpus_dir())
    if not pages:
        pytest.skip("no corpus")
    checked = 0
    for page in pages:
        truth = page.truth
        body = page.body
        extracted = extract_page(body, url=truth.get("page_url") or "https://example.com/",
                                 fetched_at=FETCHED_AT, content_type=truth.get("content_type", ""))
        for entry in extracted.entries:
            if entry.image is None:
                continue
            checked += 1
            assert entry.image.startswith(("http://", "https://")), (page.name, entry.image)
            assert not any(part in entry.image for part in _FURNITURE_SEEN), (page.name, entry.image)
            assert _FURNITURE_WORDS.search(entry.image) is None, (page.name, entry.image)
            assert not entry.image.split("?")[0].endswith(".svg"), (page.name, entry.image)
    assert checked >= 100


def test_hand_written_pages_picture_only_the_photo_post() -> None:
    """Of the hand-written publisher pages only Tumblr's photo post shows a picture; the
    WordPress liveblog's 30 px author avatars are no update's picture."""
    pictured = {case.name: [(e.text[:20], e.image) for e in case.extract().entries if e.image]
                for case in unseen_cases()}
    assert pictured.pop("tumblr") == [("Mile 20 and the lead", "https://64.media.tumblr.com/abc.jpg")]
    assert "wordpress-liveblog" in pictured
    assert all(not found for found in pictured.values()), pictured


# Repository corpus feeds: (items with a picture, an item's opening words, its picture).
FEED_PICTURES: dict[str, tuple[int, str, str]] = {
    # Media RSS content without a medium (140 and 460 px): the 460 one.
    "guardian__us-edition-rss-2018-01-31": (
        55, "Trump State of the Union address promised unity",
        "b73c8752cd4667c923dff7f1542f1fb20089e421/0_108_3000_1799/master/3000.jpg?w=460"),
    "bbc-urdu__pakistan-us-rss-2018-10-24": (26, "امریکہ پاکستان سے چاہتا کیا ہے؟",
                                             "_98456547_d3ee46a1-51a1-48b1-a24f-9a41cf21361e.jpg"),
    # Each item's own thumbnail; the author's gravatar beside it and Nokia's logo refused.
    "techcrunch__main-rss-2011-11-02": (19, "Gigya Launches Platform", "2011/11/imp2.png?w=300"),
    "macworld__news-rss-2017-11-29": (30, "Best smart lock", "best-smart-locks-100730768-medium.jpg"),
    # The picture in the item's HTML (after it, golem's 1x1 counter).
    "golem__news-rss-2018-10-28": (40, "Red Dead Redemption 2: Hinweise",
                                   "https://www.golem.de/1810/137358-177541-177538_rc.jpg"),
    # Relative in the item's HTML: read from the item's link.
    "fcutrecht-net__voetbalnieuws-rss-2021-09-07": (
        15, "Quinten Timber traint mee", "https://www.fcutrecht.net/img/spelers/timber_tn.jpg"),
    # Only a feed counter (a script URL), feedburner share buttons inside links, 1x1 pixels,
    # share buttons: no picture.
    "slashdot__stories-rss1-2005-11-20": (0, "", ""),
    "pcmag__dvorak-column-rss-2018-01-17": (0, "", ""),
    "jn__ultimas-noticias-rss-2018-01-03": (0, "", ""),
    "washingtonpost__wellness-rss-2012-08-24": (0, "", ""),
}


@pytest.mark.parametrize("name", sorted(FEED_PICTURES))
def test_feed_items_carry_their_own_picture(name: str) -> None:
    """Feed items carry their media, enclosure or HTML picture; counters and buttons never."""
    found = {page.name: page for page in corpus_pages(repo_corpus_dir()) if page.name == name}
    if not found:
        pytest.skip("the repository corpus is absent")
    truth = found[name].truth
    page = extract_page(found[name].body, url=truth["page_url"], fetched_at=FETCHED_AT,
                        content_type=truth.get("content_type", ""))
    count, words, image = FEED_PICTURES[name]
    assert sum(entry.image is not None for entry in page.entries) == count
    if count:
        entry = next(e for e in page.entries if _opening(e.title, e.text).startswith(words))
        assert entry.image is not None and image in entry.image
