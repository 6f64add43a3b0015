"""What SQLite checks beside the journal's reading: the schema against schema.sql, the file's
structure, and the projection rows that the reading does not compare, each against its entry."""

import collections
import functools
import random
import sqlite3

from ..database import schema_statements
from ..errors import ChainBroken, LedgerError
from ..journal import GENESIS_HASH, SEARCH_TEXTS
from ..migration import as_held_until_migrated
from ..records import LARGEST_ID
from .anchors import check_anchors


def check_digest(conn, digest):
    """The ledger still holds entry SEQ with HASH, so it extends the copy the digest came from."""
    seq_text, _, expected = digest.partition(":")
    if not seq_text.isdigit() or len(expected) != 64:
        raise LedgerError(f"{digest!r} is not a digest of the form SEQ:HASH")
    seq = int(seq_text)
    if seq == 0:
        if expected != GENESIS_HASH:
            raise ChainBroken("seq 0: the empty ledger's digest is 0:" + GENESIS_HASH)
        return
    row = conn.execute("SELECT hash FROM journal WHERE seq = ?", (seq,)).fetchone() if seq <= LARGEST_ID else None
    if row is None:
        raise ChainBroken(f"seq {seq}: missing; the ledger no longer extends the copy this digest was taken from")
    if row[0] != expected:
        raise ChainBroken(f"seq {seq}: hash differs from the digest; the ledger was rewritten since")


_TYPE = "json_extract(j.payload, '$.type')"


def _field(name):
    return f"json_extract(j.payload, '$.{name}')"


def _named(name_id, field):
    """The row's name id does not name the entry's field (names.name is unique)."""
    return f"(SELECT name FROM names WHERE id = {name_id}) IS NOT {_field(field)}"


# Each query selects the seq of the first entry or row that is wrong, with what is wrong.
# The journal's reading has checked that every payload is a valid entry; a check of a row
# that points at an entry that is not JSON skips it, as that reading reports it.
_PAYLOAD_IS_JSON = "json_valid(j.payload)"


_NAMES_AND_CLAIMS = [
    (
        # The row of the claim's first attribution, which the journal's reading compares with its
        # entry, names the claim; that reading compares the claim's text with the entry's claim.
        """SELECT c.seq FROM claim_texts AS c
           WHERE c.key IS NOT ledger_claim_key(c.text)
              OR c.seq IS NOT (SELECT min(seq) FROM attribution_records WHERE claim_id = c.id)
           ORDER BY c.seq LIMIT 1""",
        "claim_texts row does not match its journal entry",
    ),
    (
        f"""SELECT n.seq FROM names AS n LEFT JOIN journal AS j ON j.seq = n.seq
            WHERE j.seq IS NULL OR CASE WHEN {_PAYLOAD_IS_JSON} THEN n.name NOT IN (
                coalesce({_field("outlet")}, ''), coalesce({_field("speaker")}, ''), coalesce({_field("via")}, ''),
                coalesce({_field("name")}, ''), coalesce({_field("of")}, '')) END
            ORDER BY n.seq LIMIT 1""",
        "names row does not match its journal entry",
    ),
]


# The columns of document_records that hold a field of the entry as it is.
DOCUMENT_COLUMNS = ("sha256", "url", "title", "date", "language", "translation_of", "translated_by", "source_sha256")

_OTHER_ROWS = [
    (
        # The journal's reading has found seqs 1 to its newest entry without a gap. Two ranges of
        # seqs, each found at once, where NOT BETWEEN would read every row.
        "SELECT seq FROM attribution_records WHERE seq < 1 OR seq > (SELECT max(seq) FROM journal) LIMIT 1",
        "attribution_records row does not match its journal entry",
    )
]

for _table, _type in (("retractions", "retraction"), ("corrections", "correction")):
    _OTHER_ROWS.append(
        (
            f"""SELECT t.seq FROM {_table} AS t LEFT JOIN journal AS j ON j.seq = t.seq
                WHERE j.seq IS NULL OR {_TYPE} IS NOT '{_type}'
                   OR t.target IS NOT {_field("target")} OR t.reason IS NOT {_field("reason")}
                ORDER BY t.seq LIMIT 1""",
            f"{_table} row does not match its journal entry",
        )
    )

