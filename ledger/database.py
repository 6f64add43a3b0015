"""The database: opening a ledger, its pragmas and transactions, and schema.sql.

Appends run inside `BEGIN IMMEDIATE`, which takes the write lock before the chain's tip is
read, so two writers can never both extend the same entry (the journal, `journal.py`).
"""

import contextlib
import itertools
import os
import re
import sqlite3
import time
from pathlib import Path

from .errors import LedgerError
from .records import claim_key

SCHEMA_PATH = Path(__file__).with_name("schema.sql")


BUSY_TIMEOUT_MS = 60_000


LOCK_RETRIES = 20


# Pages of 16 KiB rather than SQLite's 4: an import writes a quarter as many pages, and
# splits its b-trees less often (docs/benchmarks.md); Datasette's pages are no slower.
PAGE_SIZE = 16_384


# 64 MiB of page cache rather than 2: a big import keeps more index pages in memory instead
# of spilling them again and again.
CACHE_SIZE = -65536


def schema_statements():
    """schema.sql split into statements, in order (triggers keep their BEGIN ... END)."""
    statements, pending = [], ""
    for line in SCHEMA_PATH.read_text(encoding="utf-8").splitlines(keepends=True):
        if not pending and (not line.strip() or line.lstrip().startswith("--")):
            continue
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    if pending.strip():
        raise LedgerError(f"{SCHEMA_PATH}: unfinished statement at the end")
    return statements


# What a first import makes once, after its last entry, rather than for every row:
# - what keeps the journal one chain, besides its primary key: the UNIQUE indexes on
#   prev_digest and digest, and the trigger that lets an entry only extend the newest one;
# - the indexes that only reading uses, and those by claim and by claim key, which an import
#   into an empty journal only needs to look up a record it may have written already: made at
#   once the first time it does (`made_now`);
# - the triggers that stop INSERT OR REPLACE on the tables an import fills, which the
#   import's own inserts (OR FAIL, on keys it gives out itself) never are.
MADE_AT_THE_END = {
    "journal_prev_digest": "INDEX",
    "journal_digest": "INDEX",
    "journal_extends_chain": "TRIGGER",
    "claim_texts_key": "INDEX",
    "attribution_records_claim": "INDEX",
    "attribution_records_stance": "INDEX",
    "attribution_records_outlet": "INDEX",
    "names_no_replace": "TRIGGER",
    "claim_texts_no_replace": "TRIGGER",
    "attribution_records_no_replace": "TRIGGER",
}


SORT_CACHE_SIZE = -8192  # 8 MiB


_CREATED_NAME = re.compile(r"CREATE (?:UNIQUE )?(?:INDEX|TRIGGER) (\w+)")


@contextlib.contextmanager
def made_at_the_end(conn):
    """Inside a write transaction that fills an empty journal: the indexes and triggers of
    MADE_AT_THE_END are dropped, and made again from schema.sql when the block has written
    every entry.

    Sorting a million random hashes once costs far less than a million inserts at random
    places in two indexes, with a trigger run for each. The guarantees hold where anyone
    can see them: nobody else writes until COMMIT or reads the transaction before it, an
    error rolls it back with everything in place, and making the UNIQUE indexes again checks
    every hash. The entries written meanwhile are the Appender's, each extending the one
    before, as the trigger would have required. One that a lookup needs sooner is made then
    (`made_now`), and not again."""
    for name, kind in MADE_AT_THE_END.items():
        conn.execute(f"DROP {kind} {name}")
    yield
    making = _statements_making()
    statements = [making[name] for name in MADE_AT_THE_END if not _exists(conn, name)]
    # SQLite sorts in as much memory as the page cache may hold: with the cache cut down
    # meanwhile, the sort uses what the cache lets go of instead of as much again. Its sorter
    # may share the work with helper threads (none by default): the other cores would
    # otherwise wait.
    cache_size = conn.execute("PRAGMA cache_size").fetchone()[0]
    conn.execute(f"PRAGMA cache_size = {SORT_CACHE_SIZE}")
    conn.execute(f"PRAGMA threads = {max(1, (os.cpu_count() or 1) - 1)}")
    try:
        for statement in statements:
            conn.execute(statement)
    finally:
        conn.execute(f"PRAGMA cache_size = {cache_size}")
        conn.execute("PRAGMA threads = 0")


