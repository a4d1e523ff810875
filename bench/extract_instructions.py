"""Extraction cost in CPU instructions per corpus page and the seed, beside lexbor's plain
parse of the same bytes: a figure other load on the machine does not change (wall-clock
rates on a busy machine move by 2x from run to run; instruction counts by well under 1 %).

Runs itself under valgrind's callgrind (needs `valgrind`), extracting each page once after
a warm-up and dumping the counters between steps. Prints one line per page, then as the last
line one JSON object {"pages": {name: {"extract": instructions, "parse": instructions}},
"median_extract": ..., "median_parse": ..., "total_extract": ...,
"median_share_of_parse": ...} (the median over pages of parse / extract). Takes a few
minutes.

    .venv/bin/python bench/extract_instructions.py [SHARED_DIR]
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
FETCHED_AT = datetime(2024, 8, 27, 23, 0, tzinfo=UTC)
_TRIGGER = re.compile(r"^desc: Trigger: dump (.*)$", re.MULTILINE)
_SUMMARY = re.compile(r"^summary: (\d+)$", re.MULTILINE)


def _pages(shared: Path) -> list[tuple[Path, str]]:
    pages = [(p, "text/html") for p in sorted((shared / "corpus" / "raw").glob("*.html"))]
    return pages + [(p, "") for p in sorted((shared / "seeds").glob("*.txt"))]


def _dump(label: str) -> None:
    subprocess.run(["callgrind_control", f"--dump={label}", str(os.getpid())],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)


def child(shared: Path) -> None:
    """Under callgrind: warm up, then extract and parse each page once between dumps."""
    sys.path.insert(0, str(ROOT))
    from selectolax.lexbor import LexborHTMLParser

    from bot.core.extract import extract_page

    def parse(body: bytes) -> object:
        return LexborHTMLParser(body).body

    bodies = [(path.stem, path.read_bytes(), kind) for path, kind in _pages(shared)]
    for _, body, kind in bodies:
        extract_page(body, url="https://example.com/live", fetched_at=FETCHED_AT,
                     content_type=kind)
        parse(body)
    _dump("setup")
    for name, body, kind in bodies:
        extract_page(body, url="https://example.com/live", fetched_at=FETCHED_AT,
                     content_type=kind)
        _dump(f"extract {name}")
        parse(body)
        _dump(f"parse {name}")


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child(Path(sys.argv[2]))
        return
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else SHARED
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={folder}/cg.%p",
                        sys.executable, __file__, "--child", str(shared)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        counts: dict[str, dict[str, int]] = {}
        for dump in Path(folder).glob("cg.*.*"):
            text = dump.read_text(errors="replace")
            trigger, summary = _TRIGGER.search(text), _SUMMARY.search(text)
            if trigger is None or summary is None or " " not in trigger[1]:
                continue
            step, name = trigger[1].split(" ", 1)
            counts.setdefault(name, {})[step] = int(summary[1])
    pages = {name: counts[name] for name in sorted(counts)}
    for name, page in pages.items():
        print(f"{name[:56]:56} extract {page['extract'] / 1e6:8.1f} M  parse "
              f"{page['parse'] / 1e6:7.1f} M  ({page['parse'] / page['extract']:.3f})")
    extracts = [page["extract"] for page in pages.values()]
    median = statistics.median(extracts)
    parse = statistics.median(page["parse"] for page in pages.values())
    share = statistics.median(page["parse"] / page["extract"] for page in pages.values())
    print(f"median: {median / 1e6:.1f} M instructions per page; parse only {parse / 1e6:.1f} M")
    print(json.dumps({"pages": pages, "median_extract": median, "median_parse": parse,
                      "total_extract": sum(extracts), "median_share_of_parse": round(share, 3)}))


if __name__ == "__main__":
    main()
