"""`storywatch run --once` with nothing due starts light: the platform, scheduler, HTTP and
parsing libraries are imported only by the runs that use them (a cron job pays for none)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.app.cli.runner import cli_env
from tests.conftest import REPO

HEAVY = frozenset({
    "telegram", "httpx", "discord", "apscheduler", "aiohttp", "selectolax", "lxml",
    "feedparser", "dateparser", "rapidfuzz", "multiprocessing", "platformdirs",
})
# Runs the real command line, then (at exit, after click's sys.exit) reports which of the
# heavy libraries the process imported.
DRIVER = f"""
import atexit, json, runpy, sys
heavy = {sorted(HEAVY)!r}
atexit.register(lambda: print(json.dumps(sorted(
    name for name in sys.modules if name.partition(".")[0] in heavy))))
sys.argv = ["storywatch", *sys.argv[1:]]
runpy.run_module("bot.app.cli", run_name="__main__")
"""


async def imported_by(*args: str, env: dict[str, str]) -> tuple[int, list[str], str]:
    import asyncio

    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", DRIVER, *args, env=env, cwd=REPO,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode is not None
    return process.returncode, json.loads(stdout.decode().strip().splitlines()[-1]), stderr.decode()


async def test_run_once_with_nothing_due_imports_no_heavy_library(tmp_path: Path) -> None:
    """An empty database, nothing due: `run --once` exits 0 having imported none of them."""
    status, modules, stderr = await imported_by("run", "--once", env=cli_env(tmp_path))
    assert status == 0, stderr
    assert modules == []
    assert (tmp_path / "storywatch.db").exists()  # it did open (and migrate) the database
