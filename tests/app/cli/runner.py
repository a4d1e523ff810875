"""Runs the real `storywatch` command line in a subprocess, without blocking the test's loop."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import REPO


@dataclass(frozen=True)
class Finished:
    """What a finished command left: its status and its two streams."""

    status: int
    stdout: str
    stderr: str


def cli_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """An environment for the CLI: this machine's, minus STORYWATCH_*, plus a private database."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("STORYWATCH_")}
    env["STORYWATCH_STORAGE__PATH"] = str(tmp_path / "storywatch.db")
    env["NO_PROXY"] = "127.0.0.1,localhost"
    env.update(overrides)
    return env


async def start(*args: str, env: Mapping[str, str]) -> asyncio.subprocess.Process:
    """Start `storywatch ARGS...` with pipes on all three streams."""
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.app.cli", *args, env=dict(env), cwd=REPO,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def storywatch(*args: str, env: Mapping[str, str], within: float = 30) -> Finished:
    """Run `storywatch ARGS...` to completion."""
    process = await start(*args, env=env)
    stdout, stderr = await asyncio.wait_for(process.communicate(), within)
    assert process.returncode is not None
    return Finished(process.returncode, stdout.decode(), stderr.decode())
