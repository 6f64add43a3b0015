"""The `ledger` command: a thin click layer over `ledger.db.Ledger`.

Exit status: 0 success, 1 data refused or a check failed (nothing written), 2 wrong usage.
Datasette is imported only by `serve`, so appending commands start quickly.
"""

import sys
import time

import click

from .. import formats
from ..db import Ledger
from ..formats.claimreview import why_nothing_written
from ..records import FIELD_HELP, FIELDS, REQUIRED
from . import reading
from .common import _open, _report_import, _run, _warn_of_a_close_claim
from .documents import document
from .suggest import suggest

PROGRESS_EVERY = 10_000


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    envvar="LEDGER_DB",
    default="ledger.db",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="The ledger database (else $LEDGER_DB, else ./ledger.db).",
)
@click.version_option(package_name="ledger")
@click.pass_context
def cli(ctx, db):
    """A source-attribution fact ledger: who said what, where, when, and who disputes it."""
    ctx.obj = {"db": db}


@cli.command()
@click.pass_context
def init(ctx):
    """Create the ledger from schema.sql; an existing ledger is left unchanged."""
    with _run(lambda: Ledger(ctx.obj["db"], create=True)) as ledger:
        click.echo(f"{ctx.obj['db']}: {'created' if ledger.created else 'already a ledger; nothing changed'}")


def _record_options(required):
    """The record's fields as options; `required` makes the required ones mandatory."""

    def decorate(command):
        for field in reversed(FIELDS):
            command = click.option(f"--{field}", required=required and field in REQUIRED, help=FIELD_HELP[field])(
                command
            )
        return command

    return decorate


@cli.command()
@_record_options(required=True)
@click.pass_context
def add(ctx, **fields):
    """Append one attribution and print its id (the existing id if it is already recorded).

    A new claim within a few characters of a recorded one (an accent, a typo) is still
    recorded, and named on standard error beside that claim: correct it if they are one claim.
    """
    with _open(ctx, create=True) as ledger:
        seq, new = _run(lambda: ledger.add({k: v for k, v in fields.items() if v is not None}))
        _warn_of_a_close_claim(ledger.close_claim(seq) if new else None)
    if not new:
        click.echo(f"already recorded as attribution {seq}", err=True)
    click.echo(seq)


@cli.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--format", "fmt", type=click.Choice(formats.IMPORT_FORMATS), help="Default: from the file's ending.")
@click.option(
    "--progress",
    is_flag=True,
    help=f"Write a line to standard error for every {PROGRESS_EVERY:,} records read, before they are committed "
    "(without it, a terminal gets one line, redrawn, once the import has run a while).",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help='Print one JSON object: {"file", "new", "existing", "id_ranges": [[first, last], ...], '
    '"new_claims", "close_claims": [{"attribution", "claim", "close_id", "close_text", "edits"}]}.',
)
@click.pass_context
def import_(ctx, file, fmt, progress, as_json):
    """Append every record of FILE (- for standard input) in one transaction: all or nothing.

    Prints how many records were new, with the ids of the new attributions (ranges where
    they follow one another), and how many were already recorded.

    \b
    Formats: csv, jsonl (also .ndjson), json (an array), claimreview (.jsonld) by the file's
    ending; journal (.journal.jsonl) is what `ledger export --format journal` wrote, the
    backup: it is replayed into an empty ledger entry for entry, hash for hash, history and
    all, and refused into a non-empty one. Records written by `export --all` carry their
    status: the current ones import, and a retracted or superseded one is refused.

    CSV has a header row of field names, separated by commas, or by semicolons or tabs
    (as spreadsheets in many European locales save it): the header row tells which.

    The import's first new claims are compared with the claims recorded before them: one
    within a few characters of a recorded claim (a typo, a missing accent) is named on
    standard error, for you to correct if it is that claim.
    """
    if fmt is None and (file == "-" or formats.format_of(file) is None):
        raise click.UsageError(f"cannot tell the format of {file!r}: give --format")
    watch = _progress_lines if progress else _progress_redrawn if sys.stderr.isatty() else None
    with _open(ctx, create=True) as ledger:
        result = _run(lambda: ledger.import_file(file, fmt, watch=watch))
        if isinstance(result, int):  # a journal, replayed
            click.echo(f"{file}: {result} journal entries replayed; digest {ledger.digest()}")
            return
    _report_import(file, result, as_json)


