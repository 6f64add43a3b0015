"""The ledger's Datasette plugin, loaded through the package's `datasette` entry point.

It applies to every database that holds a `journal` table (a ledger) and leaves any
other database alone. For each ledger it supplies the metadata of `metadata.py`,
links claim cells to claim pages, serves `/DB/claims/ID` (with a timeline drawn as
inline SVG on the server, so no request leaves the machine), makes its connections
query-only, and shows the journal's head digest and whether its hash chain verified.
On the attributions view it narrows filters on names by name id and counts facets in
one pass, so that pages stay fast at a million attributions.
"""
import heapq
import json
import re
import sqlite3
import urllib.parse
import weakref
from collections import Counter
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path

from datasette import Response, hookimpl
from datasette.database import QueryInterrupted
from datasette.facets import ColumnFacet
from datasette.filters import FilterArguments, Filters
from datasette.utils import escape_sqlite, path_with_removed_args, sqlite_timelimit
from datasette.utils.asgi import NotFound
from datasette.views.base import DatasetteError
from jinja2 import FileSystemLoader
from markupsafe import Markup

from . import metadata
from .journal import ChainBroken, check_chain, digest, has_journal

TEMPLATES = Path(__file__).with_name("templates")

# Okabe-Ito colours, told apart under the common colour-vision deficiencies.
STANCE_COLOURS = {"asserts": "#009E73", "reports": "#0072B2", "questions": "#E69F00", "disputes": "#D55E00"}

CLAIM_PAGE_COLUMNS = ("date", "claimant", "speaker", "outlet", "via", "stance", "status", "quote", "url")


@dataclass
class ChainCheck:
    """The hash chain as checked when Datasette started, and the head seen since."""

    checked: str  # SEQ:HASH of the newest entry checked at startup
    problem: str | None  # the first break found, None when the chain verified
    head: str  # SEQ:HASH of the newest entry when last looked at


class _Ledgers:
    """Which of one Datasette's databases are ledgers, their chain checks and whole-view counts."""

    def __init__(self):
        self.is_ledger = {}  # database name -> bool, looked up once per name
        self.chains = {}  # ledger name -> ChainCheck, filled at startup
        self.at_head = {}  # (ledger name, function) -> (SEQ:HASH, what it returned at that head)


_states = weakref.WeakKeyDictionary()  # Datasette -> _Ledgers


def _state(datasette):
    return _states.setdefault(datasette, _Ledgers())


def ledger_names(datasette):
    """Names of the databases that are ledgers: they hold a journal table."""
    state = _state(datasette)
    for name, db in datasette.databases.items():
        if name not in state.is_ledger:
            state.is_ledger[name] = _holds_journal(db)
    return [name for name in datasette.databases if state.is_ledger[name]]


def _holds_journal(db):
    if db.path is None:
        return False
    conn = db.connect()  # read-only or immutable, as Datasette itself opens it
    try:
        return has_journal(conn)
    except sqlite3.DatabaseError:
        return False
    finally:
        conn.close()


def _check_chain(conn):
    try:
        check_chain(conn)
        problem = None
    except ChainBroken as broken:
        problem = str(broken)
    head = digest(conn)
    return ChainCheck(checked=head, problem=problem, head=head)


def _chain_html(datasette, name, chain):
    if chain is None:  # before startup, e.g. during `datasette inspect`
        return ""
    link = Markup('<a href="{}">{}</a>').format(datasette.urls.database(name), name)
    seq = chain.head.partition(":")[0]
    if chain.problem:
        return Markup(
            '<p class="ledger-chain ledger-chain-broken">Journal of {}: head <code>{}</code>. '
            "<strong>The hash chain does not verify</strong>: {}.</p>"
        ).format(link, chain.head, chain.problem)
    if chain.head == chain.checked:
        return Markup(
            '<p class="ledger-chain">Journal of {}: head <code>{}</code>. '
            "The hash chain verifies: all {} entries checked when this server started.</p>"
        ).format(link, chain.head, seq)
    return Markup(
        '<p class="ledger-chain">Journal of {}: head <code>{}</code>. The hash chain verified up to '
        "<code>{}</code> when this server started; the entries appended since are not checked here "
        "(<code>ledger verify --digest {}</code> checks them).</p>"
    ).format(link, chain.head, chain.checked, chain.checked)


@hookimpl
def get_metadata(datasette, key, database, table):
    chains = _state(datasette).chains
    ledgers = {
        name: (datasette.urls.database(name), str(_chain_html(datasette, name, chains.get(name))))
        for name in ledger_names(datasette)
    }
    return metadata.instance_metadata(ledgers) if ledgers else None


