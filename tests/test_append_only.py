"""What the database itself refuses, seen through a plain sqlite3 connection that
never set PRAGMA recursive_triggers (so INSERT OR REPLACE would bypass DELETE triggers)."""

import sqlite3

import pytest

from ledger.db import Ledger

from .helpers import SAMPLE

TABLES = {
    # table: (a column to update, the columns an INSERT writes)
    "journal": ("payload", "seq, payload, prev_digest, digest"),  # prev_hash and hash are computed from these
    "names": ("name", "*"),
    "claim_texts": ("text", "*"),
    "attribution_records": ("stance", "*"),
    "retractions": ("reason", "*"),
    "corrections": ("reason", "*"),
    "name_aliases": ("of_id", "*"),
    "name_groups": ("group_id", "*"),
    "group_canonicals": ("canonical_id", "*"),
    "fact_checkers": ("name_id", "*"),
    "document_records": ("title", "*"),
    "anchors": ("quote_start", "*"),
}


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "ledger.db"
    with Ledger(path, create=True) as ledger:
        first, _ = ledger.add(SAMPLE)
        second, _ = ledger.add({**SAMPLE, "outlet": "Global Times", "stance": "reports"})
        ledger.retract(first, "misread")
        ledger.correct(second, "wrong date", {"date": "2024-07-31"})
        ledger.alias("Hill", "Yván Gil")
        ledger.fact_checker("Chequeado")
        ledger.add_documents([("Peru was the first to recognise González, the BBC said.\n", {"title": "BBC"})])
        ledger.add({**SAMPLE, "outlet": "El Peruano", "document": "7", "quote": "the first to recognise González"})
    conn = sqlite3.connect(path, isolation_level=None)
    assert conn.execute("PRAGMA recursive_triggers").fetchone()[0] == 0
    yield conn
    conn.close()


def rows(db, table):
    return db.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()


# The triggers refuse with RAISE(FAIL), which keeps what a statement changed before the
# refused row; a BEFORE trigger refuses the first row, so a refused statement changes nothing.
@pytest.mark.parametrize("table", TABLES)
def test_update_is_refused(db, table):
    column, before = TABLES[table][0], rows(db, table)
    with pytest.raises(sqlite3.IntegrityError, match=f"{table} is append-only: .* cannot be updated"):
        db.execute(f"UPDATE {table} SET {column} = {column}")
    assert rows(db, table) == before


@pytest.mark.parametrize("table", TABLES)
def test_delete_is_refused(db, table):
    before = rows(db, table)
    with pytest.raises(sqlite3.IntegrityError, match=f"{table} is append-only: .* cannot be deleted"):
        db.execute(f"DELETE FROM {table}")
    assert rows(db, table) == before


@pytest.mark.parametrize("table", TABLES)
def test_insert_or_replace_of_every_row_changes_nothing(db, table):
    before = rows(db, table)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute(f"INSERT OR REPLACE INTO {table} SELECT {TABLES[table][1]} FROM {table}")
    assert rows(db, table) == before


@pytest.mark.parametrize("table", TABLES)
def test_insert_or_replace_cannot_overwrite(db, table):
    row = db.execute(f"SELECT {TABLES[table][1]} FROM {table} LIMIT 1").fetchone()
    assert row is not None
    before = rows(db, table)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute(f"INSERT OR REPLACE INTO {table} VALUES ({', '.join('?' * len(row))})", row)
    assert rows(db, table) == before


def test_journal_refuses_an_entry_that_does_not_extend_the_tip(db):
    seq, head = db.execute("SELECT seq, digest FROM journal ORDER BY seq DESC LIMIT 1").fetchone()
    with pytest.raises(sqlite3.IntegrityError, match="must extend the newest entry"):
        db.execute("INSERT INTO journal VALUES (?, '{}', ?, ?)", (seq + 2, head, b"a" * 32))
    with pytest.raises(sqlite3.IntegrityError, match="must extend the newest entry"):
        db.execute("INSERT INTO journal VALUES (?, '{}', ?, ?)", (seq + 1, bytes(32), b"a" * 32))


def test_retracting_a_superseded_attribution_is_refused_by_the_database(db):
    target = db.execute("SELECT target FROM corrections").fetchone()[0]
    with pytest.raises(sqlite3.IntegrityError, match="only a current attribution"):
        db.execute("INSERT INTO retractions (seq, target, reason) VALUES (999, ?, 'x')", (target,))