_OTHER_ROWS += [
    (
        f"""SELECT d.seq FROM document_records AS d LEFT JOIN journal AS j ON j.seq = d.seq
            WHERE j.seq IS NULL OR {_TYPE} IS NOT 'document' OR {_named("d.outlet_id", "outlet")}
               OR d.length IS NOT length({_field("text")})
               OR {" OR ".join(f"d.{column} IS NOT {_field(column)}" for column in DOCUMENT_COLUMNS)}
            ORDER BY d.seq LIMIT 1""",
        "document_records row does not match its journal entry",
    ),
    (
        "SELECT seq FROM anchors WHERE seq NOT IN (SELECT seq FROM attribution_records) ORDER BY seq LIMIT 1",
        "anchors row belongs to no attribution",
    ),
    (
        f"""SELECT a.seq FROM name_aliases AS a LEFT JOIN journal AS j ON j.seq = a.seq
            WHERE j.seq IS NULL OR {_TYPE} IS NOT 'alias'
               OR {_named("a.name_id", "name")} OR {_named("a.of_id", "of")}
            ORDER BY a.seq LIMIT 1""",
        "name_aliases row does not match its journal entry",
    ),
    (
        f"""SELECT f.seq FROM fact_checkers AS f LEFT JOIN journal AS j ON j.seq = f.seq
            WHERE j.seq IS NULL OR {_TYPE} IS NOT 'fact_checker' OR {_named("f.name_id", "name")}
            ORDER BY f.seq LIMIT 1""",
        "fact_checkers row does not match its journal entry",
    ),
    (
        """SELECT seq FROM name_groups WHERE seq NOT IN (SELECT seq FROM name_aliases)
           UNION ALL SELECT seq FROM group_canonicals WHERE seq NOT IN (SELECT seq FROM name_aliases)
           ORDER BY 1 LIMIT 1""",
        "the names' groups do not match the aliases",
    ),
    (
        # Looked for only when the counts differ: the search's rows are each an attribution's
        # (below), so as many rows as attributions are one for each.
        """SELECT seq FROM attribution_records
           WHERE (SELECT count(*) FROM attribution_records) <> (SELECT count(*) FROM attribution_search)
             AND seq NOT IN (SELECT rowid FROM attribution_search)
           ORDER BY seq LIMIT 1""",
        "attribution_search has no row for this attribution",
    ),
    (
        """SELECT seq FROM claim_texts
           WHERE (SELECT count(*) FROM claim_texts) <> (SELECT count(*) FROM claim_search)
             AND id NOT IN (SELECT rowid FROM claim_search)
           ORDER BY seq LIMIT 1""",
        "claim_search has no row for this claim",
    ),
    # Rows that belong to no attribution or claim: reported by table, as they have no entry.
    (
        "SELECT NULL, rowid FROM attribution_search WHERE rowid NOT IN (SELECT seq FROM attribution_records) LIMIT 1",
        "attribution_search: row {} belongs to no attribution",
    ),
    (
        "SELECT NULL, rowid FROM claim_search WHERE rowid NOT IN (SELECT id FROM claim_texts) LIMIT 1",
        "claim_search: row {} belongs to no claim",
    ),
]


def check_projections(conn, queries):
    """Projection rows against the journal, in SQL: the first problem of `queries` is reported
    as `seq N: ...`, or `TABLE: ...` for a row that belongs to no entry."""
    for query, problem in queries:
        row = conn.execute(query).fetchone()
        if row is not None:
            where = "" if row[0] is None else f"seq {row[0]}: "
            raise ChainBroken(where + problem.format(*row[1:]))


def check_resolutions(conn):
    """Every name resolves, through the names' groups, to the end of its chain of current
    aliases (a name with none, to itself); each group is as large as it holds names; and no
    chain is a cycle: one pass over the aliases, each name walked once."""
    alias_of = dict(conn.execute("SELECT name_id, of_id FROM current_aliases"))
    seq_of = dict(conn.execute("SELECT name_id, seq FROM current_aliases"))
    resolved = dict(conn.execute("SELECT name_id, canonical_id FROM current_resolutions"))
    canonical = {}
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
    grouped = conn.execute(
        """SELECT m.name_id, m.seq, m.group_id FROM name_groups AS m
           WHERE m.seq = (SELECT max(seq) FROM name_groups WHERE name_id = m.name_id)"""
    ).fetchall()
    wrong = [seq_of[name] for name, end in canonical.items() if resolved.get(name) != end]
    wrong += [seq for name, seq, _ in grouped if resolved.get(name) != canonical.get(name, name)]
    sizes = collections.Counter(group for _, _, group in grouped)
    wrong += [
        seq
        for group, seq, size in conn.execute(
            """SELECT c.group_id, c.seq, c.size FROM group_canonicals AS c
               WHERE c.seq = (SELECT max(seq) FROM group_canonicals WHERE group_id = c.group_id)"""
        )
        if group in sizes and sizes[group] != size
    ]
    if wrong:
        raise ChainBroken(f"seq {min(wrong)}: the names' groups do not match the aliases")


