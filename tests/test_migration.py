"""A ledger of a previous layout keeps working, and its first write migrates it in that write's
own transaction, the same entries and hashes and every other row as it was:
- one whose journal stores its hashes as hex text, as every ledger did before the digests,
  reads as it did, and `verify` says it waits for a write;
- one whose claim_texts has its key UNIQUE by a constraint in the table, as every ledger did
  before that index was one of its own, reads and verifies as it is.

fixtures/hex-hashes.db.gz was made by the ledger of commit 0e88b09, the last to store hex: three
adds (with via, speaker, url and note), an alias, a retraction, a correction, a fact-checker, a
document with an attribution anchored in it, and an import of 12 records; 21 entries.
fixtures/unique-claim-keys.db.gz is that ledger migrated by the ledger of commit d08e2f8, the last
to keep the claims' keys UNIQUE in their table (a write appending nothing), and
fixtures/unique-claim-keys-empty.db.gz a ledger that commit made and left empty.
"""

import gzip
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger import migration
from ledger.cli import cli
from ledger.db import Ledger
from ledger.errors import ChainBroken
from ledger.migration import HEX_JOURNAL
from ledger.verify import check_chain

from .helpers import SAMPLE

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE = FIXTURES / "hex-hashes.db.gz"
HEAD = "21:062ec7aac39343cf1a4ed8700d7bb38a96aa2d06ac6c0d1ab33f51dc81cbbc25"
WAITS = (
    "table journal: its hashes are stored as hex text, the layout before digests: the ledger's next write "
    "migrates it (CHANGELOG.md); nothing was checked"
)
RECORDED = {  # entry 3's record, already in the ledger
    "claim": "nicolás maduro won the 2024 venezuelan presidential election",
    "outlet": "Global Times",
    "speaker": "Peruvian government",
    "date": "2024-07-29",
    "stance": "disputes",
}


def unpacked(fixture, path):
    path.write_bytes(gzip.decompress(fixture.read_bytes()))
    return path


@pytest.fixture
def db(tmp_path):
    return unpacked(FIXTURE, tmp_path / "hex.db")


@pytest.fixture
def unique_keys(tmp_path):
    return unpacked(FIXTURES / "unique-claim-keys.db.gz", tmp_path / "unique-keys.db")


def ledger(db, *args):
    """`ledger --db DB ARGS...`: exit status and output."""
    result = CliRunner().invoke(cli, ["--db", str(db), *args])
    return result.exit_code, result.output


def journal(db):
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT seq, payload, prev_hash, hash FROM journal ORDER BY seq").fetchall()
    conn.close()
    return rows