def made_now(conn, name):
    """Make the index or trigger `name` of schema.sql, which `made_at_the_end` left to the end of
    this transaction, if it is not there: a lookup needs it sooner."""
    if not _exists(conn, name):
        conn.execute(_statements_making()[name])


def _statements_making():
    """The statement of schema.sql that makes each index and trigger, by its name."""
    return {match.group(1): statement for statement in schema_statements() if (match := _CREATED_NAME.match(statement))}


def _exists(conn, name):
    return conn.execute("SELECT 1 FROM sqlite_schema WHERE name = ?", (name,)).fetchone() is not None


@contextlib.contextmanager
def checks_left_to_the_import(conn):
    """Inside an import's write transaction: the CHECK constraints of schema.sql are not run
    on the rows it writes, and run again afterwards, whatever happens.

    They hold already: every row an import writes is made by this package from a record
    that passed `clean_record`, its payload by `attribution_json` or `canonical_json` and its
    hashes by SHA-256. The constraints are there for other writers, and nobody else writes
    until COMMIT. Checking that each payload is JSON was much of the journal's writing time
    (docs/benchmarks.md). `verify` still checks the form of every payload and every row against its entry."""
    conn.execute("PRAGMA ignore_check_constraints = ON")
    try:
        yield
    finally:
        conn.execute("PRAGMA ignore_check_constraints = OFF")


@contextlib.contextmanager
def rollback_journal_while_empty(conn):
    """Around a first import, when no other connection has the ledger open: the rollback
    journal instead of the WAL, and the WAL again afterwards.

    Pages added to an empty file need no copy in a rollback journal, so each is written
    once; through the WAL, every page of the import is written twice (into the WAL, then
    back into the file), a seventh of a large import's time. What is given up: while the
    import runs, a reader that connects waits for it instead of seeing the empty ledger.
    Called outside a transaction; an import that finds the journal filled meanwhile is
    only slower. If the WAL cannot be set again at once, the next `connect` sets it."""
    empty = conn.execute("SELECT 1 FROM journal LIMIT 1").fetchone() is None
    switched = empty and _set_journal_mode(conn, "delete")
    try:
        yield
    finally:
        if switched:
            _set_journal_mode(conn, "wal")


def _set_journal_mode(conn, mode):
    """Whether the ledger is now in journal mode `mode`; never waits for another connection
    (one that has the ledger open keeps it in WAL mode)."""
    conn.execute("PRAGMA busy_timeout = 0")
    try:
        return conn.execute(f"PRAGMA journal_mode = {mode}").fetchone()[0] == mode
    except sqlite3.OperationalError:  # locked: another connection has the file open
        return False
    finally:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


def connect(path, create=False):
    """Open a ledger; with `create`, make it from schema.sql if it does not exist yet."""
    return open_ledger(path, create)[0]


def open_ledger(path, create=False):
    """(connection, created): `connect`, and whether it made the ledger from schema.sql."""
    path = Path(path)
    if not create and not path.exists():
        raise LedgerError(f"no ledger at {path} (create one with `ledger init`)")
    if not path.parent.is_dir():
        raise LedgerError(f"{path}: there is no folder {path.parent} to hold it")
    # check_same_thread=False: an import's batches are written by a thread of their own
    # (projections.Projector); SQLite serialises the calls on one connection.
    read_only = path.exists() and not os.access(path, os.W_OK)  # an archive, a read-only mount
    try:
        conn = sqlite3.connect(
            _read_only_uri(path) if read_only else path,
            uri=read_only,
            isolation_level=None,
            timeout=BUSY_TIMEOUT_MS / 1000,
            check_same_thread=False,
        )
    except sqlite3.OperationalError as error:
        raise LedgerError(f"{path}: cannot be opened ({error})") from None
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.create_function("ledger_claim_key", 1, claim_key, deterministic=True)
    try:
        conn.execute(f"PRAGMA cache_size = {CACHE_SIZE}")
        is_ledger = has_journal(conn)
    except sqlite3.DatabaseError as error:
        conn.close()
        if "locked" in str(error):  # a first import holds it (see rollback_journal_while_empty)
            raise LedgerError(f"{path} stayed locked by another writer: {error}") from None
        raise LedgerError(f"{path}: not a ledger database ({error})") from None
    if not is_ledger:
        try:
            if not create:
                raise LedgerError(f"{path} is not a ledger: it has no journal table")
            return conn, create_schema(conn, path)
        except LedgerError:
            conn.close()
            raise
    if not read_only and conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":  # a stopped first import's
        _set_journal_mode(conn, "wal")
    return conn, False


