"""No way in through the published site: SQL that writes, attaches, changes pragmas or loads
extensions is refused; no request writes; hostile text is shown escaped on every page; and
`ledger serve` listens on loopback unless told otherwise."""

import json
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import pytest
from datasette.app import Datasette

from ledger import Ledger
from ledger.datasette_plugin.read_only import READ_LENGTH_LIMIT
from ledger.projections import appending
from ledger.records import entry_of

from .helpers import listening_addresses, own_copy, serving, state_of

SCRIPT_CLAIM = "<script>alert(1)</script> is what the minister said."
HOSTILE_NAMES = {
    "outlet": "<script>alert(2)</script>",
    "speaker": "<img src=x onerror=alert(3)>",
    "via": "</td><script>alert(4)</script>",
}
HOSTILE = re.compile(r"<script>alert|<img src=x|</td><script>")
ESCAPED_CLAIM = "&lt;script&gt;alert(1)&lt;/script&gt; is what the minister said."


@pytest.fixture(scope="module")
def hostile_ledger(tmp_path_factory):
    """A contested claim whose every text field holds markup; its claim id is 1."""
    path = tmp_path_factory.mktemp("site") / "ledger.db"
    with Ledger(path, create=True) as ledger:
        ledger.add(
            {
                "claim": SCRIPT_CLAIM,
                **HOSTILE_NAMES,
                "date": "2024-07-30",
                "stance": "asserts",
                "url": 'https://example.org/"><script>alert(5)</script>',
                "quote": "<script>alert(6)</script>",
                "note": "<script>alert(7)</script>",
            }
        )
        ledger.add(
            {
                "claim": SCRIPT_CLAIM,
                "outlet": "BBC",
                "via": HOSTILE_NAMES["outlet"],
                "date": "2024-07-31",
                "stance": "disputes",
            }
        )
        ledger.alias(HOSTILE_NAMES["speaker"], of="<script>alert(8)</script>")
        ledger.retract(2, "<script>alert(9)</script>")
        ledger.add({"claim": SCRIPT_CLAIM, "outlet": "BBC", "date": "2024-08-01", "stance": "disputes"})
    return path


@pytest.fixture
def ledger_copy(hostile_ledger, tmp_path):
    return own_copy(hostile_ledger, tmp_path)


def content(db):
    """The main file's bytes and the whole content (which includes anything in the -wal file):
    a write that Datasette made would still sit in the -wal file, as its connections stay open."""
    (main_file, _), dump = state_of(db)
    with Ledger(db) as ledger:
        return main_file, dump, ledger.digest()


# SQL through the SQL page and the JSON API -------------------------------------------------

REFUSED_SQL = [
    "INSERT INTO names (name, seq) VALUES ('planted', 1)",
    "REPLACE INTO names (id, name, seq) VALUES (1, 'planted', 1)",
    "UPDATE journal SET payload = '{}' WHERE seq = 1",
    "DELETE FROM journal",
    "WITH doomed AS (SELECT seq FROM journal) DELETE FROM journal WHERE seq IN doomed",
    "WITH doomed AS (SELECT 1) INSERT INTO names (name, seq) SELECT 'planted', 1 FROM doomed",
    "DROP TRIGGER journal_no_update",
    "CREATE TABLE planted (x)",
    "ATTACH DATABASE 'planted.db' AS planted",
    "DETACH DATABASE main",
    "PRAGMA query_only = 0",
    "PRAGMA writable_schema = 1",
    "PRAGMA journal_mode = DELETE",
    "VACUUM INTO 'copy.db'",
    "SELECT load_extension('/usr/lib/x86_64-linux-gnu/libsqlite3.so')",
    "SELECT 1; DELETE FROM journal",
    "BEGIN",
]


@pytest.mark.asyncio
async def test_sql_that_writes_attaches_sets_pragmas_or_loads_extensions_is_refused(ledger_copy):
    before = content(ledger_copy)
    ds = Datasette([str(ledger_copy)])
    for sql in REFUSED_SQL:
        query = urllib.parse.urlencode({"sql": sql})
        for page in (f"/ledger.json?{query}", f"/ledger?{query}"):
            response = await ds.client.get(page)
            assert response.status_code in (400, 403), (page, response.status_code)
        error = (await ds.client.get(f"/ledger.json?{query}")).json()["error"]
        assert error, sql
    # Datasette's _where takes SQL too, as a filter.
    for where in ("1) ; DELETE FROM journal; --", "load_extension('x') IS NULL"):
        response = await ds.client.get("/ledger/attributions.json?" + urllib.parse.urlencode({"_where": where}))
        assert response.status_code == 400
    assert (await ds.client.get("/ledger.json?sql=SELECT+count(*)+AS+n+FROM+journal")).json()["rows"] == [[5]]
    assert content(ledger_copy) == before


