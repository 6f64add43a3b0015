"""Writers for `ledger export`: current attributions as import records, names as written,
and the journal itself.

What these write, `ledger import` reads back into the same attributions. The JSON-LD
writers (CONTRACT section 5) read claims and fact-checkers from the ledger itself. Only
`journal` is a backup: every entry as recorded (aliases, retractions, corrections and
fact-checkers too), which `ledger import --format journal` replays into an empty ledger
hash for hash. The others are views of what is current.
"""
import csv
import json

from . import claimreview
from .db import JOURNAL_LINE_KEYS
from .records import FIELDS

FORMATS = ("jsonl", "csv", "claim-jsonld", "claimreview", "journal")


def write_jsonl(records, out):
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")


def write_csv(records, out):
    """A header row, then a row a record; a `status` column where the records carry it (--all)."""
    records = iter(records)
    first = next(records, None)
    fields = (*FIELDS, "status") if first and "status" in first else FIELDS
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    if first:
        writer.writerow(first)
    writer.writerows(records)


def write_journal(ledger, out):
    """Every journal entry as recorded, one JSON object a line: seq, prev_hash, hash and the
    payload's exact text."""
    for line in ledger.journal_lines():
        out.write(json.dumps(dict(zip(JOURNAL_LINE_KEYS, line)), ensure_ascii=False) + "\n")


WRITERS = {"jsonl": write_jsonl, "csv": write_csv}
LEDGER_WRITERS = {"claim-jsonld": claimreview.write_claims, "claimreview": claimreview.write_reviews,
                  "journal": write_journal}
