"""`/filter test [N]`: which of the latest stored updates the chat's filters let through, and
the word that decided each (docs/BEHAVIOUR.md, Chat commands).

Without N it reads the latest updates of all the chat's stories together, newest first:
that is the stream the chat's alerts come from, so it shows what the filters would have
done to it. With N, subscription N's story alone. Each update is judged as routing
judges it: the chat's filters, then the subscription's.
"""

from __future__ import annotations

from bot.core.catchup import Happened
from bot.core.errors import NotFound
from bot.core.filters import Decision, decide_levels, entry_words
from bot.core.model import ChatRef
from bot.core.render import format_time
from handlers.command_values import FilterTest
from handlers.context import Context
from handlers.levels import story_levels
from storage import recent, subscriptions

SHOWN = 10
"""How many of the latest updates a test shows."""
MESSAGE_CHARS = 1900
"""One message on every platform: under Discord's 2,000 characters (Telegram's is 4,096)."""
SNIPPET_CHARS = 70
WORD_CHARS = 40


async def filter_test(context: Context, ref: ChatRef, command: FilterTest) -> str:
    """The test's message for the chat at `ref`. Raises NotFound for a number it lacks."""
    chat = await context.chat(ref)
    following = await subscriptions.for_chat(context.db, chat.id) if chat is not None else []
    if chat is None or not following:
        return "This chat follows no story yet. Example: /subscribe https://example.com/live"
    numbered = list(enumerate(following, start=1))
    if command.number is not None:
        if not 1 <= command.number <= len(following):
            raise NotFound(f"There is no subscription {command.number} here;"
                           " /list shows the numbers.")
        numbered = [numbered[command.number - 1]]
    found = await story_levels(context, chat.id, [s for _, s in numbered])
    by_url = {story[0]: (number, story[1])
              for (number, _), story in zip(numbered, found, strict=True) if story is not None}
    latest = await recent.latest(context.db, [s.story_id for _, s in numbered], SHOWN)
    where = f"subscription {command.number}" if command.number else "this chat's stories"
    if not latest:
        return f"No updates stored yet for {where}; the next check brings them."
    judged = [(happened, *by_url[happened.story.url]) for happened in latest
              if happened.story.url in by_url]
    decisions = [(happened, number, decide_levels(happened.entry.title,
                                                  entry_words(happened.entry), levels))
                 for happened, number, levels in judged]
    passing = sum(decision.passed for _, _, decision in decisions)
    head = (f"Filter test on the latest {len(decisions)} updates of {where}: {passing} pass, "
            f"{len(decisions) - passing} dropped.")
    zone = context.zone(chat)
    lines = [_line(happened, decision, zone, None if command.number else number)
             for happened, number, decision in decisions]
    return _bounded(head, lines)


def _line(happened: Happened, decision: Decision, zone: str, number: int | None) -> str:
    entry = happened.entry
    when = format_time(entry.published_at, zone) if entry.published_at else "untimed"
    story = f" #{number}" if number is not None else ""
    return f"{when}{story} {_why(decision)}: {_snippet(entry.title or entry.text)}"


def _why(decision: Decision) -> str:
    """"passes: include 'iran'", "dropped: exclude 'football'", and so on."""
    verdict = "passes" if decision.passed else "dropped"
    word = decision.word or ""
    word = word if len(word) <= WORD_CHARS else word[:WORD_CHARS - 1] + "…"
    reason = {
        "include": f"include '{word}'",
        "exclude": f"exclude '{word}'",
        "no include": "no include word matched",
        "no exclude": "no exclude word matched",
        "no filters": "no filters",
    }[decision.reason]
    if decision.level == 1:
        reason += " (subscription's filter)"
    return f"{verdict}: {reason}"


def _snippet(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= SNIPPET_CHARS else flat[:SNIPPET_CHARS - 1] + "…"


def _bounded(head: str, lines: list[str]) -> str:
    """`head` and as many `lines` as fit in one message, saying how many were left out."""
    kept = [head]
    size = len(head)
    for index, line in enumerate(lines):
        rest = len(lines) - index
        if size + 1 + len(line) + len(f"\n… {rest} more not shown") > MESSAGE_CHARS:
            kept.append(f"… {rest} more not shown")
            break
        kept.append(line)
        size += 1 + len(line)
    return "\n".join(kept)