# Run in a process of its own, where nothing else has touched the heap: the rise in its peak
# memory is the query's alone, on an idle machine and a busy one.
MEASURE_ONE_QUERY = """
import asyncio, json, resource, sys, urllib.parse
from datasette.app import Datasette

async def main(db, sql):
    ds = Datasette([db])
    await ds.client.get("/ledger.json?sql=SELECT+1")  # Datasette's own first-request set-up
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    response = await ds.client.get("/ledger.json?" + urllib.parse.urlencode({"sql": sql}))
    rise = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    print(json.dumps({"status": response.status_code, "body": response.json(), "rise_kib": rise}))

asyncio.run(main(*sys.argv[1:]))
"""


def test_no_query_may_build_a_huge_value(ledger_copy):
    huge = {
        "SELECT length(printf('%.*c', 900000000, 'x')) AS n": None,  # printf gives up: NULL
        "SELECT length(zeroblob(900000000)) AS n": "too big",
        "SELECT length(randomblob(900000000)) AS n": "too big",
        "WITH RECURSIVE s(x) AS (SELECT 'x' UNION ALL SELECT x || x FROM s WHERE length(x) < 1000000000) "
        "SELECT max(length(x)) AS n FROM s": "too big",
    }
    for sql, refusal in huge.items():
        run = subprocess.run(
            [sys.executable, "-c", MEASURE_ONE_QUERY, str(ledger_copy), sql], capture_output=True, text=True, check=True
        )
        answer = json.loads(run.stdout)
        if refusal:
            assert answer["status"] == 400 and refusal in answer["body"]["error"], sql
        else:
            assert answer["body"]["rows"] == [[None]], sql
        # Each may hold a few values of the length limit at once (the recursion holds three),
        # never the 900 MB it asked for.
        assert answer["rise_kib"] < 4 * READ_LENGTH_LIMIT // 1024, (sql, answer["rise_kib"])


@pytest.mark.asyncio
async def test_no_query_may_read_a_memory_address_yet_a_long_value_is_read_whole(ledger_copy):
    ds = Datasette([str(ledger_copy)])
    for sql in ("SELECT fts3_tokenizer('simple')", "SELECT hex(FTS3_TOKENIZER('porter'))"):
        response = await ds.client.get("/ledger.json?" + urllib.parse.urlencode({"sql": sql}))
        assert response.status_code == 400, sql
        assert "not authorized" in response.json()["error"], sql
    # A value as long as any the ledger holds is still read whole.
    response = await ds.client.get("/ledger.json?sql=SELECT+length(printf('%25.*c',+1000000,+'x'))+AS+n")
    assert response.json()["rows"] == [[1_000_000]]


# Requests that would write ------------------------------------------------------------------

POSTED_PATHS = [
    "/ledger/journal",
    "/ledger/attributions",
    "/ledger/names",
    "/ledger/journal/1",  # tables, views, rows
    "/ledger/contested",
    "/ledger/first_reported",  # canned queries
    "/ledger/claims/1",
    "/ledger/claims/1.json",  # the plugin's claim page
    "/ledger",
    "/ledger.db",
    "/",
    "/ledger/-/create",
    "/ledger/journal/-/insert",
    "/ledger/journal/1/-/update",
    "/ledger/journal/1/-/delete",
    "/-/messages",
    "/-/allow-debug",
    "/-/permissions",
    "/-/actor",
    "/-/logout",
    "/-/settings",
    "/-/plugins",
    "/-/databases",
    "/-/create-token",
    "/-/auth-token",
]


@pytest.mark.asyncio
async def test_no_endpoint_accepts_a_write(ledger_copy):
    before = content(ledger_copy)
    ds = Datasette([str(ledger_copy)])
    for path in POSTED_PATHS:
        for body in (
            {"data": {"sql": "DELETE FROM journal", "name": "planted"}},
            {"json": {"row": {"name": "planted", "seq": 1}, "rows": [{"name": "planted", "seq": 1}]}},
        ):
            response = await ds.client.post(path, **body)
            # A ledger's pages refuse the method; none answers with an error of the server.
            expected = (405,) if path.startswith("/ledger") else (302, 403, 404, 405)
            assert response.status_code in expected, (path, response.status_code)
    for method in (ds.client.put, ds.client.delete, ds.client.patch):
        for path in ("/ledger/attributions", "/ledger/contested", "/ledger/claims/1"):
            assert (await method(path)).status_code == 405, path
    assert content(ledger_copy) == before


@pytest.mark.asyncio
async def test_a_claim_id_beyond_sqlites_integers_is_not_found(ledger_copy):
    ds = Datasette([str(ledger_copy)])
    for path in ("/ledger/claims/9223372036854775808", "/ledger/claims/99999999999999999999999.json"):
        assert (await ds.client.get(path)).status_code == 404, path