def check_schema(conn, kinds=("table", "view", "index", "trigger")):
    """Every table, view, index and trigger of schema.sql (of `kinds`) is in place, exactly as
    written there, and none beside them: an index of someone else's can make the ledger refuse
    honest appends, and a table or view beside the projections would be published as if it
    were one."""
    expected = as_held_until_migrated(conn, _schema_objects(_reference_schema()))
    expected = {key: sql for key, sql in expected.items() if key[0] in kinds}
    actual = {key: sql for key, sql in _schema_objects(conn).items() if key[0] in kinds}
    for (kind, name), sql in expected.items():
        if (kind, name) not in actual:
            raise ChainBroken(f"{kind} {name}: missing (schema.sql defines it)")
        if actual[(kind, name)] != sql:
            raise ChainBroken(f"{kind} {name}: differs from schema.sql")
    for kind, name in sorted(actual.keys() - expected.keys()):
        raise ChainBroken(f"{kind} {name}: not in schema.sql")


def _reference_schema():
    reference = sqlite3.connect(":memory:")
    for statement in schema_statements():
        reference.execute(statement)
    return reference


def _schema_objects(conn):
    return {
        (kind, name): sql
        for kind, name, sql in conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE type IN ('table', 'view', 'index', 'trigger')"
            " AND sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"  # SQLite's own (sqlite_stat1)
        )
    }


