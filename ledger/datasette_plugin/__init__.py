"""The ledger's Datasette plugin, loaded through the package's `datasette` entry point.

It applies to every database that holds a `journal` table (a ledger) and leaves any
other database alone. For each ledger it supplies the metadata of `metadata.py`, makes
the home page a front door to what the ledger holds (counts, contested claims, the
newest attributions, outlets by stance drawn as bars, the hash chain's head), links
claim cells to claim pages, shows why an attribution was retracted or superseded,
serves `/DB/claims/ID` (with a timeline drawn on the server, so no request leaves the
machine), searches names and word prefixes as well as claim texts and quotes, makes its
connections query-only, and shows whether the hash chain verified. On the attributions
view it narrows filters on names by name id and counts facets in one pass, so that pages
stay fast at a million attributions. Its templates extend Datasette's own and change
nothing on a database that is not a ledger.
"""
import heapq
import json
import re
import sqlite3
import threading
import urllib.parse
import weakref
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from functools import partial

from datasette import Response, hookimpl
from datasette.database import QueryInterrupted
from datasette.facets import ColumnFacet
from datasette.filters import FilterArguments, Filters
from datasette.utils import escape_sqlite, path_with_removed_args, sqlite_timelimit
from datasette.utils.asgi import BadRequest, NotFound
from datasette.views.base import DatasetteError
from markupsafe import Markup

from . import metadata
from ..journal import ChainBroken, check_chain, digest, has_journal
from ..records import utc_day

# Okabe-Ito colours, told apart under the common colour-vision deficiencies.
STANCE_COLOURS = {"asserts": "#009E73", "reports": "#0072B2", "questions": "#E69F00", "disputes": "#D55E00"}

CLAIM_PAGE_COLUMNS = ("date", "claimant", "speaker", "outlet", "via", "stance", "status", "quote", "url")
# What the claim page's JSON adds to each attribution from the retractions and corrections (status_details).
STATUS_FIELDS = ("status_reason", "superseded_by", "corrects", "correction_reason")


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
        self.name_indexes = {}  # ledger name -> NameIndex, made by the first search


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


HASH_PREFIX = 12  # hex digits of a hash shown beside its seq


def _chain_html(datasette, name, chain):
    """The journal's head and what became of the check of its hash chain. The head is shown as
    its seq and a prefix of its hash, and whole only inside the command that checks a copy,
    which may break anywhere: 64 hex digits would not fit a phone."""
    if chain is None:  # before startup, e.g. during `datasette inspect`
        return ""
    seq, _, hash_ = chain.head.partition(":")
    head = Markup('Journal of <a href="{}">{}</a>: newest entry <code>{}:{}…</code>. ').format(
        datasette.urls.database(name), name, seq, hash_[:HASH_PREFIX])
    if chain.problem:
        return Markup('<p class="ledger-chain ledger-chain-broken">{}<strong>The hash chain does not verify</strong>: '
                      "{}.</p>").format(head, chain.problem)
    if chain.head == chain.checked:
        return Markup('<p class="ledger-chain">{}The hash chain verifies: all {} entries checked when this server '
                      "started. To check a copy against it: {}</p>").format(head, seq, _verify_command(chain.head))
    return Markup('<p class="ledger-chain">{}The hash chain verified up to entry {} when this server started; the '
                  "entries appended since are not checked here ({} checks them).</p>").format(
        head, chain.checked.partition(":")[0], _verify_command(chain.checked))


def _verify_command(digest_):
    return Markup('<code class="ledger-digest" style="overflow-wrap: anywhere">ledger verify --digest {}</code>'
                  ).format(digest_)


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
    """A ledger's pages answer GET and HEAD only; before the pages that show a ledger's head
    (home, database), the head is read anew."""

    def wrap(app):
        async def read_only_with_fresh_heads(scope, receive, send):
            if scope["type"] == "http":
                if scope["method"] not in ("GET", "HEAD") and _under_a_ledger(datasette, scope["path"]):
                    # Refused here, before Datasette's views: some answer a POST with a 500.
                    response = Response.text("Method not allowed: a ledger is published read-only", status=405,
                                             headers={"Allow": "GET, HEAD"})
                    await response.asgi_send(send)
                    return
                await _refresh_heads(datasette, scope["path"])
            await app(scope, receive, send)

        return read_only_with_fresh_heads

    return wrap


