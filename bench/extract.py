"""Extraction speed: pages per second on each corpus page and the seed, and the median,
beside a parse-only baseline (lexbor reading the same bytes) measured in the same run.

Each page is measured --runs times (extraction and parse alternating, so load on the machine
falls on both); its figures are the medians of those runs, and the page figures' medians
make the result. On a busy machine compare `share_of_parse_speed` (the median page's
extraction rate over the median parse rate), not the raw rates. Prints one line per page,
then as the last line one JSON object {"pages": {name: pages_per_s}, "parse_only": {name:
pages_per_s}, "median_pages_per_s": ..., "median_parse_only_per_s": ...,
"share_of_parse_speed": ..., "runs": ...}. One core, no I/O timed.

    .venv/bin/python bench/extract.py [--runs 3] [SHARED_DIR]
"""

from __future__ import annotations

import argparse
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


def rate(body: bytes, content_type: str, runs: int) -> tuple[float, float, int]:
    """Pages per second extracting `body` and only parsing it (medians of `runs` runs); the
    number of entries found."""
    def extract() -> Page:
        return extract_page(body, url="https://example.com/live", fetched_at=FETCHED_AT,
                            content_type=content_type)

    entries = len(extract().entries)
    extracts, parses = [], []
    for _ in range(runs):
        extracts.append(_best_rate(extract))
        parses.append(_best_rate(lambda: LexborHTMLParser(body).body))
    return statistics.median(extracts), statistics.median(parses), entries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shared", nargs="?", type=Path, default=SHARED)
    parser.add_argument("--runs", type=int, default=3, help="runs per page (median taken)")
    args = parser.parse_args()
    shared = args.shared
    pages = [(p, "text/html") for p in sorted((shared / "corpus" / "raw").glob("*.html"))]
    pages += [(p, "") for p in sorted((shared / "seeds").glob("*.txt"))]
    rates: dict[str, float] = {}
    parses: dict[str, float] = {}
    for path, content_type in pages:
        per_second, parse, entries = rate(path.read_bytes(), content_type, args.runs)
        rates[path.stem], parses[path.stem] = round(per_second, 1), round(parse, 1)
        size = path.stat().st_size // 1024
        print(f"{path.stem[:56]:56} {size:5} KiB {entries:4} entries {per_second:7.1f} pages/s"
              f" (parse only {parse:7.1f})")
    median, parse_median = statistics.median(rates.values()), statistics.median(parses.values())
    print(f"median: {median:.1f} pages/s over {len(rates)} pages; parse only {parse_median:.1f}")
    print(json.dumps({"pages": rates, "parse_only": parses, "median_pages_per_s": round(median, 1),
                      "median_parse_only_per_s": round(parse_median, 1),
                      "share_of_parse_speed": round(median / parse_median, 3),
                      "runs": args.runs}))


if __name__ == "__main__":
    main()
