"""Large files are read and validated by a forked worker (ledger.formats.worker.CheckedInWorker):
same results as the single-process path, and no worker left behind when the parent is killed."""

import json
import multiprocessing
import os
import pickle
import select
import signal
import sqlite3
import subprocess
import threading
from pathlib import Path

import pytest

from ledger import Ledger, formats
from ledger.db import WORKER_FROM_BYTES
from ledger.formats import worker

from .helpers import LEDGER_BIN, SAMPLE, run_ledger


def big_file(path, count, bad_line=None):
    with open(path, "w", encoding="utf-8") as out:
        for n in range(1, count + 1):
            stance = "maybe" if n == bad_line else SAMPLE["stance"]
            out.write(
                json.dumps({**SAMPLE, "claim": f"Claim number {n}.", "stance": stance, "quote": "q" * 200}) + "\n"
            )
    assert path.stat().st_size >= WORKER_FROM_BYTES
    return path


def processes_using(path):
    """PIDs of live (not zombie) processes whose command line names `path`."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if (
                str(path) in (entry / "cmdline").read_bytes().decode(errors="replace")
                and " Z " not in (entry / "stat").read_text().rsplit(")", 1)[1][:3]
            ):
                found.append(int(entry.name))
        except (OSError, ValueError):
            continue
    return found


def test_the_worker_path_imports_and_refuses_like_the_plain_one(tmp_path):
    good = big_file(tmp_path / "good.jsonl", 5_000)
    result = run_ledger(tmp_path / "l.db", "import", good)
    assert result.returncode == 0 and "5000 new (ids 1-5000), 0 already recorded" in result.stdout
    bad = big_file(tmp_path / "bad.jsonl", 5_000, bad_line=4_321)
    result = run_ledger(tmp_path / "l.db", "import", bad)
    assert result.returncode == 1
    assert f"{bad}:4321: stance: 'maybe' is not one of" in result.stderr
    assert run_ledger(tmp_path / "l.db", "digest").stdout.startswith("5000:")


def test_no_worker_outlives_a_killed_import(tmp_path):
    # Far more than the worker may read ahead of the parent (CheckedInWorker.AHEAD and the
    # pipe), so the worker is still reading when the parent is killed at its first report.
    source = big_file(tmp_path / "many.jsonl", 200_000)
    db = tmp_path / "killed.db"
    process = subprocess.Popen(
        [str(LEDGER_BIN), "--db", str(db), "import", "--progress", str(source)], stderr=subprocess.PIPE, text=True
    )
    said = []
    for line in process.stderr:  # `PATH: created` comes first
        said.append(line)
        if line.startswith("importing:"):
            break
    assert said[-1:] == ["importing: 10,000 records read\n"], f"the import ended first: {said!r}"
    workers = [pid for pid in processes_using(db) if pid != process.pid]
    assert workers, "the records read came from no worker"
    ended = [os.pidfd_open(pid) for pid in workers]  # readable once the process has ended
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    for pidfd in ended:
        # Not a guess of speed: the worker ends at its next send; ten minutes on means it never will.
        assert select.select([pidfd], [], [], 600)[0], "a worker lived on after its parent was killed"
        os.close(pidfd)
    assert processes_using(db) == []
    assert run_ledger(db, "verify").returncode == 0


def test_the_worker_writes_the_payloads_the_plain_path_would(tmp_path):
    source = tmp_path / "mixed.jsonl"
    with open(source, "w", encoding="utf-8") as out:
        for n in range(1, 4_001):
            out.write(
                json.dumps(
                    {
                        **SAMPLE,
                        "claim": f"Afirmación número {n}: Yván Gil dijo «sí».",
                        "speaker": "Yván Gil",
                        "quote": "ñ" * 300,
                    },
                    ensure_ascii=n % 2 == 0,
                )
                + "\n"
            )
    assert source.stat().st_size >= WORKER_FROM_BYTES
    assert run_ledger(tmp_path / "worker.db", "import", source).returncode == 0
    with Ledger(tmp_path / "plain.db", create=True) as ledger, open(source, "rb") as stream:
        ledger.import_items(formats.read(stream, "jsonl"))

    def payloads(path):
        conn = sqlite3.connect(path)
        entries = [json.loads(text) for (text,) in conn.execute("SELECT payload FROM journal ORDER BY seq")]
        conn.close()
        assert len({entry.pop("recorded_at") for entry in entries}) == 1  # one time for the whole import
        return entries

    assert payloads(tmp_path / "worker.db") == payloads(tmp_path / "plain.db")
    assert run_ledger(tmp_path / "worker.db", "verify").returncode == 0


def test_the_worker_reads_on_while_the_pipe_is_full_and_sends_in_order():
    receiver, sender = multiprocessing.Pipe(duplex=False)
    capacity = worker._pipe_size(sender)
    if capacity is None:
        pytest.skip("the pipe's capacity cannot be known here")
    messages = [bytes([n]) * (capacity // 3) for n in range(6)]
    pickled = len(pickle.dumps(messages[0], pickle.HIGHEST_PROTOCOL))
    outbox = worker._Outbox(sender, ahead=3 * pickled)  # three may wait, not four
    outbox.put(messages[0])
    assert not outbox.waiting  # sent at once: the pipe had room
    # Nobody reads yet: two messages fit in the pipe, and put() must return for the next three.
    putting = threading.Thread(target=lambda: [outbox.put(message) for message in messages[1:5]], daemon=True)
    putting.start()
    putting.join(timeout=600)  # a wait that long is a hang, not a slow machine
    assert not putting.is_alive(), "put() waited for the full pipe"
    assert len(outbox.waiting) == 3
    # A message larger than what may wait is sent at once, after those waiting, even though
    # the pipe cannot hold it.
    larger = b"L" * (2 * capacity)
    received = []
    reader = threading.Thread(target=lambda: received.extend(receiver.recv() for _ in range(len(messages) + 1)))
    reader.start()
    outbox.put(messages[5])  # a fourth waiting: put() sends until three wait
    outbox.put(larger)
    assert not outbox.waiting
    outbox.send_all()
    reader.join(timeout=600)
    assert received == [*messages, larger]
