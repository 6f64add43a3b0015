"""The plugin's `counted` facet type, which the attributions and claims views' default facets use."""

import asyncio
import heapq
import itertools
import json
import os
import re
import urllib.parse
from collections import Counter
from dataclasses import dataclass
from functools import partial

from datasette.database import QueryInterrupted
from datasette.facets import ColumnFacet, load_facet_configs
from datasette.utils import escape_sqlite, path_with_removed_args

from .counts import canonical_names, head_counts, time_limited
from .metadata import NAME_ID_COLUMNS
from .narrowing import selected_ids
from .search import selecting
from .state import begin, ledger_names, once_per_head, state_of

COUNTED_VIEWS = ("attributions", "claims")


@dataclass
class PageCounts:
    columns: list
    task: asyncio.Task  # of counts_of_selected: (how many rows, {column: Counter of value})


def begin_page_counts(request, database, table, datasette):
    """Datasette's filters_from_request hook adding no filter: on a page of a ledger's
    attributions that only exact filters on names and stance, and a search, select, it begins
    counting the page's facets over the rows they select, on a thread of its own, while
    Datasette runs the page's query and then its count of the page's rows on another."""
    selected = selecting(request, database, table, datasette)
    if selected is None or request.args.get("_nofacet"):  # Datasette counts no facet with _nofacet
        return None
    narrowing, searching = selected
    configs = load_facet_configs(request, datasette.table_metadata(database, table))
    columns = [config["config"]["simple"] for config in configs.get(CountedFacet.type, [])]
    if not columns:
        return None

    async def start():
        selected = await selected_ids(narrowing, searching)
        if selected is None:
            return
        ids_sql, params = selected
        counting = counts_of_selected(datasette, database, columns, ids_sql, params)
        state_of(datasette).page_counts[request] = PageCounts(columns, begin(counting))

    return start


class CountedFacet(ColumnFacet):
    """A column facet whose counts, for all the facets of a page, come from one pass.

    Datasette's own column facet runs one query a facet, each scanning the page's rows
    and resolving names and status row by row: at a million attributions that runs past
    the facet time limit. Here the unfiltered attributions and claims views take their
    counts from the base tables, counted once per journal head, and a filtered page (any
    filter or search) reads the facet columns of its rows in a single query (names by id,
    from attribution_rows), with the time of all its facets together. On a page of
    attributions that only exact filters and a search select, that query was begun with
    the filters (`begin_page_counts`), and has run beside Datasette's own queries."""

    type = "counted"

    async def suggest(self):
        return []  # the column facets Datasette suggests are plain ones

    async def facet_results(self):
        configs = self.get_configs()
        if not configs:
            return [], []
        columns = [config["config"]["simple"] for config in configs]
        counts = await self._whole_view_counts()
        if counts is None or any(column not in counts for column in columns):
            try:
                counts = await self._page_counts_begun(columns)
                if counts is None:
                    _, counts = await counts_of_rows(self.ds, self.database, self.table, columns, self.sql, self.params)
            except QueryInterrupted:
                return [], columns
        size = self.get_facet_size()
        selected_pairs = set(self.get_querystring_pairs())
        # The links Datasette's column facet gives each value, built from the page's URL
        # parsed once rather than once a value.
        page_args = urllib.parse.parse_qsl(self.request.query_string)
        page_url = self.ds.absolute_url(self.request, self.ds.urls.path(self.request.path))
        results = []
        for source_and_config, column in zip(configs, columns):
            ranked = heapq.nsmallest(size, counts[column].items(), key=lambda pair: (-pair[1], pair[0]))
            values = []
            for value, count in ranked:
                # A selected value's link removes its filter; another's adds it.
                selected = (column, str(value)) in selected_pairs
                args = (
                    [pair for pair in page_args if pair != (column, str(value))]
                    if selected
                    else page_args + [(column, value)]
                )
                query = urllib.parse.urlencode(args)
                values.append(
                    {
                        "value": value,
                        "label": value,
                        "count": count,
                        "selected": selected,
                        "toggle_url": f"{page_url}?{query}" if query else page_url,
                    }
                )
            results.append(
                {
                    "name": column,
                    "type": "column",  # to the reader it is one: no "(counted)" beside its name
                    "hideable": source_and_config["source"] != "metadata",
                    "toggle_url": self.ds.urls.path(path_with_removed_args(self.request, {"_facet": column})),
                    "results": values,
                    "truncated": len(counts[column]) > size,
                }
            )
        return results, []

    async def _page_counts_begun(self, columns):
        """The counts of the page begun with its filters, if any, holding these columns, and
        counted over the page's very rows: the exact filters and search that select them are
        implied by the page's filters, so the page's rows are among theirs, and when there are
        as many as Datasette counted on the page, they are the same rows."""
        begun = state_of(self.ds).page_counts.get(self.request)
        if begun is None or not set(columns) <= set(begun.columns) or self.row_count is None:
            return None
        total, counts = await begun.task
        return counts if total == self.row_count else None

    async def _whole_view_counts(self):
        """The counts of this facet's view, or None if they do not apply to this page."""
        filtered = self.params or re.search(r"\bwhere\b", self.sql, re.IGNORECASE)
        if filtered or self.table not in COUNTED_VIEWS or self.database not in ledger_names(self.ds):
            return None
        counts = await self.ds.get_database(self.database).execute_fn(
            partial(once_per_head, self.ds, self.database, head_counts)
        )
        return counts[self.table]


