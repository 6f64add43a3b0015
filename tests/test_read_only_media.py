"""A ledger on read-only media (an archive, a published snapshot on a read-only mount) is
verified, exported and served as it is; a command that would append says it cannot."""

import os
import subprocess
import urllib.request

import pytest

from .helpers import SAMPLE, options, run_ledger, serving


@pytest.fixture
def read_only_ledger(tmp_path):
    """A ledger seen through a read-only bind mount (needs the right to mount: root, as
    `make test` runs here)."""
    source, mounted = tmp_path / "source", tmp_path / "mounted"
    source.mkdir()
    mounted.mkdir()
    db = source / "ledger.db"
    for outlet in ("BBC", "Gestión"):
        assert (
            run_ledger(
                db,
                "add",
                *options({**SAMPLE, "outlet": outlet}),
            ).returncode
            == 0
        )
    for command in (["mount", "--bind", str(source), str(mounted)], ["mount", "-o", "remount,ro,bind", str(mounted)]):
        if subprocess.run(command, capture_output=True).returncode != 0:
            subprocess.run(["umount", str(mounted)], capture_output=True)
            pytest.skip("no right to make a read-only mount here")
    try:
        assert not os.access(mounted / "ledger.db", os.W_OK)
        yield mounted / "ledger.db"
    finally:
        subprocess.run(["umount", str(mounted)], check=True)


def test_it_is_verified_and_exported(read_only_ledger, tmp_path):
    verified = run_ledger(read_only_ledger, "verify")
    assert verified.returncode == 0 and verified.stdout.startswith("ok: 2 entries"), verified.stderr
    assert run_ledger(read_only_ledger, "digest").stdout.startswith("2:")
    assert len(run_ledger(read_only_ledger, "export").stdout.splitlines()) == 2
    assert len(run_ledger(read_only_ledger, "export", "--format", "journal").stdout.splitlines()) == 2
    parquet = run_ledger(read_only_ledger, "export", "--format", "parquet", "--output", tmp_path / "export")
    assert parquet.returncode == 0 and parquet.stdout.endswith("journal/ 2 rows\n"), parquet.stderr


def test_it_is_served_immutable(read_only_ledger):
    with serving(read_only_ledger, "--immutable") as base:
        with urllib.request.urlopen(f"{base}/ledger/claims/1.json") as response:
            assert response.status == 200


def test_an_append_says_it_cannot(read_only_ledger):
    added = run_ledger(
        read_only_ledger,
        "add",
        *options({**SAMPLE, "outlet": "El Peruano"}),
    )
    assert added.returncode == 1
    assert "read-only here" in added.stderr and "Traceback" not in added.stderr
