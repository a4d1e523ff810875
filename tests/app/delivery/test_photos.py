"""Pictures end to end: the real `storywatch run` against the fake Bot API and a live story
on loopback whose updates carry a picture: a photo with its caption, text for a chat with
images off, and text exactly once when Telegram refuses the picture."""

from __future__ import annotations

from pathlib import Path

from tests.app.delivery.harness import WAIT, rig
from tests.fakes.web import WebServer

CHAT, TEXT_ONLY = 6001, 6002
PICTURE = "https://cdn.example/pics/harbour-1200.jpg"
BROKEN = "https://cdn.example/pics/not-an-image-1200.jpg"


async def test_an_update_with_a_picture_arrives_as_a_photo_or_as_text_once(
    tmp_path: Path, web_server: WebServer
) -> None:
    """A new update with a picture reaches a chat as one sendPhoto captioned with the alert,
    and a chat with /images off as text; a later update whose picture Telegram refuses
    reaches each chat as one text message, sent once, its delivery marked sent."""
    async with rig(tmp_path, web_server) as bot:
        bot.story.post("Also before anyone subscribed.")
        await bot.subscribe([CHAT, TEXT_ONLY], images_off=(TEXT_ONLY,))
        bot.fake.refuse_photo(BROKEN)
        run = await bot.start()
        await bot.baseline()
        bot.story.post("P-1 Ships left the harbour at dawn.", image=PICTURE)
        await bot.wait_delivered(2, "P-1")
        bot.story.post("P-2 The storm reached the coast.", image=BROKEN)
        await bot.wait_delivered(2, "P-2")
        await bot.fake.wait_for(lambda _: bot.outbox("sent", "P-2") == 2, WAIT)
        await run.stop()
    photos = bot.fake.calls_to("sendPhoto")
    assert [(c.params["chat_id"], c.params["photo"]) for c in photos] == [
        (CHAT, PICTURE), (CHAT, BROKEN)]
    assert "P-1 Ships left the harbour at dawn." in photos[0].params["caption"]
    delivered = bot.delivered()
    for chat in (CHAT, TEXT_ONLY):
        assert [sum(label in text for text in delivered[chat]) for label in ("P-1", "P-2")] == [
            1, 1], delivered[chat]
    texts = [c.params for c in bot.fake.calls_to("sendMessage")]
    assert [p["chat_id"] for p in texts if "P-1" in p["text"]] == [TEXT_ONLY]
    assert sorted(p["chat_id"] for p in texts if "P-2" in p["text"]) == [CHAT, TEXT_ONLY]
    assert all(p["link_preview_options"] == {"is_disabled": True} for p in texts)
