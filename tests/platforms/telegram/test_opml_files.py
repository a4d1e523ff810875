"""/export and /import on Telegram: the OPML file as a document (sendDocument), and a
document captioned /import (or answered with /import) fetched with getFile from the file
endpoint, through the real python-telegram-bot against the fake Bot API."""

from __future__ import annotations

from typing import Any

from telegram import Chat, Document

from bot.core.opml import MAX_BYTES, read_opml
from tests.fakes import telegram_updates as updates
from tests.fakes.feeds import serve_sample
from tests.platforms.telegram.test_bindings import (
    ADMIN,
    GROUP,
    MEMBER,
    USER,
    WAIT,
    World,
    live_page,
    world,
)

__all__ = ["world"]  # the fixture of test_bindings, used here too
OTHER_GROUP = -1007777


async def export(world: World, chat_id: int) -> dict[str, Any]:
    """/export in `chat_id` (a group's member, or the user's private chat): the document
    message the bot sent."""
    before = len(documents(world, chat_id))
    text = "/export"
    world.fake.inject(updates.private_command(USER, text) if chat_id > 0
                      else updates.group_command(chat_id, MEMBER, text))
    await world.fake.wait_for(lambda _: len(documents(world, chat_id)) > before, WAIT)
    return documents(world, chat_id)[before]


def documents(world: World, chat_id: int) -> list[dict[str, Any]]:
    """The document messages the bot sent to `chat_id`, in order."""
    return [m for (chat, _), m in sorted(world.fake.messages.items())
            if chat == str(chat_id) and "document" in m]


async def followed(world: World, chat_id: int) -> list[str]:
    """The URLs `chat_id` follows, read from its own /export."""
    return read_opml(world.fake.file_of((await export(world, chat_id))["document"]))


async def import_document(world: World, chat_id: int, document: Document) -> str:
    """`document` sent to `chat_id` with the caption /import: the one-line reply."""
    return str((await world.ask(updates.document_update(chat_id, MEMBER, document, "/import"),
                                chat_id))["text"])


async def test_the_menu_offers_export_and_import_unmarked(world: World) -> None:
    """Telegram's menu lists /export and /import, none labelled "(console)"."""
    names = {c["command"]: c["description"] for c in world.fake.commands}
    assert {"export", "import"} <= set(names)
    assert not [name for name, about in names.items() if "(console)" in about]


async def test_export_is_a_document_of_the_chats_stories(world: World) -> None:
    """/export in a group answers with storywatch-<chat>.opml, captioned, quoting the
    command, whose OPML lists the group's story."""
    url = world.web.set("/live", live_page(2))
    await world.ask(updates.group_command(GROUP, MEMBER, f"/subscribe {url}"), GROUP)

    sent = await export(world, GROUP)

    [call] = world.fake.calls_to("sendDocument")
    assert call.params["document"]["filename"] == f"storywatch-telegram-{-GROUP}.opml"
    assert "reply_parameters" in call.params
    assert sent["caption"].startswith("This chat's 1 subscription as OPML 2.0")
    assert read_opml(world.fake.file_of(sent["document"])) == [url]


async def test_an_export_sent_back_with_import_gives_another_chat_the_same(
        world: World) -> None:
    """The exported document, captioned /import in a private chat and answered with /import
    in another group: both follow the same stories, each file downloaded from the file
    endpoint."""
    urls = [world.web.set(f"/live{n}", live_page(2)) for n in range(2)]
    for url in urls:
        await world.ask(updates.group_command(GROUP, MEMBER, f"/subscribe {url}"), GROUP)
    exported = await export(world, GROUP)
    document = Document.de_json(exported["document"], None)

    captioned = await import_document(world, USER, document)
    group = Chat(id=OTHER_GROUP, type=Chat.SUPERGROUP, title="Desk")
    file_message = updates.document_message(group, document, sender=updates.user(MEMBER))
    answered = await world.ask(
        updates.reply_command(OTHER_GROUP, MEMBER, "/import", file_message), OTHER_GROUP)

    assert captioned == "Imported: 2 followed, 0 already followed, 0 refused."
    assert answered["text"] == "Imported: 2 followed, 0 already followed, 0 refused."
    assert len(world.fake.downloads) == 2
    for chat_id in (USER, OTHER_GROUP):
        assert sorted(await followed(world, chat_id)) == sorted(urls)


