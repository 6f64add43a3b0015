"""The ledger's `counted` facets: on a whole view they come from the base tables, counted
once per journal head, and must equal what Datasette's own column facets count."""
import sqlite3

import pytest
from datasette.app import Datasette

from ledger.db import Ledger

from .helpers import SAMPLE

COLUMNS = {"attributions": ("stance", "status", "outlet", "speaker", "via", "month"), "claims": ("contested",)}


def facets(data):
    return {name: {r["value"]: r["count"] for r in facet["results"]} for name, facet in data["facet_results"].items()}


async def both_ways(ds, view):
    """The default (counted) facets of a view, and Datasette's own column facets of it."""
    counted = (await ds.client.get(f"/ledger/{view}.json")).json()
    own_query = "&".join(f"_facet={column}" for column in COLUMNS[view])
    # A filter that keeps every row makes Datasette count the view itself.
    own = (await ds.client.get(f"/ledger/{view}.json?_where=1&{own_query}")).json()
    return facets(counted), {column: facets(own)[column] for column in COLUMNS[view]}


@pytest.mark.asyncio
@pytest.mark.parametrize("view", COLUMNS)
async def test_counted_facets_equal_datasettes_own_on_the_seed_ledger(seed_ledger, view):
    counted, own = await both_ways(Datasette([str(seed_ledger)]), view)
    assert {column: counted[column] for column in COLUMNS[view]} == own
    assert all(own.values())


@pytest.mark.asyncio
async def test_counted_facets_follow_new_entries(tmp_path):
    path = tmp_path / "ledger.db"
    with Ledger(path, create=True) as ledger:
        first, _ = ledger.add(SAMPLE)
        ledger.add({**SAMPLE, "outlet": "Hill", "stance": "disputes"})
    ds = Datasette([str(path)])
    counted, _ = await both_ways(ds, "attributions")
    assert counted["outlet"] == {"BBC": 1, "Hill": 1}
    with Ledger(path) as ledger:
        ledger.alias("Hill", "BBC")
        ledger.retract(first, "misread")
    for view in COLUMNS:
        counted, own = await both_ways(ds, view)
        assert {column: counted[column] for column in COLUMNS[view]} == own
    assert counted == {"contested": {0: 1}}
    assert own["contested"] == {0: 1}
    counted, _ = await both_ways(ds, "attributions")
    assert counted["outlet"] == {"BBC": 2}
    assert counted["status"] == {"current": 1, "retracted": 1}


@pytest.mark.asyncio
@pytest.mark.parametrize("query", ["", "?stance=disputes"])
async def test_counted_facets_read_as_plain_column_facets(seed_ledger, query):
    html = (await Datasette([str(seed_ledger)]).client.get(f"/ledger/attributions{query}")).text
    assert 'id="facet-stance"' in html
    assert "(counted)" not in html


@pytest.mark.asyncio
async def test_a_ledger_turns_facet_suggestions_off(seed_ledger, tmp_path):
    ds = Datasette([str(seed_ledger)])
    data = (await ds.client.get("/ledger/attributions.json")).json()
    assert ds.setting("suggest_facets") is False
    assert data["suggested_facets"] == []
    other = tmp_path / "other.db"
    sqlite3.connect(other).executescript("CREATE TABLE t (kind); INSERT INTO t VALUES ('a'), ('a'), ('b');")
    plain = Datasette([str(other)])
    assert (await plain.client.get("/other/t.json")).json()["suggested_facets"]
