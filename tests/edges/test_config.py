"""Configuration: defaults, the file, environment overrides and clear errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.core.errors import ConfigError
from bot.edges.config import Config, load_config
from tests.conftest import REPO


def test_defaults_apply_without_a_file() -> None:
    """With no file and no variables the documented defaults apply."""
    config = load_config(environ={})
    assert config.schedule.interval == 120
    assert config.schedule.min_interval == 30
    assert config.schedule.max_interval == 1800
    assert config.alerts.burst_limit == 5
    assert config.summary.max_chars == 300
    assert config.bot.default_timezone == "UTC"
    assert config.fetch.allow_networks == ()
    assert config.telegram.base_url == "https://api.telegram.org/bot"
    assert config.telegram.rate_per_second == 30
    assert config.telegram.group_rate_per_minute == 20
    assert config.discord.api_base == "https://discord.com/api/v10"
    assert config.telegram.token is None and config.discord.token is None
    assert config.storage.path.name == "storywatch.db"


def test_environment_overrides_file(tmp_path: Path) -> None:
    """STORYWATCH_<SECTION>__<KEY> wins over the file, fractions allowed."""
    file = tmp_path / "c.toml"
    file.write_text("[schedule]\ninterval = 60\nmin_interval = 10\n")
    config = load_config(
        file,
        environ={
            "STORYWATCH_SCHEDULE__INTERVAL": "1",
            "STORYWATCH_SCHEDULE__MIN_INTERVAL": "0.5",
            "STORYWATCH_SCHEDULE__MAX_INTERVAL": "2",
            "PATH": "/bin",
        },
    )
    assert (config.schedule.interval, config.schedule.min_interval) == (1.0, 0.5)
    assert config.schedule.max_interval == 2.0


def test_table_values_come_as_json() -> None:
    """A list value such as recipes is given in the environment as JSON."""
    config = load_config(
        environ={"STORYWATCH_RECIPES": '[{"host": "example.com", "entry": "article.post"}]'}
    )
    assert config.recipes[0].host == "example.com"


def test_unknown_variable_is_an_error() -> None:
    """A typo in a STORYWATCH_* variable stops start-up instead of passing silently."""
    with pytest.raises(ConfigError, match="STORYWATCH_SCHEDULE__INTERVL"):
        load_config(environ={"STORYWATCH_SCHEDULE__INTERVL": "1"})


def test_bad_value_names_key_value_and_expectation() -> None:
    """A wrong type names the key, shows the value and says what is expected."""
    with pytest.raises(ConfigError) as caught:
        load_config(environ={"STORYWATCH_SCHEDULE__INTERVAL": "soon"})
    message = str(caught.value)
    assert "schedule.interval" in message and "'soon'" in message and "number" in message
    assert "\n" not in message


def test_out_of_range_value_is_refused() -> None:
    """A negative rate is out of range and refused with the key named."""
    with pytest.raises(ConfigError, match=r"telegram\.rate_per_second"):
        load_config(environ={"STORYWATCH_TELEGRAM__RATE_PER_SECOND": "-3"})


def test_secret_is_masked_in_errors_and_repr() -> None:
    """A token never appears in an error or in the config's repr."""
    config = load_config(environ={"STORYWATCH_TELEGRAM__TOKEN": "123:SECRET"})
    assert "SECRET" not in repr(config)
    assert config.telegram.token is not None
    assert config.telegram.token.get_secret_value() == "123:SECRET"
    with pytest.raises(ConfigError) as caught:
        load_config(environ={"STORYWATCH_DISCORD__TOKEN": '{"x": "SECRET"}'})
    assert "SECRET" not in str(caught.value)


def test_unknown_key_in_file_is_refused(tmp_path: Path) -> None:
    """A misspelt key in the file is named."""
    file = tmp_path / "c.toml"
    file.write_text("[fetch]\nmax_byte = 5\n")
    with pytest.raises(ConfigError, match=r"fetch\.max_byte"):
        load_config(file, environ={})


