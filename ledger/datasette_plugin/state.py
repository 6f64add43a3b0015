"""What the plugin keeps for each Datasette: which of its databases are ledgers, their hash chains
as checked at startup, what was computed at a journal head, and the name indexes of search."""
import sqlite3
import weakref

from ..journal import digest, has_journal


class LedgerState:
    """The plugin's state for one Datasette."""

    def __init__(self):
        self.is_ledger = {}  # database name -> bool, looked up once per name
        self.chains = {}  # ledger name -> chain.ChainCheck, filled at startup
        self.at_head = {}  # (ledger name, function) -> (SEQ:HASH, what it returned at that head)
        self.name_indexes = {}  # ledger name -> search.NameIndex, made by the first search


_states = weakref.WeakKeyDictionary()  # Datasette -> LedgerState


def state_of(datasette) -> LedgerState:
    return _states.setdefault(datasette, LedgerState())


def ledger_names(datasette) -> list[str]:
    """Names of the databases that are ledgers: they hold a journal table."""
    state = state_of(datasette)
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


def once_per_head(datasette, database, function, conn):
    """function(conn), called again only once the ledger's journal has a new head: what it
    reads is a projection of the journal, which only grows."""
    cache = state_of(datasette).at_head
    head = digest(conn)
    if (database, function) not in cache or cache[(database, function)][0] != head:
        cache[(database, function)] = (head, function(conn))
    return cache[(database, function)][1]
