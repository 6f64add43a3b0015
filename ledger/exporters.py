"""Writers for `ledger export`: current attributions as import records, names as written.

What these write, `ledger import` reads back into the same attributions. The JSON-LD
writers (CONTRACT section 5) read claims and fact-checkers from the ledger itself.
"""
import csv
import json

from . import claimreview
from .records import FIELDS

FORMATS = ("jsonl", "csv", "claim-jsonld", "claimreview")


def write_jsonl(records, out):
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")


def write_csv(records, out):
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)


WRITERS = {"jsonl": write_jsonl, "csv": write_csv}
LEDGER_WRITERS = {"claim-jsonld": claimreview.write_claims, "claimreview": claimreview.write_reviews}
