"""The journal as a file: the backup that `ledger export --format journal` writes and
`ledger import --format journal` replays, one JSON object a line."""

import json

from ..errors import Refused
from ..journal import canonical_json, chain_digest
from ..entries import clean_entry
from .base import decode_json, json_reason

KEYS = ("seq", "prev_hash", "hash", "payload")  # of each line, in the order written


def write_journal(ledger, out):
    """Every journal entry as recorded, one JSON object a line: seq, prev_hash, hash and the
    payload's exact text. Returns how many were written."""
    count = 0
    for count, line in enumerate(ledger.journal_lines(), start=1):
        out.write(json.dumps(dict(zip(KEYS, line)), ensure_ascii=False) + "\n")
    return count


def journal_entry(line, seq, prev_hash):
    """(entry, []) of one line of an exported journal, expected to hold entry `seq` and to
    extend an entry whose stated hash is `prev_hash`; else (None, its (field, reason)
    problems). Each line is held to its neighbour's stated hash, so one altered entry is
    reported once, not with every entry after it."""
    problems = [(key, "is not a field of a journal line") for key in line if key not in KEYS]
    problems += [(key, "is required") for key in KEYS if key not in line]
    if problems:
        return None, problems
    if line["seq"] != seq or type(line["seq"]) is not int:
        return None, [("seq", f"is {line['seq']!r}: entries are seq 1, 2, 3 ... in order, and this is entry {seq}")]
    if not all(isinstance(line[key], str) for key in ("prev_hash", "hash", "payload")):
        return None, [("line", "prev_hash, hash and payload must be text")]
    if line["prev_hash"] != prev_hash:
        return None, [("prev_hash", f"is not the hash of seq {seq - 1}")]
    payload = line["payload"].encode("utf-8", errors="surrogatepass")
    if chain_digest(line["prev_hash"].encode(), payload).hex() != line["hash"]:
        return None, [("hash", "does not match prev_hash and payload")]
    try:
        entry = decode_json(line["payload"])
        written = canonical_json(clean_entry(entry))
    except (ValueError, RecursionError) as error:
        return None, [("payload", f"is not JSON: {json_reason(error)}")]
    except Refused as refused:
        return None, refused.problems
    if written != line["payload"]:
        return None, [("payload", "is not written as the ledger writes it (canonical JSON of NFC, trimmed text)")]
    return entry, []
