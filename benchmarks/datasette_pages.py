"""Figure 5: Datasette pages of the ledger against the same pages of the sqlite-utils pipeline's table.

Both databases are served at once, each by its own `datasette serve` with default
settings (so a facet over 200 ms is dropped as timed out): ours as `ledger.db`, with
the facets its plugin configures; the pipeline's `records` table with the equivalent
facets asked for in the URL. Each page is fetched once to warm up, then the two
sides take turns. Fetching and its timing are page_timing.py's; the facets are checked
here from `facet_results` (a facet missing there timed out), because page_timing.py
checks only facets asked for in the URL, and asking again for configured facets makes
Datasette compute them twice. Target: every facet complete and ours at most 0.25 x the pipeline's.
For each filtered page, the row also gives how long the query that reads the page's rows, as
the page's trace shows it run (Datasette's own, or the plugin's answer to it), takes on a plain
connection (`page_query_ms`): no page of the same rows can be faster.
"""

import asyncio
import json
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import common
from datasette.app import Datasette

sys.path.insert(0, str(common.YARDSTICKS))
import page_timing  # noqa: E402  (a yardstick script, not a package)

FETCHES = 7  # as page_timing.py
STARTUP_SECONDS = 1800  # the plugin checks the whole hash chain before serving
# The contract's default facets of /ledger/attributions, configured by the plugin.
LEDGER_FACETS = ["stance", "status", "outlet", "speaker", "via", "month"]
PIPELINE_FACETS = ["stance", "outlet", "speaker", "via", "date"]
PIPELINE_FACET_QUERY = "_facet=stance&_facet=outlet&_facet=speaker&_facet=via&_facet_date=date"
PAGES = {  # name: (ledger path, pipeline path)
    "all attributions": ("/ledger/attributions.json", f"/pipeline/records.json?{PIPELINE_FACET_QUERY}"),
    "stance=disputes, outlet=BBC": (
        "/ledger/attributions.json?stance=disputes&outlet=BBC",
        f"/pipeline/records.json?stance=disputes&outlet=BBC&{PIPELINE_FACET_QUERY}",
    ),
    "search `ceasefire`": (
        "/ledger/attributions.json?_search=ceasefire",
        f"/pipeline/records.json?_search=ceasefire&{PIPELINE_FACET_QUERY}",
    ),
}


@dataclass
class Fetch:
    ms: float
    status: int
    incomplete: list  # facets missing from facet_results: timed out (JSON has no list of those)


class Server:
    def __init__(self, database):
        self.port = page_timing.free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.TemporaryFile()  # a pipe left unread could fill and stall the server
        self.process = subprocess.Popen(
            [str(common.BIN / "datasette"), "serve", str(database), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=self.log,
            stderr=self.log,
            env=common.ENV,
        )

    def wait(self):
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            try:
                page_timing.fetch(self.base + "/-/versions.json")
                return
            except OSError:
                if self.process.poll() is not None:
                    self.log.seek(0)
                    raise SystemExit("datasette exited: " + self.log.read().decode(errors="replace")[-2000:])
                time.sleep(0.5)
        raise SystemExit(f"datasette did not answer within {STARTUP_SECONDS} s")

    def fetch(self, path, facets):
        ms, status, body = page_timing.fetch(self.base + path)
        if status != 200:  # e.g. 400 when the page's query runs past sql_time_limit_ms
            return Fetch(ms, status, list(facets))
        if not facets:  # a page without facets: the claim page
            return Fetch(ms, status, [])
        return Fetch(ms, status, [f for f in facets if f not in json.loads(body)["facet_results"]])

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


def page_query_ms(size, path, traced):
    """Median ms, over FETCHES runs, of the query that reads the rows of the ledger's page at
    `path` (as `traced`, a Datasette of the ledger that allows `_trace`, shows it run) on a plain
    read-only connection: what the page takes before its count and its facets."""
    sql, params = rows_query(traced, path)
    with sqlite3.connect(f"file:{common.ledger_db(size)}?mode=ro", uri=True) as conn:
        times = []
        for _ in range(FETCHES + 1):  # the first warms the cache, as the pages' first fetch does
            start = time.perf_counter()
            conn.execute(sql, params).fetchall()
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times[1:])