def _progress_lines(items, size):
    """The items, with a line on standard error for every PROGRESS_EVERY read. Each line is
    written before the records it counts are committed, so a script (or a test) that reads
    it knows the import is still under way."""
    for count, item in enumerate(items, start=1):
        if count % PROGRESS_EVERY == 0:
            click.echo(f"importing: {count:,} records read", err=True)
        yield item


def _progress_redrawn(items, size, after_seconds=2.0):
    """The items of a CheckedInWorker (of a file of `size` bytes), drawing a progress line on
    standard error once the import has run a while; other items as they are."""
    if size is None:
        return items
    return _redrawn(items, size, after_seconds)


def _redrawn(items, size, after_seconds):
    start, drawn = time.monotonic(), False
    for count, item in enumerate(items, start=1):
        if count % 1000 == 0 and time.monotonic() - start > after_seconds:
            percent = 100 * items.position // max(size, 1)
            click.echo(f"\rimporting: {percent:3d}%, {count:,} records read", err=True, nl=False)
            drawn = True
        yield item
    if drawn:
        click.echo(err=True)


@cli.command()
@click.argument("name")
@click.option("--of", "canonical", required=True, help="The canonical name NAME stands for.")
@click.pass_context
def alias(ctx, name, canonical):
    """Record that NAME is another name of CANONICAL (for every attribution, earlier or later)."""
    with _open(ctx, create=True) as ledger:
        seq = _run(lambda: ledger.alias(name, canonical))
    click.echo(seq if seq else f"{name} is already an alias of {canonical}")


@cli.command(name="fact-checker")
@click.argument("name")
@click.pass_context
def fact_checker(ctx, name):
    """Record that the outlet NAME is a fact-checker."""
    with _open(ctx, create=True) as ledger:
        seq = _run(lambda: ledger.fact_checker(name))
    click.echo(seq if seq else f"{name} is already a fact-checker")


@cli.command()
@click.argument("id", type=int)
@click.option("--reason", required=True, help="Why the attribution is withdrawn.")
@click.pass_context
def retract(ctx, id, reason):
    """Record that attribution ID is withdrawn."""
    with _open(ctx) as ledger:
        click.echo(_run(lambda: ledger.retract(id, reason)))


@cli.command()
@click.argument("id", type=int)
@click.option("--reason", required=True, help="Why the attribution is corrected.")
@_record_options(required=False)
@click.pass_context
def correct(ctx, id, reason, **fields):
    """Record an attribution that supersedes ID: ID's fields with the given ones changed; prints the new id.

    An empty value (--speaker "") clears an optional field. A new wording within a few
    characters of another recorded claim is named on standard error, as `add` does.
    """
    with _open(ctx) as ledger:
        seq = _run(lambda: ledger.correct(id, reason, {k: v for k, v in fields.items() if v is not None}))
        _warn_of_a_close_claim(ledger.close_claim(seq))
    click.echo(seq)


@cli.command()
@click.option("--digest", help="SEQ:HASH taken earlier: also check that entry SEQ still has HASH.")
@click.pass_context
def verify(ctx, digest):
    """Check the hash chain, the protecting triggers and every projection row."""
    with _open(ctx) as ledger:
        count, head = _run(lambda: ledger.verify(digest))
    click.echo(f"ok: {count} entries, chain and projections verified; head {count}:{head}")


@cli.command()
@click.pass_context
def digest(ctx):
    """Print SEQ:HASH of the newest journal entry."""
    with _open(ctx) as ledger:
        click.echo(ledger.digest())


