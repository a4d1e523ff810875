"""Configuration: a TOML file, overridden by STORYWATCH_<SECTION>__<KEY> variables.

Read once at start-up into frozen, validated values. Nothing else reads the
environment. A bad value stops start-up with the key, the value (secrets
masked) and what was expected. A chat platform's section is defined in its
folder (`bot/platforms/<name>/config.py`) and composed here.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator

from bot.core.errors import ConfigError
from bot.edges.sections import Section as _Section
from bot.edges.sections import web_url as _web_url
from bot.platforms.discord.config import DiscordConfig
from bot.platforms.telegram.config import TelegramConfig

__all__ = ["Config", "DiscordConfig", "TelegramConfig", "listen_address", "load_config"]

ENV_PREFIX = "STORYWATCH_"
SECRET_KEYS = frozenset({"token", "api_key", "url"})
# What `fetch.allow_private_networks = true` opens: loopback and the private ranges,
# never link-local or metadata addresses (those only a range within them opens).
PRIVATE_NETWORKS = tuple(ipaddress.ip_network(net) for net in (
    "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10",
    "::1/128", "fc00::/7"))


def _header_text(value: str) -> str:
    """`value` when it can go in an HTTP header: no control characters (no CR/LF injection)."""
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        raise ValueError("printable text without control characters")
    return value


def _address_range(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """The CIDR range `text` names (an address alone is its own range); else ValueError."""
    try:
        return ipaddress.ip_network(text.strip())
    except ValueError:
        pass
    try:
        suggested = ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        raise ValueError(f'{text!r} is not an address range such as "127.0.0.0/8"') from None
    raise ValueError(f"{text!r} has bits set beyond its prefix; did you mean {suggested}?")


def _default_database() -> Path:
    import platformdirs  # only when no storage.path is given

    return Path(platformdirs.user_data_dir("storywatch")) / "storywatch.db"


def _postgres_url(value: SecretStr | None) -> SecretStr | None:
    """`value` when it is a postgresql:// URL; else ValueError."""
    if value is not None and not value.get_secret_value().startswith(
            ("postgresql://", "postgres://")):
        raise ValueError("a postgresql://user@host/database URL")
    return value


class StorageConfig(_Section):
    path: Path = Field(default_factory=_default_database)
    busy_timeout: float = Field(default=5.0, gt=0)
    # PostgreSQL instead of the SQLite file; secret, as it may carry a password.
    url: SecretStr | None = None
    pool_size: int = Field(default=10, ge=2)
    lease: float = Field(default=60.0, gt=0)  # a checker's hold on the stories it checks
    failover: float = Field(default=10.0, gt=0)  # a dead sender's platform lock is free by then

    _url = field_validator("url")(_postgres_url)

    @property
    def target(self) -> Path | str:
        """Where the database is: the PostgreSQL URL when set, else the SQLite path."""
        return self.url.get_secret_value() if self.url is not None else self.path

    @property
    def shown(self) -> str:
        """The database's name for messages: the path, or the URL without its password."""
        if self.url is None:
            return str(self.path)
        parts = urlsplit(self.url.get_secret_value())
        return f"{parts.scheme}://{parts.username or ''}@{parts.hostname or ''}{parts.path}"


class FetchConfig(_Section):
    # Address ranges opened to fetching, such as ["127.0.0.0/8"] to test on loopback.
    allow_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    # The contract's shorthand for loopback and private ranges (PRIVATE_NETWORKS); kept
    # because deployments and test scripts set it.
    allow_private_networks: bool = Field(default=False, strict=True)
    connect_timeout: float = Field(default=10.0, gt=0)
    total_timeout: float = Field(default=30.0, gt=0)
    max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    max_redirects: int = Field(default=5, ge=0, le=20)
    concurrency: int = Field(default=64, ge=1)
    per_host: int = Field(default=4, ge=1)
    user_agent: str = "storywatch/0.1 (+https://github.com/storywatch/storywatch)"

    _agent = field_validator("user_agent")(_header_text)

    @field_validator("allow_networks", mode="before")
    @classmethod
    def _ranges(cls, value: Any) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise ValueError('expected a list of address ranges, such as ["127.0.0.0/8"]')
        return tuple(_address_range(text) for text in value)

    def opened_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        """The ranges the fetcher may reach although not public: `allow_networks`, and the
        private ranges when `allow_private_networks` is set."""
        return (*self.allow_networks, *(PRIVATE_NETWORKS if self.allow_private_networks else ()))