def _under_a_ledger(datasette, path):
    routes = {datasette.urls.database(name) for name in ledger_names(datasette)}
    return any(path == route or path.startswith((route + "/", route + ".")) for route in routes)


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
        # What one query may build in memory: a string or blob of at most this many bytes, enough
        # for any value a ledger holds, so SQL such as printf('%.*c', 1e9, 'x') fails at once
        # instead of taking a gigabyte.
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, READ_LENGTH_LIMIT)
        conn.set_authorizer(_refuse_functions_that_leak_addresses)


# Bytes: the largest text a ledger holds (a payload) is well below it.
READ_LENGTH_LIMIT = 64 << 20
# SQL functions that hand out memory addresses, which help an attacker past ASLR.
ADDRESS_LEAKING_FUNCTIONS = {"fts3_tokenizer"}


def _refuse_functions_that_leak_addresses(action, first, second, database, source):
    if action == sqlite3.SQLITE_FUNCTION and second and second.lower() in ADDRESS_LEAKING_FUNCTIONS:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


@hookimpl
def extra_template_vars(template, database, table, request, datasette):
    """What this package's templates (index.html, table.html, query.html) need on a ledger's
    pages; on any other page they render as Datasette's own."""
    if template == "index.html" and ledger_names(datasette):
        return partial(_front_doors, datasette, request)
    if database not in ledger_names(datasette) or request is None:
        return None
    if template == "query.html":
        return {"ledger_page": True}
    if template != "table.html":
        return None
    return partial(_table_page, datasette, database, table, request)


async def _table_page(datasette, database, table, request):
    page = {"ledger_page": True}
    if table in metadata.SEARCHES:
        # Datasette's own search box shows only for a table it searches itself (see search_filters).
        _, names = metadata.SEARCHES[table]
        page.update(supports_search=True, search=request.args.get("_search", ""),
                    ledger_search_help=metadata.SEARCH_HELP[names])
    if table == "attributions":
        columns = await datasette.get_database(database).table_columns(table)
        page["ledger_columns"] = ReaderColumns.of(request, columns)
    return page


@dataclass
class ReaderColumns:
    """The columns of the attributions page: the reader's (metadata.READER_COLUMNS, less any
    `_nocol`) unless the request names its own with `_col`, as Datasette's column menu does."""

    chosen: bool  # the request names its columns
    left_out: list  # the view's columns that the reader's leave out
    all_url: str  # this page with every column
    reader_url: str  # this page with the reader's columns

    @classmethod
    def of(cls, request, columns):
        args = [(key, value) for key, value in urllib.parse.parse_qsl(request.query_string, keep_blank_values=True)
                if key not in ("_col", "_nocol")]
        return cls(
            chosen="_col" in request.args,
            left_out=[column for column in columns if column not in metadata.READER_COLUMNS],
            all_url="?" + urllib.parse.urlencode(args + [("_col", column) for column in columns]),
            reader_url="?" + urllib.parse.urlencode(args) if args else request.path,
        )

    def shown(self, display_columns, display_rows):
        """Datasette's columns and rows of the page, less those the reader's columns leave out."""
        if self.chosen:
            return display_columns, display_rows
        shown = metadata.READER_COLUMNS
        return ([column for column in display_columns if column["name"] in shown],
                [type(row)([cell for cell in row if cell["column"] in shown]) for row in display_rows])


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """Link a claim's text to its page (`claim` beside a `claim_id`, and `text` in the claims
    view), and give a retracted or superseded attribution's reason and successor."""
    if value is None or database not in ledger_names(datasette):
        return None
    if column == "claim" and "claim_id" in row.keys():
        claim_id = row["claim_id"]
    elif column == "text" and table == "claims":
        claim_id = row["id"]
    elif column == "status" and table in metadata.ATTRIBUTION_VIEWS and value != "current" and "id" in row.keys():
        return _status_cell(datasette, database, row["id"], value)
    else:
        return None
    return Markup('<a href="{}">{}</a>').format(claim_url(datasette, database, claim_id), value)


