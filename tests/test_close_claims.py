"""A new claim within a few characters of a recorded one: named on standard error, still recorded."""

import json

import pytest

from ledger import CloseClaim, Ledger
from ledger.close_claims import CLAIMS_COMPARED, close_edits

from .helpers import journal_count, run_ledger
from .test_cli import ledger

GONZALEZ = "Edmundo González is the president-elect"
RECORD = {"outlet": "BBC", "date": "2024-07-30", "stance": "asserts"}


def add(db, claim, **changes):
    fields = {**RECORD, "claim": claim, **changes}
    return ledger(db, "add", *[part for key, value in fields.items() for part in (f"--{key}", value)])


@pytest.fixture
def opened(tmp_path):
    with Ledger(tmp_path / "l.db", create=True) as opened:
        opened.add({**RECORD, "claim": GONZALEZ})
        opened.add({**RECORD, "claim": "Nicolás Maduro won the 2024 Venezuelan presidential election."})
        yield opened


def close_to_the_recorded(opened, claim):
    seq, new = opened.add({**RECORD, "outlet": "Reuters", "claim": claim})
    assert new
    return opened.close_claim(seq)


@pytest.mark.parametrize(
    "claim, edits",
    [
        ("Edmundo Gonzalez is the president-elect", 0),  # an accent
        ("Edmundo González is the president elect.", 0),  # punctuation (and the same claim's final full stop)
        ("Edmundo Gonzales is the president-elect", 1),  # a typo
        ("Edmundo Gonzalez is the presidente-elect", 1),
        ("Edmundo Gonzalezz is the president-electt", 2),  # two, from 40 characters
    ],
)
def test_a_new_claim_within_a_few_characters_of_a_recorded_one_is_close(opened, claim, edits):
    assert close_to_the_recorded(opened, claim) == CloseClaim(3, claim, 1, GONZALEZ, edits)


@pytest.mark.parametrize(
    "claim",
    [
        "Edmundo González is the president-elect 2",  # another number
        "Edmund Gonzales is the president-electo",  # two edits in 39 characters
        "Edmund Gonzales is the president-electos",  # three in 40
        "Edmundo González is the president",
        "Edmundo González is not the president-elect",
        "María Corina Machado is the president-elect",
    ],
)
def test_a_claim_further_away_is_not(opened, claim):
    assert close_to_the_recorded(opened, claim) is None


def test_the_same_claim_or_an_attribution_of_a_recorded_claim_has_no_close_claim(opened):
    seq, new = opened.add({**RECORD, "stance": "reports", "claim": "EDMUNDO GONZÁLEZ  is the president-elect."})
    assert new and opened.close_claim(seq) is None  # the same claim (CONTRACT section 1)
    assert opened.close_claim(1) is None  # nothing recorded before it
    assert opened.close_claim(99) is None  # no such attribution


def test_claims_whose_numbers_differ_are_never_close(opened):
    opened.add({**RECORD, "claim": "Inflation was 3.1% in 2023."})
    assert close_to_the_recorded(opened, "Inflation was 3.7% in 2023.") is None
    assert close_to_the_recorded(opened, "Inflation was 3,1% in 2023.").edits == 0  # the same digits


def test_a_claim_is_compared_only_with_claims_recorded_before_it(opened):
    first, _ = opened.add({**RECORD, "claim": "The ceasefire began on Monday."})
    opened.add({**RECORD, "claim": "The ceasefire began on Mondays."})
    assert opened.close_claim(first) is None
    assert opened.close_claim(first + 1).close_text == "The ceasefire began on Monday."


def test_a_correction_is_compared_with_the_claims_other_than_the_one_it_corrects(opened):
    typo, _ = opened.add({**RECORD, "outlet": "CNN", "claim": "Edmundo Gonzales is the president elect"})
    assert opened.close_claim(typo).close_id == 1
    # Its corrected wording is close to its old one, which is what a correction changes.
    corrected = opened.correct(typo, "accent", {"claim": "Edmundo Gonzáles is the president elect"})
    close = opened.close_claim(corrected)
    assert (close.attribution, close.close_id, close.edits) == (corrected, 1, 1)
    assert opened.close_claim(opened.correct(corrected, "the date", {"date": "2024-07-31"})) is None


def test_close_is_one_character_apart_below_40_characters_and_two_from_40():
    assert [close_edits("x" * length) for length in (0, 5, 39, 40, 60, 10_000)] == [1, 1, 1, 2, 2, 2]


# The command line ---------------------------------------------------------------------------


def test_add_warns_on_standard_error_naming_the_close_claim_and_still_appends(tmp_path):
    db = tmp_path / "l.db"
    assert add(db, GONZALEZ).stdout == "1\n"
    result = add(db, "Edmundo Gonzalez is the president-elect", outlet="CNN")
    assert (result.exit_code, result.stdout) == (0, "2\n")
    assert result.stderr == (
        "warning: attribution 2 records a new claim, which differs from claim 1 only in accents or punctuation "
        "(correct 2 if it is that claim):\n"
        "  new:     'Edmundo Gonzalez is the president-elect'\n"
        f"  claim 1: '{GONZALEZ}'\n"
    )
    result = add(db, "Edmundo Gonzales is the president-elect", outlet="AP")
    assert result.stderr.startswith("warning: attribution 3 records a new claim, 1 character from claim 1 ")
    assert journal_count(db) == 3
    assert add(db, "Edmundo Gonzales is the president-elect", outlet="AP").stderr == (
        "already recorded as attribution 3\n"
    )  # not new: nothing to compare
    assert add(db, "edmundo gonzález is the president-elect.", outlet="El País").stderr == ""  # the same claim


