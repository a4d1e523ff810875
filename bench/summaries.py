"""Bench: 20 new updates in one fetch, summarized by an LLM endpoint that is slow, hangs or
answers 32 MiB; how long until the 20th alert is out, and what the answer costs in memory.

One generated live page on a loopback server (a child process), a fake
OpenAI-compatible endpoint on loopback (in this process), and `storywatch run`
in a subprocess with the console as its chat, polling every --interval
seconds, `alerts.burst_limit` 20 (no folding) and `summary.llm_timeout`
--llm-timeout. After the silent baseline the page gains 20 updates at once;
the figure is the time from that change to the 20th alert line on the bot's
standard output. Scenarios, each --runs times (medians):

- extractive: no endpoint (the baseline of the same run);
- good: the endpoint answers at once (the memory baseline);
- slow: it takes 1 s a request (goal: 20th alert within 6 s);
- hang: it never answers (goal: within llm_timeout + 4 s);
- huge: it answers 32 MiB (goal: peak RSS under good's + 5 MiB).

Peak RSS is the bot process's VmHWM just before it is stopped. `--repo PATH` runs
the bot from another checkout (main's, for a baseline in the same run), and
`--only NAME` the named scenarios alone.

    .venv/bin/python bench/summaries.py [--runs 3] [--interval 1] [--llm-timeout 2]
                                        [--repo ../main] [--only slow huge]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.cycle import seed
from bench.latency import alerts, baselined, run_env
from bench.loopback import UPDATES, PageServer, Served
from tests.fakes.chat_endpoint import ChatEndpoint, chat_endpoint

REPO = Path(__file__).resolve().parent.parent
NEW = 20
SCENARIOS = {"extractive": None, "good": ("good", 0.0), "slow": ("good", 1.0),
             "hang": ("hang", 0.0), "huge": ("huge", 0.0)}


@dataclass(frozen=True)
class Run:
    """One run: seconds to the 20th alert, the bot's peak RSS, requests the endpoint saw."""

    last_alert_s: float
    peak_mb: float
    requests: int


def peak_mb(pid: int) -> float:
    """The process's peak resident set (VmHWM) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def one_run(scenario: str, endpoint: ChatEndpoint, interval: float,
                  llm_timeout: float, repo: Path) -> Run:
    setting = SCENARIOS[scenario]
    with (PageServer(Served(), hosts=1) as server,
          tempfile.TemporaryDirectory(prefix="storywatch-summaries-") as folder):
        db_path = Path(folder) / "storywatch.db"
        await seed(db_path, server.urls(1))
        env = run_env(db_path, interval)
        env["STORYWATCH_ALERTS__BURST_LIMIT"] = str(NEW)
        if setting is not None:
            endpoint.shape, endpoint.delay = setting
            env["STORYWATCH_SUMMARY__LLM_URL"] = endpoint.url
            env["STORYWATCH_SUMMARY__LLM_TIMEOUT"] = str(llm_timeout)
        asked_before = len(endpoint.requests)
        bot = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.app.cli", "run", cwd=repo, env=env,
            # Standard input held open: its end would end the console bot.
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        assert bot.stdout is not None
        seen: dict[int, float] = {}
        done = asyncio.Event()
        reader = asyncio.create_task(alerts(bot.stdout, seen, NEW, done))
        try:
            await baselined(db_path)
            await asyncio.to_thread(server.advance, UPDATES + NEW)
            changed = time.monotonic()
            # Long enough for summaries made one at a time (the baseline's way).
            await asyncio.wait_for(done.wait(), interval + NEW * llm_timeout + 30)
            peak = peak_mb(bot.pid)
        finally:
            bot.terminate()
            await bot.wait()
            reader.cancel()
    return Run(max(seen.values()) - changed, peak, len(endpoint.requests) - asked_before)


async def measure(runs: int, interval: float, llm_timeout: float, repo: Path,
                  only: list[str]) -> dict[str, list[Run]]:
    results: dict[str, list[Run]] = {name: [] for name in only}
    async with chat_endpoint() as endpoint:
        for _ in range(runs):
            for scenario in only:
                results[scenario].append(
                    await one_run(scenario, endpoint, interval, llm_timeout, repo))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--llm-timeout", type=float, default=2.0)
    parser.add_argument("--repo", type=Path, default=REPO)
    parser.add_argument("--only", nargs="+", choices=list(SCENARIOS), default=list(SCENARIOS))
    args = parser.parse_args()
    results = asyncio.run(measure(args.runs, args.interval, args.llm_timeout,
                                  args.repo.resolve(), args.only))
    figures: dict[str, object] = {"runs": args.runs, "interval_s": args.interval,
                                  "llm_timeout_s": args.llm_timeout}
    for name, runs in results.items():
        last = statistics.median(run.last_alert_s for run in runs)
        peak = statistics.median(run.peak_mb for run in runs)
        asked = statistics.median(run.requests for run in runs)
        figures[f"{name}_last_alert_s"] = round(last, 3)
        figures[f"{name}_peak_mb"] = round(peak, 1)
        print(f"{name:>10}: 20th alert after {last:.2f} s (median of {len(runs)}), "
              f"peak RSS {peak:.1f} MB, {asked:g} endpoint requests")
    if "huge" in results and "good" in results:
        figures["huge_extra_mb"] = round(
            statistics.median(run.peak_mb for run in results["huge"])
            - statistics.median(run.peak_mb for run in results["good"]), 1)
    figures["goals"] = {"slow_last_alert_s": 6.0, "hang_last_alert_s": args.llm_timeout + 4,
                        "huge_extra_mb": 5.0}
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
