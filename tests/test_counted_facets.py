"""The ledger's `counted` facets: on a whole view they come from the base tables, counted
once per journal head, and must equal what Datasette's own column facets count."""

import itertools
import sqlite3
import urllib.parse

import pytest
from datasette.app import Datasette
from datasette.database import Database

from ledger.datasette_plugin import facets as facets_module
from ledger.db import Ledger
from ledger.records import STANCES

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
    # A filtered page counts names by id, then by the canonical name each id resolves to.
    filtered = facets((await ds.client.get("/ledger/attributions.json?status=current")).json())
    assert filtered["outlet"] == {"BBC": 1}
    assert filtered["stance"] == {"disputes": 1}


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


def searched(word):
    """SQL for the attributions a search for one word finds: a word of the claim or the quote, or
    of a name as written or canonical, begins with it (names as the seed's are: words between spaces)."""
    return f"""(id IN (SELECT rowid FROM attribution_search WHERE attribution_search MATCH '"{word}"*')
                 OR id IN (SELECT r.seq FROM attribution_records AS r
                           JOIN entities AS e ON e.id IN (r.outlet_id, r.speaker_id, r.via_id)
                           WHERE ' ' || e.name LIKE '% {word}%' OR ' ' || e.canonical LIKE '% {word}%'))"""


FILTERED_PAGES = {
    "?stance=disputes": "stance = 'disputes'",
    "?stance=asserts&outlet=Global+Times": "stance = 'asserts' AND outlet = 'Global Times'",
    "?_search=Peru": searched("Peru"),
    "?status=current&_search=Venezuela": f"status = 'current' AND {searched('Venezuela')}",
    "?stance=questions&_search=Venezuela": f"stance = 'questions' AND {searched('Venezuela')}",
    "?outlet=BBC&_search=Peru": f"outlet = 'BBC' AND {searched('Peru')}",
}
# The pages that only exact filters on names and stance, and a search, select.
BEGUN_WITH_THE_FILTERS = [
    "?stance=disputes",
    "?stance=asserts&outlet=Global+Times",
    "?_search=Peru",
    "?stance=questions&_search=Venezuela",
    "?outlet=BBC&_search=Peru",
]


def counted_by_sql(conn, where, params=()):
    """{column: {value: count}} of the attributions' facet columns over the rows `where` selects."""
    return {
        column: dict(
            conn.execute(
                f"SELECT {column}, count(*) FROM attributions WHERE {where} AND {column} IS NOT NULL GROUP BY 1",
                params,
            )
        )
        for column in COLUMNS["attributions"]
    }


@pytest.mark.asyncio
@pytest.mark.parametrize("query, where", FILTERED_PAGES.items())
async def test_a_filtered_pages_facets_count_its_rows_in_one_pass(seed_ledger, query, where):
    data = (await Datasette([str(seed_ledger)]).client.get(f"/ledger/attributions.json{query}")).json()
    conn = sqlite3.connect(seed_ledger)
    expected = counted_by_sql(conn, where)
    assert set(data["facet_results"]) == set(COLUMNS["attributions"])  # none timed out
    assert facets(data) == expected
    assert sum(expected["stance"].values()) == data["filtered_table_rows_count"] > 0
    # A value the page is filtered on is shown selected, and its link takes the filter off.
    for column, value in (pair.split("=") for pair in query[1:].split("&") if not pair.startswith("_")):
        [shown] = [r for r in data["facet_results"][column]["results"] if r["value"] == value.replace("+", " ")]
        assert shown["selected"] is True
        assert f"{column}=" not in shown["toggle_url"]


