"""`ledger suggest`: propose the attributions in a stored document, for a person to review
and import (CONTRACT section 8, docs/suggest.md)."""

import json

import click

from ..formats.base import Item
from ..suggest import suggestions
from ..suggest.words import reads_english
from .common import Failure, _open, _report_import, _run

SHOWN_FIELDS = ("claim", "speaker", "outlet", "via", "date", "stance", "quote", "note")


@click.command()
@click.argument("document")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["records", "spans"]),
    default="records",
    show_default=True,
    help="records: import records (JSON Lines) that `ledger import` takes as they are; spans: the"
    " code-point spans of content, cue, source and resolved name that each rests on.",
)
@click.option(
    "--review",
    is_flag=True,
    help="Show each suggestion and ask: accept, edit (in $EDITOR), skip or quit; what was accepted"
    " is imported at the end in one transaction.",
)
@click.pass_context
def suggest(ctx, document, fmt, review):
    """Propose the attributions in DOCUMENT (an id or sha256): who said what, the cue, the
    stance, and the outlet it was read in when the source is itself one. Nothing is written
    unless --review is given and suggestions are accepted. English only: a document in
    another language is named on standard error, and nothing is proposed."""
    with _open(ctx) as ledger:
        shown, proposed = _run(lambda: suggestions(ledger, document))
        if not reads_english(shown["text"], shown["language"]):
            language = shown["language"] or "a language other than English"
            click.echo(f"document {shown['id']} is in {language}: ledger suggest reads English only", err=True)
            return
        for field in ("outlet", "date"):
            if shown[field] is None:
                click.echo(
                    f"warning: document {shown['id']} has no {field}: give each suggestion one before importing it",
                    err=True,
                )
        if review:
            _review(ledger, shown, proposed)
            return
        for suggestion in proposed:
            line = suggestion.spans() if fmt == "spans" else suggestion.record(shown)
            click.echo(json.dumps(line, ensure_ascii=False))


def _review(ledger, document, proposed):
    """One suggestion at a time: accept, edit, skip or quit; then import what was accepted,
    all or nothing. Standard input closing aborts (exit 1) with nothing written."""
    accepted = []
    for number, suggestion in enumerate(proposed, start=1):
        record = suggestion.record(document)
        click.echo(f"\nsuggestion {number}:")
        for field in SHOWN_FIELDS:
            if record.get(field) is not None:
                click.echo(f"  {field}: {record[field]}")
        answer = click.prompt(
            "accept, edit, skip or quit? [a/e/s/q]", type=click.Choice(["a", "e", "s", "q"]), show_choices=False
        )
        if answer == "q":
            break
        if answer == "e":
            record = _edited(record)
        if answer in "ae" and record is not None:
            accepted.append(record)
    if not accepted:
        click.echo("nothing accepted; nothing written")
        return
    items = [Item(number, record=record) for number, record in enumerate(accepted, start=1)]
    _report_import("review", _run(lambda: ledger.import_items(items, source="review")), as_json=False)


def _edited(record):
    """The record as the person leaves it in $EDITOR; None (skipped) if they save nothing.
    A record that is not a JSON object is shown again until it is one."""
    text = json.dumps(record, ensure_ascii=False, indent=2)
    while True:
        text = click.edit(text, extension=".json")
        if text is None or not text.strip():
            click.echo("not saved: skipped")
            return None
        try:
            edited = json.loads(text)
        except json.JSONDecodeError as error:
            edited, problem = None, f"not JSON ({error})"
        else:
            problem = None if isinstance(edited, dict) else "not a JSON object"
        if problem is None:
            return edited
        if not click.confirm(f"the record is {problem}; edit it again?", default=True):
            raise Failure("review stopped: nothing written")
