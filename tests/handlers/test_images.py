"""/images on|off through the command layer: on by default, admins turn it off and on,
a member of a shared chat cannot, and /status says when pictures are off."""

from __future__ import annotations

from handlers.commands import NOT_ADMIN
from handlers.registry import HELP_TEXT, MENU
from tests.handlers.conftest import Commands, caller


async def test_images_are_on_until_an_admin_turns_them_off(commands: Commands) -> None:
    """A new chat gets pictures; /images off and /images on are stored and answered."""
    await commands.run("/edits on")  # the chat exists with its defaults
    chat = await commands.chat()
    assert chat is not None and chat.images
    off = await commands.run("/images off")
    assert off.text == "Images off: alerts come as text, without the update's picture."
    chat = await commands.chat()
    assert chat is not None and not chat.images
    assert (await commands.run("/images ON")).text.startswith("Images on")
    chat = await commands.chat()
    assert chat is not None and chat.images


async def test_a_member_cannot_change_images_in_a_group(commands: Commands) -> None:
    """A non-admin's /images off in a group is refused and changes nothing."""
    await commands.run("/images on")
    reply = await commands.run("/images off", caller(admin=False))
    assert reply.text == NOT_ADMIN
    chat = await commands.chat()
    assert chat is not None and chat.images


async def test_a_bad_setting_is_one_line_with_an_example(commands: Commands) -> None:
    """/images maybe and a bare /images say what is wanted, with an example."""
    for text in ("/images maybe", "/images"):
        reply = await commands.run(text)
        assert "on or off" in reply.text.lower() and "/images off" in reply.text, reply.text
        assert "\n" not in reply.text
    assert await commands.chat() is None


async def test_status_says_when_pictures_are_off(commands: Commands) -> None:
    """/status's alerts line ends "without pictures" once they are off, and not before."""
    story = commands.story()
    await commands.run(f"/subscribe {story.url}")
    assert "pictures" not in (await commands.run("/status")).text
    await commands.run("/images off")
    status = (await commands.run("/status")).text.splitlines()
    assert status[1].endswith("; without pictures (/images off).")


def test_images_is_in_the_help_and_the_menu() -> None:
    """/help and Telegram's command menu, made from the registry, list /images."""
    assert "/images on|off" in HELP_TEXT
    assert "images" in dict(MENU)