def claim_url(datasette, database, claim_id):
    return f"{datasette.urls.table(database, 'claims')}/{claim_id}"


def attribution_url(datasette, database, claim_id, attribution_id):
    """Where an attribution is shown: its row on its claim's page."""
    return f"{claim_url(datasette, database, claim_id)}#attribution-{attribution_id}"


async def _status_cell(datasette, database, attribution_id, status):
    # Only rows that are not current are looked up, one query each: few on most pages.
    details = await datasette.get_database(database).execute_fn(partial(status_details, [attribution_id]))
    return status_html(datasette, database, status, details.get(attribution_id, {}))


def status_details(ids, conn):
    """{id: what the retractions and corrections say of it} for the attributions `ids`:
    `status_reason` (why it was retracted, or why the correction that superseded it was made),
    `superseded_by` (that correction's id), `corrects` (the id of the attribution it corrects)
    and `correction_reason`; and the claim ids of the other attributions named, for links."""
    details = defaultdict(dict)
    rows = conn.execute(
        """SELECT target, 'retracted', NULL, NULL, reason FROM retractions
           WHERE target IN (SELECT value FROM json_each(:ids))
           UNION ALL
           SELECT target, 'superseded', seq, (SELECT claim_id FROM attribution_records WHERE seq = c.seq), reason
           FROM corrections AS c WHERE target IN (SELECT value FROM json_each(:ids))
           UNION ALL
           SELECT seq, 'corrects', target, (SELECT claim_id FROM attribution_records WHERE seq = c.target), reason
           FROM corrections AS c WHERE seq IN (SELECT value FROM json_each(:ids))""",
        {"ids": json.dumps(ids)},
    )
    for attribution_id, kind, other, other_claim, reason in rows:
        found = details[attribution_id]
        if kind == "corrects":
            found.update(corrects=other, corrects_claim=other_claim, correction_reason=reason)
        else:
            found.update(status_reason=reason)
            if kind == "superseded":
                found.update(superseded_by=other, superseded_by_claim=other_claim)
    return dict(details)


def status_html(datasette, database, status, details):
    """An attribution's status, with the reason and the attribution it was superseded by or corrects."""
    html = Markup("{}").format(status)
    if details.get("superseded_by"):
        html += Markup(' by <a href="{}">{}</a>').format(
            attribution_url(datasette, database, details["superseded_by_claim"], details["superseded_by"]),
            details["superseded_by"])
    if details.get("status_reason"):
        html += Markup('<span class="ledger-reason">Reason: {}</span>').format(details["status_reason"])
    if details.get("corrects"):
        html += Markup('<span class="ledger-reason">Corrects <a href="{}">{}</a>. Reason: {}</span>').format(
            attribution_url(datasette, database, details["corrects_claim"], details["corrects"]),
            details["corrects"], details["correction_reason"])
    return html


@hookimpl
def register_routes(datasette):
    # Only ledgers' routes, so another database's `claims` table keeps Datasette's row pages.
    routes = "|".join(re.escape(datasette.get_database(name).route) for name in ledger_names(datasette))
    if not routes:
        return []
    return [(rf"^/(?P<db_route>{routes})/claims/(?P<claim_id>[0-9]+)(?P<as_json>\.json)?$", claim_page)]


LARGEST_ID = 2**63 - 1


