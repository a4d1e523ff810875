"""Discovery speed (what `/subscribe` of a front page and each check of a tracked page run):
`discover` on each corpus page, and on a synthetic front page of 20,000 links (a hostile
section page), beside a parse-only baseline (lexbor reading the same bytes) in the same run;
then the CPU seconds of the slowest of the hostile tests' broken pages (goal: under 0.5 s).

Each page is measured --runs times (discovery and parse alternating, so load on the machine
falls on both); its figures are the medians of those runs. On a busy machine compare
`median_share_of_parse_speed` (per page, discovery's rate over parsing's; the median), not
the raw rates. Prints one line per page, then as the last line one JSON object
{"pages": {name: {"per_s", "parse_per_s", "live", "feeds"}}, "median_share_of_parse_speed",
"hostile_ms", "hostile_parse_ms", "broken_max_cpu_s", "broken_slowest", "runs"}. One core,
no I/O timed.

    .venv/bin/python bench/discover.py [--runs 3] [SHARED_DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from selectolax.lexbor import LexborHTMLParser

from bot.core.discover import discover

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
BATCH_SECONDS = 0.15
BATCHES = 5
URL = "https://news.example.com/world/"


def _best_rate(work: Callable[[], object]) -> float:
    """Runs per second of `work`: the best of BATCHES batches (other load does not count)."""
    best = 0.0
    for _ in range(BATCHES):
        rounds, started = 0, time.perf_counter()
        while rounds < 3 or time.perf_counter() - started < BATCH_SECONDS:
            work()
            rounds += 1
        best = max(best, rounds / (time.perf_counter() - started))
    return best


def rate(body: bytes, runs: int) -> tuple[float, float]:
    """Pages per second discovering in `body` and only parsing it (medians of `runs`)."""
    found, parsed = [], []
    for _ in range(runs):
        found.append(_best_rate(lambda: discover(body, url=URL, content_type="text/html")))
        parsed.append(_best_rate(lambda: LexborHTMLParser(body).body))
    return statistics.median(found), statistics.median(parsed)


def hostile_front_page(links: int = 20_000) -> bytes:
    """A section page of `links` live-looking links (a page a stranger can write)."""
    anchors = "".join(f'<li><a href="/live/{n}">Live: story number {n} of the day</a></li>'
                      for n in range(links))
    return f"<!doctype html><html><body><ul>{anchors}</ul></body></html>".encode()


def broken_pages_seconds() -> dict[str, float]:
    """CPU seconds of discovery on each broken page the hostile tests use."""
    from bot.core.errors import StorywatchError
    from tests.hostile.pages import BROKEN

    seconds = {}
    for name, make in BROKEN.items():
        body, content_type = make()
        started = time.process_time()
        # A body refused as no page is what a tracked page gets too: timed all the same.
        with contextlib.suppress(StorywatchError):
            discover(body, url=URL, content_type=content_type)
        seconds[name] = time.process_time() - started
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shared", nargs="?", type=Path, default=SHARED)
    parser.add_argument("--runs", type=int, default=3, help="runs per page (median taken)")
    args = parser.parse_args()
    pages: dict[str, dict[str, float]] = {}
    for path in sorted((args.shared / "corpus" / "raw").glob("*.html")):
        body = path.read_bytes()
        per_second, parse = rate(body, args.runs)
        offered = discover(body, url=URL, content_type="text/html")
        pages[path.stem] = {"per_s": round(per_second, 1), "parse_per_s": round(parse, 1),
                            "live": len(offered.links), "feeds": len(offered.feeds)}
        print(f"{path.stem[:48]:48} {len(body) // 1024:5} KB {per_second:8.1f}/s "
              f"(parse {parse:8.1f}/s) live links {len(offered.links):3} feeds "
              f"{len(offered.feeds)}", flush=True)
    hostile = hostile_front_page()
    hostile_rate, hostile_parse = rate(hostile, args.runs)
    print(f"hostile front page, 20,000 links: {1000 / hostile_rate:.1f} ms "
          f"(parse {1000 / hostile_parse:.1f} ms)")
    broken = broken_pages_seconds()
    slowest = max(broken, key=lambda name: broken[name])
    print(f"slowest of {len(broken)} broken pages (tests/hostile/pages.py): {slowest} "
          f"{broken[slowest]:.3f} CPU s")
    shares = [p["per_s"] / p["parse_per_s"] for p in pages.values() if p["parse_per_s"]]
    print(json.dumps({"pages": pages,
                      "median_share_of_parse_speed": round(statistics.median(shares), 3)
                      if shares else None,
                      "hostile_ms": round(1000 / hostile_rate, 1),
                      "hostile_parse_ms": round(1000 / hostile_parse, 1),
                      "broken_max_cpu_s": round(broken[slowest], 3), "broken_slowest": slowest,
                      "runs": args.runs}))


if __name__ == "__main__":
    main()