@hookimpl
def startup(datasette):
    if ledger_names(datasette):
        # Suggesting facets recounts a view whose count timed out, and that second count's
        # timeout fails the whole page (HTTP 400) on a large ledger. `ledger serve` turns
        # suggestions off; this does it for plain `datasette ledger.db` too.
        datasette._settings["suggest_facets"] = False

    async def check_chains():
        # Once, not per request: the check reads every entry.
        for name in ledger_names(datasette):
            _state(datasette).chains[name] = await datasette.get_database(name).execute_fn(_check_chain)

    return check_chains


@hookimpl
def asgi_wrapper(datasette):
    """Before the pages that show a ledger's head (home, database), read the head anew."""

    def wrap(app):
        async def refresh_heads(scope, receive, send):
            if scope["type"] == "http":
                await _refresh_heads(datasette, scope["path"])
            await app(scope, receive, send)

        return refresh_heads

    return wrap


async def _refresh_heads(datasette, path):
    chains = _state(datasette).chains
    for name in ledger_names(datasette):
        db = datasette.get_database(name)
        shown = path in (datasette.urls.instance(), datasette.urls.database(name))  # JSON omits the head
        if shown and db.is_mutable and name in chains:
            chains[name].head = await db.execute_fn(digest)


@hookimpl
def prepare_connection(conn, database, datasette):
    # A second lock besides Datasette's read-only mode: no plugin's write reaches a ledger.
    if database in ledger_names(datasette):
        conn.execute("PRAGMA query_only = 1")


@hookimpl
def prepare_jinja2_environment(env, datasette):
    # Datasette finds a plugin's templates/ only beside a package, and this plugin is a module.
    env.loader.loaders.append(FileSystemLoader(str(TEMPLATES)))


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """Link a claim's text to its page: `claim` beside a `claim_id`, and `text` in the claims view."""
    if column == "claim" and "claim_id" in row.keys():
        claim_id = row["claim_id"]
    elif column == "text" and table == "claims":
        claim_id = row["id"]
    else:
        return None
    if value is None or database not in ledger_names(datasette):
        return None
    return Markup('<a href="{}">{}</a>').format(claim_url(datasette, database, claim_id), value)


def claim_url(datasette, database, claim_id):
    return f"{datasette.urls.table(database, 'claims')}/{claim_id}"


@hookimpl
def register_routes(datasette):
    # Only ledgers' routes, so another database's `claims` table keeps Datasette's row pages.
    routes = "|".join(re.escape(datasette.get_database(name).route) for name in ledger_names(datasette))
    if not routes:
        return []
    return [(rf"^/(?P<db_route>{routes})/claims/(?P<claim_id>[0-9]+)(?P<as_json>\.json)?$", claim_page)]


async def claim_page(request, datasette):
    """A claim, all its attributions in date order, and its timeline; JSON with `.json`."""
    if request.method not in ("GET", "HEAD"):  # as Datasette's own read-only pages answer
        return Response.text("Method not allowed", status=405, headers={"Allow": "GET, HEAD"})
    db = datasette.get_database(route=request.url_vars["db_route"])
    await datasette.ensure_permissions(
        request.actor, [("view-table", (db.name, "claims")), ("view-database", db.name), "view-instance"]
    )
    claim_id = int(request.url_vars["claim_id"])
    try:
        claim = (await db.execute("SELECT * FROM claims WHERE id = ?", [claim_id])).first()
        if claim is None:
            raise NotFound(f"Claim {claim_id} is not in {db.name}")
        attributions = await db.execute("SELECT * FROM attributions WHERE claim_id = ? ORDER BY date, id", [claim_id])
    except QueryInterrupted:  # answered as Datasette's own pages answer a query over its time limit
        raise DatasetteError(
            "SQL query took too long (see the sql_time_limit_ms setting)", title="SQL Interrupted", status=400
        )
    claim, attributions = dict(claim), [dict(row) for row in attributions]
    if request.url_vars.get("as_json"):
        return Response.json({"database": db.name, "claim": claim, "attributions": attributions})
    return Response.html(
        await datasette.render_template(
            "ledger_claim.html",
            {
                "database": db.name,
                "claim": claim,
                "attributions": attributions,
                "columns": CLAIM_PAGE_COLUMNS,
                "timeline": timeline(attributions),
                "json_url": claim_url(datasette, db.name, claim_id) + ".json",
                "attributions_url": datasette.urls.table(db.name, "attributions") + f"?claim_id={claim_id}",
            },
            request=request,
            view_name="ledger_claim",
        )
    )


