"""Whether a chat holds its alerts: a core rule (docs/BEHAVIOUR.md, Chat commands mute and digest)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.route import holds_alerts

NOW = datetime(2024, 2, 3, 12, 0, tzinfo=UTC)


def test_a_chat_without_mute_or_digest_gets_alerts_now() -> None:
    """No mute, digest off: alerts go out as they come."""
    assert not holds_alerts(None, "off")


def test_a_mute_holds_until_released_even_after_it_ran_out() -> None:
    """A mute, even one whose end has passed, holds until the digest tick clears it."""
    assert holds_alerts(NOW, "off")


def test_a_digest_holds_every_alert() -> None:
    """Every and daily digests collect alerts instead of sending them one by one."""
    assert holds_alerts(None, "every") and holds_alerts(None, "daily")
