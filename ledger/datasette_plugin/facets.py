"""The plugin's `counted` facet type, which the attributions and claims views' default facets use."""

import heapq
import json
import re
import sqlite3
import urllib.parse
from collections import Counter
from functools import partial

from datasette.database import QueryInterrupted
from datasette.facets import ColumnFacet
from datasette.utils import escape_sqlite, path_with_removed_args, sqlite_timelimit

from ..records import STANCES, STATUSES
from .counts import by_canonical_name, canonical_names, head_counts
from .metadata import NAME_ID_COLUMNS
from .narrowing import name_narrowing
from .state import ledger_names, once_per_head

COUNTED_VIEWS = ("attributions", "claims")
FIXED_VALUES = {"stance": STANCES, "status": STATUSES}  # of the attributions view


class CountedFacet(ColumnFacet):
    """A column facet whose counts, for all the facets of a page, come from one pass.

    Datasette's own column facet runs one query a facet, each scanning the page's rows
    and resolving names and status row by row: at a million attributions that runs past
    the facet time limit. Here the unfiltered attributions and claims views take their
    counts from the base tables, counted once per journal head, and a filtered page (any
    filter or search) reads the facet columns of its rows in a single query (names by id,
    from attribution_rows), with the time of all its facets together."""

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
                counts = await self._narrowed_counts(columns)
                if counts is None:
                    _, counts = await self._counts_of_rows(columns, self.sql, self.params)
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

    async def _narrowed_counts(self, columns):
        """The page's counts read from the rows its name narrowing allows, without the page's
        filters, when they are the same rows; else None.

        The narrowing is implied by the page's filters, so the page's rows are among the
        rows it allows; when there are as many of them as Datasette counted on the page,
        they are the same rows, and their names need not be resolved row by row again."""
        narrowing = name_narrowing(self.request, self.database, self.table, self.ds)
        if narrowing is None or not narrowing.alone or self.row_count is None:
            return None
        total, counts = await self._counts_of_rows(
            columns, f"SELECT * FROM attributions WHERE {narrowing.where}", narrowing.params
        )
        return counts if total == self.row_count else None

    async def _counts_of_rows(self, columns, rows_sql, params):
        """How many rows rows_sql gives (a page's SQL without its order or limit), and
        {column: Counter of value} over them.

        Each column's values come back as one JSON array, or for a column with a fixed set of
        values their counts as one JSON object: making a Python value of each cell, as
        fetching rows does, costs more than the query over tens of thousands of rows."""
        # On a ledger's attributions, the same filters run over attribution_rows, which has
        # the columns of attributions and the ids of the names as written: a name column is
        # read as its name id, on the same row, and named once per id.
        page = (
            self.table == "attributions"
            and self.database in ledger_names(self.ds)
            and re.fullmatch(r"select .+? from attributions\b(.*)", rows_sql, re.DOTALL | re.IGNORECASE)
        )
        name_ids = NAME_ID_COLUMNS if page else {}
        rows = f"attribution_rows AS attributions{page[1]}" if page else f"({rows_sql}) AS page"
        selected = ", ".join(_counted_values(column, name_ids.get(column, column)) for column in columns)
        sql = f"SELECT count(*), {selected} FROM {rows}"
        time_limit = self.ds.setting("facet_time_limit_ms") * len(columns)

        def count(conn):
            try:
                with sqlite_timelimit(conn, time_limit):
                    total, *arrays = conn.execute(sql, params).fetchone()
                    canonical = once_per_head(self.ds, self.database, canonical_names, conn) if name_ids else {}
            except sqlite3.OperationalError as error:
                if "interrupted" in str(error):
                    raise QueryInterrupted(error, sql, params) from None
                raise
            counts = {column: Counter(json.loads(values)) for column, values in zip(columns, arrays)}
            for column, counter in counts.items():
                counter.pop(None, None)  # as Datasette's facets, which count only values
                if column in FIXED_VALUES:
                    counts[column] = +counter  # a value no row has is not shown
                if column in name_ids:
                    counts[column] = by_canonical_name(counter, canonical)
            return total, counts

        return await self.ds.get_database(self.database).execute_fn(count)

    async def _whole_view_counts(self):
        """The counts of this facet's view, or None if they do not apply to this page."""
        filtered = self.params or re.search(r"\bwhere\b", self.sql, re.IGNORECASE)
        if filtered or self.table not in COUNTED_VIEWS or self.database not in ledger_names(self.ds):
            return None
        counts = await self.ds.get_database(self.database).execute_fn(
            partial(once_per_head, self.ds, self.database, head_counts)
        )
        return counts[self.table]


def _counted_values(column, selected):
    """SQL for one JSON value holding a column's values over a page's rows: an object of
    counts for a column whose values are fixed, else an array of every row's value."""
    if column in FIXED_VALUES:
        counts = (
            f"'{value}', count(*) FILTER (WHERE {escape_sqlite(selected)} = '{value}')"
            for value in FIXED_VALUES[column]
        )
        return f"json_object({', '.join(counts)})"
    return f"json_group_array({escape_sqlite(selected)})"