async def claim_page(request, datasette):
    """A claim, all its attributions in date order, and its timeline; JSON with `.json`."""
    db = datasette.get_database(route=request.url_vars["db_route"])
    await datasette.ensure_permissions(
        request.actor, [("view-table", (db.name, "claims")), ("view-database", db.name), "view-instance"]
    )
    claim_id = int(request.url_vars["claim_id"])
    if claim_id > LARGEST_ID:  # beyond SQLite's integers: no claim has it
        raise NotFound(f"Claim {claim_id} is not in {db.name}")
    try:
        claim = (await db.execute("SELECT * FROM claims WHERE id = ?", [claim_id])).first()
        if claim is None:
            raise NotFound(f"Claim {claim_id} is not in {db.name}")
        attributions = await db.execute("SELECT * FROM attributions WHERE claim_id = ? ORDER BY unixepoch(date), id", [claim_id])
    except QueryInterrupted:  # answered as Datasette's own pages answer a query over its time limit
        raise DatasetteError(
            "SQL query took too long (see the sql_time_limit_ms setting)", title="SQL Interrupted", status=400
        )
    claim, attributions = dict(claim), [dict(row) for row in attributions]
    details = await db.execute_fn(partial(status_details, [a["id"] for a in attributions]))
    for attribution in attributions:
        found = details.get(attribution["id"], {})
        attribution.update({field: found.get(field) for field in STATUS_FIELDS})
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
                "stance_colours": STANCE_COLOURS,
                "statuses": {a["id"]: status_html(datasette, db.name, a["status"], details.get(a["id"], {}))
                             for a in attributions},
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


# Search ---------------------------------------------------------------------------


@hookimpl(specname="filters_from_request")
def search_filters(request, database, table, datasette):
    """`_search` on a ledger's attributions and claims: every word must begin a word of the
    claim, the quote or (for attributions) one of its names, as written or canonical.

    Datasette's own search matches whole words in the full-text table alone, so `Peru` missed
    `Peruvian` and the Peruvian government. Here each word is an FTS5 prefix query, and the
    names are matched with the same tokenizer in an in-memory index of the `names` table
    (NameIndex). Canonical names are resolved when searched, through name_resolutions, so
    an alias recorded later is found at once. `_searchmode=raw` passes the text to FTS5 as
    it is, as Datasette does; `_search_COLUMN` searches one column of the full-text table."""
    if table not in metadata.SEARCHES or database not in ledger_names(datasette):
        return None
    searches = {key: request.args[key] for key in request.args if key.startswith("_search") and key != "_searchmode"}
    if not searches:
        return None
    fts_table, with_names = metadata.SEARCHES[table]

    async def search():
        db = datasette.get_database(database)
        fts_columns = await db.table_columns(fts_table)
        raw = request.args.get("_searchmode") == "raw"
        clauses, params, described = [], {}, []

        def fts_rows(query):
            params[f"ledger_search_{len(params)}"] = query
            return f"SELECT rowid FROM {fts_table} WHERE {fts_table} MATCH :ledger_search_{len(params) - 1}"

        for key, text in searches.items():
            column = key.removeprefix("_search").removeprefix("_") or None
            if column is not None and column not in fts_columns:
                raise BadRequest("Cannot search by that column")
            terms = [text] if raw else [f'"{word}"*' for word in search_words(text)] or ['""']  # no word: no row
            if column is not None:
                in_column = f"{column} : ({' '.join(terms)})"
                clauses.append(f"id IN ({fts_rows(in_column)})")
                described.append(f'search column "{column}" matches "{text}"')
                continue
            described.append(f'search matches "{text}"')
            names = [[]] * len(terms)
            if with_names and not raw:
                names = await db.execute_fn(partial(names_matching, _name_index(datasette, database), terms))
            # The words that no name matches are looked up together; each of the others on its own.
            unnamed = [term for term, ids in zip(terms, names) if not ids]
            if unnamed:
                clauses.append(f"id IN ({fts_rows(' '.join(unnamed))})")
            for term, ids in zip(terms, names):
                if ids:
                    rows = fts_rows(term)
                    named = f"ledger_search_{len(params)}"
                    params[named] = json.dumps(ids)
                    by_name = " OR ".join(f"{name_id} IN (SELECT value FROM json_each(:{named}))"
                                          for name_id in NAME_ID_COLUMNS["attributions"].values())
                    clauses.append(f"id IN ({rows} UNION ALL SELECT seq FROM attribution_records WHERE {by_name})")
        return FilterArguments(clauses, params, described)

    return search


