"""Serving reads from many machines (docs/scale.md): an immutable snapshot of a ledger, a copy
served with `datasette -i` and the counts of an inspect file, gives the same pages as the
ledger it was copied from, so copies behind a CDN answer as the original would."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from datasette.app import Datasette

DATASETTE = Path(sys.executable).with_name("datasette")
PAGES = [
    "/ledger/attributions.json?_shape=objects&_size=max",
    "/ledger/attributions.json?_shape=objects&stance=disputes",
    "/ledger/attributions.json?_shape=objects&_search=Peru",
    "/ledger/claims.json?_shape=objects&_size=max",
    "/ledger/documents.json?_shape=objects",
    "/ledger/outlet_stances.json?_shape=objects",
]


@pytest.fixture(scope="module")
def snapshot(seed_ledger, tmp_path_factory):
    """(the snapshot's path, its inspect data): a copy of the seed ledger and what
    `datasette inspect` wrote of it."""
    directory = tmp_path_factory.mktemp("snapshot")
    copy = directory / "ledger.db"
    shutil.copyfile(seed_ledger, copy)
    inspect_file = directory / "counts.json"
    subprocess.run([str(DATASETTE), "inspect", str(copy), "--inspect-file", str(inspect_file)], check=True)
    return copy, json.loads(inspect_file.read_text(encoding="utf-8"))


@pytest.mark.asyncio
@pytest.mark.parametrize("path", PAGES)
async def test_a_snapshot_served_immutable_answers_as_the_ledger(seed_ledger, snapshot, path):
    copy, inspect_data = snapshot
    served = await Datasette([str(seed_ledger)]).client.get(path)
    immutable = await Datasette(immutables=[str(copy)], inspect_data=inspect_data).client.get(path)
    assert served.status_code == immutable.status_code == 200
    assert immutable.json()["rows"] == served.json()["rows"] != []


@pytest.mark.asyncio
async def test_a_snapshot_takes_its_counts_from_the_inspect_file(snapshot):
    copy, inspect_data = snapshot
    counts = inspect_data["ledger"]["tables"]
    assert counts["journal"]["count"] == 44
    page = await Datasette(immutables=[str(copy)], inspect_data=inspect_data).client.get("/ledger")
    assert page.status_code == 200
    assert "The hash chain verifies: all 44 entries checked" in page.text