# Filters on names ---------------------------------------------------------------


@hookimpl
def filters_from_request(request, database, table, datasette):
    """On a ledger's attributions view, narrow exact filters on names through name ids.

    `outlet=BBC` compares each row's canonical name, resolved row by row: at a million
    attributions that costs more than the rest of the page. The clause added here selects
    the same rows by name id (and stance) on attribution_records' indexes, so SQLite
    resolves names only for the rows it leaves. It is implied by the page's own filters,
    so the rows shown are the same."""
    narrowing = name_narrowing(request, database, table, datasette)
    return FilterArguments([narrowing.where], narrowing.params) if narrowing else None


@dataclass
class Narrowing:
    where: str  # `id IN (...)`, over attribution_records
    params: dict
    alone: bool  # no other filter or search on the page, so likely the page's very rows


def name_narrowing(request, database, table, datasette):
    """The attribution ids that a page's exact filters on names and stance allow, or None
    when the page has no such filter on a name (a stance alone has its own index)."""
    if table != "attributions" or database not in ledger_names(datasette):
        return None
    name_ids = NAME_ID_COLUMNS["attributions"]
    pairs = sorted((key, value) for key in request.args if not (key.startswith("_") and "__" not in key)
                   for value in request.args.getlist(key))  # what Datasette reads as filters
    conditions, params, by_name = [], {}, False
    alone = not any(key.startswith(("_search", "_where", "_through")) for key in request.args)
    for column, lookup, value in Filters(pairs).selections():
        if lookup != "exact" or (column not in name_ids and column != "stance"):
            alone = False
            continue
        param = f"ledger_narrowing_{len(params)}"
        params[param] = value
        if column == "stance":
            conditions.append(f"stance = :{param}")
        else:
            conditions.append(f"{name_ids[column]} IN (SELECT id FROM entities WHERE canonical = :{param})")
            by_name = True
    if not by_name:
        return None
    return Narrowing(f"id IN (SELECT seq FROM attribution_records WHERE {' AND '.join(conditions)})", params, alone)


# Facets ---------------------------------------------------------------------------


@hookimpl
def register_facet_classes():
    return [CountedFacet]


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
                args = ([pair for pair in page_args if pair != (column, str(value))] if selected
                        else page_args + [(column, value)])
                query = urllib.parse.urlencode(args)
                values.append({"value": value, "label": value, "count": count, "selected": selected,
                               "toggle_url": f"{page_url}?{query}" if query else page_url})
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
        page = self.table == "attributions" and self.database in ledger_names(self.ds) and re.fullmatch(
            r"select .+? from attributions\b(.*)", rows_sql, re.DOTALL | re.IGNORECASE
        )
        name_ids = NAME_ID_COLUMNS["attributions"] if page else {}
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
            partial(once_per_head, self.ds, self.database, whole_view_counts)
        )
        return counts[self.table]


def once_per_head(datasette, database, function, conn):
    """function(conn), called again only once the ledger's journal has a new head: what it
    reads is a projection of the journal, which only grows."""
    cache = _state(datasette).at_head
    head = digest(conn)
    if (database, function) not in cache or cache[(database, function)][0] != head:
        cache[(database, function)] = (head, function(conn))
    return cache[(database, function)][1]


def _counted_values(column, selected):
    """SQL for one JSON value holding a column's values over a page's rows: an object of
    counts for a column whose values are fixed, else an array of every row's value."""
    if column in FIXED_VALUES:
        counts = (f"'{value}', count(*) FILTER (WHERE {escape_sqlite(selected)} = '{value}')" for value in FIXED_VALUES[column])
        return f"json_object({', '.join(counts)})"
    return f"json_group_array({escape_sqlite(selected)})"


COUNTED_VIEWS = ("attributions", "claims")
FIXED_VALUES = {"stance": metadata.STANCES, "status": metadata.STATUSES}  # of the attributions view
# The columns of a view that show a canonical name, and the attribution_records column
# holding the id of the name as written.
NAME_ID_COLUMNS = {"attributions": {"outlet": "outlet_id", "speaker": "speaker_id", "via": "via_id"}}


def canonical_names(conn):
    """{name id: the canonical name it resolves to}, for every name written."""
    return dict(conn.execute("SELECT id, canonical FROM entities"))


def by_canonical_name(counts_by_id, canonical):
    """Counts by name id, added up by the canonical name each id resolves to."""
    named = Counter()
    for name_id, count in counts_by_id.items():
        named[canonical[name_id]] += count
    return named


