"""Telegram through python-telegram-bot: `messenger` sends and runs the Application,
`bindings` turns updates into calls on the command layer, `config` is its [telegram]
section. May import `telegram`, never `discord`; this `__init__` imports neither, so
start-up stays fast where Telegram is not started.
"""

from __future__ import annotations

from bot.core.pacing import Limits, Rate
from bot.core.ports import Messenger
from bot.platforms.plugin import Launch, Platform, token_hash, token_set
from bot.platforms.telegram.config import TelegramConfig


def limits(config: TelegramConfig) -> Limits:
    """Telegram's limits as configured: overall, per chat, per group or channel."""
    return Limits(overall=Rate(config.rate_per_second), chat=Rate(config.chat_rate_per_second),
                  group=Rate(config.group_rate_per_minute / 60))


async def start(launch: Launch) -> Messenger:
    """Connect the bot (getMe, the command menu, long polling) serving the command layer."""
    from bot.platforms.telegram import bindings
    from bot.platforms.telegram import messenger as app

    config: TelegramConfig = launch.section
    polling = app.PollWatch()
    application = app.build_application(config, polling)
    bindings.install(application, launch.layer(), config, launch.clock)
    await launch.stack.enter_async_context(app.running(application, config))
    return app.TelegramMessenger(application.bot, polling)


PLATFORM = Platform("telegram", start, TelegramConfig, token_set, token_hash, limits,
                    shared_kinds=frozenset({"group", "supergroup", "channel"}))
