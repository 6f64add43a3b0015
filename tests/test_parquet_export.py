"""`ledger export --format parquet --output DIR` (CONTRACT section 2): read back with DuckDB, as
an engine beyond this machine would read it, the folder holds what the ledger's own SQL finds.
The chain re-checked from it without `ledger` code is in test_chain_independent.py."""

import hashlib
import sqlite3

import duckdb
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from ledger import Ledger, LedgerError
from ledger.cli import cli
from ledger.formats import parquet
from ledger.formats.parquet import write_parquet

from .helpers import SAMPLE, gen_claims, own_copy


def ledger(db, *args):
    return CliRunner().invoke(cli, ["--db", str(db), *map(str, args)])


def read(folder, table, columns="*", rest=""):
    """Rows of `table` in the export at `folder`, by DuckDB; the attributions with their partitions."""
    files = f"{folder}/{table}/**/*.parquet" if table == "attributions" else f"{folder}/{table}/*.parquet"
    return duckdb.sql(f"SELECT {columns} FROM read_parquet('{files}', hive_partitioning = true) {rest}").fetchall()


def the_ledgers(db, sql):
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def varied(tmp_path_factory):
    """(ledger, its export): 2,000 generated records over many months, two aliases, a retraction
    and a correction, exported with rows read 7 at a time, row groups of 5 rows and 3 months
    set aside at once, so that every path of the writer is taken on few rows."""
    folder = tmp_path_factory.mktemp("varied")
    db = folder / "ledger.db"
    gen_claims(folder / "records.jsonl", 2000, seed=23)
    assert ledger(db, "import", folder / "records.jsonl").exit_code == 0
    first, second, third = (name for (name,) in the_ledgers(db, "SELECT name FROM names ORDER BY id LIMIT 3"))
    assert ledger(db, "alias", second, "--of", first).exit_code == 0
    assert ledger(db, "alias", third, "--of", second).exit_code == 0
    assert ledger(db, "retract", 5, "--reason", "misread").exit_code == 0
    assert ledger(db, "correct", 7, "--reason", "the date", "--date", "2019-03-04").exit_code == 0
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parquet, "FETCHED_ROWS", 7)
        patch.setattr(parquet, "ROW_GROUP_ROWS", 5)
        patch.setattr(parquet, "SPILLS_OPEN", 3)
        with Ledger(db) as opened:
            counts = write_parquet(opened, folder / "export")
    assert counts == {
        table: the_ledgers(db, f"SELECT count(*) FROM {view}")[0][0]
        for table, view in (
            ("attributions", "attributions"),
            ("claims", "claims"),
            ("documents", "documents"),
            ("journal", "journal"),
        )
    }
    return db, folder / "export"


# The ledger's own SQL, and DuckDB's over the export, for each count.
COUNTS = {
    "stance": ("SELECT stance, count(*) FROM attributions GROUP BY 1", "stance, count(*)", "GROUP BY 1"),
    "outlet": ("SELECT outlet, count(*) FROM attributions GROUP BY 1", "outlet, count(*)", "GROUP BY 1"),
    "month": (
        "SELECT month, count(*) FROM attributions GROUP BY 1",
        "printf('%04d-%02d', year, month), count(*)",
        "GROUP BY 1",
    ),
    "status": ("SELECT status, count(*) FROM attributions GROUP BY 1", "status, count(*)", "GROUP BY 1"),
}


@pytest.mark.parametrize("by", COUNTS)
def test_counts_by_stance_outlet_and_month_are_the_ledgers(varied, by):
    db, export = varied
    ours, columns, rest = COUNTS[by]
    expected = dict(the_ledgers(db, ours))
    assert dict(read(export, "attributions", columns, rest)) == expected
    assert len(expected) > (1 if by == "status" else 3)  # the counts tell groups apart


ATTRIBUTION_COLUMNS = (
    "id, claim_id, claim, claimant, speaker, outlet, via, date, stance, url, quote, document, quote_start, "
    "quote_end, note, status"
)


