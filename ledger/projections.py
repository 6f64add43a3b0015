"""Projections: the tables derived from the journal, how they are written, checked and rebuilt.

`Projector` writes the rows of each entry as it is appended, in the same transaction;
`check_projections` compares every row with its entry in SQL; `rebuild` replays a
journal into a new file through the same Projector.
"""
import concurrent.futures
import contextlib
import itertools
import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from rbloom import Bloom

from .journal import ChainBroken, LedgerError, connect, schema_statements, write_transaction
from .records import claim_key

NAME_FIELDS = ("outlet", "speaker", "via", "name", "of")


def _insert(table, columns, texts=(), hashes=(), or_fail=True):
    """An INSERT of a whole batch of rows, and the names of its texts and hashes: `columns`
    come from one JSON array of row arrays; each of the long `texts` (UTF-8 bytes) from one
    blob of them all, with the place where each row's starts; each of the `hashes` from one
    blob of them all, 64 hex digits each (`_Batch.statements`). A text taken out of a blob by
    its place is neither escaped by Python nor unescaped by SQLite, as one inside JSON is:
    the journal's rows take a third less time in SQLite."""
    values = [f"json_extract(value, '$[{i}]')" for i in range(len(columns))]
    values += [f"CAST(substr(:{text}, {_start(text, 0)}, {_start(text, 1)} - {_start(text, 0)}) AS TEXT)" for text in texts]
    values += [f"CAST(substr(:{name}, key * 64 + 1, 64) AS TEXT)" for name in hashes]
    verb = "INSERT OR FAIL" if or_fail else "INSERT"
    sql = (f"{verb} INTO {table} ({', '.join([*columns, *texts, *hashes])}) SELECT {', '.join(values)}"
           " FROM json_each(:rows) ORDER BY key")
    return sql, texts, hashes


def _start(text, row):
    """Where the text of row `key` (row 0), or of the row after it (row 1), starts in its blob."""
    return f"CAST(substr(:{text}_starts, (key + {row}) * 10 + 1, 10) AS INTEGER)"


