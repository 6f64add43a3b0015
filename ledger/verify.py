"""Everything `ledger verify` checks, and the check itself.

The chain is re-hashed in Python while SQLite checks the schema and the projections, each
part on a connection of its own in a thread of its own (SQLite lets go of Python's lock
while it works), so the parts run at the same time. The problem reported is the first one
in the order of the parts: the chain, the schema, the projections, then the names.
"""

import concurrent.futures
import functools
import sqlite3

from .database import connect, schema_statements
from .errors import ChainBroken, LedgerError
from .journal import GENESIS_HASH, chain_hash
from .records import LARGEST_ID


def verify(path, digest=None):
    """Check the ledger at `path`; returns (entries, head hash) or raises ChainBroken naming
    the first problem. With `digest` (SEQ:HASH), also that entry SEQ still has HASH."""
    parts = [check_chain, check_schema]
    parts += [functools.partial(check_projections, groups=[group]) for group in PROJECTION_CHECK_GROUPS]
    parts.append(check_resolutions)
    with concurrent.futures.ThreadPoolExecutor(len(parts)) as pool:
        results = [pool.submit(_on_own_connection, path, part) for part in parts]
        count, head = results[0].result()
        for result in results[1:]:
            result.result()
    if digest:
        _on_own_connection(path, functools.partial(check_digest, digest=digest))
    return count, head


def _on_own_connection(path, check):
    conn = connect(path)
    try:
        return check(conn)
    finally:
        conn.close()


def check_chain(conn):
    """Re-check every entry's place and hash; returns (count, head hash) or raises ChainBroken.

    The form of each payload is checked in SQL with the projections (projections.py)."""
    # Where seq first skips a number, found in SQL so that the loop need not count.
    gap = conn.execute(
        "SELECT seq + 1, (SELECT min(seq) FROM journal AS later WHERE later.seq > j.seq) FROM journal AS j"
        " WHERE seq + 1 NOT IN (SELECT seq FROM journal) AND seq < (SELECT max(seq) FROM journal)"
        " UNION ALL SELECT 1, min(seq) FROM journal HAVING min(seq) <> 1 ORDER BY 1 LIMIT 1"
    ).fetchone()
    seq, prev = 0, GENESIS_HASH.encode()
    # Read as bytes: each payload is hashed as its UTF-8 bytes, and decoding it to text first
    # would cost much of the check.
    query = "SELECT CAST(payload AS BLOB), CAST(prev_hash AS BLOB), CAST(hash AS BLOB) FROM journal WHERE seq < ? ORDER BY seq"
    for seq, (payload, prev_hash, digest) in enumerate(conn.execute(query, (gap[0] if gap else 2**63 - 1,)), 1):
        if prev_hash != prev:
            raise ChainBroken(f"seq {seq}: prev_hash does not match the hash of seq {seq - 1}")
        if chain_hash(prev, payload) != digest:
            raise ChainBroken(f"seq {seq}: hash does not match its payload")
        prev = digest
    if gap:
        raise ChainBroken(f"seq {gap[0]}: missing (the next entry is seq {gap[1]})")
    return seq, prev.decode()


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
                c.text IS NOT {_field("claim")} OR c.key IS NOT ledger_claim_key(c.text)
                -- the wording displayed is the first one recorded
                OR c.seq IS NOT (SELECT min(seq) FROM attribution_records WHERE claim_id = c.id) END
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
                     OR {_TYPE} NOT IN ({", ".join(f"'{t}'" for t in ENTRY_TABLES)})
                     OR json_type(j.payload, '$.recorded_at') IS NOT 'text'
                    THEN 'payload is not the canonical JSON of a known entry type'
                WHEN {_TYPE} IN ('attribution', 'correction') AND r.seq IS NULL
                    THEN 'attribution_records has no row for this entry'
                WHEN r.seq IS NOT NULL AND (
                        {_TYPE} NOT IN ('attribution', 'correction')
                        OR NOT ((SELECT text FROM claim_texts WHERE id = r.claim_id) = {_field("claim")}
                                OR (SELECT key FROM claim_texts WHERE id = r.claim_id)
                                   = ledger_claim_key({_field("claim")}))
                        OR {_named("r.outlet_id", "outlet")} OR {_named("r.speaker_id", "speaker")}
                        OR {_named("r.via_id", "via")}
                        OR r.date IS NOT {_field("date")} OR r.stance IS NOT {_field("stance")})
                    THEN 'attribution_records row does not match its journal entry'
                {
            " ".join(
                f"WHEN {_TYPE} = '{t}' AND j.seq NOT IN (SELECT seq FROM {table}) THEN '{table} has no row for this entry'"
                for t, table in ENTRY_TABLES.items()
                if t != "attribution"
            )
        }
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
                   OR t.target IS NOT {_field("target")} OR t.reason IS NOT {_field("reason")}
                ORDER BY t.seq LIMIT 1""",
            f"{_table} row does not match its journal entry",
        )
    )

_OTHER_ROWS += [
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
    (
        "SELECT NULL, rowid FROM attribution_search WHERE rowid NOT IN (SELECT seq FROM attribution_records) LIMIT 1",
        "attribution_search: row {} belongs to no attribution",
    ),
    (
        "SELECT NULL, rowid FROM claim_search WHERE rowid NOT IN (SELECT id FROM claim_texts) LIMIT 1",
        "claim_search: row {} belongs to no claim",
    ),
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
    """Every table, view, index and trigger of schema.sql is in place, exactly as written there,
    and none beside them: an index of someone else's can make the ledger refuse honest appends,
    and a table or view beside the projections would be published as if it were one."""
    expected = _schema_objects(_reference_schema())
    actual = _schema_objects(conn)
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
