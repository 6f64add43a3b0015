"""Documents in and out (CONTRACT.md section 6): `documents`, one JSON object a line with a
document's text and metadata, so that a ledger moves whole; and `annotation`, a W3C Web
Annotation (JSON-LD) for each anchored attribution."""

import json

from ..documents import DOCUMENT_FIELDS, LONGEST_TEXT
from .text import read_jsonl

# A line of `documents` holds a text of up to LONGEST_TEXT characters, each at most 6 bytes
# as JSON (\\uXXXX), with its metadata.
LONGEST_DOCUMENT_LINE = 6 * LONGEST_TEXT + (1 << 20)


def read_documents(stream):
    """Items whose records are the documents' objects, as `ledger export --format documents`
    writes them; `Ledger.import_documents` checks each, as a document, not as a record."""
    for item in read_jsonl(stream, LONGEST_DOCUMENT_LINE):
        item.checked = True
        yield item


def write_documents(ledger, out):
    """Every document, oldest first: its text and metadata as recorded; returns how many."""
    count = 0
    for count, entry in enumerate(ledger.document_entries(), start=1):
        out.write(json.dumps({key: entry[key] for key in DOCUMENT_FIELDS if key in entry}, ensure_ascii=False) + "\n")
    return count


ANNOTATION_CONTEXT = "http://www.w3.org/ns/anno.jsonld"


def write_annotations(ledger, out):
    """A W3C Web Annotation for each current anchored attribution, one JSON-LD object a line:
    its target the passage in the document (its URL, else urn:sha256:HEX) by both
    selectors, its body the claim, the claimant, the outlet and the stance; returns how many."""
    count = 0
    for count, annotation in enumerate(ledger.annotations(), start=1):
        out.write(json.dumps(annotation, ensure_ascii=False) + "\n")
    return count


def annotation(seq, row):
    """The Web Annotation of attribution `seq`, from its `row` (attributions view columns and
    the anchor's: claim, claimant, outlet, stance, recorded_at, sha256, url, quote_start,
    quote_end, exact, prefix, suffix)."""
    return {
        "@context": ANNOTATION_CONTEXT,
        "id": f"urn:sha256:{row['sha256']}#a-{seq}",
        "type": "Annotation",
        "motivation": "describing",
        "created": row["recorded_at"],
        "body": [
            {"type": "TextualBody", "purpose": "describing", "format": "text/plain", "value": row["claim"]},
            {"type": "TextualBody", "purpose": "identifying", "value": f"claimant: {row['claimant']}"},
            {"type": "TextualBody", "purpose": "identifying", "value": f"outlet: {row['outlet']}"},
            {"type": "TextualBody", "purpose": "classifying", "value": f"stance: {row['stance']}"},
        ],
        "target": {
            "source": row["url"] or f"urn:sha256:{row['sha256']}",
            "selector": [
                {"type": "TextPositionSelector", "start": row["quote_start"], "end": row["quote_end"]},
                {"type": "TextQuoteSelector", "exact": row["exact"], "prefix": row["prefix"], "suffix": row["suffix"]},
            ],
        },
    }
