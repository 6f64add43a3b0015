"""Format characters cannot make a second name or claim, nor reverse what the site shows:
in a claim or a name, zero-width characters and the soft hyphen are dropped and a joiner is
kept only inside a word of a script that joins; bidirectional controls are refused in every
field."""

import sqlite3

import pytest
from click.testing import CliRunner

from ledger.cli import cli
from ledger import Ledger, Refused
from ledger.records import claim_key

from .helpers import SAMPLE, options, state_of

ZERO_WIDTH = ["\u200b", "\u2060", "\ufeff", "\u00ad", "\u200d", "\u200c"]


@pytest.mark.parametrize("invisible", ZERO_WIDTH, ids=[f"U+{ord(c):04X}" for c in ZERO_WIDTH])
def test_an_invisible_character_makes_no_second_outlet_nor_claim(tmp_path, invisible):
    with Ledger(tmp_path / "ledger.db", create=True) as ledger:
        ledger.add(SAMPLE)
        ledger.add(
            {
                **SAMPLE,
                "claim": SAMPLE["claim"].replace("Peru", f"Pe{invisible}ru"),
                "outlet": f"B{invisible}BC",
                "stance": "disputes",
            }
        )
        conn = ledger.conn
        assert conn.execute("SELECT name FROM names").fetchall() == [("BBC",)]
        assert conn.execute("SELECT count(*), max(contested) FROM claims").fetchone() == (1, 1)


def test_a_joiner_inside_a_persian_word_is_kept_and_makes_no_second_claim(tmp_path):
    with_joiner, without = "وزیر می\u200cگوید", "وزیر میگوید"
    with Ledger(tmp_path / "ledger.db", create=True) as ledger:
        ledger.add({**SAMPLE, "claim": with_joiner, "speaker": with_joiner})
        ledger.add({**SAMPLE, "claim": without, "stance": "disputes"})
        assert ledger.conn.execute("SELECT name FROM names WHERE name <> 'BBC'").fetchone() == (with_joiner,)
        assert ledger.conn.execute("SELECT text, contested FROM claims").fetchall() == [(with_joiner, 1)]
    assert claim_key(with_joiner) == claim_key(without)


@pytest.mark.parametrize("field", ["claim", "outlet", "speaker", "quote", "note"])
@pytest.mark.parametrize("control", ["\u202e", "\u202a", "\u2066", "\u2069"])
def test_a_bidirectional_control_is_refused_in_every_field(tmp_path, field, control):
    with Ledger(tmp_path / "ledger.db", create=True) as ledger:
        with pytest.raises(Refused, match=f"{field}: holds the bidirectional control U\\+{ord(control):04X}"):
            ledger.add({**SAMPLE, field: f"Gestión {control}reversed"})


def test_the_command_line_refuses_it_and_writes_nothing(tmp_path):
    db = tmp_path / "ledger.db"
    assert CliRunner().invoke(cli, ["--db", str(db), "init"]).exit_code == 0
    before = state_of(db)
    result = CliRunner().invoke(cli, ["--db", str(db), "add", *options({**SAMPLE, "claim": "Maduro won.\u202e"})])
    assert result.exit_code == 1
    assert "claim: holds the bidirectional control U+202E" in result.output
    assert state_of(db) == before
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM journal").fetchone() == (0,)
    conn.close()
