"""Writers killed with SIGKILL at random moments leave all of a write or none of it.

This module must not import `ledger`: the chain is re-checked independently.
"""

import os
import random
import signal
import sqlite3
import subprocess
import sys

import pytest

from .helpers import LEDGER_BIN, SAMPLE, journal_count, journal_payloads, options, run_ledger, write_numbered_records
from .test_chain_independent import recheck

BIG_IMPORT = 200_000
PROGRESS_EVERY = 10_000  # `ledger import --progress` writes a line per this many records read
# Seeded, so a failure can be replayed. Each kill lands once the import has read a number of
# records it reports itself, at most half of them: whatever the machine's speed or load, the
# other half is still to be read, written and committed when the kill arrives.
RANDOM = random.Random(20240730)
IMPORT_KILLS_AFTER = sorted(
    RANDOM.randrange(1, BIG_IMPORT // 2 // PROGRESS_EVERY + 1) * PROGRESS_EVERY for _ in range(3)
)
ADD_KILLS_AFTER = [RANDOM.randint(1, 50) for _ in range(3)]  # ids printed by the loop of adds


def ledger_process(db, *args, **options):
    return subprocess.Popen(
        [str(LEDGER_BIN), "--db", str(db), *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **options,
    )


def finish_killed(process):
    """Wait for a killed process's output to close: a helper process of it living on would hold it open."""
    try:
        return process.communicate(timeout=600)
    except subprocess.TimeoutExpired:
        pytest.fail("a process started by the killed command lived on")


def kill_import_after(db, records, read):
    """Import `records` and kill the import with SIGKILL as soon as it reports having read
    `read` records (a line of `--progress`): the event is the import's own, not a guess of
    how long it takes here."""
    process = ledger_process(db, "import", "--progress", records)
    reported = []
    for line in process.stderr:
        reported.append(line.rstrip("\n"))
        if line == f"importing: {read:,} records read\n":
            process.kill()
            break
    finish_killed(process)
    assert process.returncode == -signal.SIGKILL, (
        f"waited for the import to report {read:,} records read; it ended with status {process.returncode} "
        f"after reporting {reported[-3:]}"
    )


def assert_verifies(db, entries):
    verified = run_ledger(db, "verify")
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith(f"ok: {entries} entries")
    assert recheck(db)[0] == entries


def ledger_with_entries(db, count):
    for n in range(count):
        record = {"claim": f"Existing claim {n}.", "outlet": "BBC", "date": "2024-07-30", "stance": "asserts"}
        assert run_ledger(db, "add", *options(record)).returncode == 0
    return count


@pytest.mark.slow
def test_a_killed_import_leaves_none_or_all_of_it(tmp_path):
    db = tmp_path / "ledger.db"
    before = ledger_with_entries(db, 3)
    records = write_numbered_records(tmp_path / "big.jsonl", BIG_IMPORT)
    for read in IMPORT_KILLS_AFTER:
        kill_import_after(db, records, read)
        count = journal_count(db)
        assert count in (before, before + BIG_IMPORT)
        assert_verifies(db, count)
    finished = ledger_process(db, "import", records)
    _, errors = finished.communicate()
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
    kill_import_after(db, records, IMPORT_KILLS_AFTER[1])
    assert journal_count(db) == 0
    assert_verifies(db, 0)
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    conn.close()


CHECKPOINT_ATTEMPTS = 5


@pytest.mark.slow
def test_an_import_killed_after_its_commit_while_checkpointing_keeps_all_of_it(tmp_path):
    """Killed as soon as the database file grows: the commit is in the -wal file and the
    checkpoint that copies it into the database file has begun (it runs only after COMMIT).

    The file is watched without pause, but a checkpoint can still end before a kill lands on
    a loaded machine: such an attempt proves nothing and is made again on a new ledger."""
    records = write_numbered_records(tmp_path / "some.jsonl", 20_000)
    for attempt in range(1, CHECKPOINT_ATTEMPTS + 1):
        db = tmp_path / f"ledger-{attempt}.db"
        before = ledger_with_entries(db, 3)
        size = db.stat().st_size
        process = ledger_process(db, "import", records)
        while process.poll() is None and db.stat().st_size == size:
            pass
        process.kill()
        finish_killed(process)
        if process.returncode == -signal.SIGKILL:
            break
    else:
        pytest.fail(
            f"in {CHECKPOINT_ATTEMPTS} imports, each ended (status {process.returncode}) before a kill "
            f"could land while the database file grew from {size:,} bytes"
        )
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
    for kill_after in ADD_KILLS_AFTER:
        count = journal_count(db)
        process = subprocess.Popen(
            [sys.executable, "-c", ADD_LOOP, str(db), str(count)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # Killed once it has printed that many ids: the loop is then adding the next one.
        read = [process.stdout.readline() for _ in range(kill_after)]
        assert all(read), f"waited for {kill_after} ids from the loop of adds; it ended after {read}"
        os.kill(process.pid, signal.SIGKILL)
        printed, _ = finish_killed(process)
        ids = [int(line) for line in ("".join(read) + printed).split()]
        assert ids == list(range(count + 1, count + 1 + len(ids))) and ids
        # The add in flight when killed is there entirely (committed) or not at all.
        assert journal_count(db) in (ids[-1], ids[-1] + 1)
        assert_verifies(db, journal_count(db))
    claims = [payload["claim"] for _, payload in sorted(journal_payloads(db).items())]
    assert claims == [f"Claim {n}." for n in range(len(claims))]
    added = run_ledger(db, "add", *options(SAMPLE))
    assert added.returncode == 0 and int(added.stdout) == journal_count(db)
    assert_verifies(db, journal_count(db))