class ScheduleConfig(_Section):
    interval: float = Field(default=120.0, gt=0)
    min_interval: float = Field(default=30.0, gt=0)
    max_interval: float = Field(default=1800.0, gt=0)
    tick: float = Field(default=1.0, gt=0)
    retire_after: float = Field(default=3 * 86400.0, gt=0)
    max_failures: int = Field(default=50, ge=1)


class AlertsConfig(_Section):
    burst_limit: int = Field(default=5, ge=1)
    edits: bool = Field(default=True, strict=True)  # "yes" or 1 is a mistake, not a yes


class SummaryConfig(_Section):
    max_chars: int = Field(default=300, ge=40, le=4000)
    llm_url: str | None = None
    llm_model: str = "llama3.2"
    llm_timeout: float = Field(default=10.0, gt=0)
    api_key: SecretStr | None = None
    concurrency: int = Field(default=4, ge=1, le=64)
    budget: float | None = Field(default=None, gt=0)

    _llm_url = field_validator("llm_url")(_web_url)
    _model = field_validator("llm_model")(_header_text)


class BotConfig(_Section):
    default_timezone: str = "UTC"

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        # OSError: a directory ("Europe") or a name too long for the file system.
        except (ZoneInfoNotFoundError, ValueError, OSError) as error:
            raise ValueError("an IANA time zone such as Europe/London") from error
        return value


class DeliveryConfig(_Section):
    retry_base: float = Field(default=2.0, gt=0)
    retry_max: float = Field(default=300.0, gt=0)
    max_attempts: int = Field(default=1000, ge=1)
    send_timeout: float = Field(default=15.0, gt=0)


class LimitsConfig(_Section):
    subscriptions_per_chat: int = Field(default=50, ge=1)
    filters_per_subscription: int = Field(default=50, ge=1)
    argument_chars: int = Field(default=2000, ge=16)
    commands_per_minute: int = Field(default=30, ge=1)
    digest_floor: float = Field(default=300.0, gt=0)


class MetricsConfig(_Section):
    listen: str | None = None
    ready_max_pending_age: float = Field(default=600.0, gt=0)

    @field_validator("listen")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        if value is not None:
            listen_address(value)
        return value


def listen_address(value: str) -> tuple[str, int]:
    """("host", port) of "host:port" ("[::1]:9464" for IPv6); ValueError when malformed."""
    host, sep, port = value.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError('host:port, such as "127.0.0.1:9464"')
    return host, int(port)


def _one_of(*choices: str) -> Any:
    def check(value: str) -> str:
        if value not in choices:
            raise ValueError(f"one of {', '.join(choices)}")
        return value

    return check


class LoggingConfig(_Section):
    format: str = "text"
    level: str = "warning"

    _format = field_validator("format")(_one_of("text", "json"))
    _level = field_validator("level")(_one_of("debug", "info", "warning", "error"))


class RecipeConfig(_Section):
    host: str
    entry: str
    time: str | None = None
    title: str | None = None
    text: str | None = None


class Config(_Section):
    # A factory, not an instance: the default path (platformdirs) is found only when used.
    storage: StorageConfig = Field(default_factory=StorageConfig)
    fetch: FetchConfig = FetchConfig()
    schedule: ScheduleConfig = ScheduleConfig()
    alerts: AlertsConfig = AlertsConfig()
    summary: SummaryConfig = SummaryConfig()
    bot: BotConfig = BotConfig()
    delivery: DeliveryConfig = DeliveryConfig()
    telegram: TelegramConfig = TelegramConfig()
    discord: DiscordConfig = DiscordConfig()
    limits: LimitsConfig = LimitsConfig()
    metrics: MetricsConfig = MetricsConfig()
    logging: LoggingConfig = LoggingConfig()
    recipes: tuple[RecipeConfig, ...] = ()


def load_config(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Read the file (if any), apply the environment's overrides, validate.

    Raises ConfigError naming the key, the value (secrets masked) and what is expected.
    """
    environ = os.environ if environ is None else environ
    data = _read_file(path) if path is not None else {}
    _apply_environment(data, environ)
    try:
        config = Config.model_validate(data)
    except ValidationError as error:
        raise ConfigError(_describe(error, data)) from None
    _check_consistency(config)
    return config


def _read_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"config file {path} is not valid TOML: {error}") from None


def _apply_environment(data: dict[str, Any], environ: Mapping[str, str]) -> None:
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX):
            continue
        section, sep, key = name[len(ENV_PREFIX) :].lower().partition("__")
        if section == "recipes" and not sep:
            data["recipes"] = _json_value(name, raw)
            continue
        fields = _section_fields(section)
        if not sep or fields is None or key not in fields:
            raise ConfigError(_unknown_variable(name, section, key, fields))
        value: Any = raw
        if raw.lstrip().startswith(("{", "[")):
            value = _json_value(name, raw)
        elif fields[key].annotation is bool and raw.strip().lower() in ("true", "false"):
            value = raw.strip().lower() == "true"
        data.setdefault(section, {})[key] = value


def _unknown_variable(name: str, section: str, key: str, fields: dict[str, Any] | None) -> str:
    known = [f"{ENV_PREFIX}{section.upper()}__{field.upper()}" for field in fields or ()]
    return (f"unknown environment variable {name}: expected STORYWATCH_<SECTION>__<KEY> "
            f"with a key of config.example.toml{_did_you_mean(name, known)}")


def _did_you_mean(typed: str, known: list[str]) -> str:
    close = difflib.get_close_matches(typed, known, n=1)
    return f"; did you mean {close[0]}?" if close else ""


def _section_fields(section: str) -> dict[str, Any] | None:
    field = Config.model_fields.get(section)
    if field is None or section == "recipes":
        return None
    model = field.annotation
    return model.model_fields if isinstance(model, type) and issubclass(model, BaseModel) else None


def _json_value(name: str, raw: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        raise ConfigError(f"{name} must be JSON for a table or list value") from None


def _describe(error: ValidationError, data: Mapping[str, Any]) -> str:
    first = error.errors()[0]
    location = [str(part) for part in first["loc"]]
    key = ".".join(location)
    value = _lookup(data, first["loc"])
    shown = "***" if location[-1] in SECRET_KEYS else repr(value)
    if first["type"] == "extra_forbidden":
        beside = [".".join([*location[:-1], known]) for known in _known_keys(location)]
        return f"config: unknown key {key}{_did_you_mean(key, beside)}"
    if first["type"] == "bool_type":
        return f"config: {key} = {shown}: expected true or false (unquoted)"
    if first["type"] == "missing":
        return f"config: {key} is required"
    expected = first["msg"].removeprefix("Value error, ")
    return f"config: {key} = {shown}: {expected}"


def _known_keys(location: list[str]) -> list[str]:
    """The keys allowed beside the unknown key at `location`."""
    model: type[BaseModel] = Config
    for part in location[:-1]:
        if part.isdigit():
            continue
        field = model.model_fields.get(part)
        inner = RecipeConfig if part == "recipes" else field and field.annotation
        if not (isinstance(inner, type) and issubclass(inner, BaseModel)):
            return []
        model = inner
    return list(model.model_fields)


def _lookup(data: Any, location: tuple[Any, ...]) -> Any:
    for part in location:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _check_consistency(config: Config) -> None:
    schedule = config.schedule
    if schedule.min_interval > schedule.max_interval:
        raise ConfigError(
            f"config: schedule.min_interval = {schedule.min_interval!r}: "
            f"must not exceed schedule.max_interval ({schedule.max_interval!r})"
        )
