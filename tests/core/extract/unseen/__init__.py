"""Hand-written live pages in the markup of publishers the corpus does not hold.

`raw/` holds each page, `truth/` its expected updates in the corpus truth format
(../shared/corpus/README.md) plus the page's `fetched_at` and `content_type`.
They imitate real templates (CNN, NYT, Reuters, Sky News, Al Jazeera, AP, BBC 2024,
Le Monde, SPIEGEL, Hindustan Times, ABC Australia, the WordPress liveblog plugin,
a Tumblr theme) and feeds (RSS 1.0, JSON Feed, Atom with only `updated`), each
with the furniture real pages carry: navigation, cookie banners, share buttons,
"Read more" links, and "Most read" lists with times.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.core.extract import extract_page
from bot.core.model import Page

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True, slots=True)
class UnseenCase:
    """One hand-written page and its truth."""

    name: str
    body: bytes
    truth: dict[str, Any]

    def extract(self) -> Page:
        """The page extracted as the bot would fetch it, with built-in recipes off."""
        return extract_page(
            self.body, url=self.truth["page_url"],
            fetched_at=datetime.fromisoformat(self.truth["fetched_at"]),
            content_type=self.truth["content_type"], builtin_recipes=False,
        )


def unseen_cases() -> list[UnseenCase]:
    """Every unseen page with its truth, by name."""
    from tests.core.extract.scoring import load_truth

    cases = []
    for path in sorted((HERE / "truth").glob("*.json")):
        truth = load_truth(path)
        cases.append(UnseenCase(path.stem, (HERE / "raw" / truth["file"]).read_bytes(), truth))
    return cases