@pytest.mark.asyncio
@pytest.mark.parametrize("name_column", ["outlet", "speaker"])
async def test_every_page_of_a_name_a_stance_and_a_search_counts_what_sql_counts(seed_ledger, name_column, monkeypatch):
    """The counts begun with the filters, on every page of the seed that one
    name, one stance and a search select, each or together; never counted again."""
    events = logged(monkeypatch)
    ds = Datasette([str(seed_ledger)])
    conn = sqlite3.connect(seed_ledger)
    names = [name for (name,) in conn.execute(f"SELECT DISTINCT {name_column} FROM attributions")]
    pages = itertools.product([None, *filter(None, names)], [None, *STANCES], [None, "Peru"])
    for name, stance, word in itertools.islice(pages, 1, None):  # the first is the unfiltered page
        filters = {key: value for key, value in ((name_column, name), ("stance", stance), ("_search", word)) if value}
        data = (await ds.client.get(f"/ledger/attributions.json?{urllib.parse.urlencode(filters)}")).json()
        conditions = [f"{column} = ?" for column in filters if column != "_search"]
        where = " AND ".join(conditions + ([searched(word)] if word else []))
        expected = counted_by_sql(conn, where, [value for column, value in filters.items() if column != "_search"])
        assert facets(data) == expected, filters
        assert sum(expected["stance"].values()) == data["filtered_table_rows_count"]
    counted_again = [
        event for event in events if isinstance(event, tuple) and str(event[1]).startswith("select id, claim_id")
    ]
    assert not counted_again  # the page's own SQL


@pytest.mark.asyncio
async def test_a_filtered_page_past_the_facet_time_limit_still_answers_without_facets(seed_ledger):
    ds = Datasette([str(seed_ledger)], settings={"facet_time_limit_ms": 0})
    response = await ds.client.get("/ledger/attributions.json?stance=asserts")
    assert response.status_code == 200
    assert response.json()["facet_results"] == {}
    assert response.json()["rows"]


def logged(monkeypatch):
    """The SQL that Datasette runs on a page, and each count of facets as ("facets", SQL of its
    rows) or, begun with the filters, ("facets", [SQL of the ids of each part]), in the order
    they were asked for."""
    events = []
    execute = Database.execute
    counts_of_rows, counts_of_selected = facets_module.counts_of_rows, facets_module.counts_of_selected

    async def logging_execute(self, sql, *args, **kwargs):
        events.append(sql)
        return await execute(self, sql, *args, **kwargs)

    def logging_counts(datasette, database, table, columns, rows_sql, params):
        events.append(("facets", rows_sql))
        return counts_of_rows(datasette, database, table, columns, rows_sql, params)

    def logging_selected(datasette, database, columns, ids_sql, params):
        events.append(("facets", ids_sql))
        return counts_of_selected(datasette, database, columns, ids_sql, params)

    monkeypatch.setattr(Database, "execute", logging_execute)
    monkeypatch.setattr(facets_module, "counts_of_rows", logging_counts)
    monkeypatch.setattr(facets_module, "counts_of_selected", logging_selected)
    return events


@pytest.mark.asyncio
@pytest.mark.parametrize("query", BEGUN_WITH_THE_FILTERS)
async def test_a_pages_facets_are_begun_before_datasette_runs_its_query(seed_ledger, query, monkeypatch):
    events = logged(monkeypatch)
    data = (await Datasette([str(seed_ledger)]).client.get(f"/ledger/attributions.json{query}")).json()
    assert set(data["facet_results"]) == set(COLUMNS["attributions"])
    [counted] = [event for event in events if isinstance(event, tuple)]  # the page's own SQL is not counted again
    main = next(i for i, event in enumerate(events) if str(event).startswith("select id, claim_id"))
    assert events.index(counted) < main
    # The page's rows were counted from the indexes (test_page_count), not by Datasette's count.
    assert not any(str(event).startswith("select count(*) from attributions") for event in events)


@pytest.mark.asyncio
@pytest.mark.parametrize("query", ["?status=current&_search=Venezuela", "?date__gte=2024-07-30&outlet=BBC"])
async def test_a_page_with_another_filter_counts_its_own_rows(seed_ledger, query, monkeypatch):
    events = logged(monkeypatch)
    data = (await Datasette([str(seed_ledger)]).client.get(f"/ledger/attributions.json{query}")).json()
    assert data["filtered_table_rows_count"] > 0
    [(_, rows_sql)] = [event for event in events if isinstance(event, tuple)]
    assert rows_sql.startswith("select id, claim_id")  # the page's own SQL, asked for after its count
