"""A ledger of the previous layout, whose journal stored its hashes as hex text, rewritten
into the current one (schema.sql: the digests stored, the hex computed from them) by its
first write, in that write's transaction: the entries, their seqs and hashes are the same,
and no projection is touched, as none holds a hash."""

import re

from .database import schema_statements
from .errors import ChainBroken, LedgerError

# The journal's table, indexes and triggers as schema.sql made them with the hashes as hex
# text (user_version 1). Only a journal made exactly so is migrated: the rewrite makes its
# guards again, which would hide one dropped or weakened behind the ledger's back.
HEX_JOURNAL = (
    """CREATE TABLE journal (
    seq INTEGER PRIMARY KEY CHECK (seq >= 1),
    payload TEXT NOT NULL CHECK (json_valid(payload)),
    prev_hash TEXT NOT NULL CHECK (length(prev_hash) = 64),
    hash TEXT NOT NULL CHECK (length(hash) = 64 AND hash NOT GLOB '*[^0-9a-f]*')
)""",
    "CREATE UNIQUE INDEX journal_prev_hash ON journal(prev_hash)",
    "CREATE UNIQUE INDEX journal_hash ON journal(hash)",
    """CREATE TRIGGER journal_extends_chain BEFORE INSERT ON journal
WHEN NEW.seq IS NOT (SELECT coalesce(max(seq), 0) + 1 FROM journal)
  OR NEW.prev_hash IS NOT coalesce((SELECT hash FROM journal ORDER BY seq DESC LIMIT 1),
                                   '0000000000000000000000000000000000000000000000000000000000000000')
  OR EXISTS (SELECT 1 FROM journal WHERE hash = NEW.hash)
BEGIN
    SELECT RAISE(FAIL, 'journal is append-only: a new entry must extend the newest entry');
END""",
    """CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
BEGIN SELECT RAISE(FAIL, 'journal is append-only: entries cannot be updated'); END""",
    """CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
BEGIN SELECT RAISE(FAIL, 'journal is append-only: entries cannot be deleted'); END""",
)

MIGRATED_AT_ONCE = 50_000  # entries

_NOT_HEX = "length({0}) <> 64 OR {0} GLOB '*[^0-9a-f]*'"


def holds_hex_hashes(conn):
    """Whether the ledger's journal stores its hashes as hex text: it has no digest column."""
    return conn.execute("SELECT 1 FROM pragma_table_xinfo('journal') WHERE name = 'digest'").fetchone() is None


def _is_hex_journal(conn):
    """Whether the journal's table, indexes and triggers are exactly HEX_JOURNAL's."""
    return {sql for (sql,) in conn.execute("SELECT sql FROM sqlite_schema WHERE tbl_name = 'journal'")} == set(
        HEX_JOURNAL
    )


def refuse_hex_hashes(conn):
    """What `verify` says of a journal that stores its hashes as hex, whose digests are not
    there to check: that the next write migrates it, or for a journal that is not exactly the
    previous layout, that `ledger rebuild` copies it."""
    if not holds_hex_hashes(conn):
        return
    if _is_hex_journal(conn):
        raise ChainBroken(
            "table journal: its hashes are stored as hex text, the layout before digests: the ledger's next "
            "write migrates it (CHANGELOG.md); nothing was checked"
        )
    raise ChainBroken(
        "table journal: its hashes are stored as hex text, in a layout other than the one a write migrates: "
        "`ledger rebuild NEW.db` copies it into the current layout; nothing was checked"
    )


def migrate(conn):
    """Inside a write transaction: a journal of the previous layout rewritten into the current
    one, the same entries with their hashes stored as digests; nothing else changes. A journal
    of the current layout is left as it is.

    The table is renamed, a new one made from schema.sql is filled from it in seq order, and
    the old one is dropped; the indexes and triggers of schema.sql are made after the rows,
    each index sorted once. The views and foreign keys that name `journal` keep naming it (a
    legacy renaming, with foreign keys off as the ledger keeps them), and so read the new table."""
    if not holds_hex_hashes(conn):
        return
    if not _is_hex_journal(conn):
        raise LedgerError(
            "table journal: neither this version's layout nor the previous one, so it is not migrated; nothing "
            "was written (`ledger rebuild NEW.db` copies the journal into the current layout)"
        )
    row = conn.execute(
        f"SELECT seq FROM journal WHERE {_NOT_HEX.format('prev_hash')} OR {_NOT_HEX.format('hash')} ORDER BY seq"
    ).fetchone()
    if row is not None:
        raise LedgerError(
            f"seq {row[0]}: prev_hash or hash is not 64 lower-case hex digits, so the journal is not migrated; "
            "nothing was written"
        )
    for kind, name in conn.execute(
        "SELECT type, name FROM sqlite_schema WHERE tbl_name = 'journal' AND type IN ('index', 'trigger')"
    ).fetchall():
        conn.execute(f"DROP {kind} {name}")
    conn.execute("PRAGMA legacy_alter_table = ON")
    try:
        conn.execute("ALTER TABLE journal RENAME TO hex_journal")
    finally:
        conn.execute("PRAGMA legacy_alter_table = OFF")
    table, *guards = [statement for statement in schema_statements() if _JOURNAL_OBJECT.match(statement)]
    conn.execute(table)
    conn.create_function("ledger_digest", 1, bytes.fromhex, deterministic=True)
    # A part at a time, each deleted once copied: the pages it frees take the next part, so
    # the file does not grow by a second journal.
    low, high = conn.execute("SELECT min(seq), max(seq) FROM hex_journal").fetchone()
    for first in range(low or 0, (high or 0) + 1, MIGRATED_AT_ONCE):
        part = (first, first + MIGRATED_AT_ONCE - 1)
        conn.execute(
            "INSERT INTO journal (seq, payload, prev_digest, digest) SELECT seq, payload, ledger_digest(prev_hash),"
            " ledger_digest(hash) FROM hex_journal WHERE seq BETWEEN ? AND ? ORDER BY seq",
            part,
        )
        conn.execute("DELETE FROM hex_journal WHERE seq BETWEEN ? AND ?", part)
    conn.execute("DROP TABLE hex_journal")
    for statement in guards:
        conn.execute(statement)
    conn.execute(next(statement for statement in schema_statements() if statement.startswith("PRAGMA user_version")))


# The journal's table, and the indexes and triggers named after it, in schema.sql.
_JOURNAL_OBJECT = re.compile(r"CREATE (?:TABLE|(?:UNIQUE )?INDEX|TRIGGER) journal[ _]")
