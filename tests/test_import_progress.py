"""`ledger import --progress`: a line on standard error for every 10,000 records read,
each written before those records are committed, so that a script can follow an import
(and the crash tests kill one at a point it reports)."""

from click.testing import CliRunner

from ledger.cli import cli

from .helpers import journal_count, write_numbered_records


def test_progress_lines_count_the_records_read(tmp_path):
    records = write_numbered_records(tmp_path / "some.jsonl", 25_000)
    db = tmp_path / "ledger.db"
    result = CliRunner().invoke(cli, ["--db", str(db), "import", "--progress", str(records)])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{records}: 25000 new (ids 1-25000), 0 already recorded\n"
    progress = [line for line in result.stderr.splitlines() if line.startswith("importing")]
    assert progress == ["importing: 10,000 records read", "importing: 20,000 records read"]
    assert journal_count(db) == 25_000


def test_without_progress_nothing_is_reported_off_a_terminal(tmp_path):
    records = write_numbered_records(tmp_path / "some.jsonl", 25_000)
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "ledger.db"), "import", str(records)])
    assert result.exit_code == 0
    assert "importing" not in result.stderr
