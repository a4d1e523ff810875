"""Extraction speed: pages per second on each corpus page and the seed, and the median.

Prints one line per page, then as the last line one JSON object
{"pages": {name: pages_per_s}, "median_pages_per_s": ...}. One core, no I/O timed.

    .venv/bin/python bench/extract.py [SHARED_DIR]
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core.extract import extract_page

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
FETCHED_AT = datetime(2024, 8, 27, 23, 0, tzinfo=UTC)
BATCH_SECONDS = 0.15
BATCHES = 5


def rate(body: bytes, content_type: str) -> tuple[float, int]:
    """Pages per second extracting `body`: the best of BATCHES batches (as timeit does, so
    other load on the machine does not count); and the number of entries found."""
    page = extract_page(body, url="https://example.com/live", fetched_at=FETCHED_AT,
                        content_type=content_type)
    best = 0.0
    for _ in range(BATCHES):
        rounds, started = 0, time.perf_counter()
        while rounds < 3 or time.perf_counter() - started < BATCH_SECONDS:
            extract_page(body, url="https://example.com/live", fetched_at=FETCHED_AT,
                         content_type=content_type)
            rounds += 1
        best = max(best, rounds / (time.perf_counter() - started))
    return best, len(page.entries)


def main() -> None:
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else SHARED
    pages = [(p, "text/html") for p in sorted((shared / "corpus" / "raw").glob("*.html"))]
    pages += [(p, "") for p in sorted((shared / "seeds").glob("*.txt"))]
    rates: dict[str, float] = {}
    for path, content_type in pages:
        per_second, entries = rate(path.read_bytes(), content_type)
        rates[path.stem] = round(per_second, 1)
        size = path.stat().st_size // 1024
        print(f"{path.stem[:60]:60} {size:6} KiB {entries:4} entries {per_second:8.1f} pages/s")
    median = statistics.median(rates.values())
    print(f"median: {median:.1f} pages/s over {len(rates)} pages")
    print(json.dumps({"pages": rates, "median_pages_per_s": round(median, 1)}))


if __name__ == "__main__":
    main()