def test_every_attribution_is_the_views_row_with_its_names_as_written(varied):
    db, export = varied
    exported = read(
        export,
        "attributions",
        f"{ATTRIBUTION_COLUMNS}, printf('%04d-%02d', year, month), speaker_as_written, outlet_as_written, "
        "via_as_written",
        "ORDER BY id",
    )
    expected = the_ledgers(
        db,
        f"""SELECT {ATTRIBUTION_COLUMNS}, month, (SELECT name FROM names WHERE id = speaker_id),
                   (SELECT name FROM names WHERE id = outlet_id), (SELECT name FROM names WHERE id = via_id)
            FROM attribution_rows ORDER BY id""",
    )
    assert exported == expected
    assert any(row[5] != row[18] for row in exported)  # the aliases resolved some outlets


def test_claims_and_the_journal_are_the_ledgers(varied):
    db, export = varied
    claims = "id, text, first_seen, first_outlet, attributions, asserts, reports, questions, disputes, contested"
    assert read(export, "claims", claims, "ORDER BY id") == the_ledgers(db, f"SELECT {claims} FROM claims ORDER BY id")
    journal = "seq, payload, prev_hash, hash"
    assert read(export, "journal", journal, "ORDER BY seq") == the_ledgers(
        db, f"SELECT {journal} FROM journal ORDER BY seq"
    )


def test_each_month_is_one_file_in_id_order_in_row_groups_of_bounded_size(varied):
    _, export = varied
    files = sorted((export / "attributions").glob("year=*/month=*/*"))
    assert all(path.name == "part-0.parquet" for path in files)
    for path in files:
        year, month = (int(part.split("=")[1]) for part in path.parent.parts[-2:])
        metadata = pq.ParquetFile(path).metadata
        assert metadata.num_row_groups >= 1
        assert all(metadata.row_group(i).num_rows <= 5 for i in range(metadata.num_row_groups))
        table = pq.read_table(path, columns=["id", "date"])
        ids = table["id"].to_pylist()
        assert ids == sorted(ids)
        assert {date[:7] for date in table["date"].to_pylist()} == {f"{year:04d}-{month:02d}"}
    assert any(pq.ParquetFile(path).metadata.num_row_groups > 1 for path in files)
    assert not list(export.glob("attributions/.*"))  # the months set aside are gone


def test_documents_are_exported_whole(seed_ledger, tmp_path):
    assert ledger(seed_ledger, "export", "--format", "parquet", "--output", tmp_path / "export").exit_code == 0
    columns = "id, sha256, title, outlet, url, date, language, translation_of, translated_by, attributions, length"
    exported = read(tmp_path / "export", "documents", f"{columns}, text", "ORDER BY id")
    assert [row[:-1] for row in exported] == the_ledgers(seed_ledger, f"SELECT {columns} FROM documents ORDER BY id")
    assert exported and all(hashlib.sha256(row[-1].encode()).hexdigest() == row[1] for row in exported)
    assert [row[-1] for row in exported] == [
        text for (text,) in the_ledgers(seed_ledger, "SELECT text FROM document_texts ORDER BY id")
    ]


def test_the_folders_are_one_snapshot_though_an_entry_is_appended_meanwhile(seed_ledger, tmp_path, monkeypatch):
    db = own_copy(seed_ledger, tmp_path)
    connect = parquet.connect

    class AppendedBeforeItsFirstRead:
        """The export's second connection, before whose first statement another writer appends
        an attribution: the export's two connections begin with different heads, and begin again."""

        def __init__(self, path):
            self.conn, self.appended = connect(path), False

        def execute(self, *args):
            if not self.appended:
                self.appended = True
                with Ledger(db) as writer:
                    assert writer.add(SAMPLE)[1]
            return self.conn.execute(*args)

        def close(self):
            self.conn.close()

    monkeypatch.setattr(parquet, "connect", AppendedBeforeItsFirstRead)
    with Ledger(db) as opened:
        counts = write_parquet(opened, tmp_path / "export")
    assert (counts["attributions"], counts["journal"]) == (30, 45)
    assert read(tmp_path / "export", "attributions", "max(id)") == read(tmp_path / "export", "journal", "max(seq)")


