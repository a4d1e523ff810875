"""Config: every key set to a wrong type or an out-of-range value stops start-up with
one line naming the key, the value and what is expected; tokens never appear in logs or errors."""

from __future__ import annotations

import asyncio
import logging
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Union, get_args, get_origin

import annotated_types
import pytest
from pydantic import BaseModel, SecretStr

from bot.app.logs import QUIET, configure_logging
from bot.core.errors import ConfigError
from bot.edges.config import Config, load_config
from tests.app.cli.runner import cli_env, start
from tests.fakes.telegram_api import TelegramApiServer

TOKEN = "424242:SECRETtokenVALUE"
# One value of a wrong type for each kind of key; a str key gets a TOML table.
WRONG: dict[type, Any] = {bool: "maybe", int: "many", float: "soon", str: {"a": 1},
                          Path: 12, SecretStr: 12345, tuple: "127.0.0.0/8"}


def _sections() -> Iterator[tuple[str, type[BaseModel]]]:
    for name, field in Config.model_fields.items():
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
            yield name, field.annotation


def _base(annotation: Any) -> type:
    """`int` of `int | None`, and so on."""
    if get_origin(annotation) in (Union, types.UnionType):
        annotation = next(arg for arg in get_args(annotation) if arg is not type(None))
    return get_origin(annotation) or annotation


def _wrong_types() -> list[tuple[str, str, Any]]:
    cases = []
    for section, model in _sections():
        for key, field in model.model_fields.items():
            cases.append((section, key, WRONG[_base(field.annotation)]))
    return cases


def _out_of_range() -> list[tuple[str, str, Any]]:
    """For every bounded key: a value just past each bound, and infinity for durations."""
    cases = []
    for section, model in _sections():
        for key, field in model.model_fields.items():
            number = _base(field.annotation)
            for rule in field.metadata:
                if isinstance(rule, annotated_types.Gt):
                    cases.append((section, key, rule.gt))
                if isinstance(rule, annotated_types.Ge):
                    cases.append((section, key, rule.ge - 1))
                if isinstance(rule, annotated_types.Le):
                    cases.append((section, key, rule.le + 1))
            if number is float and field.metadata:
                cases += [(section, key, float("inf")), (section, key, float("nan"))]
    return cases


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value != value:
        return "nan"
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return "inf" if value > 0 else "-inf"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)


