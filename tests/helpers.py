"""Small helpers shared by the tests (no fixtures: those are in conftest.py)."""
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LEDGER_BIN = Path(sys.executable).with_name("ledger")

SAMPLE = {"claim": "Peru was the first country to recognize Edmundo González as president-elect of Venezuela.",
          "outlet": "BBC", "date": "2024-07-30", "stance": "asserts"}
STANCES = ("asserts", "reports", "questions", "disputes")


def run_ledger(db, *args, input=None, env=None):
    """`ledger --db DB ARGS...` as a real process."""
    return subprocess.run(
        [str(LEDGER_BIN), "--db", str(db), *map(str, args)],
        input=input,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )


# The yardsticks' deterministic generator of realistic attribution records; the project's own copy.
GEN_CLAIMS = ROOT / "benchmarks" / "gen_claims.py"


def gen_claims(path, count, seed):
    """Write `count` records from gen_claims.py (JSON Lines) to `path`; returns them as dicts."""
    with open(path, "w", encoding="utf-8") as out:
        subprocess.run([sys.executable, str(GEN_CLAIMS), str(count), "--seed", str(seed)], stdout=out, check=True)
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]


def write_numbered_records(path, count, last_line=None, distinct=None):
    """A JSON Lines file of `count` valid records, quicker to make than gen_claims.py: all
    different, or cycling through `distinct` different ones; `last_line`, when given,
    replaces the last record with that text."""
    distinct = distinct or count
    with open(path, "w", encoding="utf-8") as out:
        for line in range(count - (last_line is not None)):
            n = line % distinct
            out.write(f'{{"claim":"Claim number {n // 4}.","outlet":"Outlet {n % 97}","date":"2024-07-30",'
                      f'"stance":"{STANCES[n % 4]}","quote":"Words number {n}."}}\n')
        if last_line is not None:
            out.write(last_line + "\n")
    return path


def journal_count(db):
    """Entries in the journal, read with plain sqlite3 (read-only, so reading changes nothing)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT count(*) FROM journal").fetchone()[0]
    finally:
        conn.close()


def journal_payloads(db):
    """{seq: payload as a dict} of every journal entry, read with plain sqlite3."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {seq: json.loads(text) for seq, text in conn.execute("SELECT seq, payload FROM journal")}
    finally:
        conn.close()


def state_of(db):
    """What a refused command must leave exactly as it was: the bytes of the database file
    and of its -wal file (absent: None), and the whole content as SQL text. Bytes alone can
    mislead in WAL mode (a commit may sit in the -wal file), and content alone would miss
    a rewrite that changes nothing visible, so both are compared."""
    wal = Path(f"{db}-wal")
    files = (hashlib.sha256(Path(db).read_bytes()).hexdigest(),
             hashlib.sha256(wal.read_bytes()).hexdigest() if wal.exists() else None)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        content = hashlib.sha256("\n".join(conn.iterdump()).encode("utf-8")).hexdigest()
    finally:
        conn.close()
    return files, content


def own_copy(ledger, directory):
    """A copy, in `directory`, of a ledger that several tests share, for one test to change."""
    path = Path(directory) / "ledger.db"
    shutil.copy(ledger, path)
    return path
