"""What every command shares: refusals as exit status 1 with their reasons, and opening the ledger."""

import json

import click

from ..db import Ledger
from ..errors import ImportRefused, LedgerError, Refused


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
