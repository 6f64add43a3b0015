"""Projections: the tables derived from the journal, how they are written, checked and rebuilt.

`Projector` writes the rows of each entry as it is appended, in the same transaction;
`check_projections` compares every row with its entry in SQL; `rebuild` replays a
journal into a new file through the same Projector.
"""
import json
import sqlite3

from rbloom import Bloom

from .journal import ChainBroken, LedgerError, connect, schema_statements, write_transaction
from .records import claim_key, record_of

NAME_FIELDS = ("outlet", "speaker", "via", "name", "of")


class Projector:
    """Writes journal entries and their projection rows. Lives for one write transaction:
    its caches of name and claim ids are only valid while the write lock is held, and
    `flush()` must run before the transaction commits. What it holds between flushes is
    bounded, so an import of any size runs in the same memory."""

    BATCH = 10_000  # entries written together
    CACHE_LIMIT = 100_000  # names or claims; past it a cache starts afresh
    EXPECTED_ATTRIBUTIONS = 10_000_000  # sizes the Bloom filter (11 MiB); past it, more go to SQL

    def __init__(self, conn):
        self.conn = conn
        self.name_ids = {}
        self.claim_ids = {}  # claim key: id
        # Rows are gathered and written together: executemany is faster, and FTS5 flushes
        # its pending terms at every statement once it has been written in a transaction.
        self.journal_rows = []
        self.attribution_rows = []
        self.attribution_search = []
        self.claim_search = []
        # Since the last flush: the claims first recorded and the attribution records written,
        # which SQL cannot see in attribution_records yet.
        self.pending_claims = set()
        self.pending_records = set()
        # Claim, date and stance of every attribution written by this Projector, in fixed
        # memory (a Bloom filter never misses a member): a record of a claim first recorded
        # in this transaction needs no SQL to tell it is new unless these three match.
        # Claim ids only grow, so the first one this Projector writes divides old from new.
        self.first_new_claim_id = None
        self.written = Bloom(self.EXPECTED_ATTRIBUTIONS, 0.01)

    # Rows are inserted OR FAIL, not with the default ABORT: with the triggers' RAISE(FAIL),
    # no statement can then abort halfway, so SQLite keeps no statement journal per row.
    def flush(self):
        self.conn.executemany("INSERT OR FAIL INTO journal (seq, payload, prev_hash, hash) VALUES (?, ?, ?, ?)", self.journal_rows)
        self.conn.executemany(
            """INSERT OR FAIL INTO attribution_records (seq, claim_id, outlet_id, speaker_id, via_id, date, stance)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            self.attribution_rows,
        )
        self.conn.executemany("INSERT INTO claim_search (rowid, text) VALUES (?, ?)", self.claim_search)
        self.conn.executemany(
            "INSERT INTO attribution_search (rowid, claim, quote) VALUES (?, ?, ?)", self.attribution_search
        )
        self.journal_rows, self.attribution_rows, self.claim_search, self.attribution_search = [], [], [], []
        self.pending_claims.clear()
        self.pending_records.clear()
        for cache in (self.name_ids, self.claim_ids):
            if len(cache) > self.CACHE_LIMIT:
                cache.clear()

    def project(self, row, entry):
        """Write journal row (seq, payload, prev_hash, hash) and the projection rows of its entry."""
        seq, kind = row[0], entry["type"]
        self.journal_rows.append(row)
        for field in NAME_FIELDS:
            if field in entry:
                self._name_id(entry[field], seq)
        if kind in ("attribution", "correction"):
            self._project_attribution(seq, entry)
        if kind != "attribution" or len(self.journal_rows) >= self.BATCH:
            self.flush()  # the triggers on retractions and corrections read attribution_records
        if kind in ("retraction", "correction"):
            self.conn.execute(
                f"INSERT INTO {kind}s (seq, target, reason) VALUES (?, ?, ?)", (seq, entry["target"], entry["reason"])
            )
        elif kind == "alias":
            self.conn.execute(
                "INSERT INTO name_aliases (seq, name_id, of_id) VALUES (?, ?, ?)",
                (seq, self.name_ids[entry["name"]], self.name_ids[entry["of"]]),
            )
            self._resolve_names(seq)
        elif kind == "fact_checker":
            self.conn.execute("INSERT INTO fact_checkers (seq, name_id) VALUES (?, ?)", (seq, self.name_ids[entry["name"]]))

    def _resolve_names(self, seq):
        """After alias entry `seq`: a resolution row for each name whose canonical name changed."""
        alias_of = dict(self.conn.execute("SELECT name_id, of_id FROM current_aliases"))
        resolved = dict(self.conn.execute("SELECT name_id, canonical_id FROM current_resolutions"))
        changed = []
        for name_id in sorted(alias_of):
            canonical_id = name_id
            while canonical_id in alias_of:  # the trigger on name_aliases refuses cycles
                canonical_id = alias_of[canonical_id]
            if resolved.get(name_id) != canonical_id:
                changed.append((seq, name_id, canonical_id))
        self.conn.executemany("INSERT INTO name_resolutions (seq, name_id, canonical_id) VALUES (?, ?, ?)", changed)

    def holds_pending(self, record):
        """Whether `record` was written since the last flush (SQL cannot see it yet)."""
        return tuple(record.items()) in self.pending_records

    def may_be_in_tables(self, record):
        """Whether SQL may already hold `record` as an attribution row: False when its claim
        has no row SQL can see, or was first recorded by this Projector and no attribution
        of it with the same date and stance has been written since."""
        key = claim_key(record["claim"])
        if key in self.pending_claims:
            return False
        claim_id = self._claim(key)
        if claim_id is None:
            return False
        if self.first_new_claim_id is None or claim_id < self.first_new_claim_id:
            return True
        return (claim_id, record["date"], record["stance"]) in self.written

    def _project_attribution(self, seq, entry):
        claim = entry["claim"]
        key = claim_key(claim)
        claim_id = self._claim(key)
        if claim_id is None:
            claim_id = self.conn.execute(
                "INSERT OR FAIL INTO claim_texts (key, text, seq) VALUES (?, ?, ?)", (key, claim, seq)
            ).lastrowid
            self.claim_search.append((claim_id, claim))
            if self.first_new_claim_id is None:
                self.first_new_claim_id = claim_id
            self.claim_ids[key] = claim_id
            self.pending_claims.add(key)
        self.pending_records.add(tuple(record_of(entry).items()))
        self.written.add((claim_id, entry["date"], entry["stance"]))
        get = entry.get
        self.attribution_rows.append(
            (seq, claim_id, self.name_ids[entry["outlet"]], self.name_ids.get(get("speaker")),
             self.name_ids.get(get("via")), entry["date"], entry["stance"])
        )
        self.attribution_search.append((seq, claim, get("quote")))

    def _claim(self, key):
        """The id of the claim with this key, or None."""
        if key not in self.claim_ids:
            row = self.conn.execute("SELECT id FROM claim_texts WHERE key = ?", (key,)).fetchone()
            if row is None:
                return None
            self.claim_ids[key] = row[0]
        return self.claim_ids[key]

    def _name_id(self, name, seq):
        if name not in self.name_ids:
            row = self.conn.execute("SELECT id FROM names WHERE name = ?", (name,)).fetchone()
            self.name_ids[name] = row[0] if row else self.conn.execute(
                "INSERT OR FAIL INTO names (name, seq) VALUES (?, ?)", (name, seq)
            ).lastrowid
        return self.name_ids[name]


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
        """SELECT a.seq FROM current_aliases AS a
           JOIN alias_chains AS chain
               ON chain.name_id = a.name_id AND chain.step_id NOT IN (SELECT name_id FROM current_aliases)
           WHERE (SELECT canonical_id FROM current_resolutions WHERE name_id = a.name_id) IS NOT chain.step_id
           UNION ALL
           SELECT seq FROM name_resolutions
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
        with write_transaction(target):
            projector = Projector(target)
            for row in source.execute("SELECT seq, payload, prev_hash, hash FROM journal ORDER BY seq"):
                projector.project(row, json.loads(row[1]))
            projector.flush()
        return target.execute("SELECT count(*) FROM journal").fetchone()[0]
    finally:
        source.close()
