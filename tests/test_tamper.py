"""Silent edits made behind the ledger's back (triggers dropped) are caught by `ledger verify`."""

import sqlite3

import pytest

from .helpers import SAMPLE, options, run_ledger


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "l.db"
    for outlet in ("BBC", "Gestión", "El Peruano", "teleSUR"):
        record = {**SAMPLE, "outlet": outlet, "date": "2024-07-30", "stance": "asserts"}
        assert run_ledger(path, "add", *options(record)).returncode == 0
    run_ledger(path, "alias", "Hill", "--of", "Yván Gil")
    assert run_ledger(path, "verify").returncode == 0
    return path


def tamper(path, *statements, drop=("journal_no_update", "journal_no_delete")):
    conn = sqlite3.connect(path, isolation_level=None)
    for trigger in drop:
        conn.execute(f"DROP TRIGGER {trigger}")
    for statement in statements:
        conn.execute(statement)
    conn.close()


def verify(path, *args):
    result = run_ledger(path, "verify", *args)
    return result.returncode, (result.stdout + result.stderr).splitlines()[0]


def test_an_edited_payload_is_named_by_its_seq(db):
    tamper(db, "UPDATE journal SET payload = replace(payload, 'BBC', 'CNN') WHERE seq = 1")
    status, first = verify(db)
    assert status == 1
    assert first.startswith("seq 1: ")


def test_a_dropped_trigger_is_named(db):
    tamper(db, drop=("attribution_records_no_update",))
    assert verify(db) == (1, "trigger attribution_records_no_update: missing (schema.sql defines it)")


def test_dropping_the_newest_entry_breaks_an_earlier_digest(db):
    digest = run_ledger(db, "digest").stdout.strip()
    seq = int(digest.split(":")[0])
    # The projections of the dropped entry must go too, or verify would name them first.
    projections = ("name_aliases", "name_groups", "group_canonicals", "names")
    tamper(
        db,
        f"DELETE FROM journal WHERE seq = {seq}",
        *(f"DELETE FROM {table} WHERE seq = {seq}" for table in projections),
        drop=("journal_no_delete", *(f"{table}_no_delete" for table in projections)),
    )
    conn = sqlite3.connect(db, isolation_level=None)
    for statement in _schema_triggers(("journal_no_delete", *(f"{table}_no_delete" for table in projections))):
        conn.execute(statement)
    conn.close()
    assert verify(db)[0] == 0  # the shortened chain is self-consistent...
    status, first = verify(db, "--digest", digest)
    assert status == 1  # ...but no longer extends the copy the digest was taken from
    assert first.startswith(f"seq {seq}: missing")


def test_a_projection_row_that_disagrees_with_the_journal_is_named(db):
    tamper(
        db, "UPDATE attribution_records SET stance = 'disputes' WHERE seq = 2", drop=("attribution_records_no_update",)
    )
    conn = sqlite3.connect(db, isolation_level=None)
    conn.executescript("".join(s + ";\n" for s in _schema_triggers(("attribution_records_no_update",))))
    conn.close()
    assert verify(db) == (1, "seq 2: attribution_records row does not match its journal entry")


def _schema_triggers(names):
    from ledger.database import schema_statements  # the schema's own text, to restore what was dropped

    return [s for s in schema_statements() if any(f"CREATE TRIGGER {name} " in s for name in names)]


def test_a_resolution_that_disagrees_with_the_aliases_is_named(db):
    alias_seq = int(run_ledger(db, "digest").stdout.split(":")[0])
    tamper(
        db,
        "UPDATE group_canonicals SET canonical_id = (SELECT id FROM names WHERE name = 'BBC')",
        drop=("group_canonicals_no_update",),
    )
    conn = sqlite3.connect(db, isolation_level=None)
    conn.executescript("".join(s + ";\n" for s in _schema_triggers(("group_canonicals_no_update",))))
    conn.close()
    assert verify(db) == (1, f"seq {alias_seq}: the names' groups do not match the aliases")
