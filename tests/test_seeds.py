"""The seed ledger (the Global Times report), checked through SQL on the ledger that
`seeds/build` makes, exactly as `make ledger.db` does."""

import sqlite3

import pytest

from .helpers import ROOT

MADURO = "Nicolás Maduro won the 2024 Venezuelan presidential election."
FIRST_TO_RECOGNISE = "Peru was the first country to recognize Edmundo González as president-elect of Venezuela."


@pytest.fixture(scope="module")
def seed(seed_ledger):
    conn = sqlite3.connect(seed_ledger)
    conn.row_factory = sqlite3.Row
    yield conn
    conn.close()


def attributions(seed, **where):
    clause = " AND ".join(f"{column} IS ?" for column in where)
    return [dict(row) for row in seed.execute(f"SELECT * FROM attributions WHERE {clause}", tuple(where.values()))]


def test_size_and_everything_current(seed):
    count = seed.execute("SELECT count(*) FROM attributions").fetchone()[0]
    assert 15 <= count <= 25
    assert seed.execute("SELECT count(*) FROM attributions WHERE status <> 'current'").fetchone()[0] == 0


def test_every_quote_is_verbatim_from_the_article(seed):
    article = (ROOT / "seeds" / "global-times-venezuela-peru.txt").read_text(encoding="utf-8")
    quotes = [row[0] for row in seed.execute("SELECT quote FROM attributions")]
    assert all(quotes)
    assert [q for q in quotes if q not in article] == []


def test_the_bbc_claim_is_relayed_by_the_global_times(seed):
    [row] = attributions(seed, claim=FIRST_TO_RECOGNISE)
    assert (row["claimant"], row["outlet"], row["via"], row["stance"], row["date"]) == (
        "BBC",
        "BBC",
        "Global Times",
        "asserts",
        "2024-07-30",
    )
    assert row["speaker"] is None


def test_gil_speaks_through_the_global_times(seed):
    rows = attributions(seed, speaker="Yván Gil")
    assert len(rows) >= 3
    assert {row["outlet"] for row in rows} == {"Global Times"}
    assert all(row["stance"] == "asserts" for row in rows)
    severed = [row for row in rows if "sever diplomatic relations with Peru" in row["claim"]]
    assert severed and severed[0]["date"] == "2024-07-30"


def test_boluarte_through_gestion(seed):
    rows = attributions(seed, speaker="Dina Boluarte")
    assert rows and {(row["outlet"], row["via"]) for row in rows} == {("Gestión", "Global Times")}
    assert "questions" in {row["stance"] for row in rows}


def test_el_peruano_and_telesur_are_relayed(seed):
    assert {row["via"] for row in attributions(seed, outlet="El Peruano")} == {"Global Times"}
    telesur = attributions(seed, outlet="teleSUR")
    assert telesur and {row["via"] for row in telesur} == {"Global Times"}
    assert {row["date"] for row in telesur} == {"2024-07-31"}


def test_the_maduro_claim_is_contested(seed):
    claim = seed.execute("SELECT * FROM claims WHERE text = ?", (MADURO,)).fetchone()
    assert claim["contested"] == 1
    stances = {(row["claimant"], row["stance"]) for row in attributions(seed, claim=MADURO)}
    assert ("Global Times", "asserts") in stances
    assert ("Peruvian government", "disputes") in stances
    assert [row[0] for row in seed.execute("SELECT text FROM claims WHERE contested")] == [MADURO]


@pytest.mark.parametrize(
    "printed, real",
    [
        ("Hill", "Yván Gil"),
        ("Boruarte", "Dina Boluarte"),
        ("Peruvian Foreign Minister Gonzalez", "Javier González-Olaechea"),
        ("Peru's Business Daily", "Gestión"),
        ("Venezuela's Southern Television", "teleSUR"),
        ("Visual China", "Visual China Group"),
        ("Edmundo Gonzalez", "Edmundo González Urrutia"),
    ],
)
def test_printed_names_resolve(seed, printed, real):
    assert seed.execute("SELECT canonical FROM entities WHERE name = ?", (printed,)).fetchone()[0] == real


def test_the_two_gonzalezes_are_two_entities(seed):
    rows = seed.execute(
        """SELECT DISTINCT canonical_id, canonical FROM entities
           WHERE canonical IN ('Javier González-Olaechea', 'Edmundo González Urrutia')"""
    ).fetchall()
    assert len(rows) == 2
    assert seed.execute("SELECT count(*) FROM entities WHERE name IN ('Gonzalez', 'González')").fetchone()[0] == 0
    minister = attributions(seed, speaker="Javier González-Olaechea")
    assert minister and all(row["stance"] == "disputes" for row in minister)


def test_the_journal_keeps_the_printed_names(seed):
    payloads = "\n".join(row[0] for row in seed.execute("SELECT payload FROM journal"))
    assert '"speaker":"Hill"' in payloads and '"speaker":"Yván Gil"' not in payloads
