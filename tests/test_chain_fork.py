"""The chain cannot fork: two writer processes that have read the same tail race to extend it
with raw INSERTs, and exactly one of them wins each seq, by the database alone.

This module must not import `ledger`: it re-checks the chain as an outside verifier would.
"""

import sqlite3
import subprocess
import sys

import pytest

from .helpers import run_ledger
from .test_chain_independent import recheck

# A writer on a plain sqlite3 connection, driven line by line on standard input: `read` reads
# the tail and answers `tail SEQ`; `write` appends an entry extending the tail it read, with
# the seq after the newest it finds, and answers `won` or `refused: REASON`. It waits for the
# write lock until the other writer lets go of it, however long that takes: SQLite's busy
# timeout only sets how often it looks again.
WRITER = """
import hashlib, json, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
name = sys.argv[2]

def when_unlocked(sql, parameters=()):
    while True:
        try:
            return conn.execute(sql, parameters)
        except sqlite3.OperationalError as error:
            if "locked" not in str(error):
                raise

for command in sys.stdin:
    if command.strip() == "read":
        seq, tail = when_unlocked(
            "SELECT coalesce(max(seq), 0), coalesce((SELECT digest FROM journal ORDER BY seq DESC LIMIT 1), zeroblob(32))"
            " FROM journal"
        ).fetchone()
        print(f"tail {seq}", flush=True)
        continue
    payload = json.dumps({"round": seq + 1, "writer": name}, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(tail.hex().encode() + b"\\n" + payload.encode()).digest()
    try:
        when_unlocked(
            "INSERT INTO journal (seq, payload, prev_digest, digest)"
            " VALUES ((SELECT coalesce(max(seq), 0) + 1 FROM journal), ?, ?, ?)",
            (payload, tail, digest),
        )
        print("won", flush=True)
    except sqlite3.IntegrityError as error:
        print(f"refused: {error}", flush=True)
"""

ROUNDS = 40


@pytest.mark.parametrize(
    "dropped, refusal",
    [
        ((), "refused: journal is append-only: a new entry must extend the newest entry"),
        # Without the trigger, the UNIQUE index on prev_digest alone refuses a second child.
        (("journal_extends_chain",), "refused: UNIQUE constraint failed: journal.prev_digest"),
    ],
)
def test_two_writers_racing_on_the_same_tail_never_fork_the_chain(tmp_path, dropped, refusal):
    db = tmp_path / "l.db"
    assert run_ledger(db, "init").returncode == 0
    conn = sqlite3.connect(db, isolation_level=None)
    for trigger in dropped:
        conn.execute(f"DROP TRIGGER {trigger}")
    conn.close()
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db), name],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for name in ("a", "b")
    ]
    try:
        for round_number in range(ROUNDS):
            # Both have read the same tail before either writes: each says so.
            for writer in writers:
                writer.stdin.write("read\n")
                writer.stdin.flush()
            assert {writer.stdout.readline().strip() for writer in writers} == {f"tail {round_number}"}
            for writer in writers:
                writer.stdin.write("write\n")
                writer.stdin.flush()
            outcomes = sorted(writer.stdout.readline().strip() for writer in writers)
            assert outcomes == [refusal, "won"]
    finally:
        for writer in writers:
            writer.stdin.close()
            writer.wait()
    assert recheck(db)[0] == ROUNDS  # one entry a seq, each extending the one before
