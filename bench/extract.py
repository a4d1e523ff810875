"""Extraction speed: pages per second on each corpus page and the seed, and the median,
beside a parse-only baseline (lexbor reading the same bytes) measured in the same run.

Prints one line per page, then as the last line one JSON object
{"pages": {name: pages_per_s}, "parse_only": {name: pages_per_s}, "median_pages_per_s": ...,
"median_parse_only_per_s": ..., "share_of_parse_speed": ...}. One core, no I/O timed.

    .venv/bin/python bench/extract.py [SHARED_DIR]
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from selectolax.lexbor import LexborHTMLParser

from bot.core.extract import extract_page
from bot.core.model import Page

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
FETCHED_AT = datetime(2024, 8, 27, 23, 0, tzinfo=UTC)
BATCH_SECONDS = 0.15
BATCHES = 5


def _best_rate(work: Callable[[], object]) -> float:
    """Runs per second of `work`: the best of BATCHES batches (as timeit does, so other load
    on the machine does not count)."""
    best = 0.0
    for _ in range(BATCHES):
        rounds, started = 0, time.perf_counter()
        while rounds < 3 or time.perf_counter() - started < BATCH_SECONDS:
            work()
            rounds += 1
        best = max(best, rounds / (time.perf_counter() - started))
    return best


def rate(body: bytes, content_type: str) -> tuple[float, float, int]:
    """Pages per second extracting `body` and only parsing it; the number of entries found."""
    def extract() -> Page:
        return extract_page(body, url="https://example.com/live", fetched_at=FETCHED_AT,
                            content_type=content_type)

    entries = len(extract().entries)
    parse = _best_rate(lambda: LexborHTMLParser(body).body)
    return _best_rate(extract), parse, entries


def main() -> None:
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else SHARED
    pages = [(p, "text/html") for p in sorted((shared / "corpus" / "raw").glob("*.html"))]
    pages += [(p, "") for p in sorted((shared / "seeds").glob("*.txt"))]
    rates: dict[str, float] = {}
    parses: dict[str, float] = {}
    for path, content_type in pages:
        per_second, parse, entries = rate(path.read_bytes(), content_type)
        rates[path.stem], parses[path.stem] = round(per_second, 1), round(parse, 1)
        size = path.stat().st_size // 1024
        print(f"{path.stem[:56]:56} {size:5} KiB {entries:4} entries {per_second:7.1f} pages/s"
              f" (parse only {parse:7.1f})")
    median, parse_median = statistics.median(rates.values()), statistics.median(parses.values())
    print(f"median: {median:.1f} pages/s over {len(rates)} pages; parse only {parse_median:.1f}")
    print(json.dumps({"pages": rates, "parse_only": parses, "median_pages_per_s": round(median, 1),
                      "median_parse_only_per_s": round(parse_median, 1),
                      "share_of_parse_speed": round(median / parse_median, 3)}))


if __name__ == "__main__":
    main()
