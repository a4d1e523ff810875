"""Site recipes from config: CSS selectors for one publisher."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.extract import extract_page
from bot.core.model import Recipe

PAGE = """<html lang="en"><body><div class="wall">
<div class="x1" id="a2"><i class="k">17:45</i><b class="h">Kick-off delayed</b><em class="t">Rain stops play.</em></div>
<div class="x1" id="a1"><i class="k">17:30</i><b class="h">Teams out</b><em class="t">Both sides walk out.</em></div>
</div><div class="promo">Special offer 10:00 today only, subscribe now to read more about it</div></body></html>"""
RECIPE = Recipe(host="example.org", entry="div.x1", time="i.k", title="b.h", text="em.t")
NOW = datetime(2024, 6, 1, 20, 0, tzinfo=UTC)


def test_recipe_selects_entries_title_and_text() -> None:
    """A recipe for the page's parent domain picks entries, times, titles and texts by selector."""
    page = extract_page(PAGE, url="https://live.example.org/match", fetched_at=NOW,
                        content_type="text/html", recipes=[RECIPE])
    assert [(e.key, e.published_at, e.title, e.text) for e in page.entries] == [
        ("a2", datetime(2024, 6, 1, 17, 45, tzinfo=UTC), "Kick-off delayed", "Rain stops play."),
        ("a1", datetime(2024, 6, 1, 17, 30, tzinfo=UTC), "Teams out", "Both sides walk out."),
    ]


def test_recipe_for_another_host_is_not_used() -> None:
    """A recipe only applies to its host and the host's subdomains."""
    page = extract_page(PAGE, url="https://example.net/match", fetched_at=NOW,
                        content_type="text/html", recipes=[RECIPE])
    assert all(e.title != "Kick-off delayed" or e.text != "Rain stops play." for e in page.entries)