def whole_view_counts(conn):
    """{view: {column: Counter of value}} over every row of the attributions and claims views."""
    canonical = canonical_names(conn)
    attributions = {"stance": Counter(dict(conn.execute("SELECT stance, count(*) FROM attribution_records GROUP BY 1")))}
    for column, id_column in NAME_ID_COLUMNS["attributions"].items():
        attributions[column] = by_canonical_name(dict(conn.execute(
            f"SELECT {id_column}, count(*) FROM attribution_records WHERE {id_column} IS NOT NULL GROUP BY 1"
        )), canonical)
    attributions["month"] = Counter(dict(conn.execute("SELECT substr(date, 1, 7), count(*) FROM attribution_records GROUP BY 1")))
    total, retracted, superseded = conn.execute(
        "SELECT (SELECT count(*) FROM attribution_records), (SELECT count(*) FROM retractions),"
        " (SELECT count(*) FROM corrections)"
    ).fetchone()
    attributions["status"] = +Counter({"current": total - retracted - superseded, "retracted": retracted,
                                       "superseded": superseded})
    contested = Counter(
        dict(
            conn.execute(
                """SELECT contested, count(*) FROM (
                       SELECT c.id, coalesce(s.contested, 0) AS contested FROM claim_texts AS c LEFT JOIN (
                           SELECT claim_id, max(stance = 'asserts') AND max(stance = 'disputes') AS contested
                           FROM current_records GROUP BY claim_id) AS s ON s.claim_id = c.id)
                   GROUP BY contested"""
            )
        )
    )
    return {"attributions": attributions, "claims": {"contested": contested}}


# The timeline ----------------------------------------------------------------

WIDTH = 760
LANE_LEFT = 100  # room for the stance labels
RIGHT = 30
TOP = 44  # room for the legend
RADIUS = 6
STEP = 2 * RADIUS + 4  # between stacked marks


@dataclass
class Mark:
    id: int
    x: float
    y: float
    colour: str
    current: bool
    label: str


def timeline(attributions):
    """Where to draw each attribution: x by date, one lane per stance, marks that would
    overlap stacked upward within their lane. Returns what the template's SVG needs."""
    days = [_day(a["date"]) for a in attributions]
    first, last = min(days), max(days)
    span = last - first

    def x_of(day):
        if span == 0:
            return LANE_LEFT + (WIDTH - LANE_LEFT - RIGHT) / 2
        return LANE_LEFT + (day - first) / span * (WIDTH - LANE_LEFT - RIGHT)

    lanes, marks, top = [], [], TOP
    for stance in metadata.STANCES:
        placed = sorted(
            ((x_of(day), a) for day, a in zip(days, attributions) if a["stance"] == stance),
            key=lambda pair: (pair[0], pair[1]["id"]),
        )
        level_ends, levels = [], []  # the x of the last mark on each level; each mark's level
        for x, _ in placed:
            level = next((n for n, end in enumerate(level_ends) if x - end >= STEP), len(level_ends))
            if level == len(level_ends):
                level_ends.append(x)
            else:
                level_ends[level] = x
            levels.append(level)
        height = max(1, len(level_ends)) * STEP + 8
        lanes.append({"stance": stance, "y": top, "height": height, "colour": STANCE_COLOURS[stance]})
        for (x, a), level in zip(placed, levels):
            who = a["outlet"] if a["speaker"] is None else f"{a['speaker']} in {a['outlet']}"
            label = f"{a['date']} · {who}: {stance}"
            marks.append(
                Mark(
                    id=a["id"],
                    x=round(x, 1),
                    y=top + height - 4 - RADIUS - level * STEP,
                    colour=STANCE_COLOURS[stance],
                    current=a["status"] == "current",
                    label=label if a["status"] == "current" else f"{label}, {a['status']}",
                )
            )
        top += height
    ticks = sorted({round(first + span * n / 4) for n in range(5)}) if span else [first]
    return {
        "width": WIDTH,
        "height": top + 28,
        "axis_y": top,
        "left": LANE_LEFT,
        "right": WIDTH - RIGHT,
        "lanes": lanes,
        "marks": marks,
        "ticks": [{"x": round(x_of(day), 1), "label": date.fromordinal(day).isoformat()} for day in ticks],
        "legend": [{"stance": stance, "colour": colour} for stance, colour in STANCE_COLOURS.items()],
    }


def _day(text):
    """The calendar day of a ledger date (YYYY-MM-DD, or a date and time) as an ordinal."""
    return date.fromisoformat(text[:10]).toordinal()
