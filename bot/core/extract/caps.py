"""How much of one page extraction reads: caps on candidates, and the tally of what they cut.

A page is at most `fetch.max_bytes`, but what it costs to extract grows with the number
of things on it that look like times. No live page carries thousands of updates, so past
these caps the excess is ignored (in document order: the first ones are kept) and counted,
so a hostile page of 50,000 `<time>` elements costs what its first 2,000 do: an HTML page
is cut before its (MAX_TIME_ELEMENTS + 1)th `datetime` attribute, so what follows costs
nothing downstream either. The largest real live page we know shows a few hundred updates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Time-bearing elements read per page (`<time datetime>`, epoch attributes, clock texts).
MAX_TIME_ELEMENTS = 2_000
# liveBlogUpdate items per page, over all its LiveBlogPostings.
MAX_JSON_LD_ITEMS = 2_000
# Timestamp lines of a plain-text page (or of an HTML page read as text).
MAX_TEXT_STAMPS = 2_000
# Feed items: feeds list newest first, and the feed parser pays per element, so a feed
# with more tags than MAX_FEED_TAGS, or that declares entities, is cut to size before
# it is parsed.
MAX_FEED_ITEMS = 2_000
MAX_FEED_TAGS = 20_000
# Elements inside one feed item: a real item has tens.
MAX_FEED_ITEM_ELEMENTS = 500


@dataclass(slots=True)
class Tally:
    """Candidates ignored past a cap while extracting one page, by kind."""

    ignored: dict[str, int] = field(default_factory=dict)

    def over(self, kind: str, count: int) -> None:
        """Count `count` candidates of `kind` ignored."""
        if count > 0:
            self.ignored[kind] = self.ignored.get(kind, 0) + count

    def counts(self) -> tuple[tuple[str, int], ...]:
        """What was ignored, by kind, in a stable order."""
        return tuple(sorted(self.ignored.items()))
