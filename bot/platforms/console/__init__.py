"""The terminal as a chat: `messenger` prints alerts, `bindings` reads commands
from standard input. No client library; used when no platform token is set.
"""


class EndOfInput(Exception):
    """The console's input ended: `run` stops, its pending work left in the database."""
