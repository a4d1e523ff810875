"""Markup cut down before parsing only where the parser would take quadratic time."""

from __future__ import annotations

from pathlib import Path

from bot.core.extract.markup import MAX_DEPTH, bounded


def test_real_pages_pass_unchanged(corpus_dir: Path) -> None:
    """Every corpus page reaches the parser byte for byte."""
    for path in sorted((corpus_dir / "raw").glob("*.html")):
        body = path.read_bytes()
        assert bounded(body) is body, path.name


def test_nesting_past_the_limit_is_dropped() -> None:
    """Elements nested deeper than MAX_DEPTH are cut off; what lies above them is kept."""
    deep = b"<p>top</p>" + b"<div>" * 100_000 + b"x" + b"</div>" * 100_000
    cut = bounded(deep)
    assert cut.startswith(b"<p>top</p>")
    assert cut.count(b"<div>") == MAX_DEPTH


def test_implied_ends_do_not_count_as_depth() -> None:
    """Twenty thousand unclosed <li> and <p> are siblings, not a deep tree: nothing is cut."""
    flat = b"<ul>" + b"<li><p>item" * 20_000 + b"</ul>"
    assert bounded(flat) is flat


def test_a_flood_of_attributes_is_dropped_but_a_long_value_kept() -> None:
    """A start tag with 100,000 attributes keeps only its name; a 10 MB title stays whole."""
    flood = b"<div><p " + b" ".join(b"a%d=1" % n for n in range(100_000)) + b">x</p></div>"
    assert bounded(flood) == b"<div><p>x</p></div>"
    long_value = b'<p title="' + b"x" * 10_000_000 + b'">x</p>'
    assert bounded(long_value) is long_value
