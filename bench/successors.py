"""What looking for a successor costs extraction: CPU time of `extract_page` on each corpus page
with the successor signals read (coverage end, closing-line links) beside the same code with
that step switched off, interleaved in one process (CPU time, so other load moves it little).

Each page is extracted as fetched ten minutes after its newest update (a running page) and as
fetched long after (an archived page: its coverage end, where it has one, passed). Prints the
median and the highest cost ratio of each; last line one JSON object.

    .venv/bin/python bench/successors.py [--runs 7] [SHARED]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import bot.core.extract as extraction
from bot.core.extract import extract_page

ARCHIVED = datetime(2026, 1, 1, tzinfo=UTC)
URL = "https://example.com/live"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shared", nargs="?", default=Path(__file__).parents[2] / "shared")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    pages = sorted((Path(args.shared) / "corpus" / "raw").iterdir())
    result = {}
    for when in ("running", "archived"):
        ratios = [_ratio(path.read_bytes(), when, args.runs) for path in pages]
        result[when] = {"median_cost_ratio": round(statistics.median(ratios), 3),
                        "max_cost_ratio": round(max(ratios), 3)}
        print(f"{when}: extraction with the successor step / without it: median "
              f"{result[when]['median_cost_ratio']}, highest {result[when]['max_cost_ratio']}")
    print(json.dumps({**result, "pages": len(pages), "runs": args.runs}))


def _ratio(body: bytes, when: str, runs: int) -> float:
    first = extract_page(body, url=URL, fetched_at=ARCHIVED)
    newest = max((e.published_at for e in first.entries if e.published_at), default=ARCHIVED)
    at = newest + timedelta(minutes=10) if when == "running" else ARCHIVED
    with_step, without = [], []
    for _ in range(runs):
        for on, times in ((True, with_step), (False, without)):
            times.append(_cpu(lambda: extract_page(body, url=URL, fetched_at=at), on))
    return statistics.median(with_step) / statistics.median(without)


def _cpu(run: Callable[[], object], on: bool) -> float:
    links, end = extraction.closing_links, extraction.coverage_end
    if not on:
        extraction.closing_links = lambda *_args, **_kwargs: ((), ())  # type: ignore[assignment]
        extraction.coverage_end = lambda _objects: None  # type: ignore[assignment]
    try:
        started = time.process_time()
        run()
        return time.process_time() - started
    finally:
        extraction.closing_links, extraction.coverage_end = links, end


if __name__ == "__main__":
    main()