def _starts(encoded):
    """Where each text starts in the blob of them all (from 1), then where the blob ends,
    ten digits each."""
    starts = tuple(itertools.accumulate(map(len, encoded), initial=1))
    return (b"%010d" * len(starts)) % starts


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
    payloads: set = field(default_factory=set)  # of the attribution entries
    new_claims: set = field(default_factory=set)  # keys of the claims first recorded here

    # Each list's rows hold the INSERT's columns, then its texts, then its hashes.
    INSERTS = {
        "names": _insert("names", ["id", "name", "seq"]),
        "claims": _insert("claim_texts", ["id", "key", "text", "seq"]),
        "journal": _insert("journal", ["seq"], texts=["payload"], hashes=["prev_hash", "hash"]),
        "attributions": _insert(
            "attribution_records", ["seq", "claim_id", "outlet_id", "speaker_id", "via_id", "date", "stance"]
        ),
        "claim_search": _insert("claim_search", ["rowid", "text"], or_fail=False),
    }
    # The search rows of the attributions just written (seq from :first to :last), with claim
    # and quote read back from their payloads: SQLite's JSON parser takes less time than
    # Python takes to hand the texts over a second time.
    SEARCH_ROWS = (
        "INSERT INTO attribution_search (rowid, claim, quote) SELECT r.seq, json_extract(j.payload, '$.claim'),"
        " coalesce(json_extract(j.payload, '$.quote'), '') FROM attribution_records AS r"
        " JOIN journal AS j ON j.seq = r.seq WHERE r.seq BETWEEN :first AND :last ORDER BY r.seq"
    )

    def statements(self):
        """Each INSERT that `write` runs, with its parameters."""
        statements = [(sql, self._parameters(getattr(self, rows), texts, hashes))
                      for rows, (sql, texts, hashes) in self.INSERTS.items() if getattr(self, rows)]
        if self.attributions:
            statements.append((self.SEARCH_ROWS, {"first": self.attributions[0][0], "last": self.attributions[-1][0]}))
        return statements

    @staticmethod
    def _parameters(rows, texts, hashes):
        width = len(rows[0]) - len(texts) - len(hashes)
        columns = [row[:width] for row in rows] if texts or hashes else rows
        parameters = {"rows": json.dumps(columns, ensure_ascii=False)}
        for place, text in enumerate(texts, start=width):
            encoded = [row[place] for row in rows]
            parameters[text], parameters[f"{text}_starts"] = b"".join(encoded), _starts(encoded)
        for place, name in enumerate(hashes, start=width + len(texts)):
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
    held; what it holds is bounded, so an import of any size runs in the same memory."""

    BATCH = 10_000  # entries written together
    # Names or claims; past it a cache starts afresh. A claim looked up again after that, while
    # a batch is written, waits for the batch: a million records have about 200,000 claims.
    CACHE_LIMIT = 500_000
    # These size the Bloom filters (11, 2.3 and 0.2 MiB); past them, more lookups go to SQL.
    EXPECTED_ATTRIBUTIONS = 10_000_000
    EXPECTED_CLAIMS = 2_000_000
    EXPECTED_NAMES = 200_000

    def __init__(self, conn):
        self.conn = conn
        self.name_ids = {}
        self.claim_ids = {}  # claim key: id
        # Ids are given here, as SQLite would give them (the largest plus one), so that
        # their rows can be written later with the rest of their batch.
        self.next_name_id = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM names").fetchone()[0]
        self.next_claim_id = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM claim_texts").fetchone()[0]
        # While a batch is written, this connection waits for it; names and claims are then
        # looked up on a second connection, which sees the ledger as it was before this
        # transaction, unless this Projector may have made them (these filters say so).
        self.names_made = Bloom(self.EXPECTED_NAMES, 0.01)
        self.claims_made = Bloom(self.EXPECTED_CLAIMS, 0.01)
        self.names_before, self.claims_before = self.next_name_id > 1, self.next_claim_id > 1
        self.before = None
        self.batch = _Batch()
        self.writing = None  # (batch, future) while a batch is written in the background
        self.writer = None  # its thread, started by the first batch written in the background
        # Claim, date and stance of every attribution written by this Projector, in fixed
        # memory (a Bloom filter never misses a member): a record of a claim first recorded
        # in this transaction needs no SQL to tell it is new unless these three match.
        # Claim ids only grow, so the first one this Projector writes divides old from new.
        self.first_new_claim_id = None
        self.written = Bloom(self.EXPECTED_ATTRIBUTIONS, 0.01)

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

    def flush(self):
        """Write every row gathered; they are all in SQL when it returns."""
        self._wait_for_writing()
        batch, self.batch = self.batch, _Batch()
        batch.write(self.conn, batch.statements())
        self._bound_caches()

    def _write_in_background(self):
        self._wait_for_writing()
        batch, self.batch = self.batch, _Batch()
        self.writer = self.writer or concurrent.futures.ThreadPoolExecutor(1)
        self.writing = (batch, self.writer.submit(batch.write, self.conn, batch.statements()))
        if max(len(self.name_ids), len(self.claim_ids)) > self.CACHE_LIMIT:
            self._wait_for_writing()  # the caches hold the only ids of rows not yet in SQL
            self._bound_caches()

    def _wait_for_writing(self):
        if self.writing:
            _, future = self.writing
            self.writing = None
            future.result()

    def _bound_caches(self):
        for cache in (self.name_ids, self.claim_ids):
            if len(cache) > self.CACHE_LIMIT:
                cache.clear()

    def project(self, row, entry):
        """Write journal row (seq, payload, prev_hash, hash), all but seq as bytes, and the
        projection rows of its entry."""
        seq, kind = row[0], entry["type"]
        self.batch.journal.append(row)
        for name_field in NAME_FIELDS:
            name = entry.get(name_field)
            if name is not None and name not in self.name_ids:
                self._cache_name(name, seq)
        if kind in ("attribution", "correction"):
            self._project_attribution(row, entry)
        if kind != "attribution":
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
                (seq, self.name_ids[entry["name"]], self.name_ids[entry["of"]]),
            )
            self._resolve_names(seq, self.name_ids[entry["name"]], self.name_ids[entry["of"]])
        elif kind == "fact_checker":
            self.conn.execute("INSERT INTO fact_checkers (seq, name_id) VALUES (?, ?)", (seq, self.name_ids[entry["name"]]))

    def _resolve_names(self, seq, name_id, of_id):
        """After alias entry `seq` (name_id is another name of of_id): a resolution row for
        each name whose canonical name it changes. Those are name_id and every name whose chain
        runs through it, all at once, unless name_id already resolved where of_id does; so the
        work is that of the rows written."""
        canonical = _canonical(self.conn, of_id)  # the chain from of_id does not pass name_id
        before = _canonical(self.conn, name_id)
        if before == canonical:
            return
        if before == name_id:  # a name that was its own canonical name: its chain ends in it
            changed = {name_id, *(name for (name,) in self.conn.execute(_RESOLVED_TO, (name_id,)))}
        else:  # the names whose chain runs through name_id, found step by step backwards
            changed, reached = set(), {name_id}
            while reached:
                name = reached.pop()
                changed.add(name)
                reached.update(aliased for (aliased,) in self.conn.execute(_ALIASED_TO, (name,)))
        self.conn.executemany("INSERT INTO name_resolutions (seq, name_id, canonical_id) VALUES (?, ?, ?)",
                              [(seq, name, canonical) for name in sorted(changed)])

    def holds_pending(self, payload):
        """Whether an attribution entry with this payload (bytes) is in a batch not written yet
        (SQL may not see it): the one gathered, or the one being written. An import records all
        its entries at one time, so two of its payloads are equal exactly when their records are."""
        return self._unwritten_hold(payload, "payloads")

    def _unwritten_hold(self, value, kind):
        """Whether the batch gathered, or the one being written, holds `value` among its `kind`."""
        return value in getattr(self.batch, kind) or (self.writing is not None and value in getattr(self.writing[0], kind))

    def may_be_in_tables(self, record):
        """Whether SQL may already hold `record` as an attribution row: False when its claim
        has no row SQL can see, or was first recorded by this Projector and no attribution
        of it with the same date and stance has been written since."""
        key = claim_key(record["claim"])
        if self._unwritten_hold(key, "new_claims"):
            return False
        claim_id = self._claim(key)
        if claim_id is None:
            return False
        if self.first_new_claim_id is None or claim_id < self.first_new_claim_id:
            return True
        return (claim_id, record["date"], record["stance"]) in self.written

    def _project_attribution(self, row, entry):
        seq, claim = row[0], entry["claim"]
        key = claim_key(claim)
        claim_id = self._claim(key)
        if claim_id is None:
            claim_id, self.next_claim_id = self.next_claim_id, self.next_claim_id + 1
            self.batch.claims.append((claim_id, key, claim, seq))
            self.batch.claim_search.append((claim_id, claim))
            if self.first_new_claim_id is None:
                self.first_new_claim_id = claim_id
            self.claim_ids[key] = claim_id
            self.claims_made.add(key)
            self.batch.new_claims.add(key)
        self.batch.payloads.add(row[1])
        self.written.add((claim_id, entry["date"], entry["stance"]))
        get = entry.get
        self.batch.attributions.append(
            (seq, claim_id, self.name_ids[entry["outlet"]], self.name_ids.get(get("speaker")),
             self.name_ids.get(get("via")), entry["date"], entry["stance"])
        )

    def _claim(self, key):
        """The id of the claim with this key, or None."""
        if key not in self.claim_ids:
            row = self._select("SELECT id FROM claim_texts WHERE key = ?", key, self.claims_made, self.claims_before)
            if row is None:
                return None
            self.claim_ids[key] = row[0]
        return self.claim_ids[key]

    def _cache_name(self, name, seq):
        """Cache the id of a name not cached yet: the one SQL holds, or a new one, whose row
        goes into the batch."""
        row = self._select("SELECT id FROM names WHERE name = ?", name, self.names_made, self.names_before)
        if row:
            self.name_ids[name] = row[0]
        else:
            self.name_ids[name], self.next_name_id = self.next_name_id, self.next_name_id + 1
            self.names_made.add(name)
            self.batch.names.append((self.name_ids[name], name, seq))

    def _select(self, sql, key, made_here, held_before):
        """The row `sql` selects for `key`, without waiting for a batch being written unless
        the row may have been made by this Projector."""
        if self.writing is None or key in made_here:
            return self.conn.execute(sql, (key,)).fetchone()
        if not held_before:
            return None
        if self.before is None:
            self.before = self._connection_to_before()
        return (self.before or self.conn).execute(sql, (key,)).fetchone()

    def _connection_to_before(self):
        """A read-only connection to this ledger as committed, or False where it would wait
        for this transaction: only WAL lets it read while this one writes."""
        if self.conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            return False
        path = self.conn.execute("PRAGMA database_list").fetchone()[2]
        return sqlite3.connect(f"{Path(path).as_uri()}?mode=ro", uri=True)


# The names whose current alias is a given name, and those that now resolve to it.
_ALIASED_TO = """SELECT a.name_id FROM name_aliases AS a WHERE a.of_id = ?
                 AND a.seq = (SELECT max(seq) FROM name_aliases WHERE name_id = a.name_id)"""
_RESOLVED_TO = """SELECT r.name_id FROM name_resolutions AS r WHERE r.canonical_id = ?
                  AND r.seq = (SELECT max(seq) FROM name_resolutions WHERE name_id = r.name_id)"""


def _canonical(conn, name_id):
    row = conn.execute("SELECT canonical_id FROM name_resolutions WHERE name_id = ? ORDER BY seq DESC LIMIT 1",
                       (name_id,)).fetchone()
    return row[0] if row else name_id


PROJECTION_TABLES = (
    "names",
    "name_resolutions",
    "claim_texts",
    "attribution_records",
    "retractions",
    "corrections",
    "name_aliases",
    "fact_checkers",
)

_TYPE = "json_extract(j.payload, '$.type')"


def _field(name):
    return f"json_extract(j.payload, '$.{name}')"


def _named(name_id, field):
    """The row's name id does not name the entry's field (names.name is unique)."""
    return f"(SELECT name FROM names WHERE id = {name_id}) IS NOT {_field(field)}"


ENTRY_TABLES = {
    "attribution": "attribution_records",
    "correction": "corrections",  # and attribution_records, like an attribution
    "retraction": "retractions",
    "alias": "name_aliases",
    "fact_checker": "fact_checkers",
}

# Each check selects the seq of the first entry or row that is wrong, with what is wrong.
# They come in groups that `Ledger.verify` runs at the same time, on connections of their
# own; the first problem is the first one in this order. Names and claims come before the
# rows that point at them, so that an edited name or claim is named itself rather than
# through every attribution that uses it. Only the journal scan reads a payload that may
# not be JSON; the checks before it skip such a payload, the scan reports it.
_PAYLOAD_IS_JSON = "json_valid(j.payload)"
_NAMES_AND_CLAIMS = [
    (
        f"""SELECT c.seq FROM claim_texts AS c LEFT JOIN journal AS j ON j.seq = c.seq
            WHERE j.seq IS NULL OR CASE WHEN {_PAYLOAD_IS_JSON} THEN
                c.text IS NOT {_field('claim')} OR c.key IS NOT ledger_claim_key(c.text)
                -- the wording displayed is the first one recorded
                OR c.seq IS NOT (SELECT min(seq) FROM attribution_records WHERE claim_id = c.id) END
            ORDER BY c.seq LIMIT 1""",
        "claim_texts row does not match its journal entry",
    ),
    (
        f"""SELECT n.seq FROM names AS n LEFT JOIN journal AS j ON j.seq = n.seq
            WHERE j.seq IS NULL OR CASE WHEN {_PAYLOAD_IS_JSON} THEN n.name NOT IN (
                coalesce({_field('outlet')}, ''), coalesce({_field('speaker')}, ''), coalesce({_field('via')}, ''),
                coalesce({_field('name')}, ''), coalesce({_field('of')}, '')) END
            ORDER BY n.seq LIMIT 1""",
        "names row does not match its journal entry",
    ),
]


# One pass over the journal: each payload's form, that its entry has its projection row,
# and each attribution row against its entry. The claim is compared by its text first:
# a claim_texts row's own key was checked above, so equal texts are the same claim and
# ledger_claim_key (Python, per row) runs only for a claim recorded in another wording.
# The pass is the longest check, so it comes in two halves by seq, which run at the same
# time, each beside other checks.
def _journal_scan(entries):
    return (
        f"""SELECT seq, problem FROM (
            SELECT j.seq, CASE
                WHEN NOT {_PAYLOAD_IS_JSON} OR json(j.payload) IS NOT j.payload OR json_type(j.payload) IS NOT 'object'
                     OR {_TYPE} NOT IN ({', '.join(f"'{t}'" for t in ENTRY_TABLES)})
                     OR json_type(j.payload, '$.recorded_at') IS NOT 'text'
                    THEN 'payload is not the canonical JSON of a known entry type'
                WHEN {_TYPE} IN ('attribution', 'correction') AND r.seq IS NULL
                    THEN 'attribution_records has no row for this entry'
                WHEN r.seq IS NOT NULL AND (
                        {_TYPE} NOT IN ('attribution', 'correction')
                        OR NOT ((SELECT text FROM claim_texts WHERE id = r.claim_id) = {_field('claim')}
                                OR (SELECT key FROM claim_texts WHERE id = r.claim_id)
                                   = ledger_claim_key({_field('claim')}))
                        OR {_named('r.outlet_id', 'outlet')} OR {_named('r.speaker_id', 'speaker')}
                        OR {_named('r.via_id', 'via')}
                        OR r.date IS NOT {_field('date')} OR r.stance IS NOT {_field('stance')})
                    THEN 'attribution_records row does not match its journal entry'
                {' '.join(f"WHEN {_TYPE} = '{t}' AND j.seq NOT IN (SELECT seq FROM {table}) THEN '{table} has no row for this entry'"
                          for t, table in ENTRY_TABLES.items() if t != "attribution")}
            END AS problem
            FROM journal AS j LEFT JOIN attribution_records AS r ON r.seq = j.seq
            WHERE {entries})
            WHERE problem IS NOT NULL ORDER BY seq LIMIT 1""",
        "{}",
    )


_HALF = "(SELECT max(seq) / 2 FROM journal)"
_JOURNAL_FIRST_HALF = [_journal_scan(f"j.seq <= {_HALF}")]
_JOURNAL_SECOND_HALF = [
    _journal_scan(f"j.seq > {_HALF}"),
    (
        "SELECT seq FROM attribution_records WHERE seq NOT IN (SELECT seq FROM journal) ORDER BY seq LIMIT 1",
        "attribution_records row does not match its journal entry",
    ),
]

_OTHER_ROWS = []
for _table, _type in (("retractions", "retraction"), ("corrections", "correction")):
    _OTHER_ROWS.append(
        (
            f"""SELECT t.seq FROM {_table} AS t LEFT JOIN journal AS j ON j.seq = t.seq
                WHERE j.seq IS NULL OR {_TYPE} IS NOT '{_type}'
                   OR t.target IS NOT {_field('target')} OR t.reason IS NOT {_field('reason')}
                ORDER BY t.seq LIMIT 1""",
            f"{_table} row does not match its journal entry",
        )
    )
_OTHER_ROWS += [
    (
        f"""SELECT a.seq FROM name_aliases AS a LEFT JOIN journal AS j ON j.seq = a.seq
            WHERE j.seq IS NULL OR {_TYPE} IS NOT 'alias'
               OR {_named('a.name_id', 'name')} OR {_named('a.of_id', 'of')}
            ORDER BY a.seq LIMIT 1""",
        "name_aliases row does not match its journal entry",
    ),
    (
        f"""SELECT f.seq FROM fact_checkers AS f LEFT JOIN journal AS j ON j.seq = f.seq
            WHERE j.seq IS NULL OR {_TYPE} IS NOT 'fact_checker' OR {_named('f.name_id', 'name')}
            ORDER BY f.seq LIMIT 1""",
        "fact_checkers row does not match its journal entry",
    ),
    (
        """SELECT seq FROM name_resolutions
           WHERE seq NOT IN (SELECT seq FROM name_aliases) OR name_id NOT IN (SELECT name_id FROM current_aliases)
           ORDER BY 1 LIMIT 1""",
        "name_resolutions does not match the aliases",
    ),
    (
        """SELECT seq FROM attribution_records WHERE seq NOT IN (SELECT rowid FROM attribution_search)
           ORDER BY seq LIMIT 1""",
        "attribution_search has no row for this attribution",
    ),
    (
        """SELECT seq FROM claim_texts WHERE id NOT IN (SELECT rowid FROM claim_search)
           ORDER BY seq LIMIT 1""",
        "claim_search has no row for this claim",
    ),
    # Rows that belong to no attribution or claim: reported by table, as they have no entry.
    ("SELECT NULL, rowid FROM attribution_search WHERE rowid NOT IN (SELECT seq FROM attribution_records) LIMIT 1",
     "attribution_search: row {} belongs to no attribution"),
    ("SELECT NULL, rowid FROM claim_search WHERE rowid NOT IN (SELECT id FROM claim_texts) LIMIT 1",
     "claim_search: row {} belongs to no claim"),
]

PROJECTION_CHECK_GROUPS = (_NAMES_AND_CLAIMS, _JOURNAL_FIRST_HALF, _JOURNAL_SECOND_HALF, _OTHER_ROWS)


def check_projections(conn, groups=PROJECTION_CHECK_GROUPS):
    """Every payload's form and every projection row, against the journal, in SQL; the first
    problem is reported as `seq N: ...`, or `TABLE: ...` for a row that belongs to no entry."""
    for group in groups:
        for query, problem in group:
            row = conn.execute(query).fetchone()
            if row is not None:
                where = "" if row[0] is None else f"seq {row[0]}: "
                raise ChainBroken(where + problem.format(*row[1:]))


def check_resolutions(conn):
    """Every aliased name resolves, in name_resolutions, to the end of its chain of current
    aliases, and no chain is a cycle: one pass over the aliases, each name walked once."""
    alias_of = dict(conn.execute("SELECT name_id, of_id FROM current_aliases"))
    seq_of = dict(conn.execute("SELECT name_id, seq FROM current_aliases"))
    resolved = dict(conn.execute("SELECT name_id, canonical_id FROM current_resolutions"))
    canonical, wrong = {}, []
    for start in alias_of:
        path, on_path, name = [], set(), start
        while name in alias_of and name not in canonical:
            if name in on_path:
                raise ChainBroken(f"seq {max(seq_of[step] for step in on_path)}: name_aliases make a cycle of names")
            path.append(name)
            on_path.add(name)
            name = alias_of[name]
        end = canonical.get(name, name)
        canonical.update(dict.fromkeys(path, end))
    wrong = [seq_of[name] for name, end in canonical.items() if resolved.get(name) != end]
    if wrong:
        raise ChainBroken(f"seq {min(wrong)}: name_resolutions does not match the aliases")


def check_schema(conn):
    """Every table, view, index and trigger of schema.sql is in place, exactly as written there."""
    expected = _schema_objects(_reference_schema())
    actual = _schema_objects(conn)
    for (kind, name), sql in expected.items():
        if (kind, name) not in actual:
            raise ChainBroken(f"{kind} {name}: missing (schema.sql defines it)")
        if actual[(kind, name)] != sql:
            raise ChainBroken(f"{kind} {name}: differs from schema.sql")
    for kind, name in actual.keys() - expected.keys():
        if kind == "trigger":
            raise ChainBroken(f"trigger {name}: not in schema.sql")


def _reference_schema():
    reference = sqlite3.connect(":memory:")
    for statement in schema_statements():
        reference.execute(statement)
    return reference


def _schema_objects(conn):
    return {
        (kind, name): sql
        for kind, name, sql in conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE type IN ('table', 'view', 'index', 'trigger') AND sql IS NOT NULL"
        )
    }


def rebuild(source_path, target_path):
    """Replay the journal of one ledger into a new file: the projections come out identical."""
    source = connect(source_path)
    try:
        target = connect(target_path, create=True)
        if target.execute("SELECT count(*) FROM journal").fetchone()[0]:
            raise LedgerError(f"{target_path} already holds a journal; rebuild into a new file")
        with write_transaction(target), Projector(target) as projector:
            rows = source.execute("SELECT seq, CAST(payload AS BLOB), CAST(prev_hash AS BLOB), CAST(hash AS BLOB)"
                                  " FROM journal ORDER BY seq")
            for row in rows:
                projector.project(row, json.loads(row[1]))
            projector.flush()
        return target.execute("SELECT count(*) FROM journal").fetchone()[0]
    finally:
        source.close()