# Hostile text -------------------------------------------------------------------------------

PAGES_WITH_THE_CLAIM = [
    "/",
    "/ledger/attributions",
    "/ledger/attributions?_search=minister",
    "/ledger/attributions?id=1",
    "/ledger/attributions?_search=onerror",  # found by the speaker's name as written
    "/ledger/attributions?status=retracted",
    "/ledger/attributions?_col=claim&_col=claim_id&_col=url&_col=note",
    "/ledger/current_attributions",
    "/ledger/claims",
    "/ledger/claims/1",
    "/ledger/contested",
    "/ledger/first_reported",
    "/ledger/relay_chains",
    "/ledger/journal",
    "/ledger/journal/1",
    "/ledger/claim_texts",
    "/ledger?sql=SELECT+claim,+outlet,+quote+FROM+attributions",
]
PAGES_WITH_NAMES_OR_REASONS = ["/ledger/outlet_stances", "/ledger/names", "/ledger/entities", "/ledger/retractions"]


@pytest.mark.asyncio
async def test_markup_in_the_data_is_shown_escaped_on_every_page(hostile_ledger):
    ds = Datasette([str(hostile_ledger)])
    for page in [*PAGES_WITH_THE_CLAIM, *PAGES_WITH_NAMES_OR_REASONS, "/ledger"]:
        response = await ds.client.get(page)
        assert response.status_code == 200, page
        assert not HOSTILE.search(response.text), page
        if page in PAGES_WITH_THE_CLAIM:
            assert ESCAPED_CLAIM in response.text, page  # the text really is on the page, escaped
        elif page in PAGES_WITH_NAMES_OR_REASONS:
            assert "&lt;script&gt;alert(" in response.text, page
    claim_page = (await ds.client.get("/ledger/claims/1")).text
    assert "contested" in claim_page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in claim_page  # the outlet, in the table and the timeline
    assert "Reason: &lt;script&gt;alert(9)&lt;/script&gt;" in claim_page  # the retraction's
    home = (await ds.client.get("/")).text
    assert 'aria-label="&lt;script&gt;alert(2)&lt;/script&gt;: 1 asserts"' in home  # an outlet's bar


# `ledger serve` -----------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "data:text/html,<script>x</script>",
        "vbscript:msgbox(1)",
        "//evil.example/",
        "java\tscript:alert(1)",
    ],
)
async def test_only_http_and_https_addresses_become_links_whatever_the_database_holds(tmp_path, url):
    """A url that validation would refuse, appended past it (as a forger would, with a correct
    chain), is shown as text, never as a link."""
    db = tmp_path / "ledger.db"
    with Ledger(db, create=True) as ledger, appending(ledger.conn) as appender:
        appender.append(
            entry_of(
                "attribution",
                {
                    "claim": "A claim.",
                    "outlet": "BBC",
                    "date": "2024-07-30",
                    "stance": "asserts",
                    "url": url,
                    "quote": "words",
                },
            )
        )
    ds = Datasette([str(db)])
    for page in (
        "/ledger/claims/1",
        "/ledger/attributions?_col=url",
        "/ledger/current_attributions",
        "/ledger",
        "/",
        "/ledger/journal",
        "/ledger/journal/1",
    ):
        response = await ds.client.get(page)
        assert response.status_code == 200, page
        links = re.findall(r'href="([^"]*)"', response.text)
        assert not [
            link
            for link in links
            if link.startswith("//") or not link.startswith(("/", "#", "?", "http://", "https://"))
        ], (page, links)


def request(base, path, data=None):
    try:
        with urllib.request.urlopen(f"{base}{path}", data=data) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.slow
def test_ledger_serve_listens_on_loopback_only_and_refuses_writes(ledger_copy):
    before = content(ledger_copy)
    with serving(ledger_copy) as base:
        assert listening_addresses(urllib.parse.urlsplit(base).port) == {"127.0.0.1"}
        assert request(base, "/ledger/claims/1") == 200
        assert request(base, "/ledger.json?" + urllib.parse.urlencode({"sql": "DELETE FROM journal"})) == 400
        assert request(base, "/ledger/journal", data=b"sql=DELETE+FROM+journal") != 200
        assert request(base, "/ledger/claims/1", data=b"x=1") != 200
    assert content(ledger_copy) == before


@pytest.mark.slow
def test_ledger_serve_listens_where_it_is_told(ledger_copy):
    """The check above can tell: told to, serve listens on every address."""
    with serving(ledger_copy, "--host", "0.0.0.0") as base:
        assert listening_addresses(urllib.parse.urlsplit(base).port) == {"0.0.0.0"}
