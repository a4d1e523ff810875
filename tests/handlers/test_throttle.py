"""The command flood throttle, through the command layer: it counts in the layer's clock."""

from __future__ import annotations

from tests.handlers.conftest import Commands, caller


async def test_a_held_flooder_is_heard_again_a_minute_later_in_the_layers_time(
        commands: Commands) -> None:
    """Held after the limit, a user is answered again once a minute has passed on the layer's
    clock, and not before: no real time passes here, so a throttle reading the real clock
    would still hold them."""
    flooder = caller(user="flooder")
    limit = commands.context.limits.commands_per_minute
    replies = [await commands.layer.run_text(flooder, "/help") for _ in range(limit + 2)]
    assert [reply is None for reply in replies][-2:] == [False, True]
    assert replies[limit] is not None and replies[limit].text.startswith("Slow down")
    commands.clock.advance(59)
    assert await commands.layer.run_text(flooder, "/help") is None
    commands.clock.advance(2)
    reply = await commands.layer.run_text(flooder, "/help")
    assert reply is not None and "/subscribe URL" in reply.text
