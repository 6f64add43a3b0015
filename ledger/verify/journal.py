"""The journal read again, entry by entry: each entry's place in the chain and its hash, its
payload (payloads.py), and the attribution and anchors rows projected of it."""

import functools
import json
import sqlite3
import sys

from ..database import connect
from ..documents import fold_quote
from ..errors import ChainBroken
from ..journal import GENESIS_DIGEST, chain_digest
from ..migration import refuse_hex_hashes
from ..records import claim_key
from .payloads import plain_attribution, read_payload

ENTRY_TABLES = {
    "attribution": "attribution_records",
    "correction": "corrections",  # and attribution_records, like an attribution
    "retraction": "retractions",
    "alias": "name_aliases",
    "fact_checker": "fact_checkers",
    "document": "document_records",
}


def newest_seq(conn):
    return conn.execute("SELECT coalesce(max(seq), 0) FROM journal").fetchone()[0]


def check_chain(conn):
    """Re-check every entry's place and hash, and nothing else; returns (count, head hash) or
    raises ChainBroken."""
    refuse_hex_hashes(conn)
    newest = newest_seq(conn)
    _, head, problem, _ = check_journal(conn, 1, newest, payloads=False)
    if problem:
        raise ChainBroken(problem)
    return newest, (head or GENESIS_DIGEST).hex()


# Each entry with its attribution_records row, if any. Read as bytes: each payload is hashed
# and parsed as its UTF-8 bytes, and decoding it to text first would cost much of the check;
# the hashes as the digests stored (bytes even where a forger wrote text), not as their hex.
_ENTRIES = """SELECT j.seq, CAST(j.payload AS BLOB), CAST(j.prev_digest AS BLOB), CAST(j.digest AS BLOB),
                     r.claim_id, r.outlet_id, r.speaker_id, r.via_id, r.date, r.stance
              FROM journal AS j LEFT JOIN attribution_records AS r ON r.seq = j.seq
              WHERE j.seq BETWEEN ? AND ? ORDER BY j.seq"""


def check_journal(conn, first, last, payloads=True):
    """Entries `first` to `last`, in order: each one's place and hash, the link from entry 1
    to the genesis hash and, with `payloads`, each payload and what was projected of it.
    Returns (prev_digest of entry `first` or None if there is none, digest of the last entry
    read, the first problem of the journal itself, the first problem of a projection), None
    for no problem; the caller, who has read the entry before `first`, checks the link to
    it. The journal is read to its end after a projection problem, as any problem of its
    own is reported first."""
    projected = _Projected(conn, first, last) if payloads else None
    # Bound once, not looked up at each entry.
    claim_of, name_of, anchor_of = (
        (projected.claims.get, projected.names.get, projected.anchors.get) if payloads else ({}.get,) * 3
    )
    span_prev_digest = prev = projection_problem = None
    seq = first - 1
    # This loop is most of the check's time: a plain attribution whose row matches it costs
    # one regular expression and one comparison of tuples; all else is _Projected.problem's.
    for row in conn.execute(_ENTRIES, (first, last)):
        seq += 1
        found_seq, payload, prev_digest, digest, claim_id, outlet_id, speaker_id, via_id, date, stance = row
        if prev is None:
            span_prev_digest = prev = GENESIS_DIGEST if seq == 1 else prev_digest
        if found_seq != seq or prev_digest != prev or chain_digest(prev.hex().encode(), payload) != digest:
            return span_prev_digest, prev, _chain_problem(seq, found_seq, prev_digest, prev), None
        prev = digest
        if not payloads:
            continue
        values = plain_attribution(payload)
        if values is None or values != (
            claim_of(claim_id),
            name_of(outlet_id, False),
            name_of(speaker_id, False),
            name_of(via_id, False),
            date,
            stance,
            anchor_of(seq),
        ):
            problem, projection_problem = projected.problem(row, values, projection_problem)
            if problem:
                return span_prev_digest, prev, f"seq {seq}: {problem}", None
    if seq < last:
        after = conn.execute("SELECT min(seq) FROM journal WHERE seq > ?", (seq,)).fetchone()[0]
        return span_prev_digest, prev, f"seq {seq + 1}: missing (the next entry is seq {after})", None
    return span_prev_digest, prev, None, projection_problem


def _chain_problem(seq, found_seq, prev_digest, prev):
    if found_seq != seq:
        return f"seq {seq}: missing (the next entry is seq {found_seq})"
    if prev_digest != prev:
        return f"seq {seq}: prev_hash does not match the hash of seq {seq - 1}"
    return f"seq {seq}: hash does not match its payload"


