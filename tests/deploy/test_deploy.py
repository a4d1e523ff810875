"""The deployment files in deploy/ agree with the program they run: the container's health
check asks the port its metrics listen on, every STORYWATCH_* they set is a real config
key, the entry point is the `storywatch` command; the unit passes `systemd-analyze verify`
and the image builds, where those tools work here."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path, PurePosixPath

import pytest
import yaml

from bot.edges.config import listen_address, load_config
from tests.conftest import REPO

DEPLOY = REPO / "deploy"


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of deploy/Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines
            if line and not line.startswith("#")]


def image_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for instruction, args in dockerfile():
        if instruction == "ENV":
            env.update(pair.split("=", 1) for pair in shlex.split(args))
    return env


def unit() -> dict[str, list[tuple[str, str]]]:
    """The unit's sections, each a list of (key, value) (systemd allows repeated keys)."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current = ""
    for line in (DEPLOY / "storywatch.service").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("["):
            current = line.strip("[]")
            sections[current] = []
        else:
            key, _, value = line.partition("=")
            sections[current].append((key, value))
    return sections


def storywatch_variables(pairs: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in pairs.items() if key.startswith("STORYWATCH_")}


def test_image_settings_are_config_keys_and_the_health_check_asks_the_metrics_port() -> None:
    env = image_env()
    config = load_config(environ=storywatch_variables(env))  # an unknown key would raise
    assert config.metrics.listen is not None
    host, port = listen_address(config.metrics.listen)
    assert host == "0.0.0.0"  # reachable from outside the container
    [check] = [args for instruction, args in dockerfile() if instruction == "HEALTHCHECK"]
    assert f"http://127.0.0.1:{port}/healthz" in check
    assert [args for instruction, args in dockerfile() if instruction == "EXPOSE"] == [str(port)]
    assert config.logging.format == "json"
    volumes = [args for instruction, args in dockerfile() if instruction == "VOLUME"]
    assert volumes == [f'["{PurePosixPath(config.storage.path).parent}"]']


def test_image_runs_storywatch_as_a_non_root_user_on_a_slim_base() -> None:
    instructions = dockerfile()
    assert instructions[0][0] == "FROM" and instructions[0][1].endswith("-slim")
    users = [args for instruction, args in instructions if instruction == "USER"]
    assert users and users[-1] not in {"root", "0"}
    [entry] = [args for instruction, args in instructions if instruction == "ENTRYPOINT"]
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert entry == '["storywatch"]' and "storywatch" in scripts
    assert [args for instruction, args in instructions if instruction == "CMD"] == ['["run"]']
    assert not any("TOKEN" in key for key in image_env()), "a token baked into the image"


def test_compose_runs_the_image_with_its_port_volume_and_an_optional_prometheus() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    service = compose["services"]["storywatch"]
    assert service["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
    _, port = listen_address(image_env()["STORYWATCH_METRICS__LISTEN"])
    assert any(mapping.endswith(f":{port}:{port}") for mapping in service["ports"])
    data = PurePosixPath(image_env()["STORYWATCH_STORAGE__PATH"]).parent
    assert any(volume.endswith(f":{data}") for volume in service["volumes"])
    # Tokens pass through from the operator's environment, never written in the file.
    assert all("=" not in item for item in service["environment"])
    load_config(environ=dict.fromkeys(service["environment"], "x"))
    prometheus = compose["services"]["prometheus"]
    assert prometheus["profiles"] == ["prometheus"]
    scrape = yaml.safe_load((DEPLOY / "prometheus.yml").read_text())
    [job] = scrape["scrape_configs"]
    assert job["static_configs"][0]["targets"] == [f"storywatch:{port}"]


def test_unit_restarts_on_failure_keeps_state_and_runs_storywatch_with_a_config() -> None:
    service = dict(unit()["Service"])
    assert service["Restart"] == "on-failure"
    assert service["StateDirectory"] == "storywatch"
    command = shlex.split(service["ExecStart"])
    assert Path(command[0]).name == "storywatch" and command[1:3] == ["run", "--config"]
    env = dict(shlex.split(value)[0].split("=", 1)
               for key, value in unit()["Service"] if key == "Environment")
    config = load_config(environ=storywatch_variables(env))
    assert PurePosixPath(config.storage.path).parent == PurePosixPath("/var/lib/storywatch")


def test_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed here")
    # verify checks that ExecStart exists: point it at this checkout's storywatch.
    installed = Path(sys.executable).with_name("storywatch")
    text = (DEPLOY / "storywatch.service").read_text()
    copy = tmp_path / "storywatch.service"
    copy.write_text(text.replace("/opt/storywatch/bin/storywatch", str(installed)))
    result = subprocess.run([analyze, "verify", "--man=no", str(copy)], capture_output=True,
                            text=True, timeout=60)
    # A bad setting is only a warning to verify: any output at all is a failure.
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_image_builds_where_docker_works() -> None:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("docker is not installed here")
    if subprocess.run([docker, "info"], capture_output=True, timeout=30).returncode != 0:
        pytest.skip("docker is installed but `docker info` fails: no daemon to build with")
    result = subprocess.run([docker, "build", "-f", "deploy/Dockerfile", "-t",
                             "storywatch:test", "."], cwd=REPO, capture_output=True, text=True,
                            timeout=900)
    assert result.returncode == 0, result.stderr[-2000:]
