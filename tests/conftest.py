"""Fixtures shared by several test modules."""

import subprocess

import pytest
from datasette.app import Datasette

from .helpers import LEDGER_BIN, ROOT


@pytest.fixture(scope="session")
def seed_ledger(tmp_path_factory):
    """Path of the seed ledger, built from seeds/ by seeds/build as `make ledger.db` builds it.

    Shared by the whole session: tests only read it."""
    path = tmp_path_factory.mktemp("seed") / "ledger.db"
    subprocess.run(["sh", str(ROOT / "seeds" / "build"), str(path), str(LEDGER_BIN)], check=True, capture_output=True)
    return path


@pytest.fixture(scope="module")
def traced(seed_ledger):
    """A Datasette of the seed ledger that shows a page's SQL with `_trace=1`."""
    return Datasette([str(seed_ledger)], settings={"trace_debug": True})
