"""Whether a chat holds its alerts: a core rule (docs/BEHAVIOUR.md, Chat commands mute and digest)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.filters import Levels
from bot.core.model import Alert, Embed, Entry, StoryRef
from bot.core.route import Routed, holds_alerts, route_entries

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


def test_a_word_inside_a_quoted_post_lets_the_update_through() -> None:
    """A chat filtering on a word heard only inside a quoted tweet gets the update; a word
    in the quote that the chat excludes drops it."""
    tweet = Embed("post", "https://twitter.com/port/status/1", "The harbour is closed", "@port")
    entry = Entry("u1", datetime(2024, 3, 3, 14, 5, tzinfo=UTC), "Reaction abroad.",
                  embeds=(tweet,))
    story = StoryRef("https://news.test/live", "Summit live")
    now = datetime(2024, 3, 3, 15, 0, tzinfo=UTC)

    def routed(levels: Levels) -> list[Routed]:
        return route_entries(story, [entry], {}, levels, timezone="UTC", burst_limit=5, now=now)

    passed = routed(((("harbour",), ()), ((), ())))
    assert [r.message.matched for r in passed if isinstance(r.message, Alert)] == [("harbour",)]
    assert routed((((), ("closed",)), ((), ()))) == []
    assert len(routed(((("port",), ()), ((), ())))) == 1