class _Projected:
    """What was projected of entries `first` to `last`, to compare with their payloads."""

    def __init__(self, conn, first, last):
        self.conn = conn
        self.names = dict(conn.execute("SELECT id, name FROM names"))
        self.names[None] = None  # no speaker, no via; an id that names nothing is looked up as False
        self.claims = dict(conn.execute("SELECT id, text FROM claim_texts"))
        # (sha256 of its document, its passage) of each anchors row, by its seq: what the
        # attribution's anchor, (document, quote), is compared with.
        self.anchors = {
            seq: (sha256, exact)
            for seq, sha256, exact in conn.execute(
                """SELECT a.seq, d.sha256, a.exact FROM anchors AS a LEFT JOIN document_records AS d
                   ON d.seq = a.document_id WHERE a.seq BETWEEN ? AND ?""",
                (first, last),
            )
        }
        self.seqs_in = {
            table: {seq for (seq,) in conn.execute(f"SELECT seq FROM {table} WHERE seq BETWEEN ? AND ?", (first, last))}
            for kind, table in ENTRY_TABLES.items()
            if kind != "attribution"
        }

    def values_of(self, row):
        """(claim, outlet, speaker, via, date, stance, anchor) as the attribution_records and
        anchors rows of the entry in `row` (_ENTRIES) have them."""
        names = self.names
        return (
            self.claims.get(row[4]),
            names.get(row[5], False),
            names.get(row[6], False),
            names.get(row[7], False),
            row[8],
            row[9],
            self.anchors.get(row[0]),
        )

    def problem(self, row, values, projection_problem):
        """(problem of the payload, first projection problem) of the entry in `row`, whose
        plain values, if any, are `values`; each None if there is none."""
        seq, payload = row[:2]
        kind = "attribution"
        if values is None:
            entry, problem = read_payload(payload)
            if problem:
                return problem, projection_problem
            kind, values = entry["type"], _attribution_values(entry)
        if projection_problem is None:
            problem = self._projection_problem(kind, values, row)
            projection_problem = problem and f"seq {seq}: {problem}"
        return None, projection_problem

    def _projection_problem(self, kind, values, row):
        claim_id = row[4]
        if values is not None:
            if claim_id is None:
                return "attribution_records has no row for this entry"
            projected = self.values_of(row)
            if values[1:6] != projected[1:6]:
                return "attribution_records row does not match its journal entry"
            problem = self._claim_problem(claim_id, values[0], row[0]) or (
                values[6] != projected[6] and self._anchor_problem(row[0], values[6], projected[6])
            )
            if problem:
                return problem
        elif claim_id is not None:
            return "attribution_records row does not match its journal entry"
        if kind != "attribution" and row[0] not in self.seqs_in[ENTRY_TABLES[kind]]:
            return f"{ENTRY_TABLES[kind]} has no row for this entry"
        return None

    def _anchor_problem(self, seq, anchor, projected):
        """What is wrong with the anchors row of attribution `seq`, (sha256, exact), given the
        attribution's anchor, (document, quote), that differs from it: its quote need only fold
        as its passage does (the passage's place is check_anchors')."""
        if anchor is None or projected is None or anchor[0] != projected[0]:
            return "anchors row does not match its journal entry"
        quote, exact = anchor[1], projected[1]
        if quote is not None and exact is not None and fold_quote(quote) == fold_quote(exact):
            return None
        (document_id,) = self.conn.execute("SELECT document_id FROM anchors WHERE seq = ?", (seq,)).fetchone()
        return f"anchors row is not where its quote is in document {document_id}"

    def _claim_problem(self, claim_id, claim, seq):
        """What is wrong with the claim of entry `seq`, the claim `claim_id` of its row, whose
        wording is `claim`: none when it is the claim's displayed wording, or another with its
        key in an entry after the claim's first, whose wording is the one displayed."""
        if self.claims.get(claim_id) == claim:
            return None
        row = self.conn.execute("SELECT key, seq FROM claim_texts WHERE id = ?", (claim_id,)).fetchone()
        if row is not None and row[1] == seq:
            return "claim_texts row does not match its journal entry"
        if row is None or row[0] != claim_key(claim):
            return "attribution_records row does not match its journal entry"
        return None


def _attribution_values(entry):
    """plain_attribution's values of a valid entry."""
    if entry["type"] not in ("attribution", "correction"):
        return None
    document = entry.get("document")
    return (
        *(entry.get(field) for field in ("claim", "outlet", "speaker", "via", "date", "stance")),
        document and (document, entry.get("quote")),
    )


def on_own_connection(path, check):
    """check(conn) on a connection of its own to the ledger at `path`; a file SQLite cannot
    read is reported as ChainBroken."""
    conn = connect(path)
    # Pages read in place rather than copied: the check reads the whole file, some of it twice.
    # SQLite maps as much as it was built to allow and reads the rest.
    conn.execute(f"PRAGMA mmap_size = {2**40}")
    try:
        return check(conn)
    except sqlite3.OperationalError:  # locked, or out of memory: the ledger may be sound
        raise
    except sqlite3.DatabaseError as error:  # malformed: SQLite cannot read part of the file
        raise ChainBroken(f"file: SQLite cannot read it: {error}") from None
    finally:
        conn.close()


def read_journal_span(path, first, last):
    """check_journal of entries `first` to `last` of the ledger at `path`, on a connection of
    its own, with the hashes as hex text; a file SQLite cannot read is its problem."""
    try:
        span_prev_digest, head, problem, projection_problem = on_own_connection(
            path, functools.partial(check_journal, first=first, last=last)
        )
    except ChainBroken as broken:
        return None, None, str(broken), None
    return span_prev_digest and span_prev_digest.hex(), head and head.hex(), problem, projection_problem


def main():
    """A part of `verify`'s reading, in a process of its own: PATH FIRST LAST in, JSON out."""
    path, first, last = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    print(json.dumps(read_journal_span(path, first, last)))
