"""An import writes its rows in batches, each written by a thread of its own while the next
is gathered (projections.Projector). With batches of a few records and small caches, every
record meets batch boundaries and lookups: the results must be those of writing one record
at a time."""

import contextlib
import io
import json
import sqlite3

import pytest

from ledger import database, formats, journal, projections
from ledger.formats.base import Item
from ledger import ImportRefused, LedgerError, Ledger, Refused
from ledger.journal import digest
from ledger.projections import Projector

from .helpers import gen_claims, run_ledger


@pytest.fixture(autouse=True)
def small_batches(monkeypatch):
    monkeypatch.setattr(Projector, "BATCH", 7)
    monkeypatch.setattr(Projector, "CACHE_LIMIT", 5)  # names and claims made here are looked up again


def import_records(path, records):
    data = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records).encode("utf-8")
    with Ledger(path, create=True) as ledger:
        return ledger.import_items(formats.read(io.BytesIO(data), "jsonl"))


def one_at_a_time(path, records):
    with Ledger(path, create=True) as ledger:
        return [ledger.add(record)[1] for record in records]


def table(path, sql):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


PROJECTIONS = {
    "names": "SELECT id, name, seq FROM names ORDER BY id",
    "claims": "SELECT id, key, text, seq FROM claim_texts ORDER BY id",
    "attributions": "SELECT * FROM attribution_records ORDER BY seq",
    "search": "SELECT rowid FROM attribution_search WHERE attribution_search MATCH 'the' ORDER BY rowid",
}


@pytest.mark.parametrize("journal_mode", ["wal", "delete"])
def test_batches_give_what_one_record_at_a_time_gives(tmp_path, monkeypatch, journal_mode):
    records = gen_claims(tmp_path / "records.jsonl", 300, seed=11)
    # Kept in the mode set here (a first import would go through the rollback journal, and
    # `connect` sets the WAL): without the WAL, lookups cannot go to a second connection.
    monkeypatch.setattr(database, "_set_journal_mode", lambda conn, mode: False)
    # Repeats: within a batch, in the batch before (still being written), several batches
    # later; and claims already held.
    later = records[150:200] + records[200:210] * 2 + records[210:] + records[:40] + records[140:160] + records[299:]
    for name in ("batched", "single"):
        with Ledger(tmp_path / f"{name}.db", create=True) as ledger:
            ledger.conn.execute(f"PRAGMA journal_mode = {journal_mode}")
    for part in (records[:150], later):
        result = import_records(tmp_path / "batched.db", part)
        added = one_at_a_time(tmp_path / "single.db", part)
        assert (result.new, result.existing) == (sum(added), len(added) - sum(added))
    for sql in PROJECTIONS.values():
        assert table(tmp_path / "batched.db", sql) == table(tmp_path / "single.db", sql)
    payloads = "SELECT json_remove(payload, '$.recorded_at') FROM journal ORDER BY seq"
    assert table(tmp_path / "batched.db", payloads) == table(tmp_path / "single.db", payloads)
    assert run_ledger(tmp_path / "batched.db", "verify").returncode == 0


def test_a_refusal_while_a_batch_is_written_writes_nothing(tmp_path):
    records = gen_claims(tmp_path / "records.jsonl", 60, seed=12)
    path = tmp_path / "l.db"
    import_records(path, records[:5])
    conn = sqlite3.connect(path, isolation_level=None)
    before = digest(conn)
    conn.execute(
        "CREATE TRIGGER refuse_one BEFORE INSERT ON attribution_records WHEN NEW.seq = 30 "
        "BEGIN SELECT RAISE(FAIL, 'refused in a batch'); END"
    )
    with pytest.raises(Refused, match="refused in a batch"):
        import_records(path, records)
    assert digest(conn) == before
    assert table(path, "SELECT count(*) FROM attribution_records") == [(5,)]
    conn.close()


def schema_of(path):
    return table(path, "SELECT type, name, sql FROM sqlite_master ORDER BY type, name")


def test_a_first_import_makes_what_it_dropped_again(tmp_path):
    records = gen_claims(tmp_path / "records.jsonl", 40, seed=13)
    with Ledger(tmp_path / "fresh.db", create=True):
        pass
    import_records(tmp_path / "imported.db", records)
    assert schema_of(tmp_path / "imported.db") == schema_of(tmp_path / "fresh.db")
    conn = sqlite3.connect(tmp_path / "imported.db")
    seq, prev, head = conn.execute("SELECT seq, prev_digest, digest FROM journal ORDER BY seq DESC LIMIT 1").fetchone()
    with pytest.raises(sqlite3.IntegrityError, match="must extend the newest entry"):
        conn.execute("INSERT INTO journal VALUES (?, '{}', ?, ?)", (seq + 1, bytes(32), b"a" * 32))
    conn.execute("DROP TRIGGER journal_extends_chain")  # to reach the UNIQUE indexes behind it
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE constraint failed: journal.digest"):
        conn.execute("INSERT INTO journal VALUES (?, '{}', ?, ?)", (seq + 1, b"b" * 32, head))
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE constraint failed: journal.prev_digest"):
        conn.execute("INSERT INTO journal VALUES (?, '{}', ?, ?)", (seq + 1, prev, b"c" * 32))
    for table_name in ("names", "claim_texts", "attribution_records"):
        with pytest.raises(sqlite3.IntegrityError, match=f"{table_name} is append-only"):
            conn.execute(f"INSERT OR REPLACE INTO {table_name} SELECT * FROM {table_name} LIMIT 1")
    conn.close()


