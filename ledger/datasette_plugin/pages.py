"""A ledger's pages: its own pages of one row, such as the claim page, each a RowPage; and what
its templates add to Datasette's home, table and query pages."""

import json
import re
import urllib.parse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial

from datasette import Response
from datasette.database import QueryInterrupted
from datasette.utils import tilde_decode
from datasette.utils.asgi import NotFound
from datasette.views.base import DatasetteError
from markupsafe import Markup

from ..records import LARGEST_ID, preview
from .cells import attribution_url, claim_url, document_url, status_details, status_html
from .front_door import front_doors
from .marks import Passage, marked_html
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
        # Any id, not only digits: one that is no row's is answered here, with the reason.
        return rf"^/(?P<db_route>{ledger_routes})/{table}/(?P<row_id>[^/]+?)(?P<as_json>\.json)?$", self.serve

    async def serve(self, request, datasette):
        db = datasette.get_database(route=request.url_vars["db_route"])
        await datasette.ensure_permissions(
            request.actor, [("view-table", (db.name, self.table)), ("view-database", db.name), "view-instance"]
        )
        row_id = tilde_decode(request.url_vars["row_id"])  # as Datasette encodes what it redirects here
        # At most 19 digits before int(): Python refuses to read thousands of them.
        if not re.fullmatch(r"[0-9]{1,19}", row_id) or int(row_id) > LARGEST_ID:
            raise NotFound(
                f"{self.noun} {preview(row_id)} is not in {db.name}: an id is a whole number from 1 to {LARGEST_ID}"
            )
        try:
            found = await self.read(datasette, db, int(row_id))
        except QueryInterrupted:
            raise DatasetteError(
                "SQL query took too long (see the sql_time_limit_ms setting)", title="SQL Interrupted", status=400
            )
        if found is None:
            raise NotFound(f"{self.noun} {int(row_id)} is not in {db.name}")
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
            # Each quote's place in its document, and the document of an attribution without a quote.
            "document_urls": {
                a["id"]: document_url(
                    datasette, db.name, a["document"], a["id"] if a["quote_start"] is not None else None
                )
                for a in attributions
                if a["document"] is not None
            },
            "json_url": claim_url(datasette, db.name, claim_id) + ".json",
            "attributions_url": datasette.urls.table(db.name, "attributions") + f"?claim_id={claim_id}",
        }

    return {"claim": dict(claim), "attributions": attributions}, html


async def read_document(datasette, db, document_id):
    """A document as the documents view lists it, its text and its anchors in the order of the
    text (then those of attributions that name it without a quote), and for the HTML its text
    with every anchored quote marked."""
    document = (await db.execute("SELECT * FROM documents WHERE id = ?", [document_id])).first()
    if document is None:
        return None
    text = (await db.execute("SELECT text FROM document_texts WHERE id = ?", [document_id])).first()[0]
    rows = await db.execute(
        """SELECT a.seq AS attribution, r.claim_id, a.quote_start, a.quote_end, a.exact, a.prefix, a.suffix,
                  r.claim, r.claimant, r.stance, r.status
           FROM anchors AS a JOIN attributions AS r ON r.id = a.seq
           WHERE a.document_id = ? ORDER BY a.quote_start IS NULL, a.quote_start, a.seq""",
        [document_id],
    )
    anchors = [dict(row) for row in rows]
    original, translations = (
        await db.execute(
            """SELECT (SELECT seq FROM document_records WHERE sha256 = :original),
                      (SELECT json_group_array(seq) FROM document_records WHERE translation_of = :sha256)""",
            {"original": document["translation_of"], "sha256": document["sha256"]},
        )
    ).first()
    link = partial(document_url, datasette, db.name)

    def html():
        urls = {a["attribution"]: attribution_url(datasette, db.name, a["claim_id"], a["attribution"]) for a in anchors}
        passages = [
            Passage(a["attribution"], a["quote_start"], a["quote_end"], urls[a["attribution"]], _said(a), _current(a))
            for a in anchors
            if a["quote_start"] is not None
        ]
        return {
            "marked": Markup(marked_html(text, passages)),
            "attribution_urls": urls,
            "original_url": link(original) if original else None,
            "translations": [(seq, link(seq)) for seq in json.loads(translations)],
            "stance_colours": STANCE_COLOURS,
            "json_url": link(document_id) + ".json",
            "attributions_url": datasette.urls.table(db.name, "attributions") + f"?document={document_id}",
        }

    return {"document": dict(document), "text": text, "anchors": anchors}, html


def _current(anchor):
    return anchor["status"] == "current"


def _said(anchor):
    """What a passage's tooltip says: which attribution reads it, and what it attributes."""
    status = "" if _current(anchor) else f" ({anchor['status']})"
    return f"Attribution {anchor['attribution']}{status}: {anchor['claimant']} {anchor['stance']}: {anchor['claim']}"


ROW_PAGES = (
    RowPage("claims", "Claim", "ledger_claim.html", read_claim),
    RowPage("documents", "Document", "ledger_document.html", read_document),
)


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
