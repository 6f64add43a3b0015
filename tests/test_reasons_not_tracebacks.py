"""Hostile or impossible input gets one line of reason and the right exit status, never a
traceback: ids and seqs beyond SQLite's integers, a date that cannot be placed in UTC, a
ledger in a folder that does not exist, a full disk, two rebuilds into one file, endless
input and JSON nested beyond Python's stack."""

import io
import json
import subprocess

import pytest
from click.testing import CliRunner

from ledger import Ledger, LedgerError, formats
from ledger.cli import cli
from ledger.journal import chain_digest

from .helpers import LEDGER_BIN, SAMPLE, journal_count, write_numbered_records

BEYOND_64_BITS = "99999999999999999999"


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "ledger.db"
    with Ledger(path, create=True) as ledger:
        ledger.add(SAMPLE)
    return path


def invoke(db, *args):
    result = CliRunner().invoke(cli, ["--db", str(db), *args])
    assert "Traceback" not in result.output and not isinstance(result.exception, (OverflowError, OSError)), (
        result.output
    )
    return result


@pytest.mark.parametrize("command", ["retract", "correct"])
def test_an_id_beyond_sqlites_integers_is_no_attribution(db, command):
    result = invoke(db, command, BEYOND_64_BITS, "--reason", "r", *(["--stance", "disputes"] * (command == "correct")))
    assert result.exit_code == 1
    assert f"id: {BEYOND_64_BITS} is not an attribution in this ledger" in result.output


def test_a_digest_with_such_a_seq_is_missing(db):
    result = invoke(db, "verify", "--digest", f"{BEYOND_64_BITS}:{'a' * 64}")
    assert result.exit_code == 1
    assert f"seq {BEYOND_64_BITS}: missing" in result.output


@pytest.mark.parametrize("date", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_a_date_that_cannot_be_placed_in_utc_is_refused(db, date):
    result = invoke(db, "add", "--claim", "A claim.", "--outlet", "BBC", "--date", date, "--stance", "asserts")
    assert result.exit_code == 1
    assert "date:" in result.output and ("outside the years 1 to 9999" in result.output or "future" in result.output)


def test_a_ledger_in_a_folder_that_does_not_exist(tmp_path):
    target = tmp_path / "no-such-folder" / "ledger.db"
    result = invoke(
        target, "add", "--claim", "A claim.", "--outlet", "BBC", "--date", "2024-07-30", "--stance", "asserts"
    )
    assert result.exit_code == 1
    assert f"there is no folder {target.parent}" in result.output
    assert not target.parent.exists()


def test_a_full_disk_is_refused_in_one_line_and_writes_nothing(db, tmp_path):
    records = write_numbered_records(tmp_path / "many.jsonl", 20_000)
    with Ledger(db) as ledger:
        pages = ledger.conn.execute("PRAGMA page_count").fetchone()[0]
        ledger.conn.execute(f"PRAGMA max_page_count = {pages + 2}")  # as a disk with two pages left
        with pytest.raises(LedgerError, match="could not be written: database or disk is full; nothing was written"):
            ledger.import_file(records)
        ledger.conn.execute("PRAGMA max_page_count = 1073741823")
        assert ledger.add({**SAMPLE, "claim": "After the disk was freed."})[1]
        assert ledger.verify()[0] == 2


def test_of_two_rebuilds_into_one_file_one_is_refused(db, tmp_path):
    target = tmp_path / "rebuilt.db"
    rebuilds = [
        subprocess.Popen(
            [str(LEDGER_BIN), "--db", str(db), "rebuild", str(target)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [rebuild.communicate() for rebuild in rebuilds]
    assert sorted(rebuild.returncode for rebuild in rebuilds) == [0, 1], outputs
    refused = next(err for (_, err), rebuild in zip(outputs, rebuilds) if rebuild.returncode == 1)
    assert "already holds a journal" in refused and "Traceback" not in refused
    assert journal_count(target) == 1


def test_endless_input_is_refused_at_a_bounded_line(db):
    """/dev/zero never ends a line: the reader refuses the line at its bound instead of
    holding it (which grew by a gigabyte a second)."""
    result = invoke(db, "import", "/dev/zero", "--format", "jsonl")
    assert result.exit_code == 1
    assert "/dev/zero:1: line: is longer than 8,388,608 bytes" in result.output
    assert journal_count(db) == 1


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_a_line_too_long_is_refused_naming_it(fmt):
    text = ("claim,outlet,date,stance\n" if fmt == "csv" else "") + "x" * (formats.base.LONGEST_LINE + 10)
    items = list(formats.read(io.BytesIO(text.encode()), fmt))
    line = 2 if fmt == "csv" else 1
    assert [(item.line, item.problems[0][0]) for item in items if item.problems] == [(line, "line")]


@pytest.mark.parametrize("fmt", ["jsonl", "json", "journal"])
def test_json_nested_beyond_the_stack_is_refused(db, tmp_path, fmt):
    deep = "[" * 100_000 + "]" * 100_000
    path = tmp_path / f"deep.{'journal.jsonl' if fmt == 'journal' else fmt}"
    if fmt == "journal":
        digest = chain_digest(b"0" * 64, deep.encode()).hex()
        path.write_text(json.dumps({"seq": 1, "prev_hash": "0" * 64, "hash": digest, "payload": deep}) + "\n")
        target = tmp_path / "empty.db"
    else:
        path.write_text(f"[{deep}]" if fmt == "json" else deep + "\n")
        target = db
    result = invoke(target, "import", str(path))
    assert result.exit_code == 1
    assert "nested too deeply" in result.output
