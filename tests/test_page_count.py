"""A page of attributions that only exact filters on names and stance, and a search, select is
counted from the indexes, begun with its filters (the plugin's `page_count`): its count must
be what Datasette's own SQL for the page counts, and that SQL is not run. Any other page is
counted by Datasette, as ever."""

import re
import sqlite3
from urllib.parse import urlencode

import pytest
from datasette.app import Datasette
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.datasette_plugin.page_count import COUNTED_WITH_THE_FACETS

from .helpers import page_of_its_own, traced_page

DATASETTE_COUNT = "select count(*) from attributions"
BEGUN_COUNT = "WITH selected(id) AS"

COUNTED_FROM_THE_INDEXES = [
    [("stance", "disputes")],
    [("outlet", "BBC")],
    [("outlet__exact", "Global Times"), ("stance", "asserts")],
    [("speaker", "Yván Gil"), ("via", "Global Times")],
    [("outlet", "BBC"), ("outlet", "teleSUR")],  # two outlets at once: no row
    [("speaker", "Venezuelan Foreign Minister Hill")],  # a name as written is shown canonical: no row
    [("speaker", "Nobody")],
    [("_search", "Peru")],
    [("_search", "Peru Venezuela")],  # each word a part
    [("_search", "Gil")],  # a name's word: the full-text rows and the name's
    [("_search", '"first to"')],
    [("_search", "Per"), ("_searchmode", "raw")],
    [("_search_quote", "Peru")],
    [("_search", "zzzz")],
    [("outlet", "BBC"), ("_search", "Peru")],
    [("stance", "reports"), ("via", "Global Times"), ("_search", "Venezuela")],
]
COUNTED_BY_DATASETTE = [
    [("outlet__contains", "BB")],
    [("status", "current"), ("_search", "Venezuela")],
    [("date__gte", "2024-07-30"), ("outlet", "BBC")],
    [("_where", "stance = 'asserts'"), ("outlet", "BBC")],
    [("claimant", "BBC")],
]


def page_count(conn, data):
    """The count of the page's rows by Datasette's own SQL for it, on a plain connection."""
    query = data["query"]
    from_sql = re.fullmatch(r"select .+? (from .+?)(?: order by .*)? limit \d+", query["sql"], re.DOTALL)[1]
    return conn.execute("select count(*) " + from_sql, query["params"]).fetchone()[0]


@pytest.mark.asyncio
@pytest.mark.parametrize("pairs", COUNTED_FROM_THE_INDEXES, ids=urlencode)
async def test_a_page_of_exact_filters_and_a_search_is_counted_from_the_indexes(seed_ledger, traced, pairs):
    # With its facets, the page's count is theirs; without, its own SQL's.
    for extra, counted_by in (([], COUNTED_WITH_THE_FACETS), ([("_nofacet", "1")], BEGUN_COUNT)):
        data, sql = await traced_page(traced, pairs + extra)
        assert data["filtered_table_rows_count"] == page_count(sqlite3.connect(seed_ledger), data), extra
        assert not any(statement.startswith(DATASETTE_COUNT) for statement in sql)
        assert [statement for statement in sql if statement.startswith(counted_by)]  # shown in the trace
        assert bool(data["facet_results"]) == (not extra)


@pytest.mark.asyncio
@pytest.mark.parametrize("pairs", COUNTED_BY_DATASETTE, ids=urlencode)
async def test_a_page_with_any_other_filter_is_counted_by_datasette(seed_ledger, traced, pairs):
    data, sql = await traced_page(traced, pairs)
    assert data["filtered_table_rows_count"] == page_count(sqlite3.connect(seed_ledger), data)
    assert data["filtered_table_rows_count"] > 0
    assert [statement for statement in sql if statement.startswith(DATASETTE_COUNT)]
    assert not any(statement.startswith((BEGUN_COUNT, COUNTED_WITH_THE_FACETS)) for statement in sql)


@pytest.mark.asyncio
async def test_a_page_that_datasette_does_not_count_is_not_counted(traced):
    for pairs in ([("outlet", "BBC"), ("_nocount", "1")], [("outlet", "BBC"), ("_shape", "array")]):
        response = await traced.client.get(f"/ledger/attributions.json?{urlencode(pairs + [('_trace', '1')])}")
        traces = response.json()["_trace"]["traces"] if pairs[1][0] == "_nocount" else []
        assert not any(trace.get("sql", "").startswith((BEGUN_COUNT, COUNTED_WITH_THE_FACETS)) for trace in traces)
        if pairs[1][0] == "_nocount":
            assert response.json()["filtered_table_rows_count"] is None


@pytest.mark.asyncio
async def test_other_queries_of_the_page_are_run_as_asked(seed_ledger, traced):
    data, sql = await traced_page(traced, [("outlet", "BBC"), ("_facet", "date")])
    assert data["facet_results"]["date"]["results"]  # Datasette's own facet, counted by its own SQL
    assert [statement for statement in sql if statement.startswith("select date as value, count(*) as count")]


NAMES = ["BBC", "Global Times", "teleSUR", "Yván Gil", "Hill", "Peruvian government", "Peru", "Nobody"]
WORDS = ["Peru", "Venezuela", "Gil", "first", "González", "recognise", "zzzz"]


@given(
    filters=st.lists(
        st.tuples(st.sampled_from(["outlet", "speaker", "via", "stance"]), st.sampled_from(NAMES)), max_size=3
    ),
    stances=st.lists(st.sampled_from(["asserts", "reports", "questions", "disputes"]), max_size=1),
    words=st.lists(st.sampled_from(WORDS), max_size=3),
)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_page_of_exact_filters_and_a_search_counts_as_datasettes_own_sql(seed_ledger, filters, stances, words):
    pairs = [(column, value) for column, value in filters if column != "stance"] + [("stance", s) for s in stances]
    if words:
        pairs.append(("_search", " ".join(words)))

    data = page_of_its_own(seed_ledger, pairs)
    assert data["filtered_table_rows_count"] == page_count(sqlite3.connect(seed_ledger), data), pairs
    assert len(data["rows"]) == min(data["filtered_table_rows_count"], 100)


@pytest.mark.asyncio
async def test_a_page_whose_facets_are_cut_short_is_counted_by_its_own_sql(seed_ledger):
    ds = Datasette([str(seed_ledger)], settings={"facet_time_limit_ms": 0, "trace_debug": True})
    for pairs in ([("outlet", "BBC")], [("_search", "Peru")], [("stance", "asserts"), ("_search", "Venezuela")]):
        data, sql = await traced_page(ds, pairs)
        assert data["facet_results"] == {}
        assert data["filtered_table_rows_count"] == page_count(sqlite3.connect(seed_ledger), data) > 0
        assert not any(statement.startswith(DATASETTE_COUNT) for statement in sql)
