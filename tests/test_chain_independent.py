"""Re-check the hash chain the way an outside verifier would: sqlite3 and SHA-256 only.

This module must not import `ledger`: it drives the command as a real process.
"""

import hashlib
import json
import sqlite3
import subprocess

from .helpers import SAMPLE, options, run_ledger


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
