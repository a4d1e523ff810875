"""Bench: wall time of `storywatch run --once` with nothing due, beside `python -c pass`.

What a cron job pays every minute when no story is due: interpreter start-up, imports,
loading the config, opening (and migrating) an empty database, one look at what is due.
Both commands run as whole processes with this venv's interpreter, taking turns, after
one untimed run each (the database is created then); so does, for the breakdown, a
process that only loads the config (pydantic and the validators). Goal: `run --once`
under 0.15 s.
Medians over `--runs`; the last line is one JSON object.

    .venv/bin/python bench/cold_start.py [--runs 15]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.loopback import ProcessRun, median_of, run_process

REPO = Path(__file__).resolve().parent.parent
GOAL_S = 0.15


def environment(folder: Path) -> dict[str, str]:
    """This machine's environment without STORYWATCH_*, with a database of its own."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("STORYWATCH_")}
    env.update({"STORYWATCH_STORAGE__PATH": str(folder / "storywatch.db"), "HOME": str(folder)})
    return env


def measure(runs: int) -> dict[str, float | int | bool]:
    """Medians of both commands' wall (and CPU) seconds, printed as they come."""
    python_pass = [sys.executable, "-c", "pass"]
    run_once = [sys.executable, "-m", "bot.app.cli", "run", "--once"]
    config_only = [sys.executable, "-c",
                   "from bot.edges.config import load_config; load_config()"]
    with tempfile.TemporaryDirectory(prefix="storywatch-cold-") as name:
        env = environment(Path(name))
        for argv in (python_pass, run_once, config_only):
            first = run_process(argv, env=env, cwd=REPO)
            assert first.status == 0, f"{argv} exited {first.status}"
        passes: list[ProcessRun] = []
        onces: list[ProcessRun] = []
        configs: list[ProcessRun] = []
        for _ in range(runs):
            passes.append(run_process(python_pass, env=env, cwd=REPO))
            onces.append(run_process(run_once, env=env, cwd=REPO))
            configs.append(run_process(config_only, env=env, cwd=REPO))
    result: dict[str, float | int | bool] = {
        "runs": runs,
        "python_pass_wall_s": median_of([r.wall for r in passes]),
        "run_once_wall_s": median_of([r.wall for r in onces]),
        "run_once_cpu_s": median_of([r.cpu for r in onces]),
        "run_once_peak_rss_mb": round(median_of([r.peak_mb for r in onces]), 1),
        "config_load_wall_s": median_of([r.wall for r in configs]),
    }
    result["run_once_over_python_s"] = round(
        float(result["run_once_wall_s"]) - float(result["python_pass_wall_s"]), 3)
    result["goal_met"] = float(result["run_once_wall_s"]) < GOAL_S
    print(f"python -c pass:                {result['python_pass_wall_s']:.3f} s wall", flush=True)
    print(f"load_config() alone:          {result['config_load_wall_s']:.3f} s wall "
          "(python, pydantic, the config's validators)", flush=True)
    print(f"storywatch run --once (idle):  {result['run_once_wall_s']:.3f} s wall, "
          f"{result['run_once_cpu_s']:.3f} s CPU, {result['run_once_peak_rss_mb']} MB peak RSS "
          f"(goal < {GOAL_S} s: {'met' if result['goal_met'] else 'not met'})", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    print(json.dumps(measure(args.runs)))


if __name__ == "__main__":
    main()
