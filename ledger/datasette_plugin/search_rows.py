"""The rows of a search's page of attributions, read in id order from the full-text index.

Datasette asks for a page's rows with `select COLUMNS from attributions where CLAUSES order
by id desc limit N`, a search's clause being `id IN (SELECT rowid FROM attribution_search
WHERE ...)`. SQLite lists every match of that clause before it reads the first row: half a
million for a common word at ten million attributions. The full-text index gives its matches
in id order: read as the outer loop of a join, they come in the page's order, and SQLite
stops at the page's end (docs/benchmarks.md has both times). On a page that only exact filters
on names and stance, and a search, select, sorted by id, Datasette's query of its rows is so
answered (`page_queries`): the same rows, in the same order, by a join that the trace shows."""

import re
from dataclasses import dataclass

from datasette.utils.asgi import BadRequest

from .page_queries import PageWhere, answerable, expect, page_where

# What follows the WHERE of the rows' SQL when the page is sorted by id, either way.
_BY_ID = re.compile(r" order by id( desc)? limit (\d+)( offset \d+)?")


@dataclass
class SearchRows:
    where: PageWhere
    params: dict  # of Datasette's query
    part: str  # SQL selecting the ids of a part of the search that the full-text index alone selects
    clause: str  # that part's clause of the page's WHERE

    def answers(self, sql, params) -> bool:
        """Whether `sql` with `params` is Datasette's query of this page's rows, sorted by id."""
        return params == self.params and self._read(sql) is not None

    def _read(self, sql):
        """(columns, clauses, the order by id) of Datasette's query of this page's rows, or None."""
        head = re.match(r"select (.+?) from attributions where ", sql, re.DOTALL)
        if head is None:
            return None
        found = self.where.clauses_in(sql[head.end() :])
        if found is None or self.clause not in found[0]:
            return None
        clauses, tail = found
        by_id = _BY_ID.fullmatch(tail)
        return (head[1], clauses, by_id) if by_id else None

    async def answer(self, run, sql, params):
        columns, clauses, by_id = self._read(sql)
        descending, limit, offset = by_id.groups()
        order = " DESC" if descending else ""
        others = " and ".join(clause for clause in clauses if clause != self.clause) or "1"
        joined = (
            f"select {columns} from (SELECT rowid AS ledger_id FROM ({self.part}) ORDER BY ledger_id{order})"
            " AS ledger_found CROSS JOIN attributions ON attributions.id = ledger_found.ledger_id"
            f" where {others} order by ledger_found.ledger_id{order} limit {limit}{offset or ''}"
        )
        return await run(joined, params)


def begin_search_rows(request, database, table, datasette):
    """Datasette's filters_from_request hook adding no filter: on a page of a ledger's
    attributions that only exact filters on names and stance, and a search, select, it has
    the database answer Datasette's query of the page's rows with a join led by the search."""
    selected = answerable(request, database, table, datasette)
    if selected is None or selected[1] is None:
        return None
    narrowing, searching = selected

    async def start():
        try:
            search = await searching
        except BadRequest:
            return  # the search's own filter reports it
        if not search.full_text_parts:
            return
        where, params = await page_where(request, table, narrowing, searching)
        first = min(search.full_text_parts)
        expect(
            datasette.get_database(database), SearchRows(where, params, search.ids_sql[first], search.clauses[first])
        )

    return start
