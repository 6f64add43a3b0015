"""The journal, the ledger's truth: canonical JSON, the hash chain, and appending entries.

Each entry is one row (seq, payload, prev_hash, hash): its payload is the entry as
canonical JSON, its hash the SHA-256 of the previous hash, a line feed and the payload.
The journal stores each hash as its 32-byte digest (prev_digest, digest), and reads it as hex
(schema.sql). An Appender extends the chain inside a write transaction and hands each row,
with its entry, to the projector that writes it with the rows derived from it
(`projections.py`).
"""

import hashlib
import json
import sqlite3

from .database import batch_insert
from .errors import Refused
from .records import FIELDS

GENESIS_DIGEST = bytes(32)  # the prev_digest of entry 1
GENESIS_HASH = GENESIS_DIGEST.hex()  # its prev_hash, 64 zeros

# Made once: json.dumps would make an encoder for every call. The text is that of
# json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False) (docs/reference.md, The journal);
# a payload holds no cycle to look for.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, check_circular=False)


def canonical_json(obj):
    return _CANONICAL.encode(obj)


# An attribution entry's keys in sorted order, each as canonical JSON writes it before its value.
_ATTRIBUTION_KEYS = tuple((key, f'"{key}":') for key in sorted((*FIELDS, "type", "recorded_at")))


_encode_text = json.encoder.encode_basestring  # how json.dumps(..., ensure_ascii=False) writes a string


def attribution_json(entry):
    """canonical_json(entry) for an attribution entry, whose values are all text: the same
    text in less time (an import writes one for every record). Any other entry
    is left to canonical_json."""
    try:
        parts = [quoted + _encode_text(entry[key]) for key, quoted in _ATTRIBUTION_KEYS if key in entry]
    except TypeError:  # a value that is not text
        return canonical_json(entry)
    return "{" + ",".join(parts) + "}" if len(parts) == len(entry) else canonical_json(entry)


def chain_digest(prev_hash, payload):
    """The digest of an entry, as the journal stores it: the SHA-256 of prev_hash (64 hex
    digits), a line feed and the payload, 32 bytes; its hash is their lower-case hex. Both
    are given as bytes (the payload in UTF-8), as an import writes them and SQLite hands them
    out to `verify`: nothing is decoded only to be encoded again."""
    return hashlib.sha256(prev_hash + b"\n" + payload).digest()


# What the attributions' search row holds of each, read from its entry: (seq, claim, quote),
# the quote '' if none.
SEARCH_TEXTS = (
    "SELECT r.seq, json_extract(j.payload, '$.claim'), coalesce(json_extract(j.payload, '$.quote'), '')"
    " FROM attribution_records AS r JOIN journal AS j ON j.seq = r.seq"
)

# The INSERT of a batch of journal rows (written with their projection rows, projections._Batch).
JOURNAL_ROWS = batch_insert("journal", ["seq"], texts=["payload"], digests=["prev_digest", "digest"])


class Appender:
    """Appends entries inside an open write transaction, each chained to the one before;
    its Projector writes them with their projection rows, in batches, and `appending()`
    writes the last batch before COMMIT."""

    def __init__(self, conn, projector):
        self.seq, tip_hash = tip(conn)
        self.digest = bytes.fromhex(tip_hash)
        self.projector = projector

    def append(self, entry, payload=None):
        """Append `entry`; `payload`, if given, is its canonical JSON in UTF-8, already written.
        The journal row is bytes until SQL (`projections._Batch`), as hashing needs them."""
        payload = payload or canonical_json(entry).encode()
        return self._chain(entry["type"], payload, self.projector.project, entry)

    def append_attribution(self, record, payload):
        """append() of the attribution entry of a checked record that anchors no quote, given
        the record and the entry's `payload`, already written: what an import appends by the
        million, without building each entry (`Projector.project_attribution`)."""
        return self._chain("attribution", payload, self.projector.project_attribution, record)

    def _chain(self, kind, payload, project, projected):
        """Chain `payload` to the newest entry, and write it with `project(row, projected)`;
        returns its seq."""
        row = (self.seq + 1, payload, self.digest, chain_digest(self.digest.hex().encode(), payload))
        try:  # not a context manager: one for every entry would cost more than the rest of this method
            project(row, projected)
        except sqlite3.IntegrityError as error:
            raise _refused(kind, error) from None
        self.seq, self.digest = row[0], row[3]
        return self.seq

    def flush(self):
        try:
            self.projector.flush()
        except sqlite3.IntegrityError as error:
            raise _refused("entry", error) from None


def _refused(kind, error):
    """A trigger's refusal, reported as refused data."""
    return Refused([(kind, str(error))])


def tip(conn):
    """(seq, hash) of the newest entry; (0, 64 zeros) for an empty journal."""
    row = conn.execute("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1").fetchone()
    return row if row else (0, GENESIS_HASH)


def digest(conn):
    """`SEQ:HASH` of the newest entry: what `ledger digest` prints."""
    return "{}:{}".format(*tip(conn))


def payload(conn, seq):
    row = conn.execute("SELECT payload FROM journal WHERE seq = ?", (seq,)).fetchone()
    return json.loads(row[0]) if row else None
