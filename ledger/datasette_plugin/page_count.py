"""The count of a page of attributions, known before Datasette asks for it.

Datasette 0.65.5 counts a page's rows with `select count(*) from attributions where ...`,
after the page's own query. Over the view, that count resolves each row's names to compare
them with a filter, and looks each row up by id: at ten million attributions, 190,000 rows
of one outlet and stance take 290 ms, and 500,000 rows of a search 260 ms. On a page that
only exact filters on names and stance, and a search, select, the same rows are counted
once, begun with the filters: by the page's facets, which count them anyway
(`facets.begin_page_counts`), or with no facet, from attribution_records' indexes and the
full-text index alone (the ids of `narrowing.selected_ids`). Datasette has no hook that
supplies a count, so its database's `execute` is wrapped (`answer_counts`): asked for exactly
the count SQL that such a page's filters make, it gives the count begun; asked anything
else, it runs it as before."""

import asyncio
import contextvars
from dataclasses import dataclass
from functools import partial

from datasette.database import QueryInterrupted, Results
from datasette.filters import Filters
from datasette.tracer import trace
from datasette.utils import escape_sqlite

from .counts import time_limited
from .narrowing import filter_pairs, selected_ids
from .search import selecting
from .state import begin, state_of

# What the trace shows of a count taken from the facets' counts.
COUNTED_WITH_THE_FACETS = "-- counted with the page's facets"
# The count begun for the request being served: each request runs in a task of its own,
# whose context the filters hook and Datasette's count share.
_BEGUN = contextvars.ContextVar("ledger_page_count", default=None)


@dataclass
class BegunCount:
    head: str  # of the SQL Datasette runs to count the page: "select count(*) from TABLE where "
    own_clauses: list  # then its own filters' clauses, in their order
    plugin_clauses: list  # then the plugin's, in an order that Datasette's hooks decide
    params: dict  # of Datasette's count
    sql: str  # the SQL that counts the same rows, and its parameters
    sql_params: dict
    task: asyncio.Task  # of the count

    def answers(self, sql, params) -> bool:
        """Whether `sql` with `params` is Datasette's count of this page: its own filters'
        clauses, then each of the plugin's once, and nothing else."""
        if params != self.params or not sql.startswith(self.head):
            return False
        rest, own, plugin = sql[len(self.head) :], list(self.own_clauses), list(self.plugin_clauses)
        while own or plugin:
            clauses = own if own else plugin
            candidates = clauses[:1] if own else clauses  # Datasette's own in their order
            clause = next((clause for clause in candidates if rest.startswith(clause)), None)
            if clause is None:
                return False
            clauses.remove(clause)
            rest = rest[len(clause) :]
            if own or plugin:
                if not rest.startswith(" and "):
                    return False
                rest = rest[len(" and ") :]
        return rest == " "


def begin_page_count(request, database, table, datasette):
    """Datasette's filters_from_request hook adding no filter: on a page of a ledger's
    attributions that only exact filters on names and stance, and a search, select, it begins
    counting the rows they select, and has the database answer Datasette's count with it."""
    selected = selecting(request, database, table, datasette)
    if selected is None or request.args.get("_nocount"):  # Datasette counts nothing with _nocount
        return None
    if datasette.table_metadata(database, table).get("units"):
        return None  # Datasette's filters would convert units: the clauses below would differ
    narrowing, searching = selected

    async def start():
        selected = await selected_ids(narrowing, searching)
        if selected is None:
            return
        ids_sql, sql_params = selected
        clauses, params = Filters(filter_pairs(request.args)).build_where_clauses(table)
        plugin_clauses = [narrowing.where] if narrowing.by_name else []
        if searching is not None:
            search = await searching
            plugin_clauses += search.clauses
            params.update(search.params)
        if narrowing.by_name:
            params.update(narrowing.params)
        # Each part's ids are distinct: the first's are counted, among the others'.
        first, *others = ids_sql
        within = "".join(f" AND id IN ({ids})" for ids in others)
        sql = f"WITH selected(id) AS ({first}) SELECT count(*) FROM selected WHERE 1{within}"
        db = datasette.get_database(database)
        answer_counts(db)
        count_rows = partial(db.execute_fn, partial(_count, datasette, sql, sql_params))
        facet_counts = state_of(datasette).page_counts.get(request)
        if facet_counts is not None:
            sql = f"{COUNTED_WITH_THE_FACETS}, or else {sql}"
        _BEGUN.set(
            BegunCount(
                head=f"select count(*) from {escape_sqlite(table)} where ",
                own_clauses=clauses,
                plugin_clauses=plugin_clauses,
                params=params,
                sql=sql,
                sql_params=sql_params,
                task=begin(_total(facet_counts.task, count_rows) if facet_counts else count_rows()),
            )
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


def answer_counts(db):
    """Wrap db.execute, once, to answer a count begun for the request being served."""
    if getattr(db, "answers_begun_counts", False):
        return
    own_execute = db.execute

    async def execute(sql, params=None, *args, **kwargs):
        begun = _BEGUN.get()
        if begun is None or not begun.answers(sql, params):
            return await own_execute(sql, params, *args, **kwargs)
        _BEGUN.set(None)
        with trace("sql", database=db.name, sql=begun.sql, params=begun.sql_params):
            try:
                count = await begun.task
            except QueryInterrupted:
                return await own_execute(sql, params, *args, **kwargs)
        return Results([(count,)], False, [("count(*)",)])

    db.execute = execute
    db.answers_begun_counts = True
