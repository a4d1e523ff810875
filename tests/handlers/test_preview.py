"""/preview through the command layer: what `check` shows of a story, in the chat, without
following it."""

from __future__ import annotations

from bot.core.model import ChatRef
from storage import stories
from tests.handlers.conftest import Commands, caller


async def test_preview_shows_the_title_the_newest_three_and_the_count(
        commands: Commands) -> None:
    """Title and count first, then the three newest updates with their times, newest first;
    nothing is stored, and nothing is followed."""
    story = commands.story(posts=5)
    reply = await commands.run(f"/preview {story.url}", caller(admin=False))
    assert not reply.private
    assert reply.text.splitlines() == [
        "“Storm live”: 5 updates; the newest:",
        "2024-02-03 10:04 UTC: Headline 5. Update number 5 says the storm reached town 5.",
        "2024-02-03 10:03 UTC: Headline 4. Update number 4 says the storm reached town 4.",
        "2024-02-03 10:02 UTC: Headline 3. Update number 3 says the storm reached town 3.",
        f"Not followed here; to follow it: /subscribe {story.url}",
    ]
    assert await commands.chat() is None
    assert await stories.by_url(commands.db, story.url) is None


async def test_preview_times_are_the_chats(commands: Commands) -> None:
    """A chat with a time zone sees the updates' times in it."""
    story = commands.story(posts=1)
    await commands.run("/timezone Europe/Paris")
    reply = await commands.run(f"/preview {story.url}")
    assert reply.text.splitlines()[1].startswith("2024-02-03 11:00 CET: Headline 1")


async def test_a_page_without_updates_is_one_private_line(commands: Commands) -> None:
    """What cannot be previewed says why, to the caller alone."""
    url = commands.web.set("/empty", "<html><body><p>No live updates here.</p></body></html>")
    reply = await commands.run(f"/preview {url}")
    assert reply.private and reply.text == f"No timestamped updates found in {url}"


async def test_preview_takes_a_web_address_as_subscribe_does(commands: Commands) -> None:
    """A bad address is refused, as typed, with /preview's own example, before anything is
    fetched."""
    reply = await commands.run("/preview hello")
    assert reply.text == ("'hello' is not a web address; "
                          "example: /preview https://www.rt.com/news/591750-us-strikes-iraq-syria/")


async def test_preview_is_throttled_like_every_command(commands: Commands) -> None:
    """A flood of /preview is answered once with "slow down", then ignored."""
    story = commands.story(posts=1)
    flooder = caller(chat=ChatRef("telegram", "5"), user="5", kind="private")
    limit = commands.context.limits.commands_per_minute
    for _ in range(limit):
        assert await commands.layer.run_text(flooder, f"/help {story.url}") is not None
    held = await commands.layer.run_text(flooder, f"/preview {story.url}")
    assert held is not None and held.text.startswith("Slow down")
    assert await commands.layer.run_text(flooder, f"/preview {story.url}") is None
    assert commands.web.hits[story.path] == 0
