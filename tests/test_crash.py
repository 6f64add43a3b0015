"""Writers killed with SIGKILL at random moments leave all of a write or none of it.

This module must not import `ledger`: the chain is re-checked independently.
"""
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from .helpers import LEDGER_BIN, SAMPLE, journal_count, journal_payloads, run_ledger, write_numbered_records
from .test_chain_independent import recheck

BIG_IMPORT = 200_000
# Seeded, so a failure can be replayed; the windows spread the kills over the early
# part of an import that takes about a minute here (at least 20 s on a fast machine).
RANDOM = random.Random(20240730)
IMPORT_KILL_DELAYS = [RANDOM.uniform(low, high) for low, high in ((0.5, 2.0), (2.0, 5.0), (5.0, 12.0))]
ADD_KILL_DELAYS = [RANDOM.uniform(0.3, 1.5) for _ in range(3)]


def ledger_process(db, *args, **options):
    return subprocess.Popen([str(LEDGER_BIN), "--db", str(db), *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **options)


def finish_killed(process):
    """Wait for a killed process's output to close: a helper process of it living on would hold it open."""
    try:
        return process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("a process started by the killed command lived on")


def assert_verifies(db, entries):
    verified = run_ledger(db, "verify")
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith(f"ok: {entries} entries")
    assert recheck(db)[0] == entries


def ledger_with_entries(db, count):
    for n in range(count):
        assert run_ledger(db, "add", "--claim", f"Existing claim {n}.", "--outlet", "BBC", "--date", "2024-07-30",
                          "--stance", "asserts").returncode == 0
    return count


@pytest.mark.slow
def test_a_killed_import_leaves_none_or_all_of_it(tmp_path):
    db = tmp_path / "ledger.db"
    before = ledger_with_entries(db, 3)
    records = write_numbered_records(tmp_path / "big.jsonl", BIG_IMPORT)
    for delay in IMPORT_KILL_DELAYS:
        process = ledger_process(db, "import", records)
        time.sleep(delay)
        process.kill()
        finish_killed(process)
        assert process.returncode == -signal.SIGKILL, "the import ended before it could be killed"
        count = journal_count(db)
        assert count in (before, before + BIG_IMPORT)
        assert_verifies(db, count)
    finished = ledger_process(db, "import", records)
    _, errors = finished.communicate(timeout=900)
    assert finished.returncode == 0, errors
    assert journal_count(db) == before + BIG_IMPORT
    assert_verifies(db, before + BIG_IMPORT)


@pytest.mark.slow
def test_a_killed_first_import_leaves_an_empty_ledger_with_its_guards(tmp_path):
    # An import into an empty journal drops the journal's UNIQUE indexes and trigger until
    # its end, and writes through a rollback journal: killed before, the ledger must be as it
    # was, guards and all (verify checks them), and the next command sets the WAL again.
    db = tmp_path / "ledger.db"
    assert run_ledger(db, "init").returncode == 0
    records = write_numbered_records(tmp_path / "big.jsonl", BIG_IMPORT)
    process = ledger_process(db, "import", records)
    time.sleep(IMPORT_KILL_DELAYS[1])
    process.kill()
    finish_killed(process)
    assert process.returncode == -signal.SIGKILL, "the import ended before it could be killed"
    assert journal_count(db) == 0
    assert_verifies(db, 0)
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    conn.close()


@pytest.mark.slow
def test_an_import_killed_after_its_commit_while_checkpointing_keeps_all_of_it(tmp_path):
    """Killed as soon as the database file grows: the commit is in the -wal file and the
    checkpoint that copies it into the database file has begun (it runs only after COMMIT)."""
    db = tmp_path / "ledger.db"
    before = ledger_with_entries(db, 3)
    records = write_numbered_records(tmp_path / "some.jsonl", 20_000)
    size = db.stat().st_size
    process = ledger_process(db, "import", records)
    while process.poll() is None and db.stat().st_size == size:
        time.sleep(0.001)
    process.kill()
    finish_killed(process)
    assert process.returncode == -signal.SIGKILL, "the import ended before it could be killed"
    assert journal_count(db) == before + 20_000
    assert_verifies(db, before + 20_000)


# Adds in a loop, in-process so that a kill lands inside appending rather than in start-up.
ADD_LOOP = """
import sys
from ledger.cli import cli
db, first = sys.argv[1], int(sys.argv[2])
for n in range(first, first + 100_000):
    cli.main(["--db", db, "add", "--claim", f"Claim {n}.", "--outlet", "BBC", "--date", "2024-07-30",
              "--stance", "asserts"], standalone_mode=False)
    sys.stdout.flush()
"""


@pytest.mark.slow
def test_a_killed_loop_of_adds_loses_only_the_add_in_flight(tmp_path):
    db = tmp_path / "ledger.db"
    assert run_ledger(db, "init").returncode == 0
    for delay in ADD_KILL_DELAYS:
        count = journal_count(db)
        process = subprocess.Popen([sys.executable, "-c", ADD_LOOP, str(db), str(count)], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        first_id = process.stdout.readline()  # the loop is adding: time the kill from here, not from start-up
        time.sleep(delay)
        os.kill(process.pid, signal.SIGKILL)
        printed, _ = finish_killed(process)
        ids = [int(line) for line in (first_id + printed).split()]
        assert ids == list(range(count + 1, count + 1 + len(ids))) and ids
        # The add in flight when killed is there entirely (committed) or not at all.
        assert journal_count(db) in (ids[-1], ids[-1] + 1)
        assert_verifies(db, journal_count(db))
    claims = [payload["claim"] for _, payload in sorted(journal_payloads(db).items())]
    assert claims == [f"Claim {n}." for n in range(len(claims))]
    added = run_ledger(db, "add", *[part for field, value in SAMPLE.items() for part in (f"--{field}", value)])
    assert added.returncode == 0 and int(added.stdout) == journal_count(db)
    assert_verifies(db, journal_count(db))
