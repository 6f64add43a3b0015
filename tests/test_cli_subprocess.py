"""The installed `ledger` command as real processes: exit statuses, streams, concurrency."""

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .helpers import LEDGER_BIN, SAMPLE, run_ledger

ADD = ["add", "--claim", SAMPLE["claim"], "--outlet", "BBC", "--date", "2024-07-30", "--stance", "asserts"]


def test_a_session_of_every_command(tmp_path):
    db = tmp_path / "l.db"
    assert run_ledger(db, "init").returncode == 0
    added = run_ledger(db, *ADD, "--speaker", "Hill", "--via", "Global Times")
    assert (added.returncode, added.stdout) == (0, "1\n")
    records = tmp_path / "more.jsonl"
    records.write_text(
        json.dumps({**SAMPLE, "outlet": "Gestión", "stance": "reports"}, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    imported = run_ledger(db, "import", records)
    assert imported.returncode == 0 and "1 new (id 2), 0 already recorded" in imported.stdout
    assert run_ledger(
        db, "import", "-", "--format", "jsonl", input=records.read_text(encoding="utf-8")
    ).stdout.endswith("0 new, 1 already recorded\n")
    assert run_ledger(db, "alias", "Hill", "--of", "Yván Gil").stdout == "3\n"
    assert run_ledger(db, "fact-checker", "Chequeado").stdout == "4\n"
    assert run_ledger(db, "correct", "2", "--reason", "dated wrong", "--date", "2024-07-31").stdout == "5\n"
    assert run_ledger(db, "retract", "1", "--reason", "misread").stdout == "6\n"
    verified = run_ledger(db, "verify")
    assert verified.returncode == 0 and verified.stdout.startswith("ok: 6 entries")
    digest = run_ledger(db, "digest").stdout.strip()
    assert digest.startswith("6:") and run_ledger(db, "verify", "--digest", digest).returncode == 0
    exported = [json.loads(line) for line in run_ledger(db, "export").stdout.splitlines()]
    assert exported == [{**SAMPLE, "outlet": "Gestión", "stance": "reports", "date": "2024-07-31"}]
    assert run_ledger(db, "export", "--format", "csv").stdout.startswith("claim,outlet,date,stance,")
    assert run_ledger(db, "serve", "--help").returncode == 0


def test_exit_statuses(tmp_path):
    db = tmp_path / "l.db"
    refused = run_ledger(db, *ADD[:-1], "perhaps")
    assert refused.returncode == 1 and "stance: 'perhaps' is not one of" in refused.stderr
    assert refused.stdout == ""
    assert run_ledger(db, "add", "--claim", "x").returncode == 2
    assert run_ledger(db, "no-such-command").returncode == 2
    assert run_ledger(db, "import", tmp_path / "missing.jsonl").returncode == 2
    assert run_ledger(tmp_path / "none.db", "verify").returncode == 1


def test_ledger_db_environment_variable(tmp_path):
    db = tmp_path / "env.db"
    result = subprocess.run(
        [str(LEDGER_BIN), *ADD],
        capture_output=True,
        text=True,
        env={"LEDGER_DB": str(db), "PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
    )
    assert result.returncode == 0 and db.exists()


def test_add_does_not_import_datasette(tmp_path):
    code = (
        "import sys; from ledger.cli import cli\n"
        f"cli.main(['--db', {str(tmp_path / 'l.db')!r}, *{ADD!r}], standalone_mode=False)\n"
        "assert 'datasette' not in sys.modules, 'datasette was imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_concurrent_appenders_leave_one_linear_chain(tmp_path):
    db = tmp_path / "l.db"  # created by the racing processes themselves

    def appender(worker):
        return [run_ledger(db, *ADD[:2], f"claim {worker}-{n}", *ADD[3:]) for n in range(10)]

    with ThreadPoolExecutor(4) as pool:
        results = [result for batch in pool.map(appender, range(4)) for result in batch]
    assert [result.returncode for result in results] == [0] * 40
    assert sum(result.stderr.startswith(f"{db}: created\n") for result in results) == 1  # by the one that made it
    assert run_ledger(db, "verify").stdout.startswith("ok: 40 entries")


def test_import_names_the_new_ids_and_gives_json_for_scripts(tmp_path):
    db = tmp_path / "l.db"
    records = tmp_path / "r.jsonl"
    records.write_text(
        "".join(json.dumps({**SAMPLE, "stance": stance}) + "\n" for stance in ("asserts", "reports")), encoding="utf-8"
    )
    assert run_ledger(db, *ADD).stdout == "1\n"
    imported = run_ledger(db, "import", records)
    assert (imported.returncode, imported.stdout) == (0, f"{records}: 1 new (id 2), 1 already recorded\n")
    assert run_ledger(db, *ADD[:-1], "questions").stdout == "3\n"
    more = tmp_path / "more.jsonl"
    more.write_text(
        "".join(json.dumps({**SAMPLE, "date": f"2024-07-0{day}"}) + "\n" for day in (1, 2, 3)), encoding="utf-8"
    )
    scripted = run_ledger(db, "import", "-", "--format", "jsonl", "--json", input=more.read_text(encoding="utf-8"))
    assert scripted.returncode == 0
    assert json.loads(scripted.stdout) == {
        "file": "-",
        "new": 3,
        "existing": 0,
        "id_ranges": [[4, 6]],
        "new_claims": 0,
        "close_claims": [],
    }


def test_a_refused_correction_names_the_attribution_that_superseded_it(tmp_path):
    db = tmp_path / "l.db"
    assert run_ledger(db, *ADD).stdout == "1\n"
    assert run_ledger(db, "correct", "1", "--reason", "dated wrong", "--date", "2024-07-31").stdout == "2\n"
    refused = run_ledger(db, "correct", "1", "--reason", "again", "--stance", "reports")
    assert (refused.returncode, refused.stdout) == (1, "")
    assert (
        refused.stderr
        == "id: attribution 1 is superseded by 2, which is current: only a current attribution can be corrected\n"
    )
    assert run_ledger(db, "retract", "2", "--reason", "misread").stdout == "3\n"
    refused = run_ledger(db, "retract", "2", "--reason", "again")
    assert refused.returncode == 1 and "attribution 2 is retracted by entry 3 ('misread')" in refused.stderr


def test_a_mistyped_db_is_created_and_said_so_on_standard_error(tmp_path):
    assert run_ledger(tmp_path / "main.db", *ADD).returncode == 0
    typo = tmp_path / "mian.db"
    added = run_ledger(typo, *ADD)
    assert (added.returncode, added.stdout, added.stderr) == (0, "1\n", f"{typo}: created\n")
    again = run_ledger(typo, *ADD[:-1], "reports")
    assert (again.stdout, again.stderr) == ("2\n", "")
    initialised = run_ledger(tmp_path / "new.db", "init")
    assert (initialised.stdout, initialised.stderr) == (f"{tmp_path / 'new.db'}: created\n", "")


def test_a_semicolon_separated_csv_from_a_spreadsheet_is_imported(tmp_path):
    db = tmp_path / "l.db"
    path = tmp_path / "hoja.csv"
    path.write_text(
        "claim;outlet;date;stance;quote\r\n"
        f'{SAMPLE["claim"]};El Comercio;2024-07-30;reports;"Lima; 30 de julio, 2024"\r\n',
        encoding="utf-8",
    )
    imported = run_ledger(db, "import", path)
    assert (imported.returncode, imported.stdout) == (0, f"{path}: 1 new (id 1), 0 already recorded\n")
    assert json.loads(run_ledger(db, "export").stdout) == {
        **SAMPLE,
        "outlet": "El Comercio",
        "stance": "reports",
        "quote": "Lima; 30 de julio, 2024",
    }


def test_an_empty_claimreview_export_is_valid_json_and_says_why(tmp_path):
    db = tmp_path / "l.db"
    assert run_ledger(db, *ADD).returncode == 0
    exported = run_ledger(db, "export", "--format", "claimreview")
    assert exported.returncode == 0 and json.loads(exported.stdout) == []
    assert exported.stderr.startswith("nothing written: no fact-checkers recorded: `ledger fact-checker NAME`")
    assert run_ledger(db, "fact-checker", "BBC").returncode == 0
    exported = run_ledger(db, "export", "--format", "claimreview")
    assert len(json.loads(exported.stdout)) == 1 and exported.stderr == ""


def test_ratings_written_as_sentences_are_read_by_the_installed_command(tmp_path):
    db = tmp_path / "l.db"
    fixture = Path(__file__).with_name("fixtures") / "claimreview" / "factcheck-tools-sentences.json"
    imported = run_ledger(db, "import", fixture, "--format", "claimreview", "--json")
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout)["new"] == 16
    reviews = json.loads(run_ledger(db, "export", "--format", "claimreview").stdout)
    ratings = {review["reviewRating"]["alternateName"]: review["reviewRating"]["ratingValue"] for review in reviews}
    assert ratings["Das stimmt nicht"] == ratings["Esto es engañoso"] == ratings["Это фейк"] == 1  # disputes
    assert ratings["The claim is mostly true"] == ratings["É verdade"] == 5  # asserts
    refused = run_ledger(
        db,
        "import",
        "-",
        "--format",
        "claimreview",
        input=json.dumps(
            {
                "claims": [
                    {
                        "text": "x",
                        "claimReview": [
                            {"publisher": {"name": "P"}, "reviewDate": "2024-07-30", "textualRating": "C'est pas faux"}
                        ],
                    }
                ]
            }
        ),
    )
    assert refused.returncode == 1 and '-:1: reviewRating: "C\'est pas faux" is not a rating' in refused.stderr