async def test_a_too_big_or_bad_document_gets_one_line_and_changes_nothing(
        world: World) -> None:
    """A document over 1 MiB is refused before getFile; one that is not OPML, in one line;
    the chat follows nothing."""
    url = world.web.set("/live", live_page(2))
    opml = f'<opml version="2.0"><body><outline xmlUrl="{url}"/></body></opml>'.encode()
    stated = world.fake.upload("big.opml", opml)
    big = Document(stated.file_id, stated.file_unique_id, file_name="big.opml",
                   file_size=MAX_BYTES + 1)

    too_big = await import_document(world, USER, big)
    bad = await import_document(world, USER, world.fake.upload("x.opml", b"\x00\xff not xml"))

    assert too_big == "The file is over 1024 KiB, the most an import reads"
    assert [c.params["file_id"] for c in world.fake.calls_to("getFile")] == [
        bad_id(world)]
    assert bad.startswith("Not an OPML file: the XML is malformed")
    assert "\n" not in bad
    assert await followed(world, USER) == []


def bad_id(world: World) -> str:
    return next(file_id for file_id, (name, _) in world.fake.files.items() if name == "x.opml")


async def test_other_bots_exports_import(world: World) -> None:
    """RSS-to-Telegram-Bot's and MonitoRSS's exports, sent as documents, follow every feed
    they name."""
    rsstt, rsstt_urls = serve_sample(world.web, "rsstt_export.opml")
    monitorss, monitorss_urls = serve_sample(world.web, "monitorss_export.opml")

    first = await import_document(world, USER, world.fake.upload("rsstt.opml", rsstt))
    second = await import_document(world, GROUP,
                                   world.fake.upload("monitorss.opml", monitorss))

    assert first == "Imported: 2 followed, 0 already followed, 0 refused."
    assert second == "Imported: 2 followed, 0 already followed, 0 refused."
    assert sorted(await followed(world, USER)) == sorted(rsstt_urls)
    assert sorted(await followed(world, GROUP)) == sorted(monitorss_urls)




async def test_a_file_bigger_than_its_message_said_is_not_downloaded(world: World) -> None:
    """A document stated small whose getFile says over 1 MiB: refused, never downloaded."""
    stored = world.fake.upload("big.opml", b"<opml>" + b" " * MAX_BYTES + b"</opml>")
    understated = Document(stored.file_id, stored.file_unique_id, file_name="big.opml",
                           file_size=100)

    reply = await import_document(world, USER, understated)

    assert reply == "The file is over 1024 KiB, the most an import reads"
    assert len(world.fake.calls_to("getFile")) == 1
    assert world.fake.downloads == []


async def test_a_member_of_a_locked_group_cannot_import_and_nothing_is_downloaded(
        world: World) -> None:
    """In a locked group a member's /import is refused before the file is fetched."""
    world.fake.set_member(GROUP, ADMIN, "administrator")
    await world.ask(updates.group_command(GROUP, ADMIN, "/lock"), GROUP)
    url = world.web.set("/live", live_page(2))
    opml = f'<opml version="2.0"><body><outline xmlUrl="{url}"/></body></opml>'.encode()

    reply = await import_document(world, GROUP, world.fake.upload("feeds.opml", opml))

    assert reply == "This chat is locked: only an admin can (un)subscribe."
    assert not world.fake.calls_to("getFile") and world.fake.downloads == []
    assert await followed(world, GROUP) == []