def _read_only_uri(path):
    """A ledger that cannot be written here is read as it is: with its -wal file where one was
    left beside it, else as immutable, which needs no -shm file (none could be made)."""
    mode = "mode=ro" if Path(f"{path}-wal").exists() else "immutable=1"
    return f"{path.resolve().as_uri()}?{mode}"


def has_journal(conn):
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'journal'").fetchone() is not None


def create_schema(conn, path):
    """Apply schema.sql once, even when several processes create the same file at once: the
    file is looked at inside the write transaction, where another creator has either made the
    whole ledger or nothing yet. Refuses a file that holds other tables."""
    conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # does nothing once another creator has written the file
    # Again: SQLite counted the cache's pages in the size they had, so 16 KiB pages would
    # have taken four times the memory.
    conn.execute(f"PRAGMA cache_size = {CACHE_SIZE}")
    _set_journal_mode(conn, "wal")  # another creator may hold the lock; it sets WAL
    with write_transaction(conn):
        if has_journal(conn):
            return False
        if conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise LedgerError(f"{path} is not a ledger: it has no journal table")
        for statement in schema_statements():
            conn.execute(statement)
    return True


@contextlib.contextmanager
def write_transaction(conn):
    """BEGIN IMMEDIATE (retried while another writer holds the lock), COMMIT or ROLLBACK."""
    for attempt in range(LOCK_RETRIES):
        try:
            conn.execute("BEGIN IMMEDIATE")
            break
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) and "busy" not in str(error):
                raise
            if attempt == LOCK_RETRIES - 1:
                raise LedgerError(f"the ledger stayed locked by another writer: {error}") from None
            time.sleep(min(0.05 * 2**attempt, 2.0))
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException as error:
        if conn.in_transaction:  # SQLite rolls some failures back itself (a full disk may be one)
            conn.execute("ROLLBACK")
        if isinstance(error, sqlite3.OperationalError) and "full" in str(error):
            raise LedgerError(f"the ledger could not be written: {error}; nothing was written") from None
        if isinstance(error, sqlite3.OperationalError) and "readonly" in str(error):
            raise LedgerError("the ledger is read-only here (a read-only file or mount): nothing was written") from None
        raise


def batch_insert(table, columns, texts=(), digests=(), or_fail=True):
    """An INSERT of a whole batch of rows, and the names of its texts and digests: `columns`
    come from one JSON array of row arrays; each of the long `texts` (UTF-8 bytes) from one
    blob of them all, with the place where each row's starts; each of the `digests` from one
    blob of them all, 32 bytes each (`_Batch.statements`). A text taken out of a blob by
    its place is neither escaped by Python nor unescaped by SQLite, as one inside JSON is.

    The rows go in as json_each walks the array, in order, with no ORDER BY key: SQLite would
    sort every batch again, payloads and all, into the order it is in. Every row gives its
    own ids, so its order changes no row written; only the journal's trigger depends on it,
    and would refuse an entry out of order rather than let it in."""
    values = [f"json_extract(value, '$[{i}]')" for i in range(len(columns))]
    values += [
        f"CAST(substr(:{text}, {_start(text, 0)}, {_start(text, 1)} - {_start(text, 0)}) AS TEXT)" for text in texts
    ]
    values += [f"substr(:{name}, key * 32 + 1, 32)" for name in digests]
    verb = "INSERT OR FAIL" if or_fail else "INSERT"
    sql = (
        f"{verb} INTO {table} ({', '.join([*columns, *texts, *digests])}) SELECT {', '.join(values)}"
        " FROM json_each(:rows)"
    )
    return sql, texts, digests


def _start(text, row):
    """Where the text of row `key` (row 0), or of the row after it (row 1), starts in its blob."""
    return f"CAST(substr(:{text}_starts, (key + {row}) * 10 + 1, 10) AS INTEGER)"


def text_starts(encoded):
    """Where each text starts in the blob of them all (from 1), then where the blob ends,
    ten digits each."""
    starts = tuple(itertools.accumulate(map(len, encoded), initial=1))
    return (b"%010d" * len(starts)) % starts
