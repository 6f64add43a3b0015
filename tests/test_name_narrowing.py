"""Exact filters on names of the attributions view are narrowed by name id (the plugin's
`filters_from_request`): the page must show the same rows, count and facets as the same
filters over the view in plain SQL, aliases included."""

import sqlite3
from urllib.parse import urlencode

import pytest
from datasette.app import Datasette

from ledger.db import Ledger

from .helpers import SAMPLE
from .test_counted_facets import COLUMNS, facets, searched

# Query string pairs, and the same filters in SQL over the view.
PAGES = [
    ([("outlet", "Global Times")], "outlet = 'Global Times'"),
    ([("speaker", "Yván Gil"), ("stance", "asserts")], "speaker = 'Yván Gil' AND stance = 'asserts'"),
    ([("via__exact", "Global Times"), ("outlet", "BBC")], "via = 'Global Times' AND outlet = 'BBC'"),
    # Filters the narrowing does not take: the facets are counted over the page's rows.
    ([("outlet", "Global Times"), ("month", "2024-07")], "outlet = 'Global Times' AND month = '2024-07'"),
    ([("outlet", "Global Times"), ("speaker__not", "Yván Gil")], "outlet = 'Global Times' AND speaker != 'Yván Gil'"),
    ([("outlet", "BBC"), ("_search", "Peru")], f"outlet = 'BBC' AND {searched('Peru')}"),
    # A name as written, not canonical, is shown under its canonical name: no row has it.
    ([("speaker", "Hill")], "speaker = 'Hill'"),
]


def expected(conn, where):
    ids = [row[0] for row in conn.execute(f"SELECT id FROM attributions WHERE {where} ORDER BY id DESC")]
    counts = {
        column: dict(
            conn.execute(
                f"SELECT {column}, count(*) FROM attributions WHERE {where} AND {column} IS NOT NULL GROUP BY 1"
            )
        )
        for column in COLUMNS["attributions"]
    }
    return ids, {column: count for column, count in counts.items() if count}


@pytest.mark.asyncio
@pytest.mark.parametrize("pairs, where", PAGES)
async def test_a_page_filtered_on_names_shows_the_rows_and_counts_of_its_filters(seed_ledger, pairs, where):
    data = (await Datasette([str(seed_ledger)]).client.get(f"/ledger/attributions.json?{urlencode(pairs)}")).json()
    ids, counts = expected(sqlite3.connect(seed_ledger), where)
    assert [row[0] for row in data["rows"]] == ids
    assert data["filtered_table_rows_count"] == len(ids)
    assert {column: count for column, count in facets(data).items() if count} == counts
    assert set(data["facet_results"]) == set(COLUMNS["attributions"])  # none timed out


@pytest.mark.asyncio
async def test_the_narrowing_follows_an_alias_recorded_after_the_attributions(tmp_path):
    path = tmp_path / "ledger.db"
    with Ledger(path, create=True) as ledger:
        ledger.add(SAMPLE)
        ledger.add({**SAMPLE, "outlet": "Hill", "stance": "disputes"})
        ledger.add({**SAMPLE, "outlet": "Hill", "stance": "questions", "speaker": "Hill"})
    ds = Datasette([str(path)])
    before = (await ds.client.get("/ledger/attributions.json?outlet=BBC")).json()
    assert before["filtered_table_rows_count"] == 1
    with Ledger(path) as ledger:
        ledger.alias("Hill", "BBC")
    after = (await ds.client.get("/ledger/attributions.json?outlet=BBC")).json()
    assert after["filtered_table_rows_count"] == 3
    assert facets(after)["stance"] == {"asserts": 1, "disputes": 1, "questions": 1}
    assert facets(after)["speaker"] == {"BBC": 1}
    assert (await ds.client.get("/ledger/attributions.json?outlet=Hill")).json()["rows"] == []


@pytest.mark.asyncio
async def test_the_narrowing_is_only_on_ledgers_attributions(seed_ledger, tmp_path):
    other = tmp_path / "other.db"
    sqlite3.connect(other).executescript(
        "CREATE TABLE attributions (id INTEGER PRIMARY KEY, outlet TEXT);"
        "INSERT INTO attributions VALUES (1, 'BBC'), (2, 'teleSUR');"
    )
    ds = Datasette([str(seed_ledger), str(other)], settings={"trace_debug": True})
    other_page = (await ds.client.get("/other/attributions.json?outlet=BBC&_trace=1")).json()
    assert other_page["rows"] == [[1, "BBC"]]
    assert not any("attribution_records" in trace["sql"] for trace in other_page["_trace"]["traces"])
    claims = (await ds.client.get("/ledger/claims.json?text=x&_trace=1")).json()
    assert not any("entities" in trace["sql"] for trace in claims["_trace"]["traces"])
    narrowed = (await ds.client.get("/ledger/attributions.json?outlet=BBC&_trace=1")).json()
    assert any("outlet_id IN (SELECT id FROM entities" in trace["sql"] for trace in narrowed["_trace"]["traces"])


def test_attribution_rows_are_the_attributions_with_the_ids_of_their_names_as_written(seed_ledger):
    conn = sqlite3.connect(seed_ledger)
    columns = [row[1] for row in conn.execute("PRAGMA table_info(attributions)")]
    assert [row[1] for row in conn.execute("PRAGMA table_info(attribution_rows)")] == columns + [
        "outlet_id",
        "speaker_id",
        "via_id",
    ]
    listed = ", ".join(columns)
    assert (
        conn.execute(f"SELECT {listed} FROM attribution_rows ORDER BY id").fetchall()
        == conn.execute(f"SELECT {listed} FROM attributions ORDER BY id").fetchall()
    )
    # Each id names the name as written in the entry, which resolves to the name shown.
    mismatched = conn.execute(
        """SELECT a.id FROM attribution_rows AS a JOIN journal AS j ON j.seq = a.id
           WHERE (SELECT name FROM names WHERE id = a.outlet_id) IS NOT json_extract(j.payload, '$.outlet')
              OR (SELECT name FROM names WHERE id = a.speaker_id) IS NOT json_extract(j.payload, '$.speaker')
              OR (SELECT canonical FROM entities WHERE id = a.outlet_id) IS NOT a.outlet
              OR (SELECT canonical FROM entities WHERE id = a.speaker_id) IS NOT a.speaker"""
    ).fetchall()
    assert mismatched == []
    # The seed ledger writes some names under an alias, so the two differ somewhere.
    assert (
        conn.execute(
            "SELECT count(*) FROM attribution_rows AS a JOIN names AS n ON n.id = a.speaker_id WHERE n.name IS NOT a.speaker"
        ).fetchone()[0]
        > 0
    )