def search_words(text):
    """The words of a search, a phrase in double quotes counting as one (an unclosed quote runs
    to the end); a word without a letter or digit finds nothing, and is left out."""
    words = (phrase or word for phrase, word in re.findall(r'"([^"]*)"?|([^\s"]+)', text))
    return [word for word in words if any(character.isalnum() for character in word)]


class NameIndex:
    """The names of one ledger in an in-memory FTS5 index with the ledger's own tokenizer, so that
    a search finds names as it finds the words of claims. Names are only ever appended, each
    with a larger id, so the index catches up with the ledger by id."""

    def __init__(self):
        self.conn = sqlite3.connect(":memory:", check_same_thread=False)
        self.conn.execute("CREATE VIRTUAL TABLE names USING fts5(name)")
        self.indexed = 0  # the largest name id in the index
        self.lock = threading.Lock()  # searches run on several of Datasette's threads

    def matching(self, ledger, terms):
        """For each FTS5 query in `terms`, the ids of the names it matches; `ledger` is a connection to the ledger."""
        with self.lock:
            new = ledger.execute("SELECT id, name FROM names WHERE id > ? ORDER BY id", (self.indexed,)).fetchall()
            if new:
                self.conn.executemany("INSERT INTO names (rowid, name) VALUES (?, ?)", new)
                self.indexed = new[-1][0]
            matching = "SELECT rowid FROM names WHERE names MATCH ?"
            return [[name_id for (name_id,) in self.conn.execute(matching, (term,))] for term in terms]


def _name_index(datasette, database):
    return _state(datasette).name_indexes.setdefault(database, NameIndex())


def names_matching(index, terms, conn):
    """For each term, the ids of the names it matches as written, and of the names whose canonical name it matches."""
    matches = index.matching(conn, terms)
    return [sorted({*ids, *(name_id for (name_id,) in conn.execute(
        "SELECT name_id FROM current_resolutions WHERE canonical_id IN (SELECT value FROM json_each(?))",
        (json.dumps(ids),)))}) if ids else [] for ids in matches]


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
            partial(once_per_head, self.ds, self.database, head_counts)
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


def head_counts(conn):
    """What is counted over a whole ledger, once per journal head: {view: {column: Counter of
    value}} over every row of the attributions and claims views, for their facets; and for the
    home page, `first_contested` (the ids of the claims that the contested query lists first),
    `outlets` (the outlets with most current attributions, each with its Counter by stance)
    and `outlet_count`."""
    canonical = canonical_names(conn)
    attributions = {"stance": Counter(dict(conn.execute("SELECT stance, count(*) FROM attribution_records GROUP BY 1")))}
    for column, id_column in NAME_ID_COLUMNS["attributions"].items():
        attributions[column] = by_canonical_name(dict(conn.execute(
            f"SELECT {id_column}, count(*) FROM attribution_records WHERE {id_column} IS NOT NULL GROUP BY 1"
        )), canonical)
    attributions["month"] = Counter(dict(conn.execute("SELECT substr(date, 1, 7), count(*) FROM attribution_records GROUP BY 1")))
    total, retracted, superseded, claims = conn.execute(
        "SELECT (SELECT count(*) FROM attribution_records), (SELECT count(*) FROM retractions),"
        " (SELECT count(*) FROM corrections), (SELECT count(*) FROM claim_texts)"
    ).fetchone()
    attributions["status"] = +Counter({"current": total - retracted - superseded, "retracted": retracted,
                                       "superseded": superseded})
    first_contested = conn.execute(
        f"SELECT claim_id, count(*) OVER () FROM ({metadata.CONTESTED_COUNTS}) ORDER BY attributions DESC, claim_id"
        f" LIMIT {HOME_ROWS}").fetchall()
    contested = first_contested[0][1] if first_contested else 0
    by_outlet = defaultdict(Counter)
    outlet_stances = conn.execute("SELECT outlet_id, stance, count(*) FROM current_records GROUP BY 1, 2")
    for outlet_id, stance, count in outlet_stances:
        by_outlet[canonical[outlet_id]][stance] += count
    return {
        "attributions": attributions,
        "claims": {"contested": +Counter({1: contested, 0: claims - contested})},
        "first_contested": [claim_id for claim_id, _ in first_contested],
        "outlets": heapq.nsmallest(HOME_OUTLETS, by_outlet.items(), key=lambda item: (-item[1].total(), item[0])),
        "outlet_count": len(by_outlet),
    }


