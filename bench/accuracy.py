"""Extraction accuracy on every corpus page with a truth file, recipes on and off, and on the
hand-written pages of publishers the corpus does not hold (tests/core/extract/unseen/, recipes off).

Prints one line per page and run, the totals of each run (the unseen pages as a separate
"unseen" total), and as the last line one JSON object. Scoring is the corpus README's
(tests/core/extract/scoring.py). Each corpus page is "fetched" at 23:59 UTC on the date in its
file name; each unseen page at the `fetched_at` its truth gives.

    .venv/bin/python bench/accuracy.py [CORPUS_DIR]
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core.extract import extract_page
from tests.core.extract.scoring import Score, fetch_time, load_truth, score
from tests.core.extract.unseen import UnseenCase, unseen_cases

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"


def run_page(corpus: Path, truth_path: Path, builtin: bool) -> tuple[Score, float]:
    """Score one page and measure its extraction rate (pages/second)."""
    truth = load_truth(truth_path)
    body = (corpus / "raw" / truth["file"]).read_bytes()
    url = truth.get("page_url") or "https://example.invalid/"
    when = fetch_time(truth["file"])
    page = extract_page(body, url=url, fetched_at=when, content_type="text/html",
                        builtin_recipes=builtin)
    rounds, started = 0, time.perf_counter()
    while rounds < 3 or time.perf_counter() - started < 0.3:
        extract_page(body, url=url, fetched_at=when, content_type="text/html",
                     builtin_recipes=builtin)
        rounds += 1
    return score(page.entries, truth), rounds / (time.perf_counter() - started)


def run_unseen(case: UnseenCase) -> tuple[Score, float]:
    """Score one unseen page (recipes off) and measure its extraction rate."""
    result = score(case.extract().entries, case.truth)
    rounds, started = 0, time.perf_counter()
    while rounds < 3 or time.perf_counter() - started < 0.1:
        case.extract()
        rounds += 1
    return result, rounds / (time.perf_counter() - started)


def report(label: str, results: list[tuple[str, Score, float]]) -> dict[str, object]:
    """Print one line per page and the run's total; return the run's summary."""
    totals = [0, 0, 0, 0, 0, 0]
    pages = {}
    for name, result, rate in results:
        print(f"{label:11} {name:22} recall {result.matched_timed:3}/{result.timed_truth:<3} "
              f"precision {result.valid:3}/{result.extracted:<3} "
              f"time {result.exact:3}/{result.dated:<3} {rate:7.1f} pages/s")
        for line in (*result.missed, *result.wrong_time, *result.extra[:5]):
            print(f"{'':35}- {line}")
        counts = (result.matched_timed, result.timed_truth, result.valid, result.extracted,
                  result.exact, result.dated)
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
        pages[name] = {
            "recall": round(result.recall, 4), "precision": round(result.precision, 4),
            "timestamps": round(result.timestamps, 4), "pages_per_s": round(rate, 1),
        }
    recall, precision, stamps = (totals[0] / max(totals[1], 1), totals[2] / max(totals[3], 1),
                                 totals[4] / max(totals[5], 1))
    print(f"TOTAL {label}: recall {recall:.2%} precision {precision:.2%} timestamps {stamps:.2%}")
    return {"recall": round(recall, 4), "precision": round(precision, 4),
            "timestamps": round(stamps, 4), "pages": pages}


def main() -> None:
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS
    summary: dict[str, object] = {}
    for builtin in (True, False):
        results = []
        for truth_path in sorted((corpus / "truth").glob("*.json")):
            result, rate = run_page(corpus, truth_path, builtin)
            results.append((truth_path.stem.split("__")[0], result, rate))
        label = "recipes on" if builtin else "recipes off"
        summary["builtin" if builtin else "generic"] = report(label, results)
    unseen = [(case.name, *run_unseen(case)) for case in unseen_cases()]
    summary["unseen"] = report("unseen", unseen)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
