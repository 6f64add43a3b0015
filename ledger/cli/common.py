"""What every command shares: refusals as exit status 1 with their reasons, and opening the ledger."""

import dataclasses
import json

import click

from ..close_claims import CLAIMS_COMPARED
from ..db import Ledger
from ..errors import ImportRefused, LedgerError, Refused
from ..records import preview


class Failure(click.ClickException):
    exit_code = 1

    def show(self, file=None):
        click.echo(self.format_message(), err=True)


def _run(action):
    """Run `action`, turning the ledger's refusals into exit status 1 with their reasons."""
    try:
        return action()
    except ImportRefused as refused:
        raise Failure(f"{len(refused.problems)} bad record(s); nothing was imported:\n" + "\n".join(refused.problems))
    except Refused as refused:
        raise Failure("\n".join(f"{field}: {reason}" for field, reason in refused.problems))
    except LedgerError as error:
        raise Failure(str(error))


def _open(ctx, create=False):
    """The ledger; one that this command creates is announced on standard error, as a
    mistyped --db would otherwise go unnoticed (standard output keeps to the command's result)."""
    ledger = _run(lambda: Ledger(ctx.obj["db"], create=create))
    if ledger.created:
        click.echo(f"{ctx.obj['db']}: created", err=True)
    return ledger


def table(columns, rows, widest=48):
    """An aligned table: a header, then a line a row; a cell beyond `widest` characters ends in …,
    but in the last column, which nothing follows."""
    cells = [list(columns)] + [
        [
            cell if len(cell) <= widest or place == len(row) - 1 else cell[: widest - 1] + "…"
            for place, cell in enumerate(row)
        ]
        for row in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in cells)


def echo_rows(rows, columns, as_json, cell=lambda row, column: row[column]):
    """A list of rows as JSON Lines (every field), or as an aligned table of `columns`, each
    cell `cell(row, column)` as text (None: empty)."""
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
    elif rows:
        click.echo(
            table(columns, [["" if cell(row, c) is None else str(cell(row, c)) for c in columns] for row in rows])
        )


def _warn_of_a_close_claim(close):
    """Three lines on standard error when a new claim is close to one recorded before (a
    CloseClaim): the person decides whether it is that claim, which `correct` would make it."""
    if close is None:
        return
    if close.edits == 0:
        apart = f"which differs from claim {close.close_id} only in accents or punctuation"
    else:
        apart = f"{close.edits} character{'s' if close.edits > 1 else ''} from claim {close.close_id}"
    labels = ("new:", f"claim {close.close_id}:")
    width = max(map(len, labels))
    click.echo(
        f"warning: attribution {close.attribution} records a new claim, {apart} "
        f"(correct {close.attribution} if it is that claim):",
        err=True,
    )
    for label, text in zip(labels, (close.claim, close.close_text)):
        click.echo(f"  {label:<{width}} {preview(text, 200)}", err=True)


def _report_import(file, result, as_json):
    """The import's line (or JSON object) on standard output; its close claims on standard error."""
    if as_json:
        click.echo(
            json.dumps(
                {
                    "file": file,
                    "new": result.new,
                    "existing": result.existing,
                    "id_ranges": result.id_ranges,
                    "new_claims": result.new_claims,
                    "close_claims": [dataclasses.asdict(close) for close in result.close_claims],
                },
                ensure_ascii=False,
            )
        )
    else:
        click.echo(f"{file}: {result.new} new{_ids_in_brackets(result.id_ranges)}, {result.existing} already recorded")
    for close in result.close_claims[:CLOSE_CLAIMS_SHOWN]:
        _warn_of_a_close_claim(close)
    if len(result.close_claims) > CLOSE_CLAIMS_SHOWN:
        click.echo(
            f"warning: {len(result.close_claims) - CLOSE_CLAIMS_SHOWN} more new claims are close to claims "
            "recorded before them (import --json lists them all)",
            err=True,
        )
    if result.new_claims > CLAIMS_COMPARED:
        click.echo(
            f"note: the first {CLAIMS_COMPARED} of the {result.new_claims} new claims were compared with "
            "the claims recorded before them",
            err=True,
        )


CLOSE_CLAIMS_SHOWN = 5  # three lines each
# More ranges than this make a line nobody reads: the first and last ids are given instead.
IDS_SHOWN = 5


def _ids_in_brackets(id_ranges):
    """` (ids 24-26, 28-30)` for the [first, last] pairs, or nothing for none."""
    if not id_ranges:
        return ""
    if len(id_ranges) > IDS_SHOWN:
        return f" (ids {id_ranges[0][0]} to {id_ranges[-1][1]} in {len(id_ranges)} ranges: --json lists them)"
    one = len(id_ranges) == 1 and id_ranges[0][0] == id_ranges[0][1]
    shown = ", ".join(str(first) if first == last else f"{first}-{last}" for first, last in id_ranges)
    return f" ({'id' if one else 'ids'} {shown})"