def test_correct_warns_when_the_new_wording_is_close_to_another_claim(tmp_path):
    db = tmp_path / "l.db"
    add(db, GONZALEZ)
    add(db, "Maduro won.", outlet="CNN")
    result = ledger(db, "correct", 2, "--reason", "misread", "--claim", "Edmundo Gonzalez is the president elect")
    assert (result.exit_code, result.stdout) == (0, "3\n")
    assert "warning: attribution 3 records a new claim, which differs from claim 1 only" in result.stderr
    assert ledger(db, "correct", 3, "--reason", "the day", "--date", "2024-07-31").stderr == ""


def _jsonl(path, claims):
    path.write_text(
        "".join(json.dumps({**RECORD, "claim": claim}, ensure_ascii=False) + "\n" for claim in claims), encoding="utf-8"
    )
    return path


def test_import_names_its_close_claims_and_json_lists_them(tmp_path):
    db = tmp_path / "l.db"
    add(db, GONZALEZ)
    claims = [
        "Edmundo Gonzalez is the president-elect",
        "Something else entirely.",
        *(f"The ceasefire began in Lim{letter}." for letter in "abcdefg"),
    ]
    path = _jsonl(tmp_path / "in.jsonl", claims)
    result = ledger(db, "import", path)
    assert result.exit_code == 0
    assert result.stdout == f"{path}: 9 new (ids 2-10), 0 already recorded\n"
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings[0].startswith("warning: attribution 2 records a new claim, which differs from claim 1 only")
    # Each ceasefire claim is one character from the one before: five are shown, the rest counted.
    assert len(warnings) == 6 and warnings[-1] == (
        "warning: 2 more new claims are close to claims recorded before them (import --json lists them all)"
    )
    copy = tmp_path / "copy.db"
    add(copy, GONZALEZ)
    listed = json.loads(ledger(copy, "import", path, "--json").stdout)
    assert listed["new_claims"] == 9
    assert listed["close_claims"][0] == {
        "attribution": 2,
        "claim": claims[0],
        "close_id": 1,
        "close_text": GONZALEZ,
        "edits": 0,
    }
    assert [close["attribution"] for close in listed["close_claims"]] == [2, 5, 6, 7, 8, 9, 10]


def test_an_import_compares_its_first_new_claims_only_and_says_so(tmp_path):
    db = tmp_path / "l.db"
    # Claims with different numbers are never close; the five typos after them are not compared.
    claims = [f"Claim {n:04d} of a long file." for n in range(CLAIMS_COMPARED)]
    path = _jsonl(tmp_path / "in.jsonl", [*claims, *(f"Claim 0000 of a long fil{letter}." for letter in "abcdf")])
    result = ledger(db, "import", path, "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["close_claims"] == []
    assert result.stderr == (
        f"{db}: created\nnote: the first {CLAIMS_COMPARED} of the {CLAIMS_COMPARED + 5} new claims were compared "
        "with the claims recorded before them\n"
    )
    typos = _jsonl(tmp_path / "typos.jsonl", [f"Claim 0000 of a long fil{letter}." for letter in "ghijk"])
    assert len(json.loads(ledger(db, "import", typos, "--json").stdout)["close_claims"]) == 5


def test_the_installed_command_warns_of_a_close_claim_on_standard_error(tmp_path):
    db = tmp_path / "l.db"
    args = [f"--{key}" if n % 2 == 0 else value for key, value in RECORD.items() for n in range(2)]
    assert run_ledger(db, "add", "--claim", GONZALEZ, *args).stdout == "1\n"
    added = run_ledger(db, "add", "--claim", "Edmundo Gonzales is the president-elect", *args)
    assert (added.returncode, added.stdout) == (0, "2\n")
    assert added.stderr.splitlines() == [
        "warning: attribution 2 records a new claim, 1 character from claim 1 (correct 2 if it is that claim):",
        "  new:     'Edmundo Gonzales is the president-elect'",
        f"  claim 1: '{GONZALEZ}'",
    ]
    imported = run_ledger(db, "import", _jsonl(tmp_path / "in.jsonl", ["Edmundo Gonzalez is the president elect"]))
    assert imported.returncode == 0 and "warning: attribution 3 records a new claim, which differs from claim" in (
        imported.stderr
    )


def test_a_close_claim_is_found_past_more_claims_sharing_its_beginning_or_end_than_are_compared(tmp_path):
    with Ledger(tmp_path / "l.db", create=True) as opened:
        opened.add({**RECORD, "claim": "The ceasefire in the north began on Monday."})
        for n in range(60):  # in the order of claim keys, between that claim and the typos below
            opened.add({**RECORD, "claim": f"The ceasefire in the north began on Monday, said officer {n}."})
            opened.add({**RECORD, "claim": f"Officials say the ceasefire in the north began on Monday {n}."})
        for typo, edits in (
            ("The ceasefire in the north began on Mondya.", 2),
            ("Tje ceasefire in the north began on Monday.", 1),
        ):
            close = close_to_the_recorded(opened, typo)
            assert (close.close_id, close.close_text, close.edits) == (
                1,
                "The ceasefire in the north began on Monday.",
                edits,
            )