def rows_query(traced, path):
    """(SQL, parameters) of the query that reads the rows of the page at `path`, as the page's
    trace shows it run: Datasette's own (the page JSON's "query"), or the plugin's answer to it,
    which ends the same (its limit and offset)."""

    async def traced_page():
        return (await traced.client.get(f"{path}&_trace=1")).json()

    data = asyncio.run(traced_page())
    end = re.search(r" limit \d+(?: offset \d+)?$", data["query"]["sql"])[0]
    [trace] = [trace for trace in data["_trace"]["traces"] if trace["type"] == "sql" and trace["sql"].endswith(end)]
    return trace["sql"], trace["params"]


def busiest_claim(size):
    """(its id in the ledger, its text) of the claim with the most attributions: the claim
    page that is slowest to draw."""
    with sqlite3.connect(f"file:{common.ledger_db(size)}?mode=ro", uri=True) as conn:
        return conn.execute(
            """SELECT c.id, c.text FROM claims AS c JOIN (
                   SELECT claim_id FROM attribution_records GROUP BY claim_id ORDER BY count(*) DESC LIMIT 1
               ) AS busiest ON busiest.claim_id = c.id"""
        ).fetchone()


def pages(size):
    """PAGES, and the claim page of the busiest claim: ours, and the pipeline's table
    filtered on the same claim text, as HTML, as a person reads them."""
    claim_id, text = busiest_claim(size)
    claim_page = (f"/ledger/claims/{claim_id}", f"/pipeline/records?{urlencode({'claim': text, '_sort': 'date'})}")
    return {**PAGES, "claim page, its busiest claim": claim_page}


def main():
    rows, samples = [], {}
    for size in common.sizes():
        common.ensure_built(size)
        ledger, pipeline = Server(common.ledger_db(size)), Server(common.pipeline_db(size))
        # In this process, for the queries the pages run: it checks the chain once, when first asked.
        traced = Datasette([str(common.ledger_db(size))], settings={"trace_debug": True})
        try:
            ledger.wait()
            pipeline.wait()
            samples[size] = {}
            for page, (ledger_path, pipeline_path) in pages(size).items():
                facets = (LEDGER_FACETS, PIPELINE_FACETS) if ".json" in ledger_path else ((), ())
                ledger.fetch(ledger_path, facets[0])
                pipeline.fetch(pipeline_path, facets[1])
                timed = common.interleaved(
                    {
                        "ledger": lambda _: ledger.fetch(ledger_path, facets[0]),
                        "pipeline": lambda _: pipeline.fetch(pipeline_path, facets[1]),
                    },
                    FETCHES,
                )
                samples[size][page] = timed
                incomplete = {
                    name: sorted({f for fetch in fetches for f in fetch.incomplete}) for name, fetches in timed.items()
                }
                statuses = {name: sorted({fetch.status for fetch in fetches}) for name, fetches in timed.items()}
                row = common.row(
                    "datasette",
                    size,
                    f"page: {page}",
                    common.median(timed["ledger"], "ms"),
                    "the pipeline's same page",
                    common.median(timed["pipeline"], "ms"),
                    "ms",
                    "≤ 0.25, every facet",
                    0.25,
                    ledger_path=ledger_path,
                    pipeline_path=pipeline_path,
                    ledger_incomplete=incomplete["ledger"],
                    pipeline_incomplete=incomplete["pipeline"],
                    ledger_statuses=statuses["ledger"],
                    pipeline_statuses=statuses["pipeline"],
                )
                if "?" in ledger_path and ".json" in ledger_path:
                    row["page_query_ms"] = page_query_ms(size, ledger_path, traced)
                row["passed"] = row["passed"] and not incomplete["ledger"] and statuses["ledger"] == [200]
                rows.append(row)
        finally:
            traced.executor.shutdown()
            ledger.stop()
            pipeline.stop()
    common.save("datasette", rows, samples)
    for r in rows:
        print(
            f"  HTTP {r['ledger_statuses']}, facets missing {r['ledger_incomplete']}: {r['ledger_path']}\n"
            f"  HTTP {r['pipeline_statuses']}, facets missing {r['pipeline_incomplete']}: {r['pipeline_path']}"
        )


if __name__ == "__main__":
    main()
