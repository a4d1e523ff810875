"""The [discord] section of the configuration (composed into `bot.edges.config.Config`)."""

from __future__ import annotations

from pydantic import SecretStr, field_validator

from bot.edges.sections import Section, web_url


class DiscordConfig(Section):
    token: SecretStr | None = None
    api_base: str = "https://discord.com/api/v10"
    gateway_url: str | None = None
    guild_id: int | None = None

    _api = field_validator("api_base")(web_url)

    @field_validator("gateway_url")
    @classmethod
    def _gateway(cls, value: str | None) -> str | None:
        return web_url(value, frozenset({"ws", "wss"}))
