"""The errors storywatch raises on purpose; adapters translate vendor errors into these.

    StorywatchError
    ├── ConfigError          bad configuration: names the key, the value, what is expected
    ├── StorageError         the database cannot be opened, migrated or copied
    ├── PlatformUnavailable  Telegram or Discord could not be started (bad token, unreachable)
    ├── FetchError           a story URL could not be fetched
    │   ├── BadUrl           not an http(s) URL, or malformed
    │   ├── BlockedAddress   resolves to or connects to a private/loopback/... address
    │   ├── Unreachable      DNS failure, refused connection, timeout, redirect loop
    │   ├── HttpStatus       the server answered an error status
    │   ├── TooLarge         the body passed the size limit (after decompression)
    │   └── NotAPage         not HTML, XML, a feed or text; or undecodable
    ├── NoUpdates            the document holds no timestamped updates
    ├── SummaryUnavailable   the summary endpoint gave nothing usable (`reason` says why)
    ├── CommandError         a chat command that cannot be carried out (reply text)
    │   ├── BadArgument      with an example of the right form
    │   ├── NotAllowed       the caller is not an admin here
    │   ├── NotFound         no such subscription
    │   └── BadOpml          an OPML file that cannot be read safely: nothing is imported
    └── DeliveryError        a messenger's answer other than success
        ├── ChatGone         blocked, kicked, chat not found: deactivate, don't retry
        ├── ChatMoved        the chat has a new id (Telegram migration): move, resend
        ├── RateLimited      wait `retry_after` seconds (for this chat, or all if global)
        ├── Transient        network error or 5xx: retry with backoff
        └── Rejected         this one message was refused (4xx): mark failed, go on
"""

from __future__ import annotations


class StorywatchError(Exception):
    """Base of every error storywatch raises on purpose."""


class ConfigError(StorywatchError):
    """The configuration is invalid."""


class StorageError(StorywatchError):
    """The database cannot be opened, migrated or copied."""


class PlatformUnavailable(StorywatchError):
    """Telegram or Discord could not be started: a bad token, or the API is unreachable."""


class FetchError(StorywatchError):
    """A story URL could not be fetched."""


class BadUrl(FetchError):
    """Not an http(s) URL, or malformed."""


class BlockedAddress(FetchError):
    """The URL's host is, or resolves to, an address storywatch refuses to connect to."""


class Unreachable(FetchError):
    """The host could not be reached or did not answer in time."""


class HttpStatus(FetchError):
    """The server answered an error status; `retry_after` is its wish (429, 503), in seconds."""

    def __init__(self, status: int, url: str, retry_after: float | None = None) -> None:
        super().__init__(f"the server answered HTTP {status} for {url}")
        self.status = status
        self.retry_after = retry_after


class TooLarge(FetchError):
    """The body is over the size limit."""


class NotAPage(FetchError):
    """The body is not a page, feed or text that storywatch can read."""


class NoUpdates(StorywatchError):
    """The document holds no timestamped updates."""


class SummaryUnavailable(StorywatchError):
    """The summary endpoint gave no usable answer; `reason` is a short, bounded label
    (timeout, network, status, too_large, not_json, too_deep, bad_shape, no_text, empty,
    too_long) for logs and metrics."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class CommandError(StorywatchError):
    """A chat command that cannot be carried out; str(error) is the reply."""


class BadArgument(CommandError):
    """A command argument is malformed; the message carries an example."""


class NotAllowed(CommandError):
    """The caller may not do this in this chat."""


class NotFound(CommandError):
    """The subscription or story named does not exist in this chat."""


class BadOpml(CommandError):
    """An OPML file too large, malformed, not OPML, with entities or too many outlines."""


class DeliveryError(StorywatchError):
    """A messenger could not deliver a message."""


class ChatGone(DeliveryError):
    """The bot can no longer post in the chat."""


class ChatMoved(DeliveryError):
    """The chat now lives under another id."""

    def __init__(self, new_chat_id: str) -> None:
        super().__init__(f"chat moved to {new_chat_id}")
        self.new_chat_id = new_chat_id


class RateLimited(DeliveryError):
    """The platform asked to wait `retry_after` seconds; `scope_global` means everything waits."""

    def __init__(self, retry_after: float, scope_global: bool = False) -> None:
        super().__init__(f"rate limited for {retry_after:g} s")
        self.retry_after = retry_after
        self.scope_global = scope_global


class Transient(DeliveryError):
    """A network error or a server error: try again later."""


class Rejected(DeliveryError):
    """The platform refused this one message; the reason is the message."""
