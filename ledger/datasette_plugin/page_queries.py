"""Datasette's own queries of a page of attributions, answered by the plugin.

Datasette has no hook that runs a page's queries. So a ledger's database has its `execute`
wrapped (`expect`): for the request being served, a query that the page's filters hook
expects, which is exactly the SQL Datasette makes for that page, is answered as expected
(`page_count`: the count begun with the filters; `search_rows`: the rows of a search, read
in id order from the full-text index). Any other query runs as asked."""

import contextvars
from dataclasses import dataclass

from datasette.filters import Filters

from .narrowing import filter_pairs
from .search import selecting

# What the request being served expects: each request runs in a task of its own, whose
# context the filters hook and Datasette's queries share.
_EXPECTED = contextvars.ContextVar("ledger_page_queries", default=())


@dataclass
class PageWhere:
    """The WHERE of a page's SQL, as Datasette writes it: its own filters' clauses in their
    order, then the plugin's in an order that Datasette's hooks decide, joined by " and "."""

    own_clauses: list
    plugin_clauses: list

    def clauses_in(self, sql):
        """(the clauses in the order `sql` has them, what follows them) when `sql` begins with
        every clause once and nothing else; else None."""
        own, plugin, found = list(self.own_clauses), list(self.plugin_clauses), []
        while own or plugin:
            clauses = own if own else plugin
            candidates = clauses[:1] if own else clauses  # Datasette's own in their order
            clause = next((clause for clause in candidates if sql.startswith(clause)), None)
            if clause is None:
                return None
            clauses.remove(clause)
            found.append(clause)
            sql = sql[len(clause) :]
            if own or plugin:
                if not sql.startswith(" and "):
                    return None
                sql = sql[len(" and ") :]
        return found, sql


def answerable(request, database, table, datasette):
    """`search.selecting` of a page whose SQL the plugin can tell (Datasette's filters convert
    no units, so its clauses are those `page_where` makes), or None."""
    if datasette.table_metadata(database, table).get("units"):
        return None
    return selecting(request, database, table, datasette)


async def page_where(request, table, narrowing, searching):
    """(PageWhere, params) of the SQL Datasette makes for a page that only exact filters on
    names and stance (`narrowing`), and a search (`searching`, a task or None), select."""
    clauses, params = Filters(filter_pairs(request.args)).build_where_clauses(table)
    plugin_clauses = [narrowing.where] if narrowing.by_name else []
    if searching is not None:
        search = await searching
        plugin_clauses += search.clauses
        params.update(search.params)
    if narrowing.by_name:
        params.update(narrowing.params)
    return PageWhere(clauses, plugin_clauses), params


def expect(db, answer):
    """Have `db` answer, for the request being served, the one query that `answer` answers:
    answer.answers(sql, params) tells whether it is that query, and answer.answer(run, sql,
    params) gives its Results, `run(sql, params)` running SQL as Datasette asked it run."""
    _wrap(db)
    _EXPECTED.set((*_EXPECTED.get(), answer))


def _wrap(db):
    if getattr(db, "answers_page_queries", False):
        return
    own_execute = db.execute

    async def execute(sql, params=None, *args, **kwargs):
        expected = _EXPECTED.get()
        answer = next((answer for answer in expected if answer.answers(sql, params)), None)
        if answer is None:
            return await own_execute(sql, params, *args, **kwargs)
        _EXPECTED.set(tuple(other for other in expected if other is not answer))
        return await answer.answer(lambda sql, params: own_execute(sql, params, *args, **kwargs), sql, params)

    db.execute = execute
    db.answers_page_queries = True
