"""The command line's commands, every one, loaded or not: what tests that walk them all need."""

from __future__ import annotations

import click

from provenance.cli import cli


def every_command() -> dict[str, click.Command]:
    """The group, each command and each subcommand, by their words (``""``, ``"db roles"``).

    ``cli.commands`` alone would hold only the commands whose modules some
    earlier test in this process happened to load (they load on first use).
    """
    found: dict[str, click.Command] = {}
    for path in cli.command_paths():
        command: click.Command = cli
        for name in path:
            assert isinstance(command, click.Group)
            command = command.commands[name]
        found[" ".join(path)] = command
    return found
