"""What the plugin keeps for each Datasette: which of its databases are ledgers, their hash chains
as checked at startup, what was computed at a journal head, the name indexes of search, and
what was computed for a request."""

import asyncio
import sqlite3
import weakref

from ..database import has_journal
from ..journal import digest


class LedgerState:
    """The plugin's state for one Datasette."""

    def __init__(self):
        self.is_ledger = {}  # database name -> bool, looked up once per name
        self.ledgers = None  # (Datasette's dict of databases when last looked at, the names of its ledgers)
        self.chains = {}  # ledger name -> chain.ChainCheck, filled at startup
        self.at_head = {}  # (ledger name, function) -> (SEQ:HASH, what it returned at that head)
        self.metadata = None  # (the chains it was built at, metadata.ledger_metadata's metadata)
        self.name_indexes = {}  # ledger name -> search.NameIndex, made by the first search
        self.narrowings = weakref.WeakKeyDictionary()  # request -> narrowing.Narrowing or None
        self.searches = weakref.WeakKeyDictionary()  # request -> asyncio.Task of its search, or None
        self.page_counts = weakref.WeakKeyDictionary()  # request -> facets.PageCounts begun early


_states = weakref.WeakKeyDictionary()  # Datasette -> LedgerState


def state_of(datasette) -> LedgerState:
    state = _states.get(datasette)
    if state is None:
        state = _states[datasette] = LedgerState()
    return state


def ledger_names(datasette) -> tuple[str, ...]:
    """Names of the databases that are ledgers: they hold a journal table.

    Looked up again only when Datasette's databases change: it replaces its dict of them on
    each change (add_database, remove_database), so the dict seen last tells."""
    state = state_of(datasette)
    databases = datasette.databases
    if state.ledgers is None or state.ledgers[0] is not databases:
        for name, db in databases.items():
            if name not in state.is_ledger:
                state.is_ledger[name] = _holds_journal(db)
        state.ledgers = (databases, tuple(name for name in databases if state.is_ledger[name]))
    return state.ledgers[1]


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


def once_per_head(datasette, database, function, conn):
    """function(conn), called again only once the ledger's journal has a new head: what it
    reads is a projection of the journal, which only grows."""
    cache = state_of(datasette).at_head
    head = digest(conn)
    if (database, function) not in cache or cache[(database, function)][0] != head:
        cache[(database, function)] = (head, function(conn))
    return cache[(database, function)][1]


def begin(awaitable) -> asyncio.Task:
    """A task running `awaitable` from now on, for a request's later steps to await: its error
    reaches whoever awaits it, and is not logged as never retrieved when the page fails first."""
    task = asyncio.ensure_future(awaitable)
    task.add_done_callback(lambda done: done.cancelled() or done.exception())
    return task
