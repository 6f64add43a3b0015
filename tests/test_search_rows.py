"""A search's page of attributions, sorted by id, has its rows read in id order from the
full-text index (the plugin's `search_rows`): its rows must be those of Datasette's own SQL
for the page, in the same order, and that SQL is not run. Any other page's rows come from
Datasette's own SQL, as ever."""

import re
import sqlite3
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .helpers import page_of_its_own, traced_page

# What the trace shows of the rows read in id order, and of Datasette's own query of them.
READ_IN_ID_ORDER = "AS ledger_found CROSS JOIN attributions ON attributions.id = ledger_found.ledger_id"
DATASETTE_ROWS = "from attributions where "

READ_IN_ID_ORDER_PAGES = [
    [("_search", "president")],
    [("_search", "president"), ("_sort", "id")],
    [("_search", "president"), ("_sort_desc", "id")],
    [("_search", "president"), ("_size", "3")],
    [("_search", "president"), ("_size", "3"), ("_next", "3")],
    [("_search", "election"), ("_size", "2"), ("_next", "4"), ("_sort", "id")],
    [("_search", "president election")],  # words no name holds: one part
    [("_search", "Gil election")],  # a name's word is a part of its own; the other leads
    [("_search", '"first to"')],
    [("_search", "Per"), ("_searchmode", "raw")],
    [("_search_quote", "Peru")],
    [("_search", "zzzz")],  # no row
    [("outlet", "BBC"), ("_search", "president")],
    [("stance", "reports"), ("via", "Global Times"), ("_search", "election")],
    [("stance", "asserts"), ("_search", "president"), ("_nofacet", "1"), ("_nocount", "1")],
]
ROWS_BY_DATASETTE = [
    [("_search", "president"), ("_sort", "date")],  # not by id
    [("_search", "president"), ("_sort_desc", "outlet")],
    # Each word also a name's: every part holds names' rows, not in id order in the full-text index.
    [("_search", "Peru Venezuela")],
    [("status", "current"), ("_search", "president")],  # a filter beyond names and stance
    [("_where", "stance = 'asserts'"), ("_search", "president")],
    [("outlet", "BBC")],  # no search
]


def datasette_rows(conn, data):
    """The rows of Datasette's own SQL for the page, on a plain connection, but the one more
    than a page that it asks for to know whether there is a next page."""
    query = data["query"]
    page_size = int(re.search(r" limit (\d+)", query["sql"])[1]) - 1
    return [list(row) for row in conn.execute(query["sql"], query["params"])][:page_size]


@pytest.mark.asyncio
@pytest.mark.parametrize("pairs", READ_IN_ID_ORDER_PAGES, ids=urlencode)
async def test_a_search_page_sorted_by_id_reads_its_rows_in_id_order(seed_ledger, traced, pairs):
    data, sql = await traced_page(traced, pairs)
    assert data["rows"] == datasette_rows(sqlite3.connect(seed_ledger), data)
    assert len([statement for statement in sql if READ_IN_ID_ORDER in statement]) == 1
    assert not any(statement.startswith("select ") and DATASETTE_ROWS in statement for statement in sql)


@pytest.mark.asyncio
@pytest.mark.parametrize("pairs", ROWS_BY_DATASETTE, ids=urlencode)
async def test_any_other_page_reads_its_rows_by_datasettes_own_sql(seed_ledger, traced, pairs):
    data, sql = await traced_page(traced, pairs)
    assert data["rows"] == datasette_rows(sqlite3.connect(seed_ledger), data)
    assert data["rows"]
    assert data["query"]["sql"] in sql
    assert not any(READ_IN_ID_ORDER in statement for statement in sql)


@pytest.mark.asyncio
async def test_the_next_page_follows_on(traced):
    """Page by page, three rows at a time, the search's rows are those of one page of them all."""
    everything, _ = await traced_page(traced, [("_search", "president")])
    rows, next_page = [], "0"
    while next_page is not None:
        data, _ = await traced_page(traced, [("_search", "president"), ("_size", "3"), ("_next", next_page)])
        rows += data["rows"]
        next_page = data["next"]
    assert rows == everything["rows"] and len(rows) > 3


@pytest.mark.asyncio
async def test_the_html_page_shows_the_same_rows(traced):
    data, _ = await traced_page(traced, [("_search", "president")])
    response = await traced.client.get("/ledger/attributions?_search=president")
    assert response.status_code == 200
    shown = [int(id) for id in re.findall(r'<td class="col-id type-int">(\d+)</td>', response.text)]
    assert shown == [row[0] for row in data["rows"]] and shown


NAMES = ["BBC", "Global Times", "teleSUR", "Yván Gil", "Peruvian government", "Nobody"]
WORDS = ["Peru", "Venezuela", "Gil", "first", "president", "election", "zzzz"]


@given(
    filters=st.lists(st.tuples(st.sampled_from(["outlet", "speaker", "via"]), st.sampled_from(NAMES)), max_size=2),
    stances=st.lists(st.sampled_from(["asserts", "reports", "questions", "disputes"]), max_size=1),
    words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=3),
    sort=st.sampled_from([[], [("_sort", "id")], [("_sort_desc", "id")], [("_sort", "date")]]),
    size=st.integers(min_value=1, max_value=5),
    offset=st.integers(min_value=0, max_value=12),
)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_search_page_has_the_rows_of_datasettes_own_sql(seed_ledger, filters, stances, words, sort, size, offset):
    pairs = filters + [("stance", stance) for stance in stances] + [("_search", " ".join(words))] + sort
    pairs += [("_size", str(size))] + ([("_next", str(offset))] if offset else [])
    data = page_of_its_own(seed_ledger, pairs)
    assert data["rows"] == datasette_rows(sqlite3.connect(seed_ledger), data), pairs
