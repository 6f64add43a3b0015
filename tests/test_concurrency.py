"""Many writers at once, as real processes: nothing lost, nothing failed, one linear chain.

The adding workers are 8 Python processes that each call the `ledger` command's entry
point 200 times in a loop (`cli.main(..., standalone_mode=False)`), not 1,600 separate
`ledger add` processes: on this 2-core machine a process costs about 0.4 s to start, so
those would take minutes, while in-process calls keep the 8 writers contending for the
lock the whole time. Each call opens, appends and closes the ledger as `ledger add` does.

This module must not import `ledger`: the chain is re-checked independently.
"""

import json
import subprocess
import sys

import pytest

from .helpers import LEDGER_BIN, gen_claims, journal_payloads, run_ledger
from .test_chain_independent import recheck

WORKERS = 8
ADDS_PER_WORKER = 200

# Says it is ready, waits until told to start so that all workers begin together, then prints each id.
ADD_WORKER = """
import sys
from ledger.cli import cli
db, worker, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
print("ready", flush=True)
sys.stdin.readline()
for n in range(count):
    cli.main(["--db", db, "add", "--claim", f"Claim {n} of worker {worker}.", "--outlet", f"Outlet {worker}",
              "--date", "2024-07-30", "--stance", "reports"], standalone_mode=False)
"""


@pytest.mark.slow
def test_eight_processes_adding_at_once_lose_nothing(tmp_path):
    db = tmp_path / "ledger.db"  # the racing workers create the ledger
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", ADD_WORKER, str(db), str(worker), str(ADDS_PER_WORKER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for worker in range(WORKERS)
    ]
    assert [worker.stdout.readline() for worker in workers] == ["ready\n"] * WORKERS
    for worker in workers:  # every interpreter has started: all go at once
        worker.stdin.write("go\n")
        worker.stdin.flush()
    outputs = [worker.communicate() for worker in workers]
    assert [worker.returncode for worker in workers] == [0] * WORKERS, [err for _, err in outputs]
    assert sorted(err for _, err in outputs) == [""] * (WORKERS - 1) + [f"{db}: created\n"]  # by the one that made it

    payloads = journal_payloads(db)
    assert len(payloads) == WORKERS * ADDS_PER_WORKER
    for worker, (out, _) in enumerate(outputs):
        ids = [int(line) for line in out.split()]
        assert len(ids) == ADDS_PER_WORKER
        assert ids == sorted(ids)  # each worker's appends come out in its own order
        # Every printed id holds the very attribution that worker added.
        assert [payloads[seq]["claim"] for seq in ids] == [
            f"Claim {n} of worker {worker}." for n in range(ADDS_PER_WORKER)
        ]
    assert recheck(db)[0] == WORKERS * ADDS_PER_WORKER
    verified = run_ledger(db, "verify")
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith(f"ok: {WORKERS * ADDS_PER_WORKER} entries")


def record_key(record):
    return json.dumps({field: value for field, value in record.items() if value}, sort_keys=True, ensure_ascii=False)


@pytest.mark.slow
def test_two_imports_at_once_lose_nothing(tmp_path):
    db = tmp_path / "ledger.db"
    assert run_ledger(db, "init").returncode == 0
    files = [tmp_path / f"claims-{seed}.jsonl" for seed in (1, 2)]
    records = [gen_claims(path, 10_000, seed) for path, seed in zip(files, (1, 2))]
    imports = [
        subprocess.Popen(
            [str(LEDGER_BIN), "--db", str(db), "import", str(path), "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for path in files
    ]
    outputs = [process.communicate() for process in imports]
    assert [process.returncode for process in imports] == [0, 0], [err for _, err in outputs]

    distinct = {record_key(record) for batch in records for record in batch}
    results = [json.loads(out) for out, _ in outputs]
    assert [result["new"] + result["existing"] for result in results] == [10_000, 10_000]
    assert sum(result["new"] for result in results) == len(distinct)
    # Each import is one transaction: its new ids follow one another, before or after the other's.
    first, second = sorted(result["id_ranges"] for result in results)
    assert first == [[1, first[0][1]]] and second == [[first[0][1] + 1, len(distinct)]]
    exported = run_ledger(db, "export").stdout.splitlines()
    assert {record_key(json.loads(line)) for line in exported} == distinct
    assert len(exported) == len(distinct)  # and none twice

    count, _ = recheck(db)
    assert count == len(distinct)
    assert sorted(journal_payloads(db)) == list(range(1, count + 1))
    assert run_ledger(db, "verify").returncode == 0
