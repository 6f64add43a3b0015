"""`ledger document`: add, list and show the documents in which attributions are read."""

import json

import click

from ..documents import read_document_file
from ..errors import Refused
from .common import Failure, _open, _run, echo_rows

METADATA_HELP = {
    "url": "http(s) address of the document (a page's own, if it states one).",
    "outlet": "The publication or channel that published it.",
    "title": "Its title (a page's own, if it states one).",
    "date": "When it was published: YYYY-MM-DD, or with a time and Z or an offset (a page's own, if it states one).",
    "language": "Its language as a BCP 47 tag: en, zh, pt-BR.",
    "translation_of": "The document it translates: an id or sha256 in this ledger, or the http(s) address of an"
    " original not stored.",
    "translated_by": "Who translated it: a name, or `machine`.",
}


@click.group()
def document():
    """The texts in which attributions are read (docs/documents.md)."""


def _metadata_options(command):
    for field in reversed(METADATA_HELP):
        command = click.option(f"--{field.replace('_', '-')}", field, help=METADATA_HELP[field])(command)
    return command


@document.command(name="add")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@_metadata_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "html"]),
    help="Default: html for a file ending .html, .htm or .xhtml, else text. A page keeps its main text.",
)
@click.pass_context
def add(ctx, files, fmt, **metadata):
    """Add each FILE as a document, all or none; print each one's id. A text the ledger holds
    already is not added again: its id is printed. Plain text is kept as it is, after NFC
    and line feeds for line ends, so offsets in the file hold in the ledger."""
    given = {field: value for field, value in metadata.items() if value is not None}
    read = []
    for file in files:
        try:
            text, stated = read_document_file(file, fmt)
        except Refused as refused:
            raise Failure("\n".join(f"{file}: {field}: {reason}" for field, reason in refused.problems)) from None
        read.append((text, {**stated, **given}))
    with _open(ctx, create=True) as ledger:
        for seq, _ in _run(lambda: ledger.add_documents(read)):
            click.echo(seq)


@document.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line.")
@click.pass_context
def list_(ctx, as_json):
    """The documents, oldest first, with how many attributions name each."""
    with _open(ctx) as ledger:
        rows = ledger.documents()
    columns = ("id", "sha256", "title", "outlet", "date", "language", "attributions")
    echo_rows(rows, columns, as_json, cell=lambda row, column: row[column][:12] if column == "sha256" else row[column])


@document.command(name="show")
@click.argument("id")
@click.option("--json", "as_json", is_flag=True, help="One JSON object: the metadata, the text and the anchors.")
@click.pass_context
def show(ctx, id, as_json):
    """Document ID (or sha256): its metadata, then its text with each anchored quote marked
    ⟦SEQ⟧…⟦/SEQ⟧, SEQ the attribution's id."""
    with _open(ctx) as ledger:
        shown = _run(lambda: ledger.document(id))
    if as_json:
        click.echo(json.dumps(shown, ensure_ascii=False))
        return
    for field, value in shown.items():
        if field not in ("text", "anchors") and value is not None:
            click.echo(f"{field}: {value}")
    click.echo()
    click.echo(marked(shown["text"], shown["anchors"]))


def marked(text, anchors):
    """`text` with ⟦SEQ⟧ before and ⟦/SEQ⟧ after the passage of each anchor."""
    marks = sorted(
        [(anchor["quote_start"], 1, f"⟦{anchor['attribution']}⟧") for anchor in anchors]
        + [(anchor["quote_end"], 0, f"⟦/{anchor['attribution']}⟧") for anchor in anchors]
    )
    parts, at = [], 0
    for place, _, mark in marks:
        parts += [text[at:place], mark]
        at = place
    return "".join(parts) + text[at:]
