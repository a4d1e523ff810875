"""OPML export and a safe import: samples of other bots' exports, and hostile files."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.errors import BadOpml
from bot.core.opml import MAX_OUTLINES, Outline, read_opml, write_opml

SAMPLES = Path(__file__).parent / "opml_samples"


def test_an_export_reads_back_as_the_same_urls() -> None:
    outlines = [Outline("https://a.example/live", "Storm live"),
                Outline("https://b.example/feed.xml", 'Quotes "&" <tags>', feed=True)]

    text = write_opml("storywatch: console:me", outlines)

    assert read_opml(text.encode()) == ["https://a.example/live", "https://b.example/feed.xml"]
    assert '<opml version="2.0">' in text
    assert 'xmlUrl="https://b.example/feed.xml"' in text
    assert 'htmlUrl="https://a.example/live"' in text
    assert "Quotes &quot;&amp;&quot; &lt;tags&gt;" in text


def test_an_rss_to_telegram_bot_export_is_read_with_its_folders_flattened() -> None:
    urls = read_opml((SAMPLES / "rsstt_export.opml").read_bytes())

    assert urls == ["https://news.example/world/live/rss.xml", "https://tech.example/live/feed"]


def test_a_monitorss_export_takes_xml_url_else_html_url_each_once() -> None:
    urls = read_opml((SAMPLES / "monitorss_export.opml").read_bytes())

    assert urls == ["https://politics.example/election/live.atom",
                    "https://sport.example/match/live"]


@pytest.mark.parametrize(("data", "reason"), [
    (b"this is not xml", "malformed"),
    (b"<rss><channel/></rss>", "not <opml>"),
    (b"<opml><body><outline xmlUrl='https://a.example/'></body>", "malformed"),
])
def test_a_file_that_is_not_opml_gets_one_line(data: bytes, reason: str) -> None:
    with pytest.raises(BadOpml, match=reason) as raised:
        read_opml(data)

    assert "\n" not in str(raised.value)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE opml [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<opml version="2.0"><body><outline text="&lol9;" xmlUrl="https://a.example/"/></body></opml>
"""


def test_billion_laughs_is_refused() -> None:
    with pytest.raises(BadOpml, match="entities"):
        read_opml(BILLION_LAUGHS)


def test_an_external_entity_is_refused_and_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("https://secret.example/")
    data = (f'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file://{secret}">]>'
            '<opml version="2.0"><body><outline text="x" xmlUrl="&x;"/></body></opml>')

    with pytest.raises(BadOpml, match="entities"):
        read_opml(data.encode())


def test_a_million_outlines_are_refused() -> None:
    data = b'<opml version="2.0"><body>' + b"<outline/>" * 1_000_000 + b"</body></opml>"

    with pytest.raises(BadOpml, match="KiB"):
        read_opml(data)


def test_more_outlines_than_the_cap_are_refused_though_the_file_is_small() -> None:
    outlines = "".join(f'<outline xmlUrl="https://a.example/{n}"/>'
                       for n in range(MAX_OUTLINES + 1))

    with pytest.raises(BadOpml, match=f"more than {MAX_OUTLINES} outlines"):
        read_opml(f'<opml version="2.0"><body>{outlines}</body></opml>'.encode())


def test_a_title_with_control_characters_exports_as_a_file_that_reads_back() -> None:
    """A page title holding escape sequences, a bell or a bidi override is written without
    them, so the export imports (and prints) safely."""
    title = "Storm \x1b[31mred\x07 live\u202e \ud800\nnow"

    text = write_opml("storywatch: console:\x1b]0;x\x07", [Outline("https://a.example/live",
                                                                    title)])

    assert read_opml(text.encode()) == ["https://a.example/live"]
    assert 'title="Storm [31mred live now"' in text
    assert not any(char in text for char in "\x1b\x07\u202e\ud800")
