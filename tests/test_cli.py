"""Every command of CONTRACT section 2 through click's CliRunner: output and exit status."""

import json

import pytest
from click.testing import CliRunner

from ledger.cli import cli

from .helpers import SAMPLE


@pytest.fixture
def db(tmp_path):
    return tmp_path / "ledger.db"


def ledger(db, *args, input=None):
    return CliRunner().invoke(cli, ["--db", str(db), *map(str, args)], input=input)


def add(db, record=SAMPLE, **changes):
    fields = {**record, **changes}
    return ledger(db, "add", *[part for key, value in fields.items() for part in (f"--{key}", value)])


def test_every_command_has_help(db):
    for command in cli.commands:
        result = ledger(db, command, "--help")
        assert result.exit_code == 0, command
        assert "Usage:" in result.output


def test_init_creates_and_then_changes_nothing(db):
    result = ledger(db, "init")
    assert result.exit_code == 0 and "created" in result.output
    before = db.read_bytes()
    result = ledger(db, "init")
    assert result.exit_code == 0 and "nothing changed" in result.output
    assert db.read_bytes() == before


def test_a_new_ledger_has_large_pages_and_the_wal(db):
    import sqlite3

    assert ledger(db, "init").exit_code == 0
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA page_size").fetchone()[0] == 16_384  # set before the file's first write
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_init_refuses_a_database_that_is_not_a_ledger(db):
    import sqlite3

    sqlite3.connect(db).execute("CREATE TABLE other (x)")
    result = ledger(db, "init")
    assert result.exit_code == 1 and "not a ledger" in result.output


def test_db_defaults_to_env_then_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LEDGER_DB", raising=False)
    assert CliRunner().invoke(cli, ["init"]).exit_code == 0
    assert (tmp_path / "ledger.db").exists()
    monkeypatch.setenv("LEDGER_DB", str(tmp_path / "env.db"))
    assert CliRunner().invoke(cli, ["init"]).exit_code == 0
    assert (tmp_path / "env.db").exists()


def test_add_prints_the_id_and_creates_the_database(db):
    result = add(db)
    assert result.exit_code == 0, result.output
    assert (result.stdout, result.stderr) == ("1\n", f"{db}: created\n")
    assert add(db, stance="reports").output.strip() == "2"


def test_add_of_a_recorded_attribution_prints_the_existing_id(db):
    add(db, speaker="Hill")
    add(db, stance="reports")
    result = add(db, speaker="Hill")
    assert result.exit_code == 0
    assert result.stdout.strip() == "1"
    assert ledger(db, "digest").output.startswith("2:")


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"stance": "maybe"}, "stance: 'maybe' is not one of asserts, reports, questions, disputes"),
        ({"date": "2024-02-30"}, "date: '2024-02-30' is not a real calendar day"),
        ({"claim": "  "}, "claim: is required"),
        ({"url": "ftp://x.org/a"}, "url: 'ftp://x.org/a' is not an http or https address"),
    ],
)
def test_add_refuses_bad_data_with_exit_1(db, changes, message):
    ledger(db, "init")
    before = db.read_bytes()
    result = add(db, **changes)
    assert result.exit_code == 1
    assert message in result.output
    assert db.read_bytes() == before


def test_add_missing_required_option_is_usage_error(db):
    result = ledger(db, "add", "--claim", "x", "--outlet", "BBC", "--date", "2024-07-30")
    assert result.exit_code == 2
    assert "--stance" in result.output


def test_unknown_command_and_option_are_usage_errors(db):
    assert ledger(db, "frobnicate").exit_code == 2
    assert add(db, author="x").exit_code == 2


def test_alias_chain_cycle_and_self(db):
    add(db, speaker="Hill")
    assert ledger(db, "alias", "Hill", "--of", "Gil").exit_code == 0
    assert ledger(db, "alias", "Gil", "--of", "Yván Gil").exit_code == 0
    result = ledger(db, "alias", "Yván Gil", "--of", "Hill")
    assert result.exit_code == 1 and "cycle" in result.output
    result = ledger(db, "alias", "Hill", "--of", "Hill")
    assert result.exit_code == 1 and "itself" in result.output
    result = ledger(db, "alias", "Hill", "--of", "Gil")
    assert result.exit_code == 0 and "already" in result.output
    assert ledger(db, "verify").exit_code == 0


def test_retract_and_correct(db):
    add(db, speaker="Hill")
    add(db, stance="reports")
    assert ledger(db, "retract", 1, "--reason", "misread").output.strip() == "3"
    result = ledger(db, "retract", 1, "--reason", "again")
    assert result.exit_code == 1 and "retracted" in result.output
    result = ledger(
        db, "correct", 2, "--reason", "it was the Global Times", "--outlet", "Global Times", "--speaker", ""
    )
    assert result.exit_code == 0 and result.output.strip() == "4"
    result = ledger(db, "correct", 2, "--reason", "again", "--stance", "asserts")
    assert result.exit_code == 1 and "superseded" in result.output
    result = ledger(db, "correct", 4, "--reason", "no change")
    assert result.exit_code == 1 and "changes nothing" in result.output
    result = ledger(db, "correct", 4, "--reason", "x", "--claim", "")
    assert result.exit_code == 1 and "claim: is required" in result.output
    assert ledger(db, "retract", 99, "--reason", "x").exit_code == 1
    exported = [json.loads(line) for line in ledger(db, "export").output.splitlines()]
    assert exported == [{**SAMPLE, "outlet": "Global Times", "stance": "reports"}]
    everything = ledger(db, "export", "--all").output.splitlines()
    assert len(everything) == 3


