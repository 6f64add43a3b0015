"""Re-check the hash chain the way an outside verifier would: sqlite3 and SHA-256 only, or
DuckDB over a Parquet export.

This module must not import `ledger`: it drives the command as a real process.
"""

import hashlib
import json
import sqlite3
import subprocess

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from .helpers import ROOT, SAMPLE, options, run_ledger


def recheck(path):
    prev = "0" * 64
    conn = sqlite3.connect(path)
    rows = conn.execute("SELECT seq, payload, prev_hash, hash FROM journal ORDER BY seq").fetchall()
    for expected, (seq, payload, prev_hash, digest) in enumerate(rows, start=1):
        assert seq == expected
        assert prev_hash == prev
        assert hashlib.sha256(f"{prev_hash}\n{payload}".encode("utf-8")).hexdigest() == digest
        entry = json.loads(payload)
        assert json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False) == payload
        prev = digest
    return len(rows), prev


def test_an_outside_verifier_agrees_with_ledger_verify(tmp_path):
    db = tmp_path / "l.db"
    for outlet in ("BBC", "Gestión", "El Peruano"):
        record = {**SAMPLE, "outlet": outlet, "date": "2024-07-30", "stance": "asserts", "quote": "“many countries”"}
        assert run_ledger(db, "add", *options(record)).returncode == 0
    assert run_ledger(db, "alias", "Hill", "--of", "Yván Gil").returncode == 0
    assert run_ledger(db, "retract", "2", "--reason", "misread").returncode == 0
    count, head = recheck(db)
    assert count == 5
    assert run_ledger(db, "digest").stdout.strip() == f"{count}:{head}"
    assert run_ledger(db, "verify").returncode == 0


def test_the_chain_can_be_rechecked_with_the_sqlite3_and_sha256sum_commands(tmp_path):
    db = tmp_path / "l.db"
    run_ledger(db, "add", "--claim", "Ünïcode claim.", "--outlet", "BBC", "--date", "2024-07-30", "--stance", "reports")
    # What the README tells a verifier to run, for entry 1.
    shell = (
        f'sqlite3 {db} "SELECT prev_hash || char(10) || payload FROM journal WHERE seq = 1" '
        "| head -c -1 | sha256sum | cut -d' ' -f1"
    )
    computed = subprocess.run(["sh", "-c", shell], capture_output=True, text=True, check=True).stdout.strip()
    stored = sqlite3.connect(db).execute("SELECT hash FROM journal WHERE seq = 1").fetchone()[0]
    assert computed == stored


# The query that docs/scale.md gives for re-checking an exported journal.
CHAIN_QUERY = (ROOT / "scripts" / "recheck_chain.sql").read_text(encoding="utf-8")


def test_docs_scale_gives_this_query():
    assert f"```sql\n{CHAIN_QUERY}```" in (ROOT / "docs" / "scale.md").read_text(encoding="utf-8")


def altered(journal, change):
    """Write the exported journal file again, its rows (dicts) changed by `change`."""
    rows = change(pq.read_table(journal).to_pylist())
    pq.write_table(pa.Table.from_pylist(rows, schema=pq.read_schema(journal)), journal)


def test_a_parquet_export_rechecks_in_one_duckdb_query_and_an_altered_one_does_not(tmp_path, monkeypatch):
    db = tmp_path / "l.db"
    for day in ("2024-07-30", "2024-08-02", "2024-09-15"):
        assert run_ledger(db, "add", *options({**SAMPLE, "date": day, "quote": "“many”\ncountries"})).returncode == 0
    assert run_ledger(db, "alias", "Hill", "--of", "Yván Gil").returncode == 0
    assert run_ledger(db, "retract", "2", "--reason", "misread").returncode == 0
    digest = run_ledger(db, "digest").stdout.strip()
    exported = run_ledger(db, "export", "--format", "parquet", "--output", tmp_path / "export")
    assert exported.returncode == 0, exported.stderr
    assert (
        exported.stdout
        == f"{tmp_path / 'export'}: attributions/ 3 rows, claims/ 1 row, documents/ 0 rows, journal/ 5 rows\n"
    )
    monkeypatch.chdir(tmp_path)  # the query reads export/journal/*.parquet
    assert duckdb.sql(CHAIN_QUERY).fetchall() == [(5, None, digest)]

    journal = tmp_path / "export" / "journal" / "part-0.parquet"
    original = journal.read_bytes()
    alterations = {
        "a payload changed": (
            lambda rows: [{**row, "payload": row["payload"].replace("misread", "misled")} for row in rows],
            5,
        ),
        "an entry taken out": (lambda rows: rows[:2] + rows[3:], 4),
        "two entries swapped": (lambda rows: [rows[0], {**rows[2], "seq": 2}, {**rows[1], "seq": 3}, *rows[3:]], 2),
    }
    for what, (change, first_broken) in alterations.items():
        altered(journal, change)
        [(_, broken, _)] = duckdb.sql(CHAIN_QUERY).fetchall()
        assert broken == first_broken, what
        journal.write_bytes(original)
    altered(journal, lambda rows: rows[:-1])  # the newest entry dropped: still a chain, but not the digest's
    [(entries, broken, shortened)] = duckdb.sql(CHAIN_QUERY).fetchall()
    assert (entries, broken) == (4, None) and shortened != digest
