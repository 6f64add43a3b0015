"""Projections: the tables derived from the journal, and how they are written and rebuilt.

`Projector` writes the rows of each entry as it is appended, in the same transaction;
`appending` is that transaction; `rebuild` replays a journal into a new file through the
same Projector. What `verify` checks of them is in `verify.py`.
"""

import concurrent.futures
import contextlib
import itertools
import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from .aliases import record_alias
from .database import batch_insert, connect, made_now, text_starts, write_transaction
from .errors import LedgerError
from .given_ids import GivenIds, WrittenPayloads
from .held_documents import HeldDocuments, anchor_row, document_row
from .journal import JOURNAL_ROWS, SEARCH_TEXTS, Appender
from .migration import migrate
from .records import claim_key, record_of

NAME_FIELDS = ("outlet", "speaker", "via", "name", "of")


@dataclass
class _Batch:
    """Rows gathered to be written together, and what they hold that SQL cannot see yet.

    Each table's rows are written by one INSERT ... SELECT: SQLite lets go of Python's lock
    for the whole statement, so a batch can be written by a thread of its own while the next
    is gathered. (executemany takes the lock back for every row, and would wait for it.) The
    rows are inserted OR FAIL, not with the default ABORT: with the triggers' RAISE(FAIL), no
    statement can then abort halfway, so SQLite keeps no statement journal for every row."""

    names: list = field(default_factory=list)
    claims: list = field(default_factory=list)
    journal: list = field(default_factory=list)
    attributions: list = field(default_factory=list)
    claim_search: list = field(default_factory=list)
    anchors: list = field(default_factory=list)
    payloads: set = field(default_factory=set)  # of the attribution entries

    # Each list's rows hold the INSERT's columns, then its texts, then its digests.
    INSERTS = {
        "names": batch_insert("names", ["id", "name", "seq"]),
        "claims": batch_insert("claim_texts", ["id", "key", "text", "seq"]),
        "journal": JOURNAL_ROWS,
        "attributions": batch_insert(
            "attribution_records", ["seq", "claim_id", "outlet_id", "speaker_id", "via_id", "date", "stance"]
        ),
        "claim_search": batch_insert("claim_search", ["rowid", "text"], or_fail=False),
        "anchors": batch_insert(
            "anchors", ["seq", "document_id", "quote_start", "quote_end", "exact", "prefix", "suffix"]
        ),
    }
    # The search rows of the attributions just written (seq from :first to :last), with claim
    # and quote read back from their payloads: SQLite's JSON parser takes less time than
    # Python takes to hand the texts over a second time.
    SEARCH_ROWS = (
        f"INSERT INTO attribution_search (rowid, claim, quote) {SEARCH_TEXTS}"
        " WHERE r.seq BETWEEN :first AND :last ORDER BY r.seq"
    )

    def statements(self):
        """Each INSERT that `write` runs, with its parameters."""
        statements = [
            (sql, self._parameters(getattr(self, rows), texts, digests))
            for rows, (sql, texts, digests) in self.INSERTS.items()
            if getattr(self, rows)
        ]
        if self.attributions:
            statements.append((self.SEARCH_ROWS, {"first": self.attributions[0][0], "last": self.attributions[-1][0]}))
        return statements

    @staticmethod
    def _parameters(rows, texts, digests):
        width = len(rows[0]) - len(texts) - len(digests)
        columns = [row[:width] for row in rows] if texts or digests else rows
        parameters = {"rows": json.dumps(columns, ensure_ascii=False)}
        for place, text in enumerate(texts, start=width):
            encoded = [row[place] for row in rows]
            parameters[text], parameters[f"{text}_starts"] = b"".join(encoded), text_starts(encoded)
        for place, name in enumerate(digests, start=width + len(texts)):
            parameters[name] = b"".join([row[place] for row in rows])
        return parameters

    @staticmethod
    def write(conn, statements):
        for sql, parameters in statements:
            conn.execute(sql, parameters)


