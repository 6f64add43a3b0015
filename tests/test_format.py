"""The code is laid out by the formatter (`make format`), so a change shows only what it changes."""

import subprocess
import sys
from pathlib import Path

from .helpers import ROOT

RUFF = Path(sys.executable).with_name("ruff")


def test_the_code_is_formatted():
    result = subprocess.run(
        [str(RUFF), "format", "--check", "ledger", "tests", "benchmarks", "scripts"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, "run `make format`:\n" + result.stdout + result.stderr