@pytest.mark.parametrize("again", [False, True])
def test_a_first_import_makes_the_claims_index_early_only_for_a_record_met_again(tmp_path, monkeypatch, again):
    # The lookup of a record written batches before goes by claim: that index and the claims'
    # keys', left to the import's end, are made as soon as one is met, and only then.
    records = gen_claims(tmp_path / "records.jsonl", 40, seed=16)
    made = []
    made_now = database.made_now

    def noting_what_was_there(conn, name):
        made.append((name, in_schema(conn, name)))
        made_now(conn, name)

    monkeypatch.setattr(projections, "made_now", noting_what_was_there)
    part = records + records[3:6] if again else records
    with Ledger(tmp_path / "fresh.db", create=True):
        pass
    result = import_records(tmp_path / "batched.db", part)
    added = one_at_a_time(tmp_path / "single.db", part)
    assert (result.new, result.existing) == (sum(added), len(added) - sum(added)) == (40, 3 if again else 0)
    assert made == ([("claim_texts_key", False), ("attribution_records_claim", False)] if again else [])
    assert schema_of(tmp_path / "batched.db") == schema_of(tmp_path / "fresh.db")
    for sql in PROJECTIONS.values():
        assert table(tmp_path / "batched.db", sql) == table(tmp_path / "single.db", sql)
    assert run_ledger(tmp_path / "batched.db", "verify").returncode == 0


def in_schema(conn, name):
    return conn.execute("SELECT count(*) FROM sqlite_schema WHERE name = ?", (name,)).fetchone()[0] == 1


def test_a_refused_first_import_leaves_the_journals_guards(tmp_path):
    records = gen_claims(tmp_path / "records.jsonl", 40, seed=14)
    with Ledger(tmp_path / "fresh.db", create=True):
        pass
    with Ledger(tmp_path / "refused.db", create=True):
        pass
    with pytest.raises(ImportRefused):
        import_records(tmp_path / "refused.db", records[:30] + [{**records[0], "stance": "maybe"}])
    assert schema_of(tmp_path / "refused.db") == schema_of(tmp_path / "fresh.db")
    assert table(tmp_path / "refused.db", "SELECT count(*) FROM journal") == [(0,)]


def test_a_first_import_goes_through_a_rollback_journal_unless_the_ledger_is_open_elsewhere(tmp_path, monkeypatch):
    modes = []
    made_at_the_end = database.made_at_the_end

    @contextlib.contextmanager
    def noting_the_mode(conn):
        modes.append(conn.execute("PRAGMA journal_mode").fetchone()[0])
        with made_at_the_end(conn):
            yield

    monkeypatch.setattr(database, "made_at_the_end", noting_the_mode)
    records = gen_claims(tmp_path / "records.jsonl", 40, seed=15)
    import_records(tmp_path / "alone.db", records)
    with Ledger(tmp_path / "watched.db", create=True):
        pass
    reader = sqlite3.connect(tmp_path / "watched.db")
    assert reader.execute("SELECT count(*) FROM journal").fetchone() == (0,)
    import_records(tmp_path / "watched.db", records)
    assert modes == ["delete", "wal"]
    assert reader.execute("SELECT count(*) FROM journal").fetchone() == (len(records),)
    reader.close()
    for name in ("alone", "watched"):
        assert table(tmp_path / f"{name}.db", "PRAGMA journal_mode") == [("wal",)]
        assert run_ledger(tmp_path / f"{name}.db", "verify").returncode == 0


def test_a_ledger_held_by_a_first_import_is_reported_as_locked(tmp_path, monkeypatch):
    # Through a rollback journal, a first import that has written much locks readers out.
    path = tmp_path / "l.db"
    with Ledger(path, create=True):
        pass
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode = DELETE")
    holder.execute("BEGIN EXCLUSIVE")
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 100)
    with pytest.raises(LedgerError, match="stayed locked by another writer"):
        Ledger(path)
    holder.execute("ROLLBACK")
    holder.close()
    with Ledger(path) as ledger:  # and the WAL is set again
        assert ledger.conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def refuses_a_payload_that_is_not_json(conn):
    seq, head = journal.tip(conn)
    with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
        conn.execute("INSERT INTO journal VALUES (?, 'not json', ?, ?)", (seq + 1, bytes.fromhex(head), b"d" * 32))


def test_an_import_leaves_its_connection_checking_constraints(tmp_path):
    records = gen_claims(tmp_path / "records.jsonl", 40, seed=16)
    with Ledger(tmp_path / "l.db", create=True) as ledger:
        for part in (records[:20], records[20:]):  # a first import, then one into a filled journal
            ledger.import_items(formats.read(io.BytesIO("".join(json.dumps(r) + "\n" for r in part).encode()), "jsonl"))
            refuses_a_payload_that_is_not_json(ledger.conn)
        with pytest.raises(ImportRefused):
            ledger.import_items([Item(1, record={**records[0], "stance": "maybe"})])
        refuses_a_payload_that_is_not_json(ledger.conn)
