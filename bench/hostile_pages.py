"""Extraction time of every hostile page of tests/hostile/pages.py beside the plain parse.

For each page: the median CPU seconds of `extract_page` over --runs runs, and the median CPU
seconds lexbor (selectolax) takes only to parse the same bytes, in the same run. CPU time of
this process, not wall time: what one page costs the extraction worker, and a figure other
load on the machine does not inflate. A page over the
budget (0.5 s) is marked. Last line: one JSON object
{"pages": {name: {"extract_s", "parse_s", "ratio"}}, "slowest": ..., "over_budget": [...]}.

    .venv/bin/python bench/hostile_pages.py [--runs 5] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from selectolax.lexbor import LexborHTMLParser

from bot.core.errors import StorywatchError
from bot.core.extract import extract_page
from tests.hostile.pages import BROKEN

BUDGET_SECONDS = 0.5
SLOW_SECONDS = 5.0
NOW = datetime(2024, 2, 3, 15, 0, tzinfo=UTC)


def median_seconds(work: Callable[[], object], runs: int) -> float:
    times: list[float] = []
    # lexbor alone takes tens of seconds on some of these pages: one such run says enough.
    while len(times) < runs and sum(times) < SLOW_SECONDS:
        started = time.process_time()
        work()
        times.append(time.process_time() - started)
    return statistics.median(times)


def extract(body: bytes | str, content_type: str) -> None:
    # A named refusal is an outcome too; its cost is what is measured.
    with contextlib.suppress(StorywatchError):
        extract_page(body, url="https://news.example/live/1", fetched_at=NOW,
                     content_type=content_type)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args()
    figures: dict[str, dict[str, float]] = {}
    for name in args.only or list(BROKEN):
        body, content_type = BROKEN[name]()
        extract_s = median_seconds(functools.partial(extract, body, content_type), args.runs)
        parse_s = median_seconds(functools.partial(LexborHTMLParser, body), args.runs)
        figures[name] = {"extract_s": round(extract_s, 4), "parse_s": round(parse_s, 4),
                         "ratio": round(extract_s / parse_s, 1) if parse_s > 0 else 0.0}
        mark = "  OVER BUDGET" if extract_s >= BUDGET_SECONDS else ""
        print(f"{name:28} {len(body) / 1e6:7.2f} MB  extract {extract_s:7.3f} s  "
              f"parse {parse_s:7.3f} s{mark}", flush=True)
    slowest = max(figures, key=lambda n: figures[n]["extract_s"])
    over = [n for n, f in figures.items() if f["extract_s"] >= BUDGET_SECONDS]
    print(f"slowest: {slowest} {figures[slowest]['extract_s']:.3f} s; over {BUDGET_SECONDS} s: "
          f"{len(over)} of {len(figures)}")
    print(json.dumps({"pages": figures, "slowest": slowest,
                      "slowest_s": figures[slowest]["extract_s"],
                      "budget_s": BUDGET_SECONDS, "over_budget": over}))


if __name__ == "__main__":
    main()
