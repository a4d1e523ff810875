"""Every chat command, once: one `CommandSpec` per command (docs/BEHAVIOUR.md, Chat commands).

A spec holds the command's name, the values it makes, its text parser and its
named options (Discord's slash commands), who may run it, its usage line, its
menu line and help text, and the use case that carries it out. Everything that
lists commands is made from `SPECS`: the parser table (`parse_command`), /help
(`HELP_TEXT`), Telegram's command menu, Discord's command tree, the access rules
and which replies are private. A new command is a spec here and its use case.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from bot.core.errors import BadArgument
from bot.core.model import Notice
from handlers import (
    catchup,
    filtertest,
    following,
    opml,
    options,
    parse,
    preview,
    settings,
    status,
    successors,
    tracking,
)
from handlers.caller import Caller
from handlers.command_values import (
    Catchup,
    Command,
    DigestDaily,
    DigestEvery,
    DigestOff,
    FilterClear,
    FilterEdit,
    FilterList,
    FilterTest,
    Help,
    ListSubscriptions,
    Lock,
    Mute,
    SetEdits,
    SetImages,
    SetTimezone,
    Status,
    Subscribe,
    Unlock,
    Unmute,
    Unsubscribe,
)
from handlers.context import Context
from handlers.options import Build
from handlers.parse import Parser

Access = Literal["anyone", "members", "admins"]
"""anyone; members: anyone, unless the chat is locked (then its admins); admins: its admins."""
UseCase = Callable[[Context, Caller, Any], Awaitable[str | Notice]]
"""Carries out the command (a value of the spec's) for the caller; returns the reply's text,
or a notice carrying a file (its text the caption)."""
# The default of limits.argument_chars; the command layer passes the configured one.
DEFAULT_ARGUMENT_CHARS = parse.DEFAULT_ARGUMENT_CHARS


@dataclass(frozen=True, slots=True)
class Option:
    """A named argument, as a slash command asks for it.

    `kind`: free text, a number from 1, one of `choices`, or a file sent with the command
    (it reaches the use case as the caller's `Upload`, not as text). `complete` names what
    the platform may offer while it is typed: the chat's stories or time zones.
    """

    name: str
    description: str
    kind: Literal["text", "number", "choice", "file"] = "text"
    required: bool = True
    choices: tuple[str, ...] = ()
    complete: Literal["stories", "zones"] | None = None


@dataclass(frozen=True, slots=True)
class Subcommand:
    """One subcommand of a command given as a group of them (/filter add, /filter list)."""

    name: str
    description: str
    options: tuple[Option, ...]
    build: Build


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """One chat command: how it is read, offered, allowed and carried out.

    `help` is its part of /help ("" when told with another command's); `readers`
    are values of it that only show settings: anyone may run them, privately.
    `slow` commands fetch a page, so a platform with a reply deadline defers at
    once. Named options become a value through `build`, or else are joined, in
    order, into the text the parser reads. `platforms` names the platforms where it
    works (none named: all of them); elsewhere it is left out of the menu, the command
    tree and /help, and refused when typed.
    """

    name: str
    values: tuple[type, ...]
    parse: Parser
    run: UseCase
    usage: str
    menu: str
    help: str
    access: Access = "anyone"
    private: bool = False
    readers: tuple[type, ...] = ()
    slow: bool = False
    aliases: tuple[tuple[str, str], ...] = ()
    options: tuple[Option, ...] = ()
    build: Build | None = None
    subcommands: tuple[Subcommand, ...] = ()
    platforms: tuple[str, ...] = ()

    def works_on(self, platform: str) -> bool:
        """Whether the command works on `platform` (a ChatRef's platform name)."""
        return not self.platforms or platform in self.platforms

    def access_to(self, command: Command) -> Access:
        """Who may run `command`, one of this spec's values."""
        return "anyone" if isinstance(command, self.readers) else self.access

    def is_private(self, command: Command) -> bool:
        """Whether the reply to `command` concerns only the caller (Discord: ephemeral)."""
        return self.private or isinstance(command, self.readers)

    def from_options(self, given: Mapping[str, Any], max_chars: int) -> Command:
        """The command of named option values. Raises BadArgument as the parser does."""
        if self.build is not None:
            return self.build(given, max_chars)
        text = " ".join(str(value).strip() for value in given.values() if value is not None)
        parse.check_length(self.name, text, max_chars)
        return self.parse(text)


async def _help(_context: Context, caller: Caller, _command: Help) -> str:
    return help_for(caller.chat.platform)


async def _unsubscribe(context: Context, caller: Caller, command: Unsubscribe) -> str:
    return await following.unsubscribe(context, caller.chat, command.target)


async def _list(context: Context, caller: Caller, command: ListSubscriptions) -> str:
    listed = await following.list_subscriptions(context, caller.chat, command.page)
    return await tracking.with_tracks(context, caller.chat, listed, command.page)


async def _filters(context: Context, caller: Caller,
                   command: settings.FilterCommand | FilterTest) -> str:
    if isinstance(command, FilterTest):
        return await filtertest.filter_test(context, caller.chat, command)
    return await settings.filters_command(context, caller.chat, caller.kind, command)


async def _setting(context: Context, caller: Caller, command: Command) -> str:
    return await settings.chat_setting(context, caller.chat, caller.kind, command)


async def _successors(context: Context, caller: Caller,
                      command: successors.SetSuccessors) -> str:
    return await successors.set_successors(context, caller.chat, caller.kind, command)


async def _status(context: Context, caller: Caller, _command: Status) -> str:
    return await status.chat_status(context, caller.chat)


async def _catchup(context: Context, caller: Caller, command: Catchup) -> str:
    return await catchup.catchup(context, caller.chat, command)


_NUMBER = Option("number", "A story's number in /list; leave out for the whole channel",
                 "number", required=False)
_WORDS = Option("words", 'Words or "quoted phrases"; a trailing * matches a prefix (sanction*)')

SPECS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "help", (Help,), lambda _args: Help(), _help, "/help",
        "The commands and an example", "/help - this message", private=True,
        # Telegram deep links send "/start PAYLOAD"; "/help filter" deserves help, not an error.
        aliases=(("start", "What this bot does, with an example"),)),
    CommandSpec(
        "subscribe", (Subscribe, tracking.Pick), tracking.parse_subscribe,
        tracking.subscribe_or_pick,
        "/subscribe https://www.rt.com/news/591750-us-strikes-iraq-syria/",
        "Follow a live story: /subscribe URL",
        "/subscribe URL - follow a live story (a live blog, a feed, a page of timestamped "
        "updates); a site's front or section page lists what can be followed there, to pick "
        "with /subscribe N", access="members", slow=True,
        options=(Option("url", "The story's address (a live blog, a feed, a page of updates),"
                        " or N from the list a front page gave"),)),
    CommandSpec(
        "track", (tracking.TrackSection,), tracking.parse_track, tracking.track,
        "/track https://www.theguardian.com/world/ukraine ukraine -sport",
        "Follow each new live page of a section: /track URL [words]",
        "/track URL [WORD...] - follow each new live page that appears on a front or section "
        "page (or a feed) whose title has any of the words (-word: not with that word); "
        "/untrack N stops", access="admins", slow=True,
        options=(Option("url", "The front or section page's (or feed's) address, or N from "
                        "the list a front page gave"),
                 Option("words", 'Title words or "quoted phrases"; -word excludes',
                        required=False))),
    CommandSpec(
        "untrack", (tracking.Untrack,), tracking.parse_untrack, tracking.untrack,
        "/untrack 1", "Stop tracking a section: /untrack N", "", access="admins",
        options=(Option("number", "The track's number under Tracking in /list", "number"),)),
    CommandSpec(
        "preview", (preview.Preview,), preview.parse, preview.preview,
        "/preview https://www.rt.com/news/591750-us-strikes-iraq-syria/",
        "What a story holds now, without following it: /preview URL",
        "/preview URL - a story's newest updates and how many it has, without following it",
        slow=True,
        options=(Option("url", "The story's address: a live blog, a feed or a page of updates"),)),
    CommandSpec(
        "unsubscribe", (Unsubscribe,), parse.unsubscribe, _unsubscribe,
        "/unsubscribe 2  (or /unsubscribe URL)", "Stop following: /unsubscribe URL or N",
        "/unsubscribe URL-or-N - stop following (N as /list numbers it)", access="members",
        options=(Option("story", "The story's number in /list, or its address",
                        complete="stories"),),
        build=options.unsubscribe),
    CommandSpec(
        "list", (ListSubscriptions,), parse.list_, _list,
        "/list  (or /list 2 for the second page)", "This chat's subscriptions, numbered",
        "/list - the stories this chat follows, with their filters", private=True,
        options=(Option("page", "Which page, when there are many", "number", required=False),),
        build=options.list_page),
    CommandSpec(
        "export", (opml.Export,), opml.parse_export, opml.run_export, "/export",
        "This chat's subscriptions as an OPML file",
        "/export - this chat's subscriptions as an OPML file, for other feed readers",
        private=True),
    CommandSpec(
        "import", (opml.Import,), opml.parse_import, opml.run_import,
        "/import  (with an OPML file attached; on the console: /import feeds.opml)",
        "Follow each feed of an OPML file sent with /import",
        "/import - follow each feed or page of an OPML file, as /subscribe does: send the "
        "file with the caption /import, or answer it with /import (console: /import PATH)",
        access="members", slow=True,
        options=(Option("file", "An OPML file: an export of storywatch or another feed reader",
                        "file"),)),
    CommandSpec(
        "catchup", (Catchup,), parse.catchup, _catchup,
        "/catchup 90m  (or /catchup 2 6h for subscription 2 alone)",
        "What happened while you were away: /catchup [N] [DURATION]",
        "/catchup [N] [DURATION] - what happened in the last 2 h (or DURATION, at most 24h) in "
        "this chat's stories (N: one story), in one message with links",
        # An LLM may take its timeout: a platform with a reply deadline defers at once.
        slow=True,
        options=(Option("number", "A story's number in /list; leave out for all of them",
                        "number", required=False),
                 Option("duration", "How far back: 90m, 6h (2h when left out, 24h at most)",
                        required=False))),
    CommandSpec(
        "filter", (FilterEdit, FilterClear, FilterList, FilterTest), parse.filter_, _filters,
        '/filter add iran "red sea" sanction*  (or /filter 1 exclude sport)',
        "Include or exclude words: /filter [N] add|exclude|remove|clear|list|test",
        "/filter [N] add WORD... - only updates with any of these words (N: one story; none: "
        "all)\n/filter [N] exclude WORD... - drop updates with any of these words\n"
        "/filter [N] remove WORD... | clear | list - edit or show the filters\n"
        "  (a number first is always a subscription's: to filter on the word 2024, "
        "/filter add 2024)\n"
        "/filter test [N] - which of the latest 10 updates the filters let through, and the "
        "word that decided each",
        access="admins", readers=(FilterList, FilterTest),
        subcommands=(
            Subcommand("add", "Only updates with any of these words", (_WORDS, _NUMBER),
                       options.filter_edit("add")),
            Subcommand("exclude", "Drop updates with any of these words", (_WORDS, _NUMBER),
                       options.filter_edit("exclude")),
            Subcommand("remove", "Remove these filter words", (_WORDS, _NUMBER),
                       options.filter_edit("remove")),
            Subcommand("clear", "Remove every filter word", (_NUMBER,), options.filter_clear),
            Subcommand("list", "Show the filter words", (_NUMBER,), options.filter_list),
            Subcommand("test", "Which of the latest updates the filters let through, and why",
                       (_NUMBER,), options.filter_test))),
    CommandSpec(
        "mute", (Mute, Unmute), parse.mute, _setting, "/mute 1h30m",
        "Hold alerts for a while: /mute 2h",
        "/mute DURATION - hold alerts (90m, 1h30m, 2d); one digest when the mute ends",
        access="admins", options=(Option("duration", "How long: 90m, 1h30m, 2d"),),
        build=options.mute),
    CommandSpec(
        "unmute", (Unmute,), parse.no_arguments("unmute", Unmute()), _setting, "/unmute",
        "Send alerts again, with a digest of what was held", "/unmute - alerts flow again",
        access="admins"),
    CommandSpec(
        "digest", (DigestOff, DigestEvery, DigestDaily), parse.digest, _setting,
        "/digest every 2h  (or /digest daily 08:00, /digest off)",
        "Batch alerts: /digest off | every 1h | daily 08:00",
        "/digest every DURATION | daily HH:MM | off - one message per period instead of one per "
        "update", access="admins",
        options=(Option("mode", "off, every DURATION, or daily at HH:MM", "choice",
                        choices=("off", "every", "daily")),
                 Option("value", "For every: 2h, 30m; for daily: 08:00", required=False)),
        build=options.digest),
    CommandSpec(
        "timezone", (SetTimezone,), parse.timezone, _setting, "/timezone Europe/London",
        "Time zone for times shown here: /timezone Europe/London",
        "/timezone ZONE - the time zone for times shown here (Europe/London, America/New_York)",
        access="admins",
        options=(Option("zone", "An IANA zone: Europe/London, America/New_York",
                        complete="zones"),)),
    CommandSpec(
        "edits", (SetEdits,), parse.edits, _setting, "/edits off  (or /edits on)",
        "Whether corrected updates edit the alert sent: /edits on|off",
        "/edits on|off - whether a corrected update edits the alert already sent",
        access="admins",
        options=(Option("setting", "on: edit alerts in place; off: leave them as sent",
                        "choice", choices=("on", "off")),),
        build=options.edits),
    CommandSpec(
        "images", (SetImages,), parse.images, _setting, "/images off  (or /images on)",
        "Whether alerts carry the update's picture: /images on|off",
        "/images on|off - whether alerts carry the update's picture (on by default)",
        access="admins",
        options=(Option("setting", "on: alerts with the update's picture; off: text only",
                        "choice", choices=("on", "off")),),
        build=options.images),
    CommandSpec(
        "successors", (successors.SetSuccessors,), successors.parse, _successors,
        "/successors off  (or /successors 2 on)",
        "Follow a story when its page ends and moves on: /successors on|off",
        "/successors [N] on|off - when a followed page ends and points to the page that "
        "continues it, follow the story there (default on)",
        access="admins",
        options=(Option("setting", "on: follow a story to its next page; off: stay on the page",
                        "choice", choices=("on", "off")), _NUMBER),
        build=successors.build),
    CommandSpec(
        "lock", (Lock,), parse.no_arguments("lock", Lock()), _setting, "/lock",
        "Only admins may subscribe or unsubscribe",
        "/lock, /unlock - whether only admins may (un)subscribe", access="admins"),
    CommandSpec(
        "unlock", (Unlock,), parse.no_arguments("unlock", Unlock()), _setting, "/unlock",
        "Members may subscribe and unsubscribe", "", access="admins"),
    CommandSpec(
        "status", (Status,), parse.no_arguments("status", Status()), _status, "/status",
        "Admins: each story's last check, next check and errors",
        "/status - (admins) mute and digest, each story's last update, checks and errors",
        access="admins", private=True),
)

BY_NAME: dict[str, CommandSpec] = {
    name: spec for spec in SPECS for name in (spec.name, *(alias for alias, _ in spec.aliases))}
BY_VALUE: dict[type, CommandSpec] = {value: spec for spec in SPECS for value in spec.values}
USAGE: dict[str, str] = {spec.name: spec.usage for spec in SPECS}
MENU: tuple[tuple[str, str], ...] = tuple(
    entry for spec in SPECS for entry in (*spec.aliases, (spec.name, spec.menu)))
"""Every command name a chat may send, with its one-line description (Telegram's menu)."""
# /help lists the commands in the order people reach for them, help last.
_HELP_ORDER = (*(spec for spec in SPECS if spec.name != "help"), BY_NAME["help"])


def _help_text(lines: Iterable[str]) -> str:
    return (
        "storywatch follows live news stories and sends you each new update as it is posted, "
        "after your keyword filters.\n\n"
        + "\n".join(lines)
        + "\n\nWords ignore case and accents and match whole words; \"quoted phrases\" and "
        "prefixes (sanction*) work too.\nExample: /subscribe https://www.rt.com/news/591750-us-"
        'strikes-iraq-syria/ then /filter add iran "red sea"')


HELP_TEXT = _help_text(spec.help for spec in _HELP_ORDER if spec.help)


def specs_for(platform: str, specs: tuple[CommandSpec, ...] = SPECS
              ) -> tuple[CommandSpec, ...]:
    """The specs of the commands that work on `platform`: its command tree."""
    return tuple(spec for spec in specs if spec.works_on(platform))


def menu_for(platform: str, specs: tuple[CommandSpec, ...] = SPECS
             ) -> tuple[tuple[str, str], ...]:
    """`MENU` without the commands that do not work on `platform` (Telegram's menu)."""
    return tuple(entry for spec in specs_for(platform, specs)
                 for entry in (*spec.aliases, (spec.name, spec.menu)))


def help_for(platform: str, specs: tuple[CommandSpec, ...] = SPECS) -> str:
    """/help on `platform`: `HELP_TEXT` told of the commands that work there alone."""
    shown = specs_for(platform, specs)
    ordered = (*(spec for spec in shown if spec.name != "help"),
               *(spec for spec in shown if spec.name == "help"))
    return _help_text(spec.help for spec in ordered if spec.help)


def spec_of(command: Command) -> CommandSpec:
    """The spec of a command value."""
    return BY_VALUE[type(command)]


def parse_command(text: str, *, bot_username: str | None = None,
                  max_chars: int = DEFAULT_ARGUMENT_CHARS) -> Command | None:
    """The command in `text`, or None when `text` is no command or one for another bot.

    "/cmd@name" is ours when `name` equals `bot_username` (ignoring case, and
    a leading "@"); with no `bot_username` any "@name" is accepted. Arguments
    longer than `max_chars` are refused before they are read.
    Raises BadArgument (reason and example) for an unknown command or bad arguments.
    """
    found = parse.split_command(text, bot_username=bot_username)
    if found is None:
        return None
    name, args = found
    parse.check_length(name, args, max_chars)
    spec = BY_NAME.get(name)
    if spec is None:
        raise BadArgument(f"unknown command /{name}; send /help for the commands")
    return spec.parse(args)
