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


def test_size_and_the_mends_as_retractions_and_corrections(seed):
    count = seed.execute("SELECT count(*) FROM attributions").fetchone()[0]
    assert count == 29  # 23 read in the article, 1 from another source, 5 corrections
    ids = {
        status: [row[0] for row in seed.execute("SELECT id FROM attributions WHERE status = ? ORDER BY id", (status,))]
        for status in ("retracted", "superseded")
    }
    assert ids == {"retracted": [6, 7, 13], "superseded": [8, 9, 10, 11, 12]}


def test_every_quote_is_verbatim_from_the_article_and_anchored_in_it(seed):
    article = (ROOT / "seeds" / "global-times-venezuela-peru.txt").read_text(encoding="utf-8")
    rows = seed.execute(
        "SELECT r.id, r.quote, a.quote_start FROM attributions AS r LEFT JOIN anchors AS a ON a.seq = r.id"
    )
    quoted = [(quote, start) for _, quote, start in rows if quote]
    assert len(quoted) == 28 and [quote for quote, _ in quoted if quote not in article] == []
    assert all(start is not None for _, start in quoted)
    (document,) = seed.execute("SELECT id, outlet, language, translated_by, date FROM documents").fetchall()
    assert tuple(document) == (1, "Global Times", "en", "machine", "2024-08-01")


def test_the_global_times_own_attributions_carry_its_publication_date(seed):
    """A date from outside the article is not credited to the Global Times: no claim is first
    seen in it before it published."""
    dates = {row["date"] for row in attributions(seed, outlet="Global Times", status="current")}
    assert dates == {"2024-08-01"}
    first = seed.execute("SELECT min(first_seen) FROM claims WHERE first_outlet = 'Global Times'").fetchone()[0]
    assert first == "2024-08-01"


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
    severed = [
        row for row in rows if "sever diplomatic relations with Peru" in row["claim"] and row["status"] == "current"
    ]
    assert severed and {row["date"] for row in severed} == {"2024-08-01"}


def test_boluarte_through_gestion(seed):
    rows = attributions(seed, speaker="Dina Boluarte", status="current")
    assert rows and {(row["outlet"], row["via"]) for row in rows} == {("Gestión", "Global Times")}
    assert {row["stance"] for row in rows} == {"asserts"}  # her "doubt" read as questioning was retracted


def test_el_peruano_and_telesur_are_relayed(seed):
    assert {row["via"] for row in attributions(seed, outlet="El Peruano")} == {"Global Times"}
    telesur = attributions(seed, outlet="teleSUR")
    assert telesur and {row["via"] for row in telesur} == {"Global Times"}
    assert {row["date"] for row in telesur} == {"2024-07-31"}


def test_the_maduro_claim_is_contested(seed):
    claim = seed.execute("SELECT * FROM claims WHERE text = ?", (MADURO,)).fetchone()
    assert claim["contested"] == 1
    stances = {(row["claimant"], row["stance"]) for row in attributions(seed, claim=MADURO, status="current")}
    assert stances == {
        ("Global Times", "asserts"),
        ("Javier González-Olaechea", "disputes"),
        ("Peruvian government", "questions"),  # the presidency's statement, as O Povo reported it
    }
    assert [row[0] for row in seed.execute("SELECT text FROM claims WHERE contested")] == [MADURO]


@pytest.mark.parametrize(
    "printed, real",
    [
        ("Venezuelan Foreign Minister Hill", "Yván Gil"),
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
    minister = attributions(seed, speaker="Javier González-Olaechea", status="current")
    assert minister and all(row["stance"] == "disputes" for row in minister)


def test_the_journal_keeps_the_printed_names(seed):
    payloads = "\n".join(row[0] for row in seed.execute("SELECT payload FROM journal"))
    assert '"speaker":"Hill"' in payloads and '"speaker":"Yván Gil"' not in payloads


def test_a_bare_hill_is_no_alias(seed):
    """The alias is recorded as printed in context, so a later Hill is not taken for Gil."""
    assert seed.execute("SELECT canonical FROM entities WHERE name = 'Hill'").fetchone()[0] == "Hill"
