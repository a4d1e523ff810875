"""The layers' import rules, read from the source with `ast` (docs/ARCHITECTURE.md).

The pure core imports no edge, storage, platform or app module, no clock and no
I/O library; storage imports no platform; the command layer in `handlers/`
imports neither platform library. A rule broken here is an arrow drawn backwards.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PLATFORM_LIBRARIES = ("telegram", "discord")
IO_LIBRARIES = ("aiohttp", "aiosqlite", "asyncpg", "asyncio", "socket", "ssl", "subprocess",
                "httpx", "urllib.request", "apscheduler", "prometheus_client",
                "time.time", "time.monotonic", "time.perf_counter", "time.sleep")
CLOCK_CALLS = {"now", "utcnow", "today", "time", "monotonic", "perf_counter"}


def imports_of(path: Path) -> Iterator[tuple[int, str]]:
    """Every module `path` imports, absolute, with its line."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"


def clock_reads_of(path: Path) -> Iterator[tuple[int, str]]:
    """Calls such as `datetime.now()`: the core is handed `now`, it never reads a clock."""
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in CLOCK_CALLS
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in {"datetime", "date", "time", "loop"}):
            yield node.lineno, f"{node.func.value.id}.{node.func.attr}()"


def sources(*folders: str) -> list[Path]:
    return sorted(path for folder in folders for path in (REPO / folder).rglob("*.py"))


def within(module: str, *roots: str) -> bool:
    return any(module == root or module.startswith(root + ".") for root in roots)


def broken(paths: list[Path], *forbidden: str) -> list[str]:
    return [f"{path.relative_to(REPO)}:{line} imports {module}"
            for path in paths for line, module in imports_of(path) if within(module, *forbidden)]


def test_the_core_imports_no_edge_storage_platform_or_app() -> None:
    assert broken(sources("bot/core"), "bot.edges", "bot.platforms", "bot.app", "storage",
                  "handlers") == []


def test_the_core_imports_no_io_or_platform_library() -> None:
    assert broken(sources("bot/core"), *IO_LIBRARIES, *PLATFORM_LIBRARIES) == []


def test_the_core_reads_no_clock() -> None:
    reads = [f"{path.relative_to(REPO)}:{line} calls {call}"
             for path in sources("bot/core") for line, call in clock_reads_of(path)]
    assert reads == []


def test_edges_import_no_platform_app_or_command_layer() -> None:
    assert broken(sources("bot/edges"), "bot.platforms", "bot.app", "handlers",
                  *PLATFORM_LIBRARIES) == []


def test_storage_imports_no_platform_app_or_edge() -> None:
    assert broken(sources("storage"), "bot.platforms", "bot.app", "bot.edges", "handlers",
                  *PLATFORM_LIBRARIES) == []


def test_the_command_layer_imports_no_platform() -> None:
    assert broken(sources("handlers"), "bot.platforms", "bot.app", *PLATFORM_LIBRARIES) == []


@pytest.mark.parametrize("platform", ["telegram", "discord", "console"])
def test_a_platform_imports_no_other_platform_and_not_the_app(platform: str) -> None:
    others = [f"bot.platforms.{other}" for other in ("telegram", "discord", "console")
              if other != platform]
    assert broken(sources(f"bot/platforms/{platform}"), "bot.app", *others) == []


def test_the_rules_see_a_broken_arrow(tmp_path: Path) -> None:
    module = tmp_path / "leak.py"
    module.write_text("from storage import Database\nimport telegram\n"
                      "from datetime import datetime\nnow = datetime.now()\n")
    assert [name for _, name in imports_of(module)][:2] == ["storage", "storage.Database"]
    assert list(clock_reads_of(module)) == [(4, "datetime.now()")]