def _refusal(tmp_path: Path, section: str, key: str, value: Any) -> str:
    file = tmp_path / "storywatch.toml"
    file.write_text(f"[{section}]\n{key} = {_toml_value(value)}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(file, environ={})
    return str(caught.value)


@pytest.mark.parametrize(("section", "key", "value"), _wrong_types(),
                         ids=lambda v: v if isinstance(v, str) else None)
def test_a_wrong_type_names_the_key_the_value_and_the_expectation(
        tmp_path: Path, section: str, key: str, value: Any) -> None:
    """Each key, given a value of the wrong type in the file, is refused in one line."""
    message = _refusal(tmp_path, section, key, value)
    assert f"{section}.{key}" in message and "\n" not in message
    secret = key in {"token", "api_key", "url"}
    assert ("***" in message) if secret else (repr(value)[:8] in message)
    assert any(word in message for word in ("should be", "valid", "an ", "expected")), message


@pytest.mark.parametrize(("section", "key", "value"), _out_of_range(),
                         ids=lambda v: str(v))
def test_an_out_of_range_value_names_the_key_and_the_bound(
        tmp_path: Path, section: str, key: str, value: Any) -> None:
    """Each bounded key, just past its bound (or infinite, or nan), is refused in one line."""
    message = _refusal(tmp_path, section, key, value)
    assert f"{section}.{key}" in message and "\n" not in message
    assert any(word in message for word in ("greater", "less", "finite")), message


@pytest.mark.parametrize(("variable", "value", "expected"), [
    ("STORYWATCH_ALERTS__EDITS", "maybe", "true or false"),
    ("STORYWATCH_FETCH__ALLOW_NETWORKS", '["127.0.0.1/8"]', "did you mean 127.0.0.0/8"),
    ("STORYWATCH_FETCH__ALLOW_NETWORKS", '["localhost"]', "not an address range"),
    ("STORYWATCH_FETCH__ALLOW_PRIVATE_NETWORKS", "true", "use fetch.allow_networks"),
    ("STORYWATCH_FETCH__MAX_BYTES", "10", "greater than or equal to 1024"),
    ("STORYWATCH_FETCH__MAX_REDIRECTS", "99", "less than or equal to 20"),
    ("STORYWATCH_FETCH__TOTAL_TIMEOUT", "inf", "finite"),
    ("STORYWATCH_FETCH__USER_AGENT", "bot\r\nX-Injected: 1", "control characters"),
    ("STORYWATCH_SCHEDULE__INTERVAL", "-1", "greater than 0"),
    ("STORYWATCH_LIMITS__COMMANDS_PER_MINUTE", "1e9", "integer"),
    ("STORYWATCH_LIMITS__ARGUMENT_CHARS", "3", "greater than or equal to 16"),
    ("STORYWATCH_TELEGRAM__BASE_URL", "api.telegram.org/bot", "http or https URL"),
    ("STORYWATCH_DISCORD__API_BASE", "file:///etc/passwd", "http or https URL"),
    ("STORYWATCH_DISCORD__GATEWAY_URL", "http://gateway.example/", "ws or wss URL"),
    ("STORYWATCH_DISCORD__GUILD_ID", "my-guild", "integer"),
    ("STORYWATCH_SUMMARY__LLM_URL", "gopher://127.0.0.1/", "http or https URL"),
    ("STORYWATCH_BOT__DEFAULT_TIMEZONE", "Europe", "IANA time zone"),
    ("STORYWATCH_BOT__DEFAULT_TIMEZONE", "A" * 300, "IANA time zone"),
    ("STORYWATCH_BOT__DEFAULT_TIMEZONE", "../../etc/passwd", "IANA time zone"),
    ("STORYWATCH_RECIPES", '[{"host": "x.example"}]', "recipes.0.entry is required"),
    ("STORYWATCH_RECIPES", '"not a list"', "recipes"),
    ("STORYWATCH_RECIPES", "[{broken json", "must be JSON"),
    ("STORYWATCH_FETCH", "5", "unknown environment variable"),
])
def test_environment_values_are_checked_like_the_file(variable: str, value: str,
                                                      expected: str) -> None:
    """Bad values from the environment are refused with the key and the expectation."""
    with pytest.raises(ConfigError) as caught:
        load_config(environ={variable: value})
    assert expected in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("contents", [
    "fetch = 5\n", "[fetch]\n[fetch.allow_networks]\nx = 1\n", "recipes = 3\n",
    "[[recipes]]\nhost = 1\nentry = 'p'\n", "[fetch\n", "\x00",
])
def test_malformed_files_are_refused_in_one_line(tmp_path: Path, contents: str) -> None:
    """A section of the wrong type, a broken table or invalid TOML is a ConfigError."""
    file = tmp_path / "storywatch.toml"
    file.write_text(contents)
    with pytest.raises(ConfigError) as caught:
        load_config(file, environ={})
    assert "\n" not in str(caught.value).strip()


@pytest.mark.parametrize("variable", ["STORYWATCH_TELEGRAM__TOKEN", "STORYWATCH_DISCORD__TOKEN",
                                      "STORYWATCH_SUMMARY__API_KEY"])
def test_secrets_never_appear_in_config_errors_or_repr(variable: str) -> None:
    """A secret given as a wrong type is masked in the error; a valid one stays out of repr,
    and out of an error about another key."""
    with pytest.raises(ConfigError) as caught:
        load_config(environ={variable: f'["{TOKEN}"]'})
    assert "SECRET" not in str(caught.value) and "***" in str(caught.value)
    config = load_config(environ={variable: TOKEN})
    assert "SECRET" not in repr(config) and "SECRET" not in str(config)
    with pytest.raises(ConfigError) as other:
        load_config(environ={variable: TOKEN, "STORYWATCH_SCHEDULE__INTERVAL": "never"})
    assert "SECRET" not in str(other.value)


@pytest.fixture
def root_logging() -> Iterator[None]:
    """Restores the root logger and the quietened loggers after configure_logging."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level,
             {name: logging.getLogger(name).level for name in QUIET})
    yield
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    for name, level in saved[2].items():
        logging.getLogger(name).setLevel(level)


async def test_the_token_never_reaches_the_log_even_at_debug(
        root_logging: None, capsys: pytest.CaptureFixture[str]) -> None:
    """Telegram puts the token in every request path; with every logger at DEBUG, httpx's
    included, the log shows *** where the token would be."""
    from bot.edges.config import TelegramConfig
    from bot.platforms.telegram.messenger import build_application, running

    async with TelegramApiServer(token=TOKEN) as fake:
        configure_logging([TOKEN], level=logging.DEBUG)
        for name in QUIET:
            logging.getLogger(name).setLevel(logging.DEBUG)
        logging.getLogger("httpx").info("HTTP Request: POST %s/getMe", fake.base_url + TOKEN)
        config = TelegramConfig(token=TOKEN, base_url=fake.base_url, poll_timeout=0.2)
        async with running(build_application(config), config):
            await fake.wait_for(lambda calls: len([c for c in calls
                                                   if c.method == "getUpdates"]) >= 2)
        try:
            raise RuntimeError(f"failed at {fake.base_url}{TOKEN}/getMe")
        except RuntimeError:
            logging.getLogger("storywatch.test").exception("a failure quoting the URL")
    err = capsys.readouterr().err
    assert "***" in err and "getMe" in err
    assert "SECRET" not in err and TOKEN not in err


@pytest.mark.parametrize("platform", ["TELEGRAM", "DISCORD"])
async def test_a_platform_that_cannot_start_is_reported_without_its_token(
        tmp_path: Path, unused_tcp_port: int, platform: str) -> None:
    """`storywatch run` against an unreachable platform exits with one line naming the URL,
    never the token."""
    base = (f"http://127.0.0.1:{unused_tcp_port}/bot" if platform == "TELEGRAM"
            else f"http://127.0.0.1:{unused_tcp_port}/api/v10")
    key = "BASE_URL" if platform == "TELEGRAM" else "API_BASE"
    env = cli_env(tmp_path, **{f"STORYWATCH_{platform}__TOKEN": TOKEN,
                               f"STORYWATCH_{platform}__{key}": base})
    process = await start("run", env=env)
    try:
        out, err = await asyncio.wait_for(process.communicate(b""), 30)
    finally:
        if process.returncode is None:
            process.kill()
    assert process.returncode != 0
    text = (out + err).decode()
    assert "cannot start" in text and "SECRET" not in text and TOKEN not in text

