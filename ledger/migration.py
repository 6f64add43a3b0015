"""A ledger of a previous layout rewritten into the current one (schema.sql) by its first
write, in that write's transaction:
- a journal that stored its hashes as hex text (user_version 1) stores their digests and
  computes the hex from them: the entries, their seqs and hashes are the same;
- claim_texts, whose key was UNIQUE by a constraint in the table (user_version 1 and 2),
  has it by an index of its own: the same rows.
No other table is touched."""

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
    return _held_sql(conn, "journal") == set(HEX_JOURNAL)


def _held_sql(conn, table):
    """The SQL of `table`, its indexes and triggers, as the ledger holds them (None for an
    index SQLite made for a constraint)."""
    return {sql for (sql,) in conn.execute("SELECT sql FROM sqlite_schema WHERE tbl_name = ?", (table,))}


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
    """Inside a write transaction: what a previous layout holds rewritten into the current one
    (the module's docstring); a ledger of the current layout is left as it is."""
    migrated = [_migrate_journal(conn), _migrate_claim_texts(conn)]
    if any(migrated):
        conn.execute(
            next(statement for statement in schema_statements() if statement.startswith("PRAGMA user_version"))
        )


def _migrate_journal(conn):
    """A journal of the previous layout rewritten into the current one, the same entries with
    their hashes stored as digests; returns whether there was one to rewrite.

    The table is renamed, a new one made from schema.sql is filled from it in seq order, and
    the old one is dropped; the indexes and triggers of schema.sql are made after the rows,
    each index sorted once."""
    if not holds_hex_hashes(conn):
        return False
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
    _rename_for_a_new_table(conn, "journal", "hex_journal")
    table, *guards = _statements_of("journal")
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
    return True


# claim_texts as schema.sql made it while its key was UNIQUE by a constraint in the table
# (user_version 1 and 2), whose triggers are still schema.sql's. Only a table made exactly so
# is migrated, for the same reason as the journal.
UNIQUE_KEY_CLAIM_TEXTS = """CREATE TABLE claim_texts (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    text TEXT NOT NULL,
    seq INTEGER NOT NULL REFERENCES journal(seq)
)"""


def holds_unique_key_claims(conn):
    """Whether the ledger's claim_texts has no index of its own on its key: the layout before it."""
    return conn.execute("SELECT 1 FROM sqlite_schema WHERE name = 'claim_texts_key'").fetchone() is None


def _is_unique_key_claims(conn):
    """Whether claim_texts, its index and triggers are exactly UNIQUE_KEY_CLAIM_TEXTS's (the
    index SQLite made for the constraint has no SQL)."""
    triggers = [  # as SQLite keeps them, without the closing semicolon
        statement.rstrip(";") for statement in _statements_of("claim_texts") if statement.startswith("CREATE TRIGGER")
    ]
    return _held_sql(conn, "claim_texts") == {UNIQUE_KEY_CLAIM_TEXTS, None, *triggers}


def as_held_until_migrated(conn, objects):
    """schema.sql's `objects` ({(kind, name): sql}) as this ledger holds them if it is of a
    layout its next write migrates, which `verify` checks as it is: claim_texts of the
    previous layout (its key's UNIQUE holds the same rows to the same rule)."""
    if holds_unique_key_claims(conn) and _is_unique_key_claims(conn):
        objects = {**objects, ("table", "claim_texts"): UNIQUE_KEY_CLAIM_TEXTS}
        del objects[("index", "claim_texts_key")]
    return objects


def _migrate_claim_texts(conn):
    """claim_texts of the previous layout rewritten into the current one, the same rows with
    their key UNIQUE by an index of its own; returns whether there was one to rewrite."""
    if not holds_unique_key_claims(conn):
        return False
    if not _is_unique_key_claims(conn):
        raise LedgerError(
            "table claim_texts: neither this version's layout nor the previous one, so it is not migrated; nothing "
            "was written (`ledger rebuild NEW.db` copies the journal into the current layout)"
        )
    _rename_for_a_new_table(conn, "claim_texts", "unique_key_claim_texts")
    table, *guards = _statements_of("claim_texts")
    conn.execute(table)
    conn.execute("INSERT INTO claim_texts (id, key, text, seq) SELECT id, key, text, seq FROM unique_key_claim_texts")
    conn.execute("DROP TABLE unique_key_claim_texts")
    for statement in guards:
        conn.execute(statement)
    return True


def _rename_for_a_new_table(conn, table, renamed):
    """Rename `table` to `renamed`, dropping its indexes and triggers, so that schema.sql can
    make it again. The views and foreign keys that name `table` keep naming it (a legacy
    renaming, with foreign keys off as the ledger keeps them), and so read the new table."""
    for kind, name in conn.execute(
        "SELECT type, name FROM sqlite_schema WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL",
        (table,),
    ).fetchall():
        conn.execute(f"DROP {kind} {name}")
    conn.execute("PRAGMA legacy_alter_table = ON")
    try:
        conn.execute(f"ALTER TABLE {table} RENAME TO {renamed}")
    finally:
        conn.execute("PRAGMA legacy_alter_table = OFF")


def _statements_of(table):
    """The statements of schema.sql that make `table`, then the indexes and triggers named after it."""
    named = re.compile(rf"CREATE (?:TABLE|(?:UNIQUE )?INDEX|TRIGGER) {table}[ _]")
    return [statement for statement in schema_statements() if named.match(statement)]