class Projector:
    """Writes journal entries and their projection rows, for one write transaction.

    Rows are gathered and written together in batches (FTS5 also flushes its pending terms
    at every statement once it has been written in a transaction). A full batch of
    attributions is written by a thread of its own while the next one is gathered. `flush()`
    writes the rest and waits; it must run before the transaction commits. Used as a context
    manager, it waits at the end for any write still running, so that none outlives the
    transaction. Its caches of name and claim ids are only valid while the write lock is
    held; they are bounded, and what it made is held compactly (`GivenIds`), so an import of
    any size runs in about the same memory."""

    # Entries written together. Larger batches keep the writing thread busier between the
    # times the two threads wait for each other, for more memory (docs/benchmarks.md).
    BATCH = 40_000
    # Names or claims; past it a cache lets its older half go, and what it made is found in
    # `GivenIds`: a million records have about 200,000 claims, ten million 1,800,000.
    CACHE_LIMIT = 200_000
    # These size the Bloom filters (40, 2.3 and 0.2 MiB); past them, more lookups go to SQL.
    EXPECTED_ATTRIBUTIONS = 10_000_000
    EXPECTED_CLAIMS = 2_000_000
    EXPECTED_NAMES = 200_000

    def __init__(self, conn):
        self.conn = conn
        self.name_ids = {}
        self.claim_ids = {}  # claim key: id
        self.held = HeldDocuments(conn, reader=True)  # the documents that anchored attributions name
        # Ids are given here, as SQLite would give them (the largest plus one), so that
        # their rows can be written later with the rest of their batch.
        self.next_name_id = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM names").fetchone()[0]
        self.next_claim_id = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM claim_texts").fetchone()[0]
        # While a batch is written, this connection waits for it: names and claims this
        # Projector made are found in these, and the others on a second connection, which
        # sees the ledger as it was before this transaction.
        self.names_made = GivenIds(self.EXPECTED_NAMES, first=self.next_name_id)
        self.claims_made = GivenIds(self.EXPECTED_CLAIMS, first=self.next_claim_id)
        self.names_before, self.claims_before = self.next_name_id > 1, self.next_claim_id > 1
        # Ids only grow, so the first one this Projector gives divides old from new.
        self.first_name_made, self.first_claim_made = self.next_name_id, self.next_claim_id
        self.before = None
        self.batch = _Batch()
        self.writing = None  # (batch, future) while a batch is written in the background
        self.writer = None  # its thread, started by the first batch written in the background
        # Only a record whose payload it may have written needs this connection, which waits
        # for a batch being written, to tell whether it is new.
        self.written = WrittenPayloads(exact_up_to=self.BATCH, expected=self.EXPECTED_ATTRIBUTIONS)
        self.looks_up_by_claim = False  # once the indexes it needs are known to be there

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.writing:  # the block failed: its error is the one to report
            with contextlib.suppress(Exception):
                self._wait_for_writing()
        if self.writer:
            self.writer.shutdown()
        if self.before:
            self.before.close()
        self.names_made.close()
        self.claims_made.close()
        self.held.close()

    def flush(self):
        """Write every row gathered; they are all in SQL when it returns."""
        self._wait_for_writing()
        batch = self._next_batch()
        batch.write(self.conn, batch.statements())

    def _write_in_background(self):
        self._wait_for_writing()
        batch = self._next_batch()
        self.writer = self.writer or concurrent.futures.ThreadPoolExecutor(1)
        self.writing = (batch, self.writer.submit(batch.write, self.conn, batch.statements()))

    def _next_batch(self):
        """The batch gathered, to be written; a new one is gathered from here on."""
        batch, self.batch = self.batch, _Batch()
        self.written.update(batch.payloads)
        self._bound_caches()
        return batch

    def _wait_for_writing(self):
        if self.writing:
            _, future = self.writing
            self.writing = None
            future.result()

    def _bound_caches(self):
        for cache, made in ((self.name_ids, self.names_made), (self.claim_ids, self.claims_made)):
            if len(cache) > self.CACHE_LIMIT:
                # The older half goes: a dict keeps its keys in the order they came, and those
                # met lately are the likeliest to be met again. Those this Projector made are
                # kept in `made`, where they are found without waiting for a batch being written.
                # Those it made came in the order of their ids, so those let go before are the
                # ones below `held_below`: a key found there and cached again is not added twice.
                older = list(itertools.islice(cache.items(), len(cache) // 2))
                made.add([(key, given) for key, given in older if given >= made.held_below])
                for key, _ in older:
                    del cache[key]

    def project_attribution(self, row, record):
        """project() of an attribution entry that anchors no quote, given its `record` (the
        entry without its type and time, which the projection rows do not hold): an import
        projects millions of them and builds no entry for any."""
        self.batch.journal.append(row)
        name_ids = self.name_ids
        for name in (record["outlet"], record.get("speaker"), record.get("via")):
            if name is not None and name not in name_ids:
                self._cache_name(name, row[0])
        self._project_attribution(row, record)
        if len(self.batch.journal) >= self.BATCH:
            self._write_in_background()

    def project(self, row, entry):
        """Write journal row (seq, payload, prev_digest, digest), all but seq as bytes, and the
        projection rows of its entry."""
        seq, kind = row[0], entry["type"]
        if kind == "attribution" and "document" not in entry:
            return self.project_attribution(row, entry)
        self.batch.journal.append(row)
        for name_field in NAME_FIELDS:
            name = entry.get(name_field)
            if name is not None and name not in self.name_ids:
                self._cache_name(name, seq)
        if kind in ("attribution", "correction"):
            self._project_attribution(row, entry)
            if "document" in entry:
                self.batch.anchors.append(anchor_row(seq, entry, self.held))
        if kind != "attribution":
            # Taken first: the flush may let the cache go of names this entry names.
            ids = {name: self.name_ids[name] for name in map(entry.get, NAME_FIELDS) if name is not None}
            self.flush()  # the triggers on retractions and corrections read attribution_records
        elif len(self.batch.journal) >= self.BATCH:
            self._write_in_background()
        if kind in ("retraction", "correction"):
            self.conn.execute(
                f"INSERT INTO {kind}s (seq, target, reason) VALUES (?, ?, ?)", (seq, entry["target"], entry["reason"])
            )
        elif kind == "alias":
            self.conn.execute(
                "INSERT INTO name_aliases (seq, name_id, of_id) VALUES (?, ?, ?)",
                (seq, ids[entry["name"]], ids[entry["of"]]),
            )
            record_alias(self.conn, seq, ids[entry["name"]], ids[entry["of"]])
        elif kind == "document":
            self.conn.execute(
                f"INSERT INTO document_records VALUES ({', '.join('?' * 11)})",
                document_row(seq, entry, ids.get(entry.get("outlet"))),
            )
        elif kind == "fact_checker":
            self.conn.execute("INSERT INTO fact_checkers (seq, name_id) VALUES (?, ?)", (seq, ids[entry["name"]]))

    def holds(self, record, payload):
        """Whether the journal already holds `record` as an attribution, current or not: in a
        batch not written yet (its entry's `payload` recorded at the import's one time),
        written by this Projector, or held before it."""
        # In a batch not written yet, which SQL may not see: the one gathered, or the one being
        # written. An import records all its entries at one time, so two of its payloads are
        # equal exactly when their records are.
        if payload in self.batch.payloads or (self.writing is not None and payload in self.writing[0].payloads):
            return True
        if self.written.holds(payload) and recorded_id(self._looking_up_by_claim(), record) is not None:
            return True
        if not self.claims_before:
            return False
        claim_id = self._claim(claim_key(record["claim"]))
        if claim_id is None or claim_id >= self.first_claim_made:
            return False  # no claim held before this Projector
        return recorded_id(self._reader(), record) is not None

    def _project_attribution(self, row, entry):
        seq, claim = row[0], entry["claim"]
        key = claim_key(claim)
        claim_id = self._claim(key)
        if claim_id is None:
            claim_id, self.next_claim_id = self.next_claim_id, self.next_claim_id + 1
            self.batch.claims.append((claim_id, key, claim, seq))
            self.batch.claim_search.append((claim_id, claim))
            self.claim_ids[key] = claim_id
        self.batch.payloads.add(row[1])
        get = entry.get
        self.batch.attributions.append(
            (
                seq,
                claim_id,
                self.name_ids[entry["outlet"]],
                self.name_ids.get(get("speaker")),
                self.name_ids.get(get("via")),
                entry["date"],
                entry["stance"],
            )
        )

    def _looking_up_by_claim(self):
        """This Projector's connection, with the indexes that recorded_id's lookup by claim
        takes: an import into an empty journal makes them at its end (`made_at_the_end`),
        unless a record met again, or one `written` mistakes for one, needs them sooner."""
        if not self.looks_up_by_claim:
            self._wait_for_writing()
            made_now(self.conn, "claim_texts_key")
            made_now(self.conn, "attribution_records_claim")
            self.looks_up_by_claim = True
        return self.conn

    def _claim(self, key):
        """The id of the claim with this key, or None."""
        claim_id = self.claim_ids.get(key)
        if claim_id is None:
            claim_id = self._id("SELECT id FROM claim_texts WHERE key = ?", key, self.claims_made, self.claims_before)
            if claim_id is not None:
                self.claim_ids[key] = claim_id
        return claim_id

    def _cache_name(self, name, seq):
        """Cache the id of a name not cached yet: the one it was given (by this Projector or
        before it), or a new one, whose row goes into the batch."""
        name_id = self._id("SELECT id FROM names WHERE name = ?", name, self.names_made, self.names_before)
        if name_id is None:
            name_id, self.next_name_id = self.next_name_id, self.next_name_id + 1
            self.batch.names.append((name_id, name, seq))
        self.name_ids[name] = name_id

    def _id(self, sql, key, made_here, held_before):
        """The id of `key`, given by this Projector (in `made_here`, unless in the batch
        gathered, which the caches hold) or held before it (`sql` selects it), or None;
        found without waiting for a batch being written where the WAL allows."""
        made_id = made_here.get(key)
        if made_id is not None or not held_before:
            return made_id
        row = self._reader().execute(sql, (key,)).fetchone()
        return row[0] if row else None

    def _reader(self):
        """A connection that sees what was held before this Projector, and does not wait for a
        batch being written where the WAL allows."""
        if self.writing is None:
            return self.conn
        if self.before is None:
            self.before = self._connection_to_before()
        return self.before or self.conn

    def _connection_to_before(self):
        """A read-only connection to this ledger as committed, or False where it would wait
        for this transaction: only WAL lets it read while this one writes."""
        if self.conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            return False
        path = self.conn.execute("PRAGMA database_list").fetchone()[2]
        return sqlite3.connect(f"{Path(path).as_uri()}?mode=ro", uri=True)


def recorded_id(conn, record):
    """The id of an attribution, current or not, already holding exactly `record`, if any."""
    for seq, text in conn.execute(
        """SELECT r.seq, j.payload FROM attribution_records AS r JOIN journal AS j ON j.seq = r.seq
           WHERE r.claim_id = (SELECT id FROM claim_texts WHERE key = ?) AND r.date = ? AND r.stance = ?""",
        (claim_key(record["claim"]), record["date"], record["stance"]),
    ):
        if record_of(json.loads(text)) == record:
            return seq
    return None


PROJECTION_TABLES = (
    "names",
    "name_groups",
    "group_canonicals",
    "claim_texts",
    "attribution_records",
    "retractions",
    "corrections",
    "name_aliases",
    "fact_checkers",
    "document_records",
    "anchors",
)


@contextlib.contextmanager
def appending(conn):
    """A write transaction with an Appender whose rows are all written before COMMIT; a journal
    of the previous layout is migrated first, in the same transaction (`migration.py`)."""
    with write_transaction(conn):
        migrate(conn)
        with Projector(conn) as projector:
            appender = Appender(conn, projector)
            yield appender
            appender.flush()


def rebuild(source_path, target_path):
    """Replay the journal of one ledger into a new file: the projections come out identical."""
    source, target = connect(source_path), None
    try:
        target = connect(target_path, create=True)
        with write_transaction(target), Projector(target) as projector:
            # Asked inside the transaction, so that of two rebuilds into one file one is refused.
            if target.execute("SELECT 1 FROM journal LIMIT 1").fetchone():
                raise LedgerError(f"{target_path} already holds a journal; rebuild into a new file")
            # The hashes as hex, which every layout of the journal has (`migration.py`).
            rows = source.execute("SELECT seq, CAST(payload AS BLOB), prev_hash, hash FROM journal ORDER BY seq")
            for seq, payload, prev_hash, hash_ in rows:
                try:
                    row = (seq, payload, bytes.fromhex(prev_hash), bytes.fromhex(hash_))
                except (TypeError, ValueError):
                    raise LedgerError(f"seq {seq}: prev_hash or hash is not hex digits: not rebuilt") from None
                projector.project(row, json.loads(payload))
            projector.flush()
        return target.execute("SELECT count(*) FROM journal").fetchone()[0]
    finally:
        source.close()
        if target is not None:
            target.close()
