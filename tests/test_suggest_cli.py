"""`ledger suggest` from the command line (CONTRACT section 8): JSON Lines that import as they
are and anchor, spans inside the text, the review on the terminal through CliRunner input and
$EDITOR, and the bad input of the issue: an unknown document, a document with no
attribution, a document in another language, and standard input closed during a review."""

import json
import sys

import pytest
from click.testing import CliRunner

from ledger import Ledger
from ledger.cli import cli

from .helpers import run_ledger, state_of

ARTICLE = (
    "Talks in the capital\n\n"
    "Mayor Ana Lopez said that the budget had been balanced for the first time in a decade.\n\n"
    "“We will not raise taxes next year,” Lopez told reporters on Monday.\n\n"
    "The Daily Planet reported that the council would meet again in June.\n"
)


def invoke(db, *args, input=None, env=None):
    return CliRunner().invoke(cli, ["--db", str(db), *map(str, args)], input=input, env=env)


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "ledger.db"
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    added = run_ledger(path, "document", "add", article, "--outlet", "Example Times", "--date", "2024-05-01")
    assert (added.returncode, added.stdout) == (0, "1\n"), added.stderr
    return path


def test_suggestions_import_as_they_are_and_anchor(db, tmp_path):
    suggested = run_ledger(db, "suggest", "1")  # a real process, as a person runs it
    assert suggested.returncode == 0, suggested.stderr
    records = [json.loads(line) for line in suggested.stdout.splitlines()]
    assert len(records) == 3
    assert {record["speaker"] for record in records} == {"Mayor Ana Lopez", None}
    relayed = [record for record in records if record.get("via")]
    assert [(r["outlet"], r["via"], r["stance"]) for r in relayed] == [("Daily Planet", "Example Times", "reports")]
    (tmp_path / "s.jsonl").write_text(suggested.stdout, encoding="utf-8")
    imported = run_ledger(db, "import", tmp_path / "s.jsonl")
    assert imported.returncode == 0, imported.stderr
    with Ledger(db) as ledger:
        anchors = ledger.document("1")["anchors"]
        assert len(anchors) == 3
        assert ledger.verify()[0] == 4  # the document and three attributions
    for anchor, record in zip(anchors, records):
        assert ARTICLE[anchor["quote_start"] : anchor["quote_end"]] == record["quote"]


def test_spans_lie_inside_the_text_and_give_the_suggestion(db):
    result = invoke(db, "suggest", "1", "--format", "spans")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 3
    for spans in lines:
        for role in ("content", "cue", "source", "resolved"):
            if spans[role] is not None:
                start, end = spans[role]
                assert 0 <= start < end <= len(ARTICLE)
        assert set(spans) >= {"content", "cue", "source", "resolved", "speaker", "outlet", "via", "stance"}
    short = lines[1]
    assert ARTICLE[slice(*short["source"])] == "Lopez"
    assert ARTICLE[slice(*short["resolved"])] == "Mayor Ana Lopez"


def test_a_document_is_named_by_its_sha256_too(db):
    with Ledger(db) as ledger:
        sha256 = ledger.documents()[0]["sha256"]
    assert invoke(db, "suggest", sha256).stdout == invoke(db, "suggest", "1").stdout != ""


def test_an_unknown_document_is_one_line_and_exit_1(db):
    before = state_of(db)
    result = run_ledger(db, "suggest", "7")
    assert (result.returncode, result.stdout, result.stderr) == (1, "", "document 7 is not in this ledger\n")
    assert state_of(db) == before


def test_a_document_with_no_attribution_prints_nothing(db, tmp_path):
    quiet = tmp_path / "quiet.txt"
    quiet.write_text("The weather was fine and the market opened at nine.\n", encoding="utf-8")
    assert run_ledger(db, "document", "add", quiet, "--outlet", "Example Times", "--date", "2024-05-02").stdout == "2\n"
    result = run_ledger(db, "suggest", "2")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


@pytest.mark.parametrize(
    "text, language",
    [
        ("La alcaldesa dijo que el presupuesto estaba equilibrado por primera vez en una década.\n", None),
        ("Mayor Ana Lopez said that the budget had been balanced.\n", "zh"),
    ],
    ids=["Spanish, untagged", "tagged zh"],
)
def test_a_document_in_another_language_is_named_and_nothing_is_proposed(db, tmp_path, text, language):
    other = tmp_path / "other.txt"
    other.write_text(text, encoding="utf-8")
    tagged = ["--language", language] if language else []
    assert (
        run_ledger(db, "document", "add", other, "--outlet", "El Diario", "--date", "2024-05-02", *tagged).stdout
        == "2\n"
    )
    result = run_ledger(db, "suggest", "2")
    assert (result.returncode, result.stdout) == (0, "")
    assert (
        result.stderr
        == f"document 2 is in {language or 'a language other than English'}: ledger suggest reads English only\n"
    )


