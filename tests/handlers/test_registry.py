"""The command registry: every command once, and everything that lists commands made from it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.core.errors import BadArgument
from handlers.command_values import FilterList, Help, ListSubscriptions
from handlers.commands import NOT_ADMIN
from handlers.registry import (
    BY_NAME,
    HELP_TEXT,
    MENU,
    SPECS,
    USAGE,
    CommandSpec,
    help_for,
    menu_for,
    parse_command,
    spec_of,
    specs_for,
)
from tests.handlers.conftest import Commands, caller


def test_every_command_is_in_the_help_the_menu_and_the_parser_table() -> None:
    """/help names every command, the menu offers each (and /start), and each parses."""
    names = [spec.name for spec in SPECS]
    assert len(set(names)) == len(names)
    assert [name for name, _ in MENU] == ["start", *names]
    for name in names:
        assert f"/{name}" in HELP_TEXT
        assert BY_NAME[name].name == name
    assert parse_command("/start anything") == Help()


def test_a_command_for_one_platform_is_offered_there_alone() -> None:
    """A spec naming its platforms is in their menu, tree and /help, and nowhere else."""
    here = replace(BY_NAME["export"], platforms=("console",))
    everywhere = BY_NAME["list"]
    specs = (here, everywhere)

    assert specs_for("console", specs) == specs
    assert specs_for("telegram", specs) == (everywhere,)
    assert menu_for("telegram", specs) == (("list", everywhere.menu),)
    assert "/export" in help_for("console", specs)
    assert "/export" not in help_for("discord", specs)
    assert "/list" in help_for("discord", specs)


def test_every_command_works_on_every_platform_now() -> None:
    """/export and /import send and take files everywhere: no command is console-only."""
    for platform in ("telegram", "discord", "console"):
        assert specs_for(platform) == SPECS
        assert menu_for(platform) == MENU
        assert help_for(platform) == HELP_TEXT
    assert "(console)" not in HELP_TEXT
    assert not any("(console)" in about for _, about in MENU)


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_each_usage_line_is_a_command_of_its_own_spec(spec: CommandSpec) -> None:
    """The example in a usage line parses, to a value of the spec that shows it."""
    command = parse_command(USAGE[spec.name].split("  (")[0])
    assert command is not None and spec_of(command) is spec


def test_options_become_the_same_values_as_text() -> None:
    """A command given by named options is the command its text form gives."""
    assert BY_NAME["list"].from_options({"page": 2}, 100) == ListSubscriptions(2)
    assert (BY_NAME["subscribe"].from_options({"url": " example.com/live "}, 100)
            == parse_command("/subscribe example.com/live"))
    assert (BY_NAME["timezone"].from_options({"zone": "europe/paris"}, 100)
            == parse_command("/timezone Europe/Paris"))
    with pytest.raises(BadArgument, match="over 10 characters"):
        BY_NAME["subscribe"].from_options({"url": "https://example.com/live"}, 10)


def test_readers_are_for_everyone_and_private() -> None:
    """/filter list is open to members and private; /filter add is for admins, in public."""
    spec = BY_NAME["filter"]
    assert spec.access_to(FilterList(None)) == "anyone" and spec.is_private(FilterList(None))
    edit = parse_command("/filter add x")
    assert edit is not None and spec.access_to(edit) == "admins" and not spec.is_private(edit)


@pytest.mark.parametrize("spec", [spec for spec in SPECS if spec.access == "admins"],
                         ids=lambda spec: spec.name)
async def test_admin_commands_refuse_members(commands: Commands, spec: CommandSpec) -> None:
    """Every admin command's usage example, sent by a member, is refused with one line."""
    command = parse_command(USAGE[spec.name].split("  (")[0])
    assert command is not None and spec.access_to(command) == "admins"
    reply = await commands.layer.run(caller(admin=False), command)
    assert reply is not None and reply.text == NOT_ADMIN