def hidden_beside(folder):
    return sorted(path.name for path in folder.parent.iterdir() if path.name.startswith("."))


def test_a_folder_that_holds_files_is_refused_unless_overwrite_replaces_it(seed_ledger, tmp_path):
    export = tmp_path / "export"
    assert ledger(seed_ledger, "export", "--format", "parquet", "--output", export).exit_code == 0
    (export / "mine.txt").write_text("not the ledger's")
    result = ledger(seed_ledger, "export", "--format", "parquet", "--output", export)
    assert result.exit_code == 1
    assert result.output == f"{export}: the folder holds files already; --overwrite replaces it\n"
    assert (export / "mine.txt").exists()
    result = ledger(seed_ledger, "export", "--format", "parquet", "--output", export, "--overwrite")
    assert result.exit_code == 0, result.output
    assert result.output == f"{export}: attributions/ 29 rows, claims/ 17 rows, documents/ 1 row, journal/ 44 rows\n"
    assert sorted(path.name for path in export.iterdir()) == ["attributions", "claims", "documents", "journal"]
    assert hidden_beside(export) == []


def test_an_empty_folder_is_filled_and_a_file_is_refused(seed_ledger, tmp_path):
    (tmp_path / "empty").mkdir()
    assert ledger(seed_ledger, "export", "--format", "parquet", "--output", tmp_path / "empty").exit_code == 0
    assert read(tmp_path / "empty", "journal", "count(*)") == [(44,)]
    (tmp_path / "file").write_text("")
    assert ledger(seed_ledger, "export", "--format", "parquet", "--output", tmp_path / "file").exit_code == 2
    with Ledger(seed_ledger) as opened, pytest.raises(LedgerError, match="file: not a folder"):
        write_parquet(opened, tmp_path / "file")


def test_an_export_that_fails_leaves_the_folder_as_it_was(seed_ledger, tmp_path, monkeypatch):
    export = tmp_path / "export"
    assert ledger(seed_ledger, "export", "--format", "parquet", "--output", export).exit_code == 0
    before = {path: path.read_bytes() for path in export.rglob("*") if path.is_file()}

    def full_disk(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(parquet, "_write_the_rest", full_disk)
    result = ledger(seed_ledger, "export", "--format", "parquet", "--output", export, "--overwrite")
    assert result.exit_code == 1
    assert result.output == f"{export}: could not be written ([Errno 28] No space left on device); it is as it was\n"
    assert {path: path.read_bytes() for path in export.rglob("*") if path.is_file()} == before
    assert hidden_beside(export) == []


def test_an_empty_ledger_gives_empty_tables(tmp_path):
    db = tmp_path / "ledger.db"
    assert ledger(db, "init").exit_code == 0
    assert ledger(db, "export", "--format", "parquet", "--output", tmp_path / "export").exit_code == 0
    for table in ("claims", "documents", "journal"):
        assert read(tmp_path / "export", table, "count(*)") == [(0,)]
    assert list((tmp_path / "export" / "attributions").iterdir()) == []


@pytest.mark.parametrize(
    "args",
    [
        ["--format", "parquet"],
        ["--output", "out"],
        ["--format", "parquet", "--output", "out", "--all"],
        ["--overwrite"],
    ],
    ids=["parquet without --output", "--output without parquet", "--all with parquet", "--overwrite alone"],
)
def test_wrong_usage_is_exit_status_2(seed_ledger, tmp_path, args):
    assert ledger(seed_ledger, "export", *args).exit_code == 2


def test_scripts_export_from_the_library(seed_ledger, tmp_path):
    with Ledger(seed_ledger) as opened:
        assert write_parquet(opened, tmp_path / "export") == {
            "attributions": 29,
            "claims": 17,
            "documents": 1,
            "journal": 44,
        }
        with pytest.raises(LedgerError, match="holds files already"):
            write_parquet(opened, tmp_path / "export")
