"""Small helpers shared by the tests (no fixtures: those are in conftest.py)."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LEDGER_BIN = Path(sys.executable).with_name("ledger")

SAMPLE = {"claim": "Peru was the first country to recognize Edmundo González as president-elect of Venezuela.",
          "outlet": "BBC", "date": "2024-07-30", "stance": "asserts"}


def run_ledger(db, *args, input=None, env=None):
    """`ledger --db DB ARGS...` as a real process."""
    return subprocess.run(
        [str(LEDGER_BIN), "--db", str(db), *map(str, args)],
        input=input,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )
