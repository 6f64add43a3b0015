"""Reading a ledger from the terminal without SQL (CONTRACT.md section 2): `show`, `claims`,
`search` and `log`, as aligned tables by default and JSON on request, exit 1 for an unknown
id. The questions a person asks: which claims are contested, what did this outlet say and
via whom, what superseded attribution 5."""

import json

import pytest
from click.testing import CliRunner

from ledger.cli import cli

from .helpers import run_ledger
from .test_datasette import MADURO_WON, PERU_FIRST, build_sample


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    path = tmp_path_factory.mktemp("reading") / "ledger.db"
    build_sample(path)
    return path


def invoke(db, *args):
    result = CliRunner().invoke(cli, ["--db", str(db), *map(str, args)])
    return result.exit_code, result.stdout, result.stderr


def json_lines(output):
    return [json.loads(line) for line in output.splitlines()]


def test_which_claims_are_contested(sample):
    status, output, _ = invoke(sample, "claims", "--contested", "--json")
    assert status == 0
    (contested,) = json_lines(output)
    assert (contested["text"], contested["asserts"], contested["disputes"]) == (PERU_FIRST, 1, 1)
    status, table, _ = invoke(sample, "claims", "--contested")
    header, row = table.splitlines()
    assert header.split() == ["id", "attributions", "asserts", "reports", "questions", "disputes", "text"]
    assert row.endswith(PERU_FIRST) and row.split()[:6] == ["1", "3", "1", "0", "1", "1"]


def test_claims_come_most_attributions_first_and_can_be_searched(sample):
    texts = [claim["text"] for claim in json_lines(invoke(sample, "claims", "--json")[1])]
    assert texts[0] == PERU_FIRST and len(texts) == 3
    assert [claim["text"] for claim in json_lines(invoke(sample, "claims", "--search", "Maduro", "--json")[1])] == [
        MADURO_WON
    ]
    assert len(json_lines(invoke(sample, "claims", "--limit", "1", "--json")[1])) == 1


def test_what_did_this_outlet_say_and_via_whom(sample):
    found = json_lines(invoke(sample, "search", "Business Daily", "--json")[1])
    assert [(row["outlet"], row["via"], row["stance"]) for row in found] == [
        ("Peru's Business Daily", "Global Times", "questions")
    ]


def test_search_finds_words_of_claims_and_quotes_best_first(sample):
    found = json_lines(invoke(sample, "search", "violates international", "--json")[1])
    assert [row["id"] for row in found][:1] == [2]
    assert invoke(sample, "search", "Per", "--json")[0] == 0  # a word finds longer words it begins
    status, _, error = invoke(sample, "search", "?!")
    assert (status, error.strip()) == (1, "'?!' has no word to search for")


def test_what_superseded_attribution_5(sample):
    shown = json.loads(invoke(sample, "show", "5", "--json")[1])
    assert shown["status"] == "superseded" and shown["superseded_by"]["id"] == 9
    status, output, _ = invoke(sample, "show", "9")
    assert status == 0 and "corrects: 5 (" in output


def test_show_gives_names_as_written_and_canonical(sample):
    status, output, _ = invoke(sample, "show", "2")
    assert status == 0
    assert "speaker: Hill (canonical: Yván Gil)" in output.splitlines()


def test_an_unknown_id_exits_1(sample):
    result = run_ledger(sample, "show", "99")
    assert (result.returncode, result.stdout, result.stderr.strip()) == (1, "", "attribution 99 is not in this ledger")
    assert run_ledger(sample, "show", "99999999999999999999").returncode == 1


def test_the_log_shows_the_newest_entries_first(sample):
    status, output, _ = invoke(sample, "log", "--limit", "3", "--json")
    logged = json_lines(output)
    assert [entry["seq"] for entry in logged] == [10, 9, 8]
    assert all(len(entry["hash"]) == 12 for entry in logged)
    table = invoke(sample, "log")[1].splitlines()
    assert table[0].split() == ["seq", "type", "recorded_at", "hash", "summary"] and len(table) == 11
