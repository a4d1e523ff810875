"""The layers' import rules, read from the source with `ast` (docs/ARCHITECTURE.md).

The pure core imports no edge, storage, platform or app module, no clock and no
I/O library; storage imports no platform; the command layer in `handlers/`
imports neither platform library; a platform imports no storage. A rule broken
here is an arrow drawn backwards. Each folder in `bot/platforms/` is checked for
what a platform must hold.
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


def platform_folders() -> list[str]:
    """Every platform's folder name under bot/platforms/."""
    return sorted(path.parent.name for path in (REPO / "bot/platforms").glob("*/__init__.py"))


def test_edges_import_no_platform_app_or_command_layer() -> None:
    # The configuration composes each platform's own section (its config module) and
    # nothing else of a platform.
    sections = [f"bot.platforms.{name}.config" for name in platform_folders()]
    leaks = broken(sources("bot/edges"), "bot.platforms", "bot.app", "handlers",
                   *PLATFORM_LIBRARIES)
    assert [leak for leak in leaks if not leak.split(" imports ")[1].startswith(
        tuple(sections))] == []


def test_storage_imports_no_platform_app_or_edge() -> None:
    assert broken(sources("storage"), "bot.platforms", "bot.app", "bot.edges", "handlers",
                  *PLATFORM_LIBRARIES) == []


def test_the_command_layer_imports_no_platform_nor_the_configuration() -> None:
    # The composition root hands the command layer its context, configuration read.
    assert broken(sources("handlers"), "bot.platforms", "bot.app", "bot.edges.config",
                  *PLATFORM_LIBRARIES) == []


@pytest.mark.parametrize("platform", platform_folders())
def test_a_platform_imports_no_other_platform_storage_or_the_app(platform: str) -> None:
    others = [f"bot.platforms.{other}" for other in platform_folders() if other != platform]
    assert broken(sources(f"bot/platforms/{platform}"), "bot.app", "storage", *others) == []


def top_level_imports(path: Path) -> list[str]:
    """The modules `path` imports when it is imported (not those its functions import)."""
    module = ast.parse(path.read_text(), filename=str(path))
    return [name for node in module.body if isinstance(node, ast.Import | ast.ImportFrom)
            for _, name in imports_of_node(node)]


def imports_of_node(node: ast.Import | ast.ImportFrom) -> Iterator[tuple[int, str]]:
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield node.lineno, alias.name
    elif node.module and node.level == 0:
        yield node.lineno, node.module


@pytest.mark.parametrize("platform", platform_folders())
def test_a_platform_folder_holds_a_light_plugin(platform: str) -> None:
    """Its __init__ defines PLATFORM and loads no client library, nor a module of its own
    but its config section, when imported: `start` imports them when it runs."""
    init = REPO / "bot/platforms" / platform / "__init__.py"
    assigned = {target.id for node in ast.parse(init.read_text()).body
                if isinstance(node, ast.Assign) for target in node.targets
                if isinstance(target, ast.Name)}
    assert "PLATFORM" in assigned
    loaded = top_level_imports(init)
    assert [name for name in loaded if within(name, *PLATFORM_LIBRARIES, "aiohttp")] == []
    own = f"bot.platforms.{platform}"
    assert [name for name in loaded if within(name, own) and name != f"{own}.config"] == []


@pytest.mark.parametrize("platform", platform_folders())
def test_a_platform_is_listed_and_its_section_composed(platform: str) -> None:
    """The app finds every platform folder, by its name, and the config file has its section."""
    from bot.edges.config import Config
    from bot.platforms import CHAT_PLATFORMS, CONSOLE

    listed = {plugin.name: plugin for plugin in (*CHAT_PLATFORMS, CONSOLE)}
    assert platform in listed
    section = listed[platform].section
    if section is not None:
        assert Config.model_fields[platform].annotation is section
        config_module = REPO / "bot/platforms" / platform / "config.py"
        assert broken([config_module], "bot.platforms", "bot.app", "handlers", "storage",
                      *PLATFORM_LIBRARIES) == []


def test_the_rules_see_a_broken_arrow(tmp_path: Path) -> None:
    module = tmp_path / "leak.py"
    module.write_text("from storage import Database\nimport telegram\n"
                      "from datetime import datetime\nnow = datetime.now()\n")
    assert [name for _, name in imports_of(module)][:2] == ["storage", "storage.Database"]
    assert list(clock_reads_of(module)) == [(4, "datetime.now()")]