# On a ledger's attributions page, each of these columns is read from a column of the same
# row of attribution_rows whose values hold no comma, listed by group_concat (far cheaper
# than a JSON array or a count for each value), and counted by the value each maps to: a
# name by its id, named once per id (`canonical`, {name id: canonical name}), a month by its
# date, stance and status as they are.
READ_AS = {
    **{
        column: (id_column, lambda name_id, canonical: canonical[int(name_id)])
        for column, id_column in NAME_ID_COLUMNS.items()
    },
    "month": ("date", lambda date, canonical: date[:7]),
    "stance": ("stance", lambda stance, canonical: stance),
    "status": ("status", lambda status, canonical: status),
}


def _value_counts(listed) -> dict:
    """{value: how many times} of the values between commas in `listed` (group_concat's, None
    for no value), counted by Arrow: Python's Counter takes longer than SQLite to list them."""
    if not listed:
        return {}
    # Imported here: every Datasette that loads the plugin would pay for it at start-up.
    import pyarrow
    import pyarrow.compute

    counted = pyarrow.compute.value_counts(pyarrow.compute.split_pattern(pyarrow.array([listed]), ",").flatten())
    return dict(zip(counted.field(0).to_pylist(), counted.field(1).to_pylist()))


async def counts_of_rows(datasette, database, table, columns, rows_sql, params):
    """How many rows rows_sql gives (a page's SQL without its order or limit), and
    {column: Counter of value} over them."""
    # On a ledger's attributions, the same filters run over attribution_rows, which has the
    # columns of attributions and those that READ_AS reads.
    page = (
        table == "attributions"
        and database in ledger_names(datasette)
        and re.fullmatch(r"select .+? from attributions\b(.*)", rows_sql, re.DOTALL | re.IGNORECASE)
    )
    read_as = {column: READ_AS[column] for column in columns if page and column in READ_AS}
    rows = (
        f"SELECT {{}} FROM attribution_rows AS attributions{page[1]}"
        if page
        else f"SELECT {{}} FROM ({rows_sql}) AS page"
    )
    counting = partial(_count, datasette, database, columns, read_as, rows, params)
    return await datasette.get_database(database).execute_fn(counting)


async def counts_of_selected(datasette, database, columns, ids_sql, params):
    """counts_of_rows over the attributions whose ids each of ids_sql selects, the ids of the
    first read in parts by id, as many as the database has threads to count them at once:
    a search's rows take longer to count than the page's own query."""
    db = datasette.get_database(database)
    read_as = {column: READ_AS[column] for column in columns if column in READ_AS}
    first, *others = ids_sql
    within = "".join(f" AND attributions.id IN ({ids})" for ids in others)
    # Bounds of the ids in a part, which SQLite passes to the first's index (full-text or B-tree).
    rows = (
        f"WITH selected(id) AS ({first}) SELECT {{}} FROM selected "
        "JOIN attribution_rows AS attributions ON attributions.id = selected.id "
        f"WHERE selected.id >= :ledger_part_from AND selected.id < :ledger_part_to{within}"
    )
    last = (await db.execute("SELECT max(seq) FROM attribution_records")).first()[0] or 0
    parts = max(1, min(os.cpu_count() or 1, datasette.setting("num_sql_threads")))
    bounds = [last * part // parts for part in range(parts)] + [last + 1]
    counted = await asyncio.gather(
        *(
            db.execute_fn(
                partial(
                    _count,
                    datasette,
                    database,
                    columns,
                    read_as,
                    rows,
                    {**params, "ledger_part_from": start, "ledger_part_to": end},
                )
            )
            for start, end in itertools.pairwise(bounds)
        )
    )
    counts = {column: Counter() for column in columns}
    for _, part_counts in counted:
        for column, part in part_counts.items():
            counts[column].update(part)
    return sum(total for total, _ in counted), counts


def _count(datasette, database, columns, read_as, rows, params, conn):
    """(how many rows, {column: Counter of value}) of the rows that `rows` gives (SQL with {}
    for what it selects). Each column's values come back as one text: making a Python value
    of each cell, as fetching rows does, costs more than the query over tens of thousands of rows."""
    selected = ", ".join(
        f"group_concat({escape_sqlite(read_as[column][0])})"
        if column in read_as
        else f"json_group_array({escape_sqlite(column)})"
        for column in columns
    )
    sql = rows.format(f"count(*), {selected}")
    with time_limited(conn, datasette.setting("facet_time_limit_ms") * len(columns), sql, params):
        total, *values = conn.execute(sql, params).fetchone()
        canonical = once_per_head(datasette, database, canonical_names, conn) if read_as else {}
    counts = {}
    for column, listed in zip(columns, values):
        if column in read_as:
            value_of = read_as[column][1]
            counts[column] = Counter()
            for read, count in _value_counts(listed).items():
                counts[column][value_of(read, canonical)] += count
        else:
            counts[column] = Counter(json.loads(listed))
            counts[column].pop(None, None)  # as Datasette's facets, which count only values
    return total, counts