@cli.command()
@click.option("--format", "fmt", type=click.Choice(formats.EXPORT_FORMATS), default="jsonl", show_default=True)
@click.option(
    "--all",
    "include_all",
    is_flag=True,
    help="Include retracted and superseded attributions, each record with its status (a view, not a backup).",
)
@click.option(
    "--output",
    type=click.Path(file_okay=False),
    help="The folder that parquet writes (the other formats write to standard output).",
)
@click.option("--overwrite", is_flag=True, help="Replace the --output folder if it holds anything.")
@click.pass_context
def export(ctx, fmt, include_all, output, overwrite):
    """Write the current attributions as import records, names as written.

    \b
    jsonl and csv: import records (export, then import into a new ledger, gives the same
    current attributions); with --all every attribution, each with its `status`.
    claim-jsonld: each claim as a schema.org Claim; claimreview: each fact-checker's
    current stance as a ClaimReview.
    journal: the backup. Every journal entry as recorded (aliases, retractions,
    corrections, fact-checkers), which `ledger import --format journal` replays into an
    empty ledger with the same entries and hashes. The other formats are views: they
    leave the history out.
    parquet: the whole ledger as a folder of Parquet files, --output DIR, for DuckDB, Spark
    or BigQuery: DIR/attributions (every one with its status, names canonical and as written,
    partitioned by year and month of its date), DIR/claims, DIR/documents and DIR/journal.
    A folder that holds anything is refused unless --overwrite, which replaces it whole.
    """
    format_ = formats.FORMATS[fmt]
    if include_all and format_.write_all is None:
        raise click.UsageError(f"--all does not apply to --format {fmt}")
    if format_.write_folder and output is None:
        raise click.UsageError(f"--format {fmt} writes a folder: give --output DIR")
    if output is not None and not format_.write_folder:
        folders = ", ".join(name for name, other in formats.FORMATS.items() if other.write_folder)
        raise click.UsageError(f"--output applies to the formats that write a folder ({folders}), not to {fmt}")
    if overwrite and output is None:
        raise click.UsageError("--overwrite applies to --output only")
    with _open(ctx) as ledger:
        if output is not None:
            counts = _run(lambda: format_.write_folder(ledger, output, overwrite))
            click.echo(
                f"{output}: "
                + ", ".join(f"{table}/ {count:,} row{'s' * (count != 1)}" for table, count in counts.items())
            )
            return
        written = (format_.write_all if include_all else format_.write)(ledger, sys.stdout)
        if written == 0 and fmt in ("claimreview", "claim-jsonld"):  # still valid JSON: say why it is empty
            click.echo(f"nothing written: {why_nothing_written(ledger)}", err=True)


@cli.command()
@click.argument("target", type=click.Path(dir_okay=False))
@click.pass_context
def rebuild(ctx, target):
    """Replay the journal into a new ledger file TARGET, rebuilding every projection from it."""
    with _open(ctx) as ledger:
        count = _run(lambda: ledger.rebuild(target))
    click.echo(f"{target}: rebuilt from {count} journal entries")


# On a large ledger the default facets and the claims view take longer than Datasette's
# defaults allow (docs/benchmarks.md), and suggested facets would try every column of every
# view on each page.
SERVE_SETTINGS = {"facet_time_limit_ms": 1000, "sql_time_limit_ms": 3000, "suggest_facets": "off"}


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback by default).")
@click.option("--port", default=8001, show_default=True, type=int)
@click.option(
    "--immutable",
    is_flag=True,
    help="Serve a snapshot with Datasette's immutable mode: the file must not change while served.",
)
@click.pass_context
def serve(ctx, host, port, immutable):
    """Publish the ledger with Datasette, read-only, under its file name without .db.

    The package's Datasette plugin supplies the facets, search, canned queries and
    claim pages; Datasette opens the file read-only (or immutable) and has no write API.
    """
    from datasette import cli as datasette_cli

    path = ctx.obj["db"]
    _open(ctx).close()  # refuse a missing file or one that is not a ledger
    settings = [arg for name, value in SERVE_SETTINGS.items() for arg in ("--setting", name, str(value))]
    database = ["-i", path] if immutable else [path]
    datasette_cli.cli.main(
        ["serve", "--host", host, "--port", str(port), *settings, *database], prog_name="ledger serve"
    )


cli.add_command(document)
cli.add_command(suggest)
for command in reading.COMMANDS:
    cli.add_command(command)
