"""The journal stores each hash as its 32-byte digest and reads it as hex: what a plain sqlite3
connection sees, and what the database refuses of a raw INSERT."""

import hashlib
import sqlite3

import pytest

from ledger.db import Ledger

from .helpers import SAMPLE


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "ledger.db"
    with Ledger(path, create=True) as ledger:
        ledger.add(SAMPLE)
        ledger.add({**SAMPLE, "outlet": "Gestión"})
    conn = sqlite3.connect(path, isolation_level=None)
    yield conn
    conn.close()


def tail(db):
    """seq, digest and hash (hex) of the newest entry."""
    return db.execute("SELECT seq, digest, hash FROM journal ORDER BY seq DESC LIMIT 1").fetchone()


def test_the_hashes_read_as_lower_case_hex_of_the_digests_stored(db):
    columns = [row[0] for row in db.execute("SELECT * FROM journal").description]
    assert columns[:4] == ["seq", "payload", "prev_hash", "hash"]
    rows = db.execute("SELECT payload, prev_hash, hash, prev_digest, digest FROM journal ORDER BY seq").fetchall()
    assert rows[0][1] == "0" * 64 and rows[0][3] == bytes(32)
    for payload, prev_hash, hash_, prev_digest, digest in rows:
        assert hashlib.sha256(f"{prev_hash}\n{payload}".encode()).digest() == digest
        assert (prev_hash, hash_) == (prev_digest.hex(), digest.hex())
    assert rows[1][1] == rows[0][2]


def test_a_raw_insert_writes_the_digests_not_the_hashes(db):
    seq, digest, head = tail(db)
    with pytest.raises(sqlite3.OperationalError, match='cannot INSERT into generated column "hash"'):
        db.execute("INSERT INTO journal (seq, payload, hash) VALUES (?, '{}', ?)", (seq + 1, "a" * 64))
    payload = '{"raw":true}'
    new = hashlib.sha256(f"{head}\n{payload}".encode()).digest()
    db.execute("INSERT INTO journal VALUES (?, ?, ?, ?)", (seq + 1, payload, digest, new))
    assert tail(db) == (seq + 1, new, new.hex())


def test_a_raw_insert_of_a_digest_already_in_the_journal_is_refused(db):
    seq, digest, _ = tail(db)
    with pytest.raises(sqlite3.IntegrityError, match="must extend the newest entry"):
        db.execute("INSERT INTO journal VALUES (?, '{}', ?, ?)", (seq + 1, digest, digest))
    db.execute("DROP TRIGGER journal_extends_chain")  # the UNIQUE index behind it refuses it too
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE constraint failed: journal.digest"):
        db.execute("INSERT INTO journal VALUES (?, '{}', ?, ?)", (seq + 1, digest, digest))
    assert tail(db)[0] == seq


@pytest.mark.parametrize(
    "digest",
    [b"a" * 31, b"a" * 33, "a" * 32, "a" * 64],
    ids=["31 bytes", "33 bytes", "text of 32 characters", "hex text"],
)
def test_a_digest_is_32_bytes(db, digest):
    seq, tip, _ = tail(db)
    with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
        db.execute("INSERT INTO journal VALUES (?, '{}', ?, ?)", (seq + 1, tip, digest))
