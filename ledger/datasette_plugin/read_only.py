"""A ledger is published read-only: its pages answer GET and HEAD alone, and its connections are
query-only, bounded in what one query may build, and refuse the functions that leak addresses."""

import sqlite3

from datasette import Response

from .state import ledger_names


def refusing_writes(datasette, app):
    """The ASGI app `app`, refusing any method but GET and HEAD under a ledger's path."""

    async def read_only(scope, receive, send):
        writing = scope["type"] == "http" and scope["method"] not in ("GET", "HEAD")
        if writing and _under_a_ledger(datasette, scope["path"]):
            # Refused here, before Datasette's views: some answer a POST with a 500.
            response = Response.text(
                "Method not allowed: a ledger is published read-only", status=405, headers={"Allow": "GET, HEAD"}
            )
            await response.asgi_send(send)
            return
        await app(scope, receive, send)

    return read_only


def _under_a_ledger(datasette, path):
    routes = {datasette.urls.database(name) for name in ledger_names(datasette)}
    return any(path == route or path.startswith((route + "/", route + ".")) for route in routes)


# Bytes: the largest text a ledger holds (a payload) is well below it.
READ_LENGTH_LIMIT = 64 << 20
# SQL functions that hand out memory addresses, which help an attacker past ASLR.
ADDRESS_LEAKING_FUNCTIONS = {"fts3_tokenizer"}


def lock(conn):
    """Make a connection to a ledger read-only and bounded."""
    # A second lock besides Datasette's read-only mode: no plugin's write reaches a ledger.
    conn.execute("PRAGMA query_only = 1")
    # What one query may build in memory: a string or blob of at most this many bytes, enough
    # for any value a ledger holds, so SQL such as printf('%.*c', 1e9, 'x') fails at once
    # instead of taking a gigabyte.
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, READ_LENGTH_LIMIT)
    conn.set_authorizer(_refuse_functions_that_leak_addresses)


def _refuse_functions_that_leak_addresses(action, first, second, database, source):
    if action == sqlite3.SQLITE_FUNCTION and second and second.lower() in ADDRESS_LEAKING_FUNCTIONS:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK
