"""The [telegram] section of the configuration (composed into `bot.edges.config.Config`)."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from bot.edges.sections import Section, web_url


class TelegramConfig(Section):
    token: SecretStr | None = None
    base_url: str = "https://api.telegram.org/bot"
    rate_per_second: float = Field(default=30.0, gt=0)
    group_rate_per_minute: float = Field(default=20.0, gt=0)
    chat_rate_per_second: float = Field(default=1.0, gt=0)
    admin_cache_seconds: float = Field(default=300.0, ge=0)
    poll_timeout: float = Field(default=10.0, ge=0)

    _base = field_validator("base_url")(web_url)
