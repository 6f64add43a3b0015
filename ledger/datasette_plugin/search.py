"""`_search` on a ledger's attributions and claims: every word must begin a word of the claim,
the quote or (for attributions) one of its names, as written or canonical.

Datasette's own search matches whole words in the full-text table alone, so `Peru` missed
`Peruvian` and the Peruvian government. Here each word is an FTS5 prefix query, and the
names are matched with the same tokenizer in an in-memory index of the `names` table
(NameIndex). Canonical names are resolved when searched, through name_resolutions, so
an alias recorded later is found at once. `_searchmode=raw` passes the text to FTS5 as
it is, as Datasette does; `_search_COLUMN` searches one column of the full-text table."""

import json
import re
import sqlite3
import threading
from dataclasses import dataclass
from functools import partial

from datasette.filters import FilterArguments
from datasette.utils import escape_sqlite
from datasette.utils.asgi import BadRequest

from .metadata import NAME_ID_COLUMNS, SEARCHES
from .narrowing import name_narrowing
from .state import begin, ledger_names, state_of


def search_filters(request, database, table, datasette):
    """What the page's `_search` arguments select, as Datasette's filters_from_request hook
    gives a filter (a coroutine function); None on a page that this search does not serve."""
    searching = page_search(request, database, table, datasette)
    if searching is None:
        return None

    async def search():
        found = await searching
        return FilterArguments(found.clauses, found.params, found.described)

    return search


@dataclass
class PageSearch:
    ids_sql: list  # SQL selecting ids, one for each part of the search: a row is found by all
    params: dict
    described: list  # each part in words, for the page's description
    full_text_parts: set  # the places in ids_sql of the parts the full-text index alone selects

    @property
    def clauses(self):
        """The search as clauses of the page's WHERE."""
        return [f"id IN ({ids})" for ids in self.ids_sql]


def page_search(request, database, table, datasette):
    """The page's search, begun once per request (the filter and the facets' early count both
    await it): a task giving a PageSearch, or None on a page that this search does not serve."""
    searches = state_of(datasette).searches
    if request not in searches:
        searches[request] = _begin_search(request, database, table, datasette)
    return searches[request]


def selecting(request, database, table, datasette):
    """(its narrowing, its search task or None) of a page of a ledger's attributions that only
    exact filters on names and stance, and a search, select, in a shape that Datasette counts
    and facets (not the array or object shapes); None for any other page, and for the
    unfiltered view, which is counted once per journal head."""
    narrowing = name_narrowing(request, database, table, datasette)
    if narrowing is None or not narrowing.complete or request.args.get("_shape") in ("array", "object"):
        return None
    searching = page_search(request, database, table, datasette)
    if narrowing.ids_sql is None and searching is None:
        return None
    return narrowing, searching


def _begin_search(request, database, table, datasette):
    if table not in SEARCHES or database not in ledger_names(datasette):
        return None
    searches = {key: request.args[key] for key in request.args if key.startswith("_search") and key != "_searchmode"}
    if not searches:
        return None
    fts_table, with_names = SEARCHES[table]

    async def search():
        db = datasette.get_database(database)
        fts_columns = await db.table_columns(fts_table)
        raw = request.args.get("_searchmode") == "raw"
        ids_sql, params, described, full_text_parts = [], {}, [], set()

        def fts_rows(query):
            params[f"ledger_search_{len(params)}"] = query
            return f"SELECT rowid FROM {fts_table} WHERE {fts_table} MATCH :ledger_search_{len(params) - 1}"

        def full_text_part(query):
            full_text_parts.add(len(ids_sql))
            ids_sql.append(fts_rows(query))

        for key, text in searches.items():
            column = key.removeprefix("_search").removeprefix("_") or None
            if column is not None and column not in fts_columns:
                raise BadRequest("Cannot search by that column")
            terms = [text] if raw else [f'"{word}"*' for word in search_words(text)] or ['""']  # no word: no row
            if column is not None:
                full_text_part(f"{column} : ({' '.join(terms)})")
                described.append(f'search column "{column}" matches "{text}"')
                continue
            described.append(f'search matches "{text}"')
            names = [[]] * len(terms)
            if with_names and not raw:
                names = await db.execute_fn(partial(names_matching, _name_index(datasette, database), terms))
            # The words that no name matches are looked up together; each of the others on its own.
            unnamed = [term for term, ids in zip(terms, names) if not ids]
            if unnamed:
                full_text_part(" ".join(unnamed))
            for term, ids in zip(terms, names):
                if ids:
                    rows = fts_rows(term)
                    named = f"ledger_search_{len(params)}"
                    params[named] = json.dumps(ids)
                    by_name = " OR ".join(
                        f"{name_id} IN (SELECT value FROM json_each(:{named}))" for name_id in NAME_ID_COLUMNS.values()
                    )
                    # UNION, not UNION ALL: each part selects an id once, as page_count counts them.
                    ids_sql.append(f"{rows} UNION SELECT seq FROM attribution_records WHERE {by_name}")
        return PageSearch(ids_sql, params, described, full_text_parts)

    return begin(search())


def connect_full_text_tables(conn):
    """Connect each full-text table of a ledger now, on a new connection, with no time limit.

    SQLite connects a virtual table to a connection when a query first uses it; a query
    interrupted then (a facet past its time limit) leaves the table failing every later
    query on that connection with "vtable constructor failed"."""
    tables = conn.execute("SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%'").fetchall()
    for (table,) in tables:
        conn.execute(f"SELECT rowid FROM {escape_sqlite(table)} LIMIT 0").fetchall()


def search_words(text) -> list[str]:
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
    return state_of(datasette).name_indexes.setdefault(database, NameIndex())


def names_matching(index, terms, conn) -> list[list[int]]:
    """For each term, the ids of the names it matches as written, and of the names whose canonical name it matches."""
    matches = index.matching(conn, terms)
    return [
        sorted(
            {
                *ids,
                *(
                    name_id
                    for (name_id,) in conn.execute(
                        "SELECT name_id FROM current_resolutions WHERE canonical_id IN (SELECT value FROM json_each(?))",
                        (json.dumps(ids),),
                    )
                ),
            }
        )
        if ids
        else []
        for ids in matches
    ]
