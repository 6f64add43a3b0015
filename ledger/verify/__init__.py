"""Everything `ledger verify` checks, and the check itself.

The tables of schema.sql come first, as every other check reads them. Then the journal is
read again entry by entry in Python (journal.py): each entry's place and hash, its payload
against what the ledger itself would have written (payloads.py), and its attribution and
anchor rows. A long journal is read in parts by processes of their own, one per CPU, each
part about as long to read, documents' texts and anchors counted in: this is Python work,
which threads could not share out. Meanwhile SQLite checks the rest of the schema, the
file's structure and the other projection rows (tables.py, anchors.py), each part on a
connection of its own in a thread of its own (SQLite lets go of Python's lock while it
works). The problem reported is the first in this order: the tables, the journal by seq,
the rest of the schema, the file, names and claims, the attribution rows, the other rows,
the search indexes, the anchors, the names' resolutions. docs/reference.md lists every check
with what it catches.
"""

import bisect
import concurrent.futures
import functools
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

from ..errors import ChainBroken, LedgerError
from ..journal import GENESIS_HASH
from ..migration import refuse_hex_hashes
from .journal import check_chain, newest_seq, on_own_connection, read_journal_span
from .tables import CHECKS_BEFORE_ATTRIBUTIONS, SQL_CHECKS, check_digest, check_schema, first_repeated_record

__all__ = ["check_chain", "first_repeated_record", "verify"]

# From this many entries on, the journal is read by processes, one part each: below it,
# starting them would cost more than they save.
ENTRIES_READ_BY_PROCESSES = 20_000
READING_PROCESSES = os.cpu_count() or 1
# What the journal's reading of an entry takes, in entries: a document's one more for every
# DOCUMENT_CHARACTERS characters of its text, an anchored attribution's ANCHORED more
# (measured on the verify figure's ledger: an entry some 5 µs, a document's character 12 ns,
# an anchor 1.3 µs).
DOCUMENT_CHARACTERS = 400
ANCHORED = 0.25


def verify(path, digest=None):
    """Check the ledger at `path`; returns (entries, head hash) or raises ChainBroken naming
    the first problem. With `digest` (SEQ:HASH), also that entry SEQ still has HASH."""
    # The tables first: every check reads those that schema.sql defines.
    newest, (documents, anchored) = on_own_connection(
        path,
        lambda conn: (
            refuse_hex_hashes(conn) or check_schema(conn, kinds=("table",)) or (newest_seq(conn), heavier_entries(conn))
        ),
    )
    parts = READING_PROCESSES if newest >= ENTRIES_READ_BY_PROCESSES else 1
    spans = journal_spans(newest, parts, documents, anchored)
    readers = [_Reader(path, first, last, in_process=len(spans) == 1) for first, last in spans]
    with concurrent.futures.ThreadPoolExecutor(len(SQL_CHECKS)) as pool:
        checks = [pool.submit(on_own_connection, path, check) for check in SQL_CHECKS]
        head, projected = GENESIS_HASH, []
        try:
            for (first, _), reader in zip(spans, readers):
                span_prev_hash, span_head, problem, projection_problem = reader.result()
                if first > 1 and span_prev_hash is not None and span_prev_hash != head:
                    raise ChainBroken(f"seq {first}: prev_hash does not match the hash of seq {first - 1}")
                if problem:
                    raise ChainBroken(problem)
                head = span_head
                projected.append(projection_problem)
        finally:
            for reader in readers:
                reader.stop()
        for check in checks[:CHECKS_BEFORE_ATTRIBUTIONS]:
            check.result()
        for problem in filter(None, projected):
            raise ChainBroken(problem)
        for check in checks[CHECKS_BEFORE_ATTRIBUTIONS:]:
            check.result()
    if digest:
        on_own_connection(path, functools.partial(check_digest, digest=digest))
    return (spans[-1][1] if spans else 0), head


def heavier_entries(conn):
    """(seq, length of its text) of each document and the seq of each anchored attribution,
    in seq order, as the projections have them: unchecked yet, they only share out the reading."""
    documents = conn.execute(
        "SELECT seq, length FROM document_records WHERE typeof(length) = 'integer' AND length > 0 ORDER BY seq"
    ).fetchall()
    return documents, [seq for (seq,) in conn.execute("SELECT seq FROM anchors ORDER BY seq")]


def journal_spans(newest, parts, documents=(), anchored=()):
    """Seqs 1 to `newest` in at most `parts` parts read at the same time, (first, last) each,
    each about as long to read: an entry counts one, a document's entry one more for every
    DOCUMENT_CHARACTERS of its text (`documents`: (seq, length)), an anchored attribution's
    ANCHORED more (`anchored`: seqs); each in seq order."""
    document_seqs = [seq for seq, _ in documents]
    documents_reading = [0, *itertools.accumulate(length / DOCUMENT_CHARACTERS for _, length in documents)]

    def reading(last):
        """Of seqs 1 to `last`."""
        more = documents_reading[bisect.bisect_right(document_seqs, last)]
        return last + more + ANCHORED * bisect.bisect_right(anchored, last)

    share = reading(newest) / parts
    lasts = [bisect.bisect_right(range(newest + 1), share * part, key=reading) - 1 for part in range(1, parts)]
    spans, first = [], 1
    for last in [*lasts, newest]:
        if last >= first:
            spans.append((first, last))
            first = last + 1
    return spans


class _Reader:
    """read_journal_span of one part, in this process or in a Python process of its own
    (`ledger.verify.journal.main`), started at once. A process started afresh, rather
    than forked or through multiprocessing: a fork can inherit a lock held by another
    thread, and multiprocessing would run again a script that does not guard its main."""

    def __init__(self, path, first, last, in_process):
        self.span = (path, first, last)
        self.process = None
        if not in_process:
            # Isolated (-I): neither the working folder nor PYTHONPATH can put another `ledger`
            # before this one, whose folder comes first. Without site (-S), which the reading,
            # of the standard library and this package alone, does not need: it starts sooner.
            code = "import sys; sys.path.insert(0, sys.argv.pop(1)); from ledger.verify.journal import main; main()"
            package_root = str(Path(__file__).resolve().parents[2])
            command = [sys.executable, "-I", "-S", "-c", code, package_root, str(path), str(first), str(last)]
            self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def result(self):
        if self.process is None:
            return read_journal_span(*self.span)
        out, err = self.process.communicate()
        if self.process.returncode != 0:
            last_line = (err.strip().splitlines() or ["no message"])[-1]
            raise LedgerError(f"the journal's reading of seqs {self.span[1]} to {self.span[2]} failed: {last_line}")
        return tuple(json.loads(out))

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