# The home page ---------------------------------------------------------------

HOME_ROWS = 5  # contested claims, and newest attributions, on the home page
HOME_OUTLETS = 10  # outlets drawn by stance


async def _front_doors(datasette, request):
    doors = []
    for name in ledger_names(datasette):
        if await datasette.permission_allowed(request.actor, "view-database", name, default=True):
            doors.append(await front_door(datasette, name))
    return {"ledger_front_doors": doors}


async def front_door(datasette, name):
    """What the home page shows of one ledger: what it holds, counted once per head (head_counts),
    and its newest attributions, read anew (the newest rows by id: a seek)."""
    db = datasette.get_database(name)
    counts = await db.execute_fn(partial(once_per_head, datasette, name, head_counts))
    contested = {row["claim_id"]: dict(row) for row in await db.execute(
        f"""SELECT claims.id AS claim_id, claims.text AS claim, claims.attributions,
              {metadata.claimants_sql("asserts")} AS asserted_by, {metadata.claimants_sql("disputes")} AS disputed_by
            FROM claims WHERE claims.id IN (SELECT value FROM json_each(:ids))""",
        {"ids": json.dumps(counts["first_contested"])})}
    newest = await db.execute(f"SELECT * FROM attributions ORDER BY id DESC LIMIT {HOME_ROWS}")
    table = partial(datasette.urls.table, name)
    widest = max((stances.total() for _, stances in counts["outlets"]), default=1)
    return {
        "name": name,
        "url": datasette.urls.database(name),
        "chain": _chain_html(datasette, name, _state(datasette).chains.get(name)),
        "statuses": counts["attributions"]["status"],
        "attributions": counts["attributions"]["status"].total(),
        "claims": counts["claims"]["contested"].total(),
        "contested": counts["claims"]["contested"][1],
        "outlet_count": counts["outlet_count"],
        "contested_claims": [contested[claim_id] for claim_id in counts["first_contested"]],
        "newest": [dict(row) for row in newest],
        "outlets": [
            {"name": outlet, "total": stances.total(),
             "url": table("attributions") + "?" + urllib.parse.urlencode({"outlet": outlet, "status": "current"}),
             "parts": [{"stance": stance, "count": stances[stance], "colour": STANCE_COLOURS[stance],
                        "width": round(100 * stances[stance] / widest, 2)}
                       for stance in metadata.STANCES if stances[stance]]}
            for outlet, stances in counts["outlets"]
        ],
        "stance_colours": STANCE_COLOURS,
        "claim_url": partial(claim_url, datasette, name),
        "links": {
            "attributions": table("attributions"),
            "claims": table("claims"),
            "contested": table("contested"),
            "documents": table("documents") if await db.table_exists("documents")
            or "documents" in await db.view_names() else None,
            "journal": table("journal"),
            **{query: table(query) for query in ("first_reported", "outlet_stances", "relay_chains")},
        },
    }


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
    days = [utc_day(a["date"]).toordinal() for a in attributions]
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

