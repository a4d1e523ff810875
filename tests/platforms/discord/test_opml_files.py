"""/export and /import on Discord: the OPML file as an attachment of the answer, and a
file option (type 11) read from Discord's CDN, through the real discord.py client."""

from __future__ import annotations

from bot.core.opml import MAX_BYTES, read_opml
from tests.fakes import discord_objects as objects
from tests.fakes.feeds import serve_sample
from tests.fakes.web import WebServer
from tests.platforms.discord.test_bindings import (
    CHANNEL,
    THREAD,
    Answer,
    Bot,
    bot,
    command,
    fake,
    live_page,
    option,
    subscribe,
)

__all__ = ["bot", "fake"]  # the fixtures of test_bindings, used here too

FILE_OPTION = 11


async def export(bot: Bot, channel: str = CHANNEL) -> tuple[Answer, dict, bytes]:
    """/export in `channel`: the answer, the attachment it carries and the file's bytes."""
    answer = await command(bot.fake, "export", channel_id=channel)
    [message] = [m for m in bot.fake.messages.values()
                 if m["channel_id"] == channel and m["attachments"]]
    [attachment] = message["attachments"]
    return answer, attachment, bot.fake.file_of(attachment)


async def import_file(bot: Bot, filename: str, data: bytes, channel: str = CHANNEL,
                      size: int | None = None) -> Answer:
    """/import in `channel` with `data` attached (its stated size `size`, if given)."""
    attachment = bot.fake.upload(filename, data)
    if size is not None:
        attachment["size"] = size
    return await command(bot.fake, "import", option("file", attachment["id"], FILE_OPTION),
                         channel_id=channel,
                         resolved={"attachments": {attachment["id"]: attachment}})


async def followed(bot: Bot, channel: str) -> list[str]:
    """The URLs the channel follows, as its own /export lists them."""
    _answer, _attachment, data = await export(bot, channel)
    return read_opml(data)


async def test_import_is_a_file_option_and_nothing_is_marked_console(bot: Bot) -> None:
    """The synced /import asks for an attachment; no command is labelled "(console)"."""
    [put] = bot.fake.calls_to("PUT", f"/applications/{objects.APP_ID}/commands")
    synced = {c["name"]: c for c in put.json}
    assert [(o["name"], o["type"]) for o in synced["import"]["options"]] == [
        ("file", FILE_OPTION)]
    assert not [c["name"] for c in put.json if "(console)" in c["description"]]


async def test_export_answers_with_an_opml_attachment(bot: Bot, web_server: WebServer) -> None:
    """/export's answer carries storywatch-<chat>.opml, listing the channel's stories."""
    url = web_server.set("/storm", live_page(2))
    await subscribe(bot, url)

    answer, attachment, data = await export(bot)

    assert attachment["filename"] == f"storywatch-discord-{CHANNEL}.opml"
    assert answer.content.startswith("This chat's 1 subscription as OPML 2.0")
    assert read_opml(data) == [url]


async def test_an_export_attached_to_import_elsewhere_gives_the_same_subscriptions(
        bot: Bot, web_server: WebServer) -> None:
    """Export from one channel, import that file in a thread: it follows the same stories."""
    urls = [web_server.set(f"/storm{n}", live_page(2, f"Storm {n}")) for n in range(2)]
    for url in urls:
        await subscribe(bot, url)
    _answer, attachment, data = await export(bot)

    answer = await import_file(bot, attachment["filename"], data, channel=THREAD)

    assert answer.content == "Imported: 2 followed, 0 already followed, 0 refused."
    assert sorted(await followed(bot, THREAD)) == sorted(urls)


async def test_a_too_big_or_bad_file_gets_one_line_and_changes_nothing(
        bot: Bot, web_server: WebServer) -> None:
    """An attachment over 1 MiB is refused unread; one that is not OPML, in one line."""
    url = web_server.set("/storm", live_page(2))
    opml = f'<opml version="2.0"><body><outline xmlUrl="{url}"/></body></opml>'.encode()

    big = await import_file(bot, "big.opml", opml, size=MAX_BYTES + 1)
    bad = await import_file(bot, "page.opml", b"<html><p>not a list</p></html>")

    assert big.content == "The file is over 1024 KiB, the most an import reads"
    assert not [c for c in bot.fake.calls if "/attachments/" in c.path]
    assert bad.content == "Not an OPML file: its root element is <html>, not <opml>"
    assert await followed(bot, CHANNEL) == []


async def test_other_bots_exports_import(bot: Bot, web_server: WebServer) -> None:
    """RSS-to-Telegram-Bot's and MonitoRSS's exports (folders, OPML 1.0, htmlUrl-only
    outlines) follow every feed they name."""
    rsstt, rsstt_urls = serve_sample(web_server, "rsstt_export.opml")
    monitorss, monitorss_urls = serve_sample(web_server, "monitorss_export.opml")

    first = await import_file(bot, "rsstt.opml", rsstt)
    second = await import_file(bot, "monitorss.opml", monitorss, channel=THREAD)

    assert first.content == "Imported: 2 followed, 0 already followed, 0 refused."
    assert second.content == "Imported: 2 followed, 0 already followed, 0 refused."
    assert sorted(await followed(bot, CHANNEL)) == sorted(rsstt_urls)
    assert sorted(await followed(bot, THREAD)) == sorted(monitorss_urls)