def check_structure(conn):
    """The file's structure: SQLite's own quick_check of every table and its indexes (every
    page and b-tree well formed, every index in order and holding as many entries as its
    table), then every index probed at random rows. A schema that reads exactly as
    schema.sql can still point an index at another index's b-tree (writable_schema):
    quick_check cannot see it, a probe does. The journal's own b-tree is left to the
    journal's reading, which walks it whole; its indexes are counted."""
    # The CHECK constraints are left out: the journal's reading holds each payload and hash to
    # far more than they say, and evaluating them again would cost several times the rest.
    conn.execute("PRAGMA ignore_check_constraints = ON")
    tables = [name for (name,) in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table' AND rootpage > 0")]
    for table in tables:
        if table != "journal":
            problem = conn.execute(f"PRAGMA quick_check('{table}')").fetchone()[0]
            if problem != "ok":
                raise ChainBroken(f"file: SQLite's quick_check fails: {problem}")
    entries = conn.execute("SELECT count(*) FROM journal").fetchone()[0]
    for index in ("journal_prev_digest", "journal_digest"):
        if conn.execute(f"SELECT count(*) FROM journal INDEXED BY {index}").fetchone()[0] != entries:
            raise ChainBroken(f"file: index {index} does not hold one entry for each entry of the journal")
    indexes = conn.execute(
        "SELECT i.name, i.tbl_name FROM sqlite_schema AS i JOIN sqlite_schema AS t ON t.name = i.tbl_name"
        " WHERE i.type = 'index' AND t.type = 'table' AND t.sql NOT LIKE '%WITHOUT ROWID%' ORDER BY i.name"
    ).fetchall()
    for index, table in indexes:
        row = _row_missing_from(conn, index, table)
        if row is not None:
            raise ChainBroken(f"file: index {index} has no entry for row {row} of {table}: its b-tree is not its own")


INDEX_PROBES = 16


def _rowid_range(conn, table):
    """(lowest, highest) rowid of `table`, each found at one end of its b-tree (min and max
    together, or of a search index, would read every row)."""
    ends = [f'(SELECT rowid FROM "{table}" ORDER BY rowid {order} LIMIT 1)' for order in ("ASC", "DESC")]
    return conn.execute(f"SELECT {', '.join(ends)}").fetchone()


def _row_missing_from(conn, index, table):
    """A rowid of `table` among INDEX_PROBES spread at random whose entry `index` lacks, or None."""
    columns = [name for _, _, name in conn.execute(f"PRAGMA index_info('{index}')")]
    if None in columns:  # an index on an expression: none in schema.sql
        return None
    low, high = _rowid_range(conn, table)
    if low is None:
        return None
    listed = ", ".join(f'"{column}"' for column in columns)
    matches = " AND ".join(f'"{column}" IS ?' for column in columns)
    for _ in range(INDEX_PROBES):
        row = conn.execute(
            f'SELECT rowid, {listed} FROM "{table}" NOT INDEXED WHERE rowid >= ? ORDER BY rowid LIMIT 1',
            (random.randint(low, high),),
        ).fetchone()
        found = conn.execute(
            f'SELECT count(*) FROM "{table}" INDEXED BY "{index}" WHERE {matches} AND rowid = ?', (*row[1:], row[0])
        ).fetchone()[0]
        if found != 1:
            return row[0]
    return None


# Each search index, the texts its rows hold, and its columns. The claims' texts were checked
# against the journal with the names and claims.
SEARCHES = (
    ("attribution_search", f"{SEARCH_TEXTS} WHERE r.seq = ?", ("claim", "quote")),
    ("claim_search", "SELECT id, text FROM claim_texts WHERE id = ?", ("text",)),
)
SEARCH_PROBES = 128


def check_search(conn):
    """The search indexes' content at rows spread at random: each probed row holds, column by
    column, the words of its texts in the journal and as many words as they make (its
    docsize). The words are SQLite's own, made by an index of the same definition
    (schema.sql) in memory. Which of a row's words repeats is not checked."""
    reference = sqlite3.connect(":memory:")
    for search, texts, columns in SEARCHES:
        reference.execute(next(text for text in schema_statements() if f"TABLE {search} " in text))
        rows = _rows_at_random(conn, search, SEARCH_PROBES)
        marks = ", ".join("?" * (len(columns) + 1))
        for rowid in rows:
            row = conn.execute(texts, (rowid,)).fetchone()
            if row is not None:  # a row of no attribution or claim is reported by check_projections
                reference.execute(f"INSERT INTO {search} (rowid, {', '.join(columns)}) VALUES ({marks})", row)
        reference.execute(f"CREATE VIRTUAL TABLE temp.{search}_words USING fts5vocab(main, {search}, instance)")
        words = {}
        for term, rowid, column in reference.execute(
            f"SELECT term, doc, col FROM {search}_words ORDER BY doc, col, offset"
        ):
            words.setdefault((rowid, column), []).append(term)
        sizes = f"SELECT sz FROM {search}_docsize WHERE id = ?"
        for rowid in rows:
            if conn.execute(sizes, (rowid,)).fetchone() != reference.execute(sizes, (rowid,)).fetchone() or not all(
                _holds_words(conn, search, rowid, column, words.get((rowid, column), [])) for column in columns
            ):
                raise ChainBroken(f"{search}: row {rowid} does not hold the words of its texts in the journal")
    reference.close()


def _rows_at_random(conn, table, count):
    low, high = _rowid_range(conn, table)
    if low is None:
        return []
    at = f"SELECT rowid FROM {table} WHERE rowid >= ? ORDER BY rowid LIMIT 1"
    return sorted({conn.execute(at, (random.randint(low, high),)).fetchone()[0] for _ in range(count)})


def _holds_words(conn, search, rowid, column, words):
    """Whether row `rowid` of `search` holds each of `words` in `column`: a word at a time,
    which SQLite finds at once where a phrase of common words would cost it seconds."""
    query = f"SELECT count(*) FROM {search} WHERE {search} MATCH ? AND rowid = ?"
    return all(conn.execute(query, (f'{column} : "{word}"', rowid)).fetchone()[0] == 1 for word in set(words))


# What SQLite checks beside the journal's reading, in the order their problems are reported.
# Names and claims come before the attribution rows that the journal's reading compares,
# so that an edited name or claim is named itself rather than through every attribution
# that uses it.
SQL_CHECKS = (
    functools.partial(check_schema, kinds=("view", "index", "trigger")),  # the tables are checked first
    check_structure,
    functools.partial(check_projections, queries=_NAMES_AND_CLAIMS),
    functools.partial(check_projections, queries=_OTHER_ROWS),
    check_search,
    check_anchors,
    check_resolutions,
)
CHECKS_BEFORE_ATTRIBUTIONS = 3


def first_repeated_record(conn):
    """(seq, earlier seq) of the first attribution that repeats an earlier one field for
    field, or None: the journal holds each record once."""
    return conn.execute(
        """SELECT b.seq, a.seq FROM attribution_records AS a
           JOIN attribution_records AS b ON b.claim_id = a.claim_id AND b.date = a.date AND b.stance = a.stance
                AND b.seq > a.seq
           JOIN journal AS ja ON ja.seq = a.seq JOIN journal AS jb ON jb.seq = b.seq
           WHERE json_remove(ja.payload, '$.type', '$.recorded_at', '$.target', '$.reason')
               = json_remove(jb.payload, '$.type', '$.recorded_at', '$.target', '$.reason')
           ORDER BY b.seq LIMIT 1"""
    ).fetchone()
