"""Exact filters on names of a ledger's attributions view, narrowed through name ids.

`outlet=BBC` compares each row's canonical name, resolved row by row: at a million
attributions that costs more than the rest of the page. The clause added here selects
the same rows by name id (and stance) on attribution_records' indexes, so SQLite
resolves names only for the rows it leaves. It is implied by the page's own filters,
so the rows shown are the same."""

from dataclasses import dataclass

from datasette.filters import FilterArguments, Filters

from .metadata import NAME_ID_COLUMNS
from .state import ledger_names, state_of


@dataclass
class Narrowing:
    where: str  # `id IN (...)`, over attribution_records
    params: dict
    alone: bool  # no other filter or search on the page, so likely the page's very rows


def narrowing_filters(request, database, table, datasette) -> FilterArguments | None:
    """The narrowing of a page, as Datasette's filters_from_request hook gives a filter."""
    narrowing = name_narrowing(request, database, table, datasette)
    return FilterArguments([narrowing.where], narrowing.params) if narrowing else None


def name_narrowing(request, database, table, datasette) -> Narrowing | None:
    """The narrowing of a page of a ledger's attributions, made once per request: the filter
    and the facets both ask for it."""
    if table != "attributions" or database not in ledger_names(datasette):
        return None
    narrowings = state_of(datasette).narrowings
    if request not in narrowings:
        narrowings[request] = narrowing_of(request.args)
    return narrowings[request]


def narrowing_of(args) -> Narrowing | None:
    """The attribution ids that a page's exact filters on names and stance allow (`args`, its
    query string), or None when it has no such filter on a name (a stance alone has its own index)."""
    pairs = sorted(
        (key, value) for key in args if not (key.startswith("_") and "__" not in key) for value in args.getlist(key)
    )  # what Datasette reads as filters
    conditions, params, by_name = [], {}, False
    alone = not any(key.startswith(("_search", "_where", "_through")) for key in args)
    for column, lookup, value in Filters(pairs).selections():
        if lookup != "exact" or (column not in NAME_ID_COLUMNS and column != "stance"):
            alone = False
            continue
        param = f"ledger_narrowing_{len(params)}"
        params[param] = value
        if column == "stance":
            conditions.append(f"stance = :{param}")
        else:
            conditions.append(f"{NAME_ID_COLUMNS[column]} IN (SELECT id FROM entities WHERE canonical = :{param})")
            by_name = True
    if not by_name:
        return None
    return Narrowing(f"id IN (SELECT seq FROM attribution_records WHERE {' AND '.join(conditions)})", params, alone)
