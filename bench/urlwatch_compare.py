"""Bench: urlwatch 2.29 and `storywatch run --once` side by side, both timed as whole processes.

Both check the same 1,000 URLs of one real ~245 KB live-blog page (a corpus
page) served with ETags on loopback, in an unchanged run: each tool first runs
once untimed (its baseline), then the timed runs alternate between the tools.
urlwatch is installed from PyPI into a venv of its own under the cache
directory (`python3 -m venv` + `pip install urlwatch==2.29`) on first use; its
reporters are off, so it only fetches, filters and compares. storywatch's
stories are due again before each of its runs. Reports wall seconds, CPU
seconds and peak RSS of each process (medians), and urlwatch wall / ours.

    .venv/bin/python bench/urlwatch_compare.py [--pages 1000] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.cycle import make_due, seed
from bench.loopback import PageServer, ProcessRun, Served, median_of, run_process

REPO = Path(__file__).resolve().parent.parent
CORPUS_PAGE = REPO.parent / "shared/corpus/raw" / "corkbeo__level-3-live-cork-2020-10-06.html"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "storywatch-bench"
URLWATCH = "urlwatch==2.29"
URLWATCH_CONFIG = "report:\n  stdout:\n    enabled: false\ndisplay:\n  new: false\n"


def urlwatch_binary() -> Path:
    """urlwatch 2.29 in the bench's own venv, installed on first use."""
    venv = CACHE / "urlwatch-2.29"
    binary = venv / "bin" / "urlwatch"
    if not binary.exists():
        subprocess.run(["python3", "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", URLWATCH], check=True)
    return binary


def urlwatch_argv(binary: Path, folder: Path, urls: list[str]) -> list[str]:
    """urlwatch's command line over a urls.yaml of one job per URL, reporters off."""
    jobs = "---\n".join(f"name: page {number}\nurl: {url}\n" for number, url in enumerate(urls))
    (folder / "urls.yaml").write_text(jobs)
    (folder / "urlwatch.yaml").write_text(URLWATCH_CONFIG)
    return [str(binary), "--urls", str(folder / "urls.yaml"), "--config",
            str(folder / "urlwatch.yaml"), "--cache", str(folder / "cache.db"),
            "--hooks", str(folder / "hooks.py")]


def storywatch_env(db_path: Path, folder: Path) -> dict[str, str]:
    """The environment `storywatch run --once` runs in: this database, loopback allowed."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("STORYWATCH_")}
    env.update({"STORYWATCH_STORAGE__PATH": str(db_path), "HOME": str(folder),
                "STORYWATCH_FETCH__ALLOW_NETWORKS": '["127.0.0.0/8"]'})
    return env


def compare(pages: int = 1000, runs: int = 3) -> dict[str, float]:
    """The side-by-side's medians, printed as they come; returns them with the speedup."""
    binary = urlwatch_binary()
    ours_argv = [sys.executable, "-m", "bot.app.cli", "run", "--once"]
    with (PageServer(Served(body=CORPUS_PAGE.read_bytes())) as server,
          tempfile.TemporaryDirectory(prefix="storywatch-vs-urlwatch-") as name):
        folder = Path(name)
        urls = server.urls(pages)
        theirs_argv = urlwatch_argv(binary, folder, urls)
        db_path = folder / "storywatch.db"
        asyncio.run(seed(db_path, urls))
        env = {**os.environ, "HOME": str(folder)}
        ours_env = storywatch_env(db_path, folder)
        run_process(theirs_argv, env=env)
        run_process(ours_argv, env=ours_env, cwd=REPO)
        theirs: list[ProcessRun] = []
        ours: list[ProcessRun] = []
        for _ in range(runs):
            theirs.append(run_process(theirs_argv, env=env))
            asyncio.run(make_due(db_path))
            ours.append(run_process(ours_argv, env=ours_env, cwd=REPO))
    result = {
        "pages": pages,
        "page_kb": round(CORPUS_PAGE.stat().st_size / 1024),
        "urlwatch_wall_s": median_of([r.wall for r in theirs]),
        "urlwatch_cpu_s": median_of([r.cpu for r in theirs]),
        "urlwatch_peak_rss_mb": round(median_of([r.peak_mb for r in theirs]), 1),
        "storywatch_wall_s": median_of([r.wall for r in ours]),
        "storywatch_cpu_s": median_of([r.cpu for r in ours]),
        "storywatch_peak_rss_mb": round(median_of([r.peak_mb for r in ours]), 1),
    }
    speedup = result["urlwatch_wall_s"] / result["storywatch_wall_s"]
    result["speedup_vs_urlwatch"] = round(speedup, 1)
    for tool in ("urlwatch", "storywatch"):
        print(f"{tool:<10} {pages} pages of {result['page_kb']} KB unchanged: "
              f"{result[f'{tool}_wall_s']:7.3f} s wall {result[f'{tool}_cpu_s']:7.2f} s CPU "
              f"{result[f'{tool}_peak_rss_mb']:7.1f} MB peak RSS", flush=True)
    print(f"speedup vs urlwatch: {result['speedup_vs_urlwatch']}x", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(compare(args.pages, args.runs)))


if __name__ == "__main__":
    main()