def test_a_document_without_outlet_or_date_is_warned_of(tmp_path):
    db = tmp_path / "ledger.db"
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    run_ledger(db, "document", "add", article)
    result = run_ledger(db, "suggest", "1")
    assert result.returncode == 0
    assert "document 1 has no outlet" in result.stderr and "document 1 has no date" in result.stderr
    assert len(result.stdout.splitlines()) == 3


def test_review_accepts_skips_and_imports_in_one_transaction(db):
    result = invoke(db, "suggest", "1", "--review", input="a\ns\na\n")
    assert result.exit_code == 0, result.output
    assert "review: 2 new (ids 2-3), 0 already recorded" in result.stdout
    with Ledger(db) as ledger:
        assert (ledger.show(2)["speaker"], ledger.show(3)["outlet"]) == ("Mayor Ana Lopez", "Daily Planet")
        assert len(ledger.document("1")["anchors"]) == 2


def test_review_quit_imports_what_was_accepted_before(db):
    result = invoke(db, "suggest", "1", "--review", input="a\nq\n")
    assert result.exit_code == 0, result.output
    assert "review: 1 new (id 2), 0 already recorded" in result.stdout


def test_review_with_nothing_accepted_writes_nothing(db):
    before = state_of(db)
    result = invoke(db, "suggest", "1", "--review", input="s\ns\ns\n")
    assert result.exit_code == 0 and "nothing accepted; nothing written" in result.stdout
    assert state_of(db) == before


def test_review_with_standard_input_closed_writes_nothing_and_exits_1(db):
    before = state_of(db)
    assert invoke(db, "suggest", "1", "--review", input="a\n").exit_code == 1  # closed after the first answer
    result = run_ledger(db, "suggest", "1", "--review", input="")  # a real process, standard input empty
    assert result.returncode == 1
    assert state_of(db) == before


def test_review_edits_in_the_editor(db, tmp_path):
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import json, sys\n"
        "path = sys.argv[1]\n"
        "record = json.load(open(path, encoding='utf-8'))\n"
        "record['claim'] = 'The budget was balanced.'\n"
        "record['stance'] = 'reports'\n"
        "json.dump(record, open(path, 'w', encoding='utf-8'))\n",
        encoding="utf-8",
    )
    result = invoke(db, "suggest", "1", "--review", input="e\nq\n", env={"EDITOR": f"{sys.executable} {editor}"})
    assert result.exit_code == 0, result.output
    with Ledger(db) as ledger:
        shown = ledger.show(2)
    assert (shown["claim"], shown["stance"]) == ("The budget was balanced.", "reports")


def test_an_edited_record_that_is_refused_writes_nothing(db, tmp_path):
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import json, sys\n"
        "path = sys.argv[1]\n"
        "record = json.load(open(path, encoding='utf-8'))\n"
        "record['quote'] = 'words the article never held'\n"
        "json.dump(record, open(path, 'w', encoding='utf-8'))\n",
        encoding="utf-8",
    )
    before = state_of(db)
    result = invoke(db, "suggest", "1", "--review", input="a\ne\nq\n", env={"EDITOR": f"{sys.executable} {editor}"})
    assert result.exit_code == 1
    assert "review:2: quote: not in document 1" in result.output
    assert state_of(db) == before


def test_a_quote_whose_words_occur_earlier_is_widened_to_anchor_where_it_was_read(tmp_path):
    db = tmp_path / "ledger.db"
    text = "Officials said the plan failed. Mayor Ana Lopez said the plan failed.\n"
    with Ledger(db, create=True) as ledger:
        ledger.add_documents([(text, {"outlet": "Example Times", "date": "2024-05-01", "language": "en"})])
    records = [json.loads(line) for line in invoke(db, "suggest", "1").stdout.splitlines()]
    assert [record["quote"] for record in records] == ["the plan failed", "Lopez said the plan failed"]
    (tmp_path / "s.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    assert invoke(db, "import", tmp_path / "s.jsonl").exit_code == 0
    with Ledger(db) as ledger:
        starts = [anchor["quote_start"] for anchor in ledger.document("1")["anchors"]]
    assert starts == [text.index("the plan"), text.index("Lopez said")]
