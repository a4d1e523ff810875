"""Telegram through python-telegram-bot: `messenger` sends (Bot API, rate limiter,
error mapping), `bindings` turns commands and membership updates into calls
on the command layer. May import `telegram`, never `discord`.
"""
