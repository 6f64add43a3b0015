"""A ledger's pages: its own pages of one row, such as the claim page, each a RowPage; and what
its templates add to Datasette's home, table and query pages."""

import re
import urllib.parse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial

from datasette import Response
from datasette.database import QueryInterrupted
from datasette.utils.asgi import NotFound
from datasette.views.base import DatasetteError

from ..records import LARGEST_ID
from .cells import claim_url, status_details, status_html
from .front_door import front_doors
from .metadata import READER_COLUMNS, SEARCH_HELP, SEARCHES
from .state import ledger_names
from .timeline import STANCE_COLOURS, timeline


@dataclass(frozen=True)
class RowPage:
    """A page of one row of a ledger's `table` at /DB/TABLE/ID, and its JSON at /DB/TABLE/ID.json.

    The page needs the permission to view `table`, names its row `noun` when it is not found,
    answers a query over the time limit as Datasette's own pages do, and renders `template`
    with what `read` gives."""

    table: str
    noun: str
    template: str
    # read(datasette, db, id): None when the ledger has no such row, else what the JSON holds
    # besides `database`, and a function giving what the HTML adds to it (or None).
    read: Callable[..., Awaitable]

    def route(self, ledger_routes: str) -> tuple[str, Callable]:
        """The route of this page under the ledgers whose routes `ledger_routes` matches."""
        table = re.escape(self.table)
        return rf"^/(?P<db_route>{ledger_routes})/{table}/(?P<row_id>[0-9]+)(?P<as_json>\.json)?$", self.serve

    async def serve(self, request, datasette):
        db = datasette.get_database(route=request.url_vars["db_route"])
        await datasette.ensure_permissions(
            request.actor, [("view-table", (db.name, self.table)), ("view-database", db.name), "view-instance"]
        )
        row_id = int(request.url_vars["row_id"])
        found = None
        if row_id <= LARGEST_ID:
            try:
                found = await self.read(datasette, db, row_id)
            except QueryInterrupted:
                raise DatasetteError(
                    "SQL query took too long (see the sql_time_limit_ms setting)", title="SQL Interrupted", status=400
                )
        if found is None:
            raise NotFound(f"{self.noun} {row_id} is not in {db.name}")
        data, html = found
        if request.url_vars.get("as_json"):
            return Response.json({"database": db.name, **data})
        return Response.html(
            await datasette.render_template(
                self.template,
                {"database": db.name, **data, **(html() if html else {})},
                request=request,
                view_name=self.template.removesuffix(".html"),
            )
        )


CLAIM_PAGE_COLUMNS = ("date", "claimant", "speaker", "outlet", "via", "stance", "status", "quote", "url")
# What the claim page's JSON adds to each attribution from the retractions and corrections (status_details).
STATUS_FIELDS = ("status_reason", "superseded_by", "corrects", "correction_reason")


async def read_claim(datasette, db, claim_id):
    """A claim, all its attributions in date order, and for the HTML its timeline."""
    claim = (await db.execute("SELECT * FROM claims WHERE id = ?", [claim_id])).first()
    if claim is None:
        return None
    rows = await db.execute("SELECT * FROM attributions WHERE claim_id = ? ORDER BY unixepoch(date), id", [claim_id])
    attributions = [dict(row) for row in rows]
    details = await db.execute_fn(partial(status_details, [a["id"] for a in attributions]))
    for attribution in attributions:
        found = details.get(attribution["id"], {})
        attribution.update({field: found.get(field) for field in STATUS_FIELDS})

    def html():
        return {
            "columns": CLAIM_PAGE_COLUMNS,
            "timeline": timeline(attributions),
            "stance_colours": STANCE_COLOURS,
            "statuses": {
                a["id"]: status_html(datasette, db.name, a["status"], details.get(a["id"], {})) for a in attributions
            },
            "json_url": claim_url(datasette, db.name, claim_id) + ".json",
            "attributions_url": datasette.urls.table(db.name, "attributions") + f"?claim_id={claim_id}",
        }

    return {"claim": dict(claim), "attributions": attributions}, html


ROW_PAGES = (RowPage("claims", "Claim", "ledger_claim.html", read_claim),)


def routes(datasette) -> list[tuple[str, Callable]]:
    # Only ledgers' routes, so another database's `claims` table keeps Datasette's row pages.
    ledger_routes = "|".join(re.escape(datasette.get_database(name).route) for name in ledger_names(datasette))
    return [page.route(ledger_routes) for page in ROW_PAGES] if ledger_routes else []


# Datasette's pages ---------------------------------------------------------------


def template_vars(template, database, table, request, datasette):
    """What this package's templates (index.html, table.html, query.html) need on a ledger's
    pages; on any other page they render as Datasette's own."""
    if template == "index.html" and ledger_names(datasette):
        return partial(front_doors, datasette, request)
    if database not in ledger_names(datasette) or request is None:
        return None
    if template == "query.html":
        return {"ledger_page": True}
    if template != "table.html":
        return None
    return partial(_table_page, datasette, database, table, request)


async def _table_page(datasette, database, table, request):
    page = {"ledger_page": True}
    if table in SEARCHES:
        # Datasette's own search box shows only for a table it searches itself (see search.search_filters).
        _, names = SEARCHES[table]
        page.update(supports_search=True, search=request.args.get("_search", ""), ledger_search_help=SEARCH_HELP[names])
    if table == "attributions":
        columns = await datasette.get_database(database).table_columns(table)
        page["ledger_columns"] = ReaderColumns.of(request, columns)
    return page


@dataclass
class ReaderColumns:
    """The columns of the attributions page: the reader's (READER_COLUMNS, less any `_nocol`)
    unless the request names its own with `_col`, as Datasette's column menu does."""

    chosen: bool  # the request names its columns
    left_out: list  # the view's columns that the reader's leave out
    all_url: str  # this page with every column
    reader_url: str  # this page with the reader's columns

    @classmethod
    def of(cls, request, columns):
        args = [
            (key, value)
            for key, value in urllib.parse.parse_qsl(request.query_string, keep_blank_values=True)
            if key not in ("_col", "_nocol")
        ]
        return cls(
            chosen="_col" in request.args,
            left_out=[column for column in columns if column not in READER_COLUMNS],
            all_url="?" + urllib.parse.urlencode(args + [("_col", column) for column in columns]),
            reader_url="?" + urllib.parse.urlencode(args) if args else request.path,
        )

    def shown(self, display_columns, display_rows):
        """Datasette's columns and rows of the page, less those the reader's columns leave out."""
        if self.chosen:
            return display_columns, display_rows
        return (
            [column for column in display_columns if column["name"] in READER_COLUMNS],
            [type(row)([cell for cell in row if cell["column"] in READER_COLUMNS]) for row in display_rows],
        )
