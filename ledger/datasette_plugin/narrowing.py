"""Exact filters on names of a ledger's attributions view, narrowed through name ids.

`outlet=BBC` compares each row's canonical name, resolved row by row: at a million
attributions that costs more than the rest of the page. The clause added here selects
the same rows by name id (and stance) on attribution_records' indexes, so SQLite
resolves names only for the rows it leaves. It is implied by the page's own filters,
so the rows shown are the same."""

from dataclasses import dataclass

from datasette.filters import FilterArguments, Filters
from datasette.utils.asgi import BadRequest

from .metadata import NAME_ID_COLUMNS
from .state import ledger_names, state_of


@dataclass
class Narrowing:
    ids_sql: str | None  # SQL selecting the ids of attribution_records allowed; None with no exact filter
    params: dict
    by_name: bool  # an exact filter on a name, which Datasette's own filter resolves row by row
    complete: bool  # no filter on the page but these and a search: its rows are those both select

    @property
    def where(self):
        return f"id IN ({self.ids_sql})"


def narrowing_filters(request, database, table, datasette) -> FilterArguments | None:
    """The narrowing of a page, as Datasette's filters_from_request hook gives a filter."""
    narrowing = name_narrowing(request, database, table, datasette)
    return FilterArguments([narrowing.where], narrowing.params) if narrowing and narrowing.by_name else None


def name_narrowing(request, database, table, datasette) -> Narrowing | None:
    """The narrowing of a page of a ledger's attributions, made once per request: the filter
    and the facets both ask for it. None on any other page."""
    if table != "attributions" or database not in ledger_names(datasette):
        return None
    narrowings = state_of(datasette).narrowings
    if request not in narrowings:
        narrowings[request] = narrowing_of(request.args)
    return narrowings[request]


def filter_pairs(args) -> list[tuple[str, str]]:
    """The (key, value) pairs of a query string (`args`) that Datasette reads as filters, in its order."""
    return sorted(
        (key, value) for key in args if not (key.startswith("_") and "__" not in key) for value in args.getlist(key)
    )


def narrowing_of(args) -> Narrowing:
    """The attribution ids that a page's exact filters on names and stance allow (`args`, its
    query string). Datasette is given it as a filter only with a name among them: a stance
    alone has its own index."""
    conditions, params, by_name = [], {}, False
    complete = not any(key.startswith(("_where", "_through")) for key in args)
    for column, lookup, value in Filters(filter_pairs(args)).selections():
        if lookup != "exact" or (column not in NAME_ID_COLUMNS and column != "stance"):
            complete = False
            continue
        param = f"ledger_narrowing_{len(params)}"
        params[param] = value
        if column == "stance":
            conditions.append(f"stance = :{param}")
        else:
            conditions.append(f"{NAME_ID_COLUMNS[column]} IN (SELECT id FROM entities WHERE canonical = :{param})")
            by_name = True
    ids_sql = f"SELECT seq FROM attribution_records WHERE {' AND '.join(conditions)}" if conditions else None
    return Narrowing(ids_sql, params, by_name, complete)


async def selected_ids(narrowing, searching) -> tuple[list, dict] | None:
    """What the exact filters (`narrowing`) and the search (`searching`, a task of
    search.page_search, or None) of a page select: SQL selecting ids, one for each part
    (a row is selected by all), and its parameters; None when the search is refused, as
    its own filter reports."""
    ids_sql, params = [], {}
    if narrowing.ids_sql:
        ids_sql.append(narrowing.ids_sql)
        params.update(narrowing.params)
    if searching is not None:
        try:
            search = await searching
        except BadRequest:
            return None
        ids_sql += search.ids_sql
        params.update(search.params)
    return ids_sql, params
