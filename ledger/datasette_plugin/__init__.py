"""The ledger's Datasette plugin, loaded through the package's `datasette` entry point: its hooks,
each handing over to the module of its concern.

It applies to every database that holds a `journal` table (a ledger, see `state`) and leaves
any other database alone. For each ledger it supplies the metadata (`metadata`), makes the
home page a front door to what the ledger holds (`front_door`), links claim cells to claim
pages and shows why an attribution was retracted or superseded (`cells`), serves
`/DB/claims/ID` with a timeline drawn on the server (`pages`, `timeline`), searches names and
word prefixes as well as claim texts and quotes (`search`), makes its connections query-only
(`read_only`), and shows whether the hash chain verified (`chain`). On the attributions view
it narrows filters on names by name id (`narrowing`), counts facets in one pass, begun with
the filters (`facets`, `counts`), counts the page's rows once, with its facets or from
the indexes (`page_count`), and reads a search's rows in id order from the full-text index
(`search_rows`), answering Datasette's own queries of the page (`page_queries`), so that
pages stay fast at ten million attributions. Its
templates (`templates/`, found by Datasette as a plugin package's own) extend Datasette's
and change nothing on a database that is not a ledger.
"""

from functools import partial

from datasette import hookimpl

from . import cells, chain, facets, metadata, narrowing, page_count, pages, read_only, search, search_rows
from .state import ledger_names


@hookimpl
def get_metadata(datasette, key, database, table):
    return metadata.ledger_metadata(datasette)


@hookimpl
def startup(datasette):
    if ledger_names(datasette):
        # Suggesting facets recounts a view whose count timed out, and that second count's
        # timeout fails the whole page (HTTP 400) on a large ledger. `ledger serve` turns
        # suggestions off; this does it for plain `datasette ledger.db` too.
        datasette._settings["suggest_facets"] = False
    return partial(chain.check_chains, datasette)


@hookimpl
def asgi_wrapper(datasette):
    return lambda app: read_only.refusing_writes(datasette, chain.refreshing_heads(datasette, app))


@hookimpl
def prepare_connection(conn, database, datasette):
    if database in ledger_names(datasette):
        read_only.lock(conn)
        search.connect_full_text_tables(conn)


@hookimpl
def extra_template_vars(template, database, table, request, datasette):
    return pages.template_vars(template, database, table, request, datasette)


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    return cells.cell_html(row, value, column, table, database, datasette)


@hookimpl
def register_routes(datasette):
    return pages.routes(datasette)


@hookimpl
def filters_from_request(request, database, table, datasette):
    return narrowing.narrowing_filters(request, database, table, datasette)


@hookimpl(specname="filters_from_request")
def search_filters(request, database, table, datasette):
    return search.search_filters(request, database, table, datasette)


@hookimpl(specname="filters_from_request")
def begin_page_queries(request, database, table, datasette):
    # The facets first: the page's count is taken from theirs, if they are begun.
    starts = [
        start
        for start in (
            facets.begin_page_counts(request, database, table, datasette),
            page_count.begin_page_count(request, database, table, datasette),
            search_rows.begin_search_rows(request, database, table, datasette),
        )
        if start
    ]

    async def start_all():
        for start in starts:
            await start()

    return start_all if starts else None


@hookimpl
def register_facet_classes():
    return [facets.CountedFacet]
