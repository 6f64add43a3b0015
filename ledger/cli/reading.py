"""Reading from the terminal: `show`, `claims`, `search` and `log`, each an aligned table (or
fields) by default and JSON on request (`--json`), exit 1 for an unknown id."""

import json

import click

from .common import _open, _run, echo_rows


def _json_option(command):
    return click.option("--json", "as_json", is_flag=True, help="JSON: one object, or one a line for a list.")(command)


def _limit_option(default):
    return click.option("--limit", type=click.IntRange(min=1), default=default, help="At most this many.")


@click.command()
@click.argument("id", type=int)
@_json_option
@click.pass_context
def show(ctx, id, as_json):
    """Attribution ID: its fields as written and its names canonical, its status, its claim,
    document and quote, and what retracted or superseded it."""
    with _open(ctx) as ledger:
        shown = _run(lambda: ledger.show(id))
    if as_json:
        click.echo(json.dumps(shown, ensure_ascii=False))
        return
    canonical = shown.pop("canonical")
    for field, value in shown.items():
        if isinstance(value, dict):  # retracted_by, superseded_by, corrects
            value = f"{value['id']} ({value['reason']})"
        elif field in canonical and canonical[field] not in (None, value):
            value = f"{value} (canonical: {canonical[field]})"
        click.echo(f"{field}: {value}")


@click.command()
@click.option("--contested", is_flag=True, help="Only claims both asserted and disputed.")
@click.option("--search", help="Only claims whose words match these (full text; a word finds longer words it begins).")
@_limit_option(None)
@_json_option
@click.pass_context
def claims(ctx, contested, search, limit, as_json):
    """The claims with their counts of current attributions by stance, most attributions first."""
    with _open(ctx) as ledger:
        rows = _run(lambda: ledger.claims(contested=contested, search=search, limit=limit))
    echo_rows(rows, ("id", "attributions", "asserts", "reports", "questions", "disputes", "text"), as_json)


@click.command()
@click.argument("text")
@_limit_option(20)
@_json_option
@click.pass_context
def search(ctx, text, limit, as_json):
    """The attributions whose claim or quote matches the words of TEXT, best first."""
    with _open(ctx) as ledger:
        rows = _run(lambda: ledger.search(text, limit=limit))
    echo_rows(rows, ("id", "status", "date", "stance", "claimant", "outlet", "claim"), as_json)


@click.command()
@_limit_option(20)
@_json_option
@click.pass_context
def log(ctx, limit, as_json):
    """The newest journal entries, newest first: seq, type, recorded_at, hash prefix, summary."""
    with _open(ctx) as ledger:
        rows = ledger.log(limit=limit)
    echo_rows(rows, ("seq", "type", "recorded_at", "hash", "summary"), as_json)


COMMANDS = (show, claims, search, log)
