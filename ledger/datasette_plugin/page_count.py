"""The count of a page of attributions, known before Datasette asks for it.

Datasette 0.65.5 counts a page's rows with `select count(*) from attributions where ...`,
after the page's own query. Over the view, that count resolves each row's names to compare
them with a filter, and looks each row up by id: at ten million attributions, hundreds of
thousands of rows of one outlet and stance, or of a search (docs/benchmarks.md). On a page that
only exact filters on names and stance, and a search, select, the same rows are counted
once, begun with the filters: by the page's facets, which count them anyway
(`facets.begin_page_counts`), or with no facet, from attribution_records' indexes and the
full-text index alone (the ids of `narrowing.selected_ids`). Datasette's count is answered
with it (`page_queries`): asked for exactly the count SQL that such a page's filters make,
the database gives the count begun."""

import asyncio
from dataclasses import dataclass
from functools import partial

from datasette.database import QueryInterrupted, Results
from datasette.tracer import trace
from datasette.utils import escape_sqlite

from .counts import time_limited
from .narrowing import selected_ids
from .page_queries import PageWhere, answerable, expect, page_where
from .state import begin, state_of

# What the trace shows of a count taken from the facets' counts.
COUNTED_WITH_THE_FACETS = "-- counted with the page's facets"


@dataclass
class BegunCount:
    head: str  # of the SQL Datasette runs to count the page: "select count(*) from TABLE where "
    where: PageWhere  # then its clauses
    params: dict  # of Datasette's count
    database: str
    sql: str  # the SQL that counts the same rows, and its parameters
    sql_params: dict
    task: asyncio.Task  # of the count

    def answers(self, sql, params) -> bool:
        """Whether `sql` with `params` is Datasette's count of this page: its clauses, and nothing else."""
        if params != self.params or not sql.startswith(self.head):
            return False
        found = self.where.clauses_in(sql[len(self.head) :])
        return found is not None and found[1] == " "

    async def answer(self, run, sql, params):
        with trace("sql", database=self.database, sql=self.sql, params=self.sql_params):
            try:
                count = await self.task
            except QueryInterrupted:
                return await run(sql, params)
        return Results([(count,)], False, [("count(*)",)])


def begin_page_count(request, database, table, datasette):
    """Datasette's filters_from_request hook adding no filter: on a page of a ledger's
    attributions that only exact filters on names and stance, and a search, select, it begins
    counting the rows they select, and has the database answer Datasette's count with it."""
    selected = answerable(request, database, table, datasette)
    if selected is None or request.args.get("_nocount"):  # Datasette counts nothing with _nocount
        return None
    narrowing, searching = selected

    async def start():
        selected = await selected_ids(narrowing, searching)
        if selected is None:
            return
        ids_sql, sql_params = selected
        where, params = await page_where(request, table, narrowing, searching)
        # Each part's ids are distinct: the first's are counted, among the others'.
        first, *others = ids_sql
        within = "".join(f" AND id IN ({ids})" for ids in others)
        sql = f"WITH selected(id) AS ({first}) SELECT count(*) FROM selected WHERE 1{within}"
        db = datasette.get_database(database)
        count_rows = partial(db.execute_fn, partial(_count, datasette, sql, sql_params))
        facet_counts = state_of(datasette).page_counts.get(request)
        if facet_counts is not None:
            sql = f"{COUNTED_WITH_THE_FACETS}, or else {sql}"
        expect(
            db,
            BegunCount(
                head=f"select count(*) from {escape_sqlite(table)} where ",
                where=where,
                params=params,
                database=database,
                sql=sql,
                sql_params=sql_params,
                task=begin(_total(facet_counts.task, count_rows) if facet_counts else count_rows()),
            ),
        )

    return start


async def _total(facet_counts, count_rows):
    """The page's count from the counts of its facets, begun over the same rows; if they
    are cut short, from its own SQL."""
    try:
        total, _ = await facet_counts
        return total
    except QueryInterrupted:
        return await count_rows()


def _count(datasette, sql, params, conn):
    # Within the time Datasette gives its own count; past it, Datasette's own runs and is cut short as ever.
    with time_limited(conn, datasette.sql_time_limit_ms, sql, params):
        return conn.execute(sql, params).fetchone()[0]