def test_verify_and_digest(db):
    add(db)
    result = ledger(db, "verify")
    assert result.exit_code == 0 and result.output.startswith("ok: 1 entries")
    digest = ledger(db, "digest").output.strip()
    seq, head = digest.split(":")
    assert seq == "1" and len(head) == 64
    assert ledger(db, "verify", "--digest", digest).exit_code == 0
    result = ledger(db, "verify", "--digest", f"1:{'f' * 64}")
    assert result.exit_code == 1 and result.output.startswith("seq 1: ")
    result = ledger(db, "verify", "--digest", f"5:{head}")
    assert result.exit_code == 1 and result.output.startswith("seq 5: ")
    assert ledger(db, "verify", "--digest", "nonsense").exit_code == 1


def test_read_commands_do_not_create_a_ledger(db):
    for command in ("verify", "digest", "export"):
        result = ledger(db, command)
        assert result.exit_code == 1 and "no ledger" in result.output
    assert not db.exists()


def test_fact_checker(db):
    assert ledger(db, "fact-checker", "Chequeado").stdout == "1\n"
    assert "already" in ledger(db, "fact-checker", "Chequeado").output


def test_rebuild(db, tmp_path):
    add(db)
    result = ledger(db, "rebuild", tmp_path / "copy.db")
    assert result.exit_code == 0 and "rebuilt from 1" in result.output
    assert ledger(db, "rebuild", tmp_path / "copy.db").exit_code == 1


def test_a_correction_may_not_duplicate_a_recorded_attribution(db):
    add(db, outlet="Gestión")
    add(db, outlet="BBC")
    result = ledger(db, "correct", 1, "--reason", "it was the BBC", "--outlet", "BBC")
    assert result.exit_code == 1
    assert "already recorded as attribution 2; retract 1 instead" in result.output


def test_correcting_or_retracting_what_is_not_current_names_what_replaced_it(db):
    add(db)
    add(db, stance="reports")
    assert ledger(db, "correct", 1, "--reason", "dated wrong", "--date", "2024-07-31").stdout == "3\n"
    result = ledger(db, "correct", 1, "--reason", "again", "--stance", "disputes")
    assert result.exit_code == 1
    assert result.output == (
        "id: attribution 1 is superseded by 3, which is current: only a current attribution can be corrected\n"
    )
    assert ledger(db, "correct", 3, "--reason", "the day before", "--date", "2024-07-29").stdout == "4\n"
    assert ledger(db, "correct", 4, "--reason", "the BBC's", "--outlet", "BBC World").stdout == "5\n"
    result = ledger(db, "retract", 1, "--reason", "x")
    assert result.exit_code == 1
    assert (
        "attribution 1 is superseded by 3, whose latest correction, 5, is current: "
        "only a current attribution can be retracted" in result.output
    )
    assert ledger(db, "retract", 5, "--reason", "misread\nthe page").stdout == "6\n"
    assert (
        "attribution 3 is superseded by 4, whose latest correction, 5, is retracted by entry 6 "
        "('misread\\nthe page')" in ledger(db, "correct", 3, "--reason", "x", "--note", "y").output
    )
    assert (
        "attribution 4 is superseded by 5, which is retracted by entry 6"
        in ledger(db, "retract", 4, "--reason", "x").output
    )
    result = ledger(db, "retract", 5, "--reason", "twice")
    assert result.output == (
        "id: attribution 5 is retracted by entry 6 ('misread\\nthe page'): "
        "only a current attribution can be retracted\n"
    )
    assert ledger(db, "retract", 2, "--reason", "x" * 100).stdout == "7\n"
    assert (
        "retracted by entry 7 ('" + "x" * 60 + "…')" in ledger(db, "correct", 2, "--reason", "y", "--note", "z").output
    )


@pytest.mark.parametrize(
    "command",
    [
        ["add", *[part for key, value in SAMPLE.items() for part in (f"--{key}", value)]],
        ["alias", "Hill", "--of", "Yván Gil"],
        ["fact-checker", "Chequeado"],
        ["import", "-", "--format", "jsonl"],
    ],
)
def test_a_command_that_creates_the_ledger_says_so_on_standard_error(db, command):
    records = json.dumps(SAMPLE) + "\n"
    result = ledger(db, *command, input=records)
    assert result.exit_code == 0, result.output
    assert result.stderr == f"{db}: created\n"
    assert "created" not in result.stdout
    again = ledger(db, *command, input=records)
    assert again.exit_code == 0 and "created" not in again.output


def test_commands_that_need_a_ledger_do_not_create_one(db):
    for command in (["retract", 1, "--reason", "x"], ["correct", 1, "--reason", "x", "--stance", "reports"]):
        result = ledger(db, *command)
        assert result.exit_code == 1 and "no ledger" in result.output and "created" not in result.output
    assert not db.exists()


def test_an_empty_file_made_into_a_ledger_is_created(db):
    db.touch()
    result = add(db)
    assert (result.exit_code, result.stderr) == (0, f"{db}: created\n")
