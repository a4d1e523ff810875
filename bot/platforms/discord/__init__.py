"""Discord through discord.py: `messenger` sends (REST, error mapping) and runs
the gateway client; `bindings`, `options` and `replies` turn slash commands into
calls on the command layer and its replies into interaction responses. May
import `discord`, never `telegram`.
"""
