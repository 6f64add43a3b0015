"""'First' is the earliest instant, not the smallest text: a date with a UTC offset is
compared in UTC (`2024-07-31T20:00:00-10:00` is after `2024-08-01T01:00:00Z`)."""

import asyncio
import sqlite3

from datasette.app import Datasette

from ledger.db import Ledger

from .helpers import SAMPLE

LATER_BY_TEXT_EARLIER_IN_TIME = "2024-08-01T01:00:00Z"
EARLIER_BY_TEXT_LATER_IN_TIME = "2024-07-31T20:00:00-10:00"  # 2024-08-01T06:00:00Z


def ledger_with_offsets(tmp_path):
    path = tmp_path / "ledger.db"
    with Ledger(path, create=True) as ledger:
        ledger.add({**SAMPLE, "outlet": "Honolulu Star", "date": EARLIER_BY_TEXT_LATER_IN_TIME})
        ledger.add({**SAMPLE, "outlet": "BBC", "date": LATER_BY_TEXT_EARLIER_IN_TIME})
    return path


def test_claims_first_seen_and_first_outlet_are_the_earliest_instant(tmp_path):
    conn = sqlite3.connect(ledger_with_offsets(tmp_path))
    assert conn.execute("SELECT first_seen, first_outlet FROM claims").fetchone() == (
        LATER_BY_TEXT_EARLIER_IN_TIME,
        "BBC",
    )
    conn.close()


def test_the_first_reported_query_names_the_earliest_instant(tmp_path):
    path = ledger_with_offsets(tmp_path)

    async def first_reported():
        response = await Datasette([str(path)]).client.get("/ledger/first_reported.json?_shape=array")
        return response.json()

    assert [(row["outlet"], row["date"]) for row in asyncio.run(first_reported())] == [
        ("BBC", LATER_BY_TEXT_EARLIER_IN_TIME)
    ]


def test_a_claim_page_lists_its_attributions_by_instant(tmp_path):
    path = ledger_with_offsets(tmp_path)

    async def claim_page():
        response = await Datasette([str(path)]).client.get("/ledger/claims/1.json")
        return response.json()

    page = asyncio.run(claim_page())
    assert [row["outlet"] for row in page["attributions"]] == ["BBC", "Honolulu Star"]
