"""Bench: seconds from SIGTERM to exit of `storywatch run` with Telegram unreachable.

The bot starts against a fake Bot API on loopback, which then goes silent (its port
accepts and never answers) or refuses connections; alerts are queued and the bot is
trying to send them when SIGTERM arrives. Baseline, in the same run: the same stop
while the API still answers. Goal: under 5 s, status 0, every unsent alert still
pending. Medians over `--runs`; the last line is one JSON object.

    .venv/bin/python bench/stop.py [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.loopback import median_of
from tests.app.cli.unreachable import Mode, Stopped, stop_while_unreachable

MODES: tuple[Mode, ...] = ("answering", "silent", "refusing")
ALERTS = 3


async def stops(runs: int) -> dict[str, list[Stopped]]:
    """`runs` stops in each mode, the modes taking turns."""
    found: dict[str, list[Stopped]] = {mode: [] for mode in MODES}
    for _ in range(runs):
        for mode in MODES:
            with tempfile.TemporaryDirectory(prefix="storywatch-stop-") as folder:
                found[mode].append(await stop_while_unreachable(Path(folder), mode,
                                                                alerts=ALERTS))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    found = asyncio.run(stops(args.runs))
    result: dict[str, object] = {"runs": args.runs, "alerts": ALERTS}
    for mode, runs in found.items():
        result[f"{mode}_stop_s"] = median_of([run.seconds for run in runs])
        result[f"{mode}_max_s"] = round(max(run.seconds for run in runs), 3)
        result[f"{mode}_exit_status"] = sorted({run.status for run in runs})
        result[f"{mode}_pending_left"] = sorted({run.pending for run in runs})
        print(f"{mode:<9} SIGTERM to exit: median {result[f'{mode}_stop_s']} s, "
              f"max {result[f'{mode}_max_s']} s, status {result[f'{mode}_exit_status']}, "
              f"alerts left pending {result[f'{mode}_pending_left']} of {ALERTS}", flush=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
