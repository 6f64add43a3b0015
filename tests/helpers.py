"""Small helpers shared by the tests (no fixtures: those are in conftest.py)."""

import asyncio
import contextlib
import hashlib
import json
import os
import shutil
import socket
import sqlite3
import struct
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlencode

from datasette.app import Datasette

ROOT = Path(__file__).resolve().parents[1]
LEDGER_BIN = Path(sys.executable).with_name("ledger")

SAMPLE = {
    "claim": "Peru was the first country to recognize Edmundo González as president-elect of Venezuela.",
    "outlet": "BBC",
    "date": "2024-07-30",
    "stance": "asserts",
}
STANCES = ("asserts", "reports", "questions", "disputes")


def options(record):
    """A record as `ledger add` options: ["--claim", "...", "--outlet", "...", ...]."""
    return [part for field, value in record.items() for part in (f"--{field}", value)]


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
            out.write(
                f'{{"claim":"Claim number {n // 4}.","outlet":"Outlet {n % 97}","date":"2024-07-30",'
                f'"stance":"{STANCES[n % 4]}","quote":"Words number {n}."}}\n'
            )
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
    # The content first: reading a ledger that no process holds open can leave an empty
    # -wal file behind, which the files, read after, then show every time.
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        content = hashlib.sha256("\n".join(conn.iterdump()).encode("utf-8")).hexdigest()
    finally:
        conn.close()
    wal = Path(f"{db}-wal")
    files = (
        hashlib.sha256(Path(db).read_bytes()).hexdigest(),
        hashlib.sha256(wal.read_bytes()).hexdigest() if wal.exists() else None,
    )
    return files, content


def own_copy(ledger, directory):
    """A copy, in `directory`, of a ledger that several tests share, for one test to change."""
    path = Path(directory) / "ledger.db"
    shutil.copy(ledger, path)
    return path


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def serving(db, *options):
    """`ledger serve` on a free loopback port until the block ends; yields its base URL once it listens.

    Uvicorn prints "Uvicorn running on" once its socket listens; the wait is for that line or
    for the process to end, never for a time, so a busy machine only makes it slower."""
    port = free_port()
    process = subprocess.Popen(
        [str(LEDGER_BIN), "--db", str(db), "serve", "--port", str(port), *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    log = []
    for line in process.stderr:  # ends when the process does
        log.append(line)
        if b"Uvicorn running on" in line:
            break
    else:
        process.wait()
        raise AssertionError(f"ledger serve did not start:\n{b''.join(log).decode(errors='replace')[-2000:]}")
    # Read on, or a full pipe would stop the server at its next line.
    reader = threading.Thread(target=log.extend, args=(process.stderr,), daemon=True)
    reader.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait()
        reader.join()


def listening_addresses(port):
    """Local addresses with a socket listening on `port`, read from /proc/net/tcp and tcp6."""
    addresses = set()
    for table, family in (("/proc/net/tcp", socket.AF_INET), ("/proc/net/tcp6", socket.AF_INET6)):
        with open(table) as lines:
            next(lines)
            for line in lines:
                local, state = line.split()[1], line.split()[3]
                address, local_port = local.split(":")
                if state != "0A" or int(local_port, 16) != port:  # 0A: LISTEN
                    continue
                # The kernel prints each 32-bit word of the address in host (little-endian) order.
                raw = b"".join(struct.pack("<I", int(address[i : i + 8], 16)) for i in range(0, len(address), 8))
                addresses.add(socket.inet_ntop(family, raw))
    return addresses


async def traced_page(ds, pairs):
    """(the page JSON, the SQL its trace shows run) of /ledger/attributions.json with the query
    string `pairs`, from a Datasette whose settings allow `_trace`."""
    response = await ds.client.get(f"/ledger/attributions.json?{urlencode(pairs + [('_trace', '1')])}")
    assert response.status_code == 200, response.text
    data = response.json()
    return data, [trace["sql"] for trace in data["_trace"]["traces"] if trace["type"] == "sql"]


def page_of_its_own(ledger, pairs):
    """The JSON of /ledger/attributions.json with the query string `pairs`, from a Datasette of
    the `ledger` file of its own, in an event loop of its own (as each example of a property
    test runs), whose SQL threads are let go after, rather than outlive it."""
    ds = Datasette([str(ledger)])

    async def page():
        return (await ds.client.get(f"/ledger/attributions.json?{urlencode(pairs)}")).json()

    try:
        return asyncio.run(page())
    finally:
        ds.executor.shutdown()
