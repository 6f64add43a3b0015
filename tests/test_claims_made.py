"""What an import made is found again exactly, however long ago: with batches of a few
records and caches of two, a claim or name met again has left the Projector's cache and
is found in its `GivenIds`, or, if held before the import, on the other connection."""

import datetime as dt
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import Ledger
from ledger.formats.base import Item
from ledger.given_ids import GivenIds
from ledger.projections import Projector
from ledger.records import claim_key

# Three ways of writing claim `i`, all the same claim.
WORDINGS = ("Claim number {} was made.", "claim  NUMBER {} was made", "Claim number {} was made")


@given(st.lists(st.text(min_size=1, max_size=12), unique=True, max_size=60), st.integers(1, 7))
def test_given_ids_give_each_key_its_own_id(keys, chunk):
    made = GivenIds(expected=100, first=1000)
    held, absent = keys[: len(keys) // 2], keys[len(keys) // 2 :]
    for start in range(0, len(held), chunk):
        made.add([(key, 1000 + keys.index(key)) for key in held[start : start + chunk]])
    assert [made.get(key) for key in held] == [1000 + keys.index(key) for key in held]
    assert [made.get(key) for key in absent] == [None] * len(absent)
    made.close()


def records_of(claims, first_day):
    """A distinct record for each claim number in `claims`; outlets repeat."""
    return [
        {
            "claim": WORDINGS[place % len(WORDINGS)].format(number),
            "outlet": f"Outlet {number % 5}",
            "date": (first_day + dt.timedelta(days=place)).isoformat(),
            "stance": "asserts",
        }
        for place, number in enumerate(claims)
    ]


def claim_keys(path):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            "SELECT c.key FROM attribution_records AS r JOIN claim_texts AS c ON c.id = r.claim_id ORDER BY r.seq"
        ).fetchall()
    finally:
        conn.close()


claim_numbers = st.lists(st.integers(0, 25), max_size=60)


@settings(max_examples=40, deadline=None)
@given(before=claim_numbers, during=claim_numbers, repeats=st.lists(st.integers(0, 200), max_size=10))
def test_every_attribution_gets_the_id_of_its_claim(before, during, repeats):
    with tempfile.TemporaryDirectory() as directory, pytest.MonkeyPatch.context() as patch:
        patch.setattr(Projector, "BATCH", 3)
        patch.setattr(Projector, "CACHE_LIMIT", 2)
        path = Path(directory) / "l.db"
        records = records_of(before, dt.date(2020, 1, 1)) + records_of(during, dt.date(2021, 1, 1))
        # The second import also holds records already recorded, before it or earlier in it.
        again = [records[place % len(records)] for place in repeats] if records else []
        parts = (records[: len(before)], records[len(before) :] + again)
        with Ledger(path, create=True) as ledger:
            # A first import (no claims before it), then one into a ledger that holds some.
            for part, existing in zip(parts, (0, len(again)), strict=True):
                result = ledger.import_items(Item(line, record) for line, record in enumerate(part, 1))
                assert (result.new, result.existing) == (len(part) - existing, existing)
            assert ledger.conn.execute("SELECT count(*) FROM claim_texts").fetchone()[0] == len({*before, *during})
        assert claim_keys(path) == [(claim_key(record["claim"]),) for record in records]


def test_a_fact_checker_named_long_before_is_recorded_after_the_caches_let_names_go(tmp_path, monkeypatch):
    monkeypatch.setattr(Projector, "CACHE_LIMIT", 2)
    records = records_of(range(6), dt.date(2022, 1, 1))  # outlets 0 to 4, then 0 again
    items = [Item(line, record, fact_checker=line == len(records)) for line, record in enumerate(records, 1)]
    with Ledger(tmp_path / "l.db", create=True) as ledger:
        assert ledger.import_items(items).new == len(records)
        checkers = "SELECT n.name FROM fact_checkers AS f JOIN names AS n ON n.id = f.name_id"
        assert ledger.conn.execute(checkers).fetchall() == [("Outlet 0",)]
