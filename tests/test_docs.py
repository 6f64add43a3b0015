"""docs/reference.md names every command with each of its options, every record field and
every type of journal entry (as sqlite-utils' own tests/test_docs.py does for its commands)."""

import re

import click
import pytest

from ledger.cli import cli
from ledger.entries import ENTRY_TYPES
from ledger.records import FIELDS, STANCES

from .helpers import ROOT

REFERENCE = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")


def commands(group=cli, prefix="ledger"):
    for name, command in group.commands.items():
        yield f"{prefix} {name}", command
        if isinstance(command, click.Group):
            yield from commands(command, f"{prefix} {name}")


def section(title):
    """The text under the heading `### `title``, to the next heading."""
    match = re.search(rf"^### `{re.escape(title)}`\n(.*?)(?=^#|\Z)", REFERENCE, re.MULTILINE | re.DOTALL)
    return match and match.group(1)


@pytest.mark.parametrize("name,command", list(commands()), ids=[name for name, _ in commands()])
def test_every_command_and_its_options_are_documented(name, command):
    text = section(name)
    assert text, f"docs/reference.md has no section ### `{name}`"
    for parameter in command.params:
        for option in parameter.opts:
            if option.startswith("--") and option != "--help":
                assert option in text, f"{name}: {option} is not documented"


@pytest.mark.parametrize("field", FIELDS)
def test_every_record_field_is_documented(field):
    assert f"| `{field}` |" in REFERENCE


@pytest.mark.parametrize("kind", ENTRY_TYPES)
def test_every_entry_type_is_documented(kind):
    assert f"| `{kind}` |" in REFERENCE


@pytest.mark.parametrize("stance", STANCES)
def test_every_stance_is_documented(stance):
    assert f"| `{stance}` |" in REFERENCE