def other_rows(db):
    """Every row of every table but the journal, the search indexes' own tables included."""
    conn = sqlite3.connect(db)
    tables = [name for (name,) in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table' AND rootpage > 0")]
    rows = {
        table: sorted(map(repr, conn.execute(f'SELECT * FROM "{table}"'))) for table in tables if table != "journal"
    }
    conn.close()
    return rows


def schema(db):
    conn = sqlite3.connect(db)
    rows = set(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_schema"))
    conn.close()
    return rows


def stores_hex(db):
    conn = sqlite3.connect(db)
    columns = {name for _, name, *_ in conn.execute("PRAGMA table_xinfo(journal)")}
    conn.close()
    return "digest" not in columns


def test_it_reads_as_before_and_verify_says_it_waits_for_a_write(db):
    assert stores_hex(db)
    assert ledger(db, "digest") == (0, HEAD + "\n")
    status, shown = ledger(db, "show", "6")
    assert status == 0 and "date: 2024-07-31" in shown and "status: current" in shown
    status, lines = ledger(db, "export", "--format", "journal")
    assert status == 0 and len(lines.splitlines()) == 21
    assert ledger(db, "verify") == (1, WAITS + "\n")
    with Ledger(db) as opened, pytest.raises(ChainBroken, match="the ledger's next write migrates it"):
        check_chain(opened.conn)  # what Datasette shows of its chain


@pytest.mark.parametrize("part", [migration.MIGRATED_AT_ONCE, 4])  # in one part, and in six
def test_its_first_write_migrates_it_keeping_every_entry_and_row(db, tmp_path, monkeypatch, part):
    monkeypatch.setattr(migration, "MIGRATED_AT_ONCE", part)
    entries, rows = journal(db), other_rows(db)
    assert ledger(db, "add", *(part for field, value in RECORDED.items() for part in (f"--{field}", value)))[0] == 0
    assert not stores_hex(db)
    assert journal(db) == entries  # the record was there already: the write appended nothing
    assert other_rows(db) == rows
    with Ledger(tmp_path / "new.db", create=True):
        pass
    assert schema(db) == schema(tmp_path / "new.db")
    assert ledger(db, "verify", "--digest", HEAD)[0] == 0
    assert ledger(
        db, "add", "--claim", SAMPLE["claim"], "--outlet", "CNN", "--date", "2024-08-02", "--stance", "reports"
    ) == (
        0,
        "22\n",
    )
    assert ledger(db, "verify", "--digest", HEAD)[0] == 0


@pytest.mark.parametrize("fixture", ["hex-hashes.db.gz", "unique-claim-keys.db.gz"])
def test_a_refused_first_write_leaves_it_as_it_was(fixture, tmp_path):
    db = unpacked(FIXTURES / fixture, tmp_path / "previous.db")
    entries, rows, objects = journal(db), other_rows(db), schema(db)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"claim": "A claim.", "outlet": "BBC", "date": "2024-08-01", "stance": "maybe"}\n')
    assert ledger(db, "import", str(bad))[0] == 1
    assert journal(db) == entries and other_rows(db) == rows and schema(db) == objects


@pytest.mark.parametrize(
    "fixture, table, verified",
    [
        (
            "hex-hashes.db.gz",
            "journal",
            "table journal: its hashes are stored as hex text, in a layout other than the one a write migrates: "
            "`ledger rebuild NEW.db` copies it into the current layout; nothing was checked",
        ),
        ("unique-claim-keys.db.gz", "claim_texts", "table claim_texts: differs from schema.sql"),
    ],
)
def test_a_table_whose_guards_were_changed_is_not_migrated(fixture, table, verified, tmp_path):
    db = unpacked(FIXTURES / fixture, tmp_path / "previous.db")
    version = user_version(db)
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute(f"DROP TRIGGER {table}_no_delete")
    conn.close()
    status, output = ledger(db, "alias", "Hill", "--of", "Yván Gil")
    assert status == 1 and output.startswith(f"table {table}: neither this version's layout nor the previous one")
    assert user_version(db) == version and len(journal(db)) == 21
    assert ledger(db, "verify") == (1, verified + "\n")


def test_a_hash_not_in_lower_case_hex_is_not_migrated(db):
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("DROP TRIGGER journal_no_update")
    conn.execute("UPDATE journal SET prev_hash = upper(prev_hash) WHERE seq = 5")
    conn.execute(next(sql for sql in HEX_JOURNAL if "journal_no_update" in sql))
    conn.close()
    status, output = ledger(db, "fact-checker", "Chequeado")
    assert (status, output.splitlines()[0]) == (
        1,
        "seq 5: prev_hash or hash is not 64 lower-case hex digits, so the journal is not migrated; nothing was written",
    )
    assert stores_hex(db)


def test_rebuild_copies_it_into_the_current_layout(db, tmp_path):
    assert ledger(db, "rebuild", str(tmp_path / "rebuilt.db"))[0] == 0
    assert stores_hex(db) and not stores_hex(tmp_path / "rebuilt.db")
    assert journal(tmp_path / "rebuilt.db") == journal(db)
    assert ledger(tmp_path / "rebuilt.db", "verify", "--digest", HEAD)[0] == 0


def user_version(db):
    conn = sqlite3.connect(db)
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    conn.close()
    return version


def new_schema(tmp_path):
    with Ledger(tmp_path / "new.db", create=True):
        pass
    return schema(tmp_path / "new.db")


def test_claim_texts_with_the_unique_key_in_the_table_reads_and_verifies_as_it_is(unique_keys):
    assert user_version(unique_keys) == 2 and not stores_hex(unique_keys)
    assert ledger(unique_keys, "verify", "--digest", HEAD) == (
        0,
        f"ok: 21 entries, chain and projections verified; head {HEAD}\n",
    )
    status, shown = ledger(unique_keys, "claims", "--search", "maduro")
    assert status == 0 and "Nicolás Maduro won the 2024 Venezuelan presidential election." in shown


def test_claim_texts_with_the_unique_key_in_the_table_is_migrated_by_the_first_write(unique_keys, tmp_path):
    entries, rows = journal(unique_keys), other_rows(unique_keys)
    assert (
        ledger(unique_keys, "add", *(part for field, value in RECORDED.items() for part in (f"--{field}", value)))[0]
        == 0
    )
    assert journal(unique_keys) == entries and other_rows(unique_keys) == rows
    assert schema(unique_keys) == new_schema(tmp_path) and user_version(unique_keys) == 3
    assert ledger(unique_keys, "verify", "--digest", HEAD)[0] == 0
    added = [
        "--claim",
        "A claim first recorded here.",
        "--outlet",
        "CNN",
        "--date",
        "2024-08-02",
        "--stance",
        "reports",
    ]
    assert ledger(unique_keys, "add", *added) == (0, "22\n")
    assert ledger(unique_keys, "verify", "--digest", HEAD)[0] == 0


def test_a_first_import_into_an_empty_ledger_of_the_previous_layout_migrates_it(tmp_path):
    """The import makes the claims' keys' index at its end (`database.made_at_the_end`) once the
    migration has made the table that has it."""
    db = unpacked(FIXTURES / "unique-claim-keys-empty.db.gz", tmp_path / "empty.db")
    records = tmp_path / "records.jsonl"
    records.write_text(
        "".join(
            json.dumps({**SAMPLE, "claim": claim, "outlet": outlet}) + "\n"
            for claim in ("One claim.", "Another claim.", "one claim")
            for outlet in ("BBC", "CNN")
        )
    )
    assert ledger(db, "import", str(records))[0] == 0
    assert schema(db) == new_schema(tmp_path) and user_version(db) == 3
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT key FROM claim_texts ORDER BY id").fetchall() == [("one claim",), ("another claim",)]
    conn.close()
    assert ledger(db, "verify")[0] == 0