def test_inconsistent_bounds_are_refused() -> None:
    """A floor above the ceiling of the poll interval is refused."""
    with pytest.raises(ConfigError, match="min_interval"):
        load_config(
            environ={
                "STORYWATCH_SCHEDULE__MIN_INTERVAL": "100",
                "STORYWATCH_SCHEDULE__MAX_INTERVAL": "10",
            }
        )


def test_bad_time_zone_is_refused() -> None:
    """The default time zone must be an IANA zone."""
    with pytest.raises(ConfigError, match=r"bot\.default_timezone"):
        load_config(environ={"STORYWATCH_BOT__DEFAULT_TIMEZONE": "Mars/Olympus"})


def test_example_file_documents_every_key() -> None:
    """config.example.toml names every key of every section and loads cleanly."""
    text = (REPO / "config.example.toml").read_text()
    load_config(REPO / "config.example.toml", environ={})
    for section, field in Config.model_fields.items():
        assert re.search(rf"^(# )?\[+{section}\]+", text, re.M), section
        model = field.annotation
        if section == "recipes":
            continue
        for key in model.model_fields:  # type: ignore[union-attr]
            assert re.search(rf"^#? ?{key} =", text, re.M), f"{section}.{key}"


def _refused(tmp_path: Path, text: str) -> str:
    file = tmp_path / "storywatch.toml"
    file.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(file, environ={})
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize("value", ['"yes"', '"true"', "1", '"on"'])
def test_booleans_are_strict(tmp_path: Path, value: str) -> None:
    """A boolean key takes true or false, unquoted: "yes", "true" or 1 is an error."""
    message = _refused(tmp_path, f"[alerts]\nedits = {value}\n")
    assert message.startswith("config: alerts.edits = ") and "true or false" in message


def test_boolean_variables_take_true_or_false() -> None:
    """From the environment, true and false (any case) are booleans; anything else is refused."""
    assert load_config(environ={"STORYWATCH_ALERTS__EDITS": "False"}).alerts.edits is False
    with pytest.raises(ConfigError, match="true or false"):
        load_config(environ={"STORYWATCH_ALERTS__EDITS": "yes"})


@pytest.mark.parametrize(("text", "suggestion"), [
    ("[fetch]\nconect_timeout = 3\n", "did you mean fetch.connect_timeout?"),
    ("[shedule]\ninterval = 60\n", "did you mean schedule?"),
    ("[[recipes]]\nhost = 'x.example'\nentry = 'p'\ntitel = 'h2'\n",
     "did you mean recipes.0.title?"),
])
def test_a_mistyped_key_gets_a_did_you_mean(tmp_path: Path, text: str, suggestion: str) -> None:
    """An unknown key close to a known one names it."""
    assert _refused(tmp_path, text).endswith(suggestion)


def test_a_mistyped_variable_gets_a_did_you_mean() -> None:
    with pytest.raises(ConfigError, match="did you mean STORYWATCH_SCHEDULE__INTERVAL"):
        load_config(environ={"STORYWATCH_SCHEDULE__INTERVALL": "60"})


def test_allow_private_networks_says_what_replaces_it(tmp_path: Path) -> None:
    """The removed switch is one line naming fetch.allow_networks, in the file or the
    environment."""
    message = _refused(tmp_path, "[fetch]\nallow_private_networks = true\n")
    assert "allow_private_networks is gone" in message
    assert 'fetch.allow_networks' in message and '["127.0.0.0/8"]' in message
    with pytest.raises(ConfigError, match=r"gone: use fetch\.allow_networks"):
        load_config(environ={"STORYWATCH_FETCH__ALLOW_PRIVATE_NETWORKS": "true"})


@pytest.mark.parametrize(("value", "expected"), [
    ('["127.0.0.1/8"]', "did you mean 127.0.0.0/8?"),
    ('["localhost"]', "is not an address range"),
    ('"127.0.0.0/8"', "a list of address ranges"),
])
def test_allowed_ranges_are_checked(tmp_path: Path, value: str, expected: str) -> None:
    assert expected in _refused(tmp_path, f"[fetch]\nallow_networks = {value}\n")
