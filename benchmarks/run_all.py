"""`make bench`: run every figure's script, then write docs/benchmarks.md from their results.

    BENCH_SIZES=100000 BENCH_RUNS=3 .venv/bin/python benchmarks/run_all.py
    .venv/bin/python benchmarks/run_all.py --report-only   # rewrite the page from the last run's results

Each script runs in its own process, in an order where the imports build the
databases the later figures read. The machine, the code measured and how busy the
machine was are written beside the figures, as timings on a shared machine are noisy.
"""

import datetime as dt
import json
import os
import platform
import sqlite3
import subprocess
import sys
import time

import common

SCRIPTS = [
    "import_speed",
    "import_memory",
    "verify_speed",
    "parquet_speed",
    "add_one",
    "file_size",
    "datasette_pages",
    "documents_speed",
    "profile_import",
]
FIGURES = ["import", "memory", "add", "verify", "datasette", "size", "documents", "parquet"]
# `make bench-10m` (run_all.py --ten-million): the figures at 10,000,000 records, each script
# with the sizes it measures (the memory figure compares the peak with 1,000,000's); their rows
# join those of `make bench` on the page.
TEN_MILLION = 10_000_000
TEN_MILLION_SCRIPTS = {
    "import_speed": f"{TEN_MILLION}",
    "import_memory": f"1000000,{TEN_MILLION}",
    "verify_speed": f"{TEN_MILLION}",
    "file_size": f"{TEN_MILLION}",
    "datasette_pages": f"{TEN_MILLION}",
    "parquet_speed": f"{TEN_MILLION}",
}
TEN_MILLION_CONTEXT = common.RESULTS / "run-10m.json"
DOC = common.ROOT / "docs" / "benchmarks.md"
CONTEXT = common.RESULTS / "run.json"  # the machine and the run, as the page shows them
# The figures published for the journal's previous layout (hex hashes), shown beside this run's.
PREVIOUS_LAYOUT = common.ROOT / "benchmarks" / "previous-layout.json"


def machine():
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    memory_kib = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
    return {
        "nproc": os.cpu_count(),
        "CPU": cpu,
        "memory": f"{memory_kib / 2**20:.1f} GiB",
        "Python": platform.python_version(),
        "SQLite": sqlite3.sqlite_version,
    }


def code_state():
    """The commit measured, and any uncommitted change to the code under test."""

    def git(*args):
        return subprocess.run(["git", *args], cwd=common.ROOT, capture_output=True, text=True).stdout.strip()

    if common.COMMIT_CODE:
        return f"{common.COMMIT_CODE.name.removeprefix('code-')} (BENCH_COMMIT, extracted from git)"
    changed = git("status", "--porcelain", "--", "ledger", "schema.sql").splitlines()
    return git("rev-parse", "--short", "HEAD") + (
        f" with uncommitted changes to {', '.join(line[3:] for line in changed)}" if changed else ""
    )


def load():
    return "{:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def fmt(value, unit):
    return f"{value:,.0f} {unit}" if value >= 100 else f"{value:.3g} {unit}"


def results_table(rows, previous):
    """The figures, with the ratio of the same row in `previous` (the previous layout's rows)."""
    before = {(r["figure"], r["size"], r["measured"], r["anchor"]): r for r in previous}
    lines = [
        "| figure | records | measured | ours | anchor | anchor's | ratio | CPU ratio | target | result "
        "| previous layout's ratio |",
        "|---|--:|---|--:|---|--:|--:|--:|---|---|--:|",
    ]
    for r in rows:
        cpu = f"{r['cpu_ratio']:.2f}" if "cpu_ratio" in r else ""
        old = before.get((r["figure"], r["size"], r["measured"], r["anchor"]))
        old_ratio = "" if old is None else f"{old['ratio']:.2f}" + ("" if old["passed"] else " (fail)")
        lines.append(
            f"| {r['figure']} | {r['size']:,} | {r['measured']} | {fmt(r['ours'], r['unit'])} | {r['anchor']} | "
            f"{fmt(r['anchor_value'], r['unit'])} | {r['ratio']:.2f} | {cpu} | {r['target']} | "
            f"{'pass' if r['passed'] else '**fail**'} | {old_ratio} |"
        )
    return lines


def previous_layout_lines(previous):
    run = previous["run"]
    return [
        "The last column is the ratio of the same row on the journal's previous layout (prev_hash and",
        "hash stored as 64 hex digits, each UNIQUE; now 32-byte digests behind generated hex columns,",
        f"CHANGELOG), as published from `make bench` at {run['ledger measured']} on {run['date']}",
        f"({run['sizes and runs']}, load average {run['load average (1, 5, 15 min)']}), kept in",
        "`benchmarks/previous-layout.json`. Each ratio was measured against its anchor in its own",
        "run, so the two columns compare; the times themselves drift with the machine.",
        "",
    ]


def page_lines(rows):
    lines = [
        "| records | side | path | HTTP | facets missing (timed out) | the query of its rows |",
        "|--:|---|---|---|---|--:|",
    ]
    for r in rows:
        if r["figure"] == "datasette":
            for side in ("ledger", "pipeline"):
                own = fmt(r["page_query_ms"], "ms") if side == "ledger" and "page_query_ms" in r else ""
                lines.append(
                    f"| {r['size']:,} | {side} | `{r[side + '_path']}` | {', '.join(map(str, r[side + '_statuses']))} "
                    f"| {', '.join(r[side + '_incomplete']) or 'none'} | {own} |"
                )
    return lines


def size_lines(rows):
    lines = [
        "Where the ledger's bytes go (SQLite's `dbstat`), in MiB and as a multiple of the",
        "pipeline's whole file:",
        "",
        "| records | part | MiB | × the pipeline's file |",
        "|--:|---|--:|--:|",
    ]
    for r in rows:
        if r["figure"] == "size":
            for part, mib in r["parts"].items():
                lines.append(f"| {r['size']:,} | {part} | {mib:.1f} | {mib / r['anchor_value']:.2f} |")
    return lines


def profile_lines(profile):
    lines = [
        f"cProfile of the main thread of `ledger import` of {profile['size']:,} records "
        f"(`benchmarks/profile_import.py`): {profile['total_seconds']:.1f} s under the profiler, "
        f"{profile['sqlite_share']:.0%} of it inside `sqlite3.Connection` methods. The worker process "
        "(reading, validating, canonical JSON) and the thread that writes the batches (SQLite's inserts, "
        "with the schema's triggers and indexes) are not in it; waiting for them shows as `recv` and "
        "`acquire`. The functions with the most own time:",
        "",
        "| own time | share | calls | function |",
        "|--:|--:|--:|---|",
    ]
    for entry in profile["top"]:
        lines.append(
            f"| {entry['own_seconds']:.2f} s | {entry['share']:.1%} | {entry['calls']:,} | `{entry['where']}` |"
        )
    return lines


# What the code does for each figure, and what bounds it; the figures above say how far it gets.
WHAT_THE_CODE_DOES = [
    "## What the code does for speed, and what bounds it",
    "",
    "- **import**: one transaction. A worker process reads and validates the file and writes each",
    "  entry's canonical JSON (`records.attribution_json`: the same text as `json.dumps` in two",
    "  thirds of the time, for an entry whose values are all text), and sends each checked record",
    "  as a plain tuple (an `Item` unpickles",
    "  twice as slowly), 500 at a time through a pipe of 1 MiB; while the pipe is full it reads on,",
    "  holding up to 16 MiB of batches, each sent once the pipe has room for it all. The main process",
    "  hashes the chain, finds ids and duplicates and gathers rows (from the record, without",
    "  building its entry, whose payload the worker wrote); every 40,000 entries, a thread",
    "  of its own writes the batch, one `INSERT ... SELECT` per table, while the next batch is",
    "  gathered (SQLite lets go of Python's lock for a whole statement, where `executemany` takes",
    "  it back for every row). Larger batches cost memory and save time: importing 1,000,000",
    "  records in process took 19.4 to 19.5 s with batches of 10,000 (4 runs, peak 225 MiB), 18.7",
    "  to 19.1 s with 20,000 (4 runs, 255 MiB) and 18.4 to 18.5 s with 40,000 (2 runs, 317 MiB),",
    "  taking turns; 100,000 records peaked at 158, 187 and 237 MiB. Short values reach SQLite as",
    "  a JSON array; the payloads, encoded",
    "  to UTF-8 once in the worker, as one blob with the place of each, neither escaped by Python",
    "  nor unescaped by SQLite; and the hashes, kept as bytes from `hashlib` on, as one blob of 64",
    "  digits each. The search rows of attributions take claim and quote from the payloads just",
    "  written, in SQL: SQLite's JSON parser costs the writer less than handing the texts over",
    "  again costs the main thread. Lookups made meanwhile do not wait for the batch being",
    "  written: the names and claims the import made are found in a map of its own (each key's",
    "  16-byte BLAKE2b digest and its id, in a table of an in-memory SQLite database, about 30",
    "  bytes a key; 10,000,000 records have about 1,800,000 claims), and those held before on a",
    "  second, read-only connection, which sees the ledger as committed. Name and claim ids are",
    "  also cached (up to 200,000 each, the older half let go past that, each key into the map",
    "  once, in a transaction the map holds open); Bloom filters (`rbloom`,",
    "  fixed memory) of the names and claims made tell which lookups need no SQL at all, and one",
    "  of the payloads written (40 MiB, one false positive in 10^7 when full) which records the",
    "  import itself may already hold: only those need this transaction's connection, and are",
    "  looked up by claim. The triggers refuse with `RAISE(FAIL)` and the rows are",
    "  inserted `OR FAIL`, so",
    "  SQLite keeps no statement journal for every row. The rows an import writes skip the",
    "  schema's CHECK constraints (`PRAGMA ignore_check_constraints`, inside its transaction",
    "  only): this package made them from validated records, and checking that each payload is",
    "  JSON took a third of the journal's writing time. A new ledger has pages of 16 KiB (with the",
    "  same 64 MiB of cache: 63.4 s against 64.6 s for 4 KiB at 1,000,000 records, one run each).",
    "  An import into an empty journal (the figures' case) drops the journal's UNIQUE indexes on",
    "  the hashes and its chain trigger, the two indexes only reading uses, the indexes of the",
    "  attributions by claim and of the claims by key, and the no-replace triggers of the tables",
    "  it fills, and makes them",
    "  again from schema.sql before COMMIT, sorting with a helper thread: sorting once costs far",
    "  less than inserting each hash or claim at a random place, with a trigger run for each.",
    "  The indexes by claim and by key are made at once if a record the import may already hold needs them",
    "  (`database.made_now`): at 10,000,000 records, with the filter of the payloads at one false",
    "  positive in 10^5, six did, each taking 0.4 s to find without the index.",
    "  Made at the end, it took the writer's INSERT of attribution rows from 42.4 to 22.2 s of",
    "  CPU at 10,000,000 records (one run each, in process). The claims' keys are UNIQUE by an",
    "  index of their own (`claim_texts_key`) so that it too is made at the end: at 10,000,000",
    "  records the writer's INSERT of claim rows took 13.7 s of CPU with the index, 3.1 s",
    "  without it, and making it at the end 1.0 s (in process, one run each). The search indexes",
    "  merge their segments eight at a time (FTS5's `automerge`; 4 by default): the claims and",
    "  quotes of 10,000,000 attributions went into a bare index of the same kind in 30.3 s of CPU",
    "  rather than 37.6, into a file of the same size (632 MiB, against 634), and four searches,",
    "  ranked and counted, took the same time; 16 at a time took 30.8 s and left 884 MiB. The rows",
    "  of a batch go in as `json_each` gives them, without `ORDER BY key`, which had SQLite sort",
    "  every batch again, payloads and all: at 1,000,000 records the writer's INSERT of journal",
    "  rows took 1.90 s of CPU rather than 2.07, of attribution rows 1.82 rather than 2.04. With",
    "  the three, the writer's CPU at 10,000,000 records went from 101 s (search rows 39.6, journal",
    "  21.3, attribution rows 21.8, claims 13.8, claims' search rows 4.6) to 81 s (35.8, 19.5,",
    "  19.0, 3.1 and 4.2), and the import in process from 204 s to 187 s (one run each).",
    "  When no other connection has the ledger open,",
    "  that import also goes through a rollback journal rather than the WAL, so each page is",
    "  written once, not into the WAL and back (at 1,000,000 records, 97 s against 112 s on the",
    "  code before the other changes). What bounds it: the worker, the main thread and the writer",
    "  keep both cores busy, so the figure is about their CPU time over two, plus what runs alone",
    "  at the end (the last batch, the indexes, COMMIT: about 1 s at 100,000 records, 6 s at",
    "  1,000,000; at d916a2f, in process, 3 s of 18 s at 1,000,000 and 27 s of 220 s at",
    "  10,000,000, the indexes 26 s of it). At 1,000,000 records, timed inside one import of 64.8 s (the machine was slower",
    "  then: 57.1 s above): 44.6 s of CPU in the main thread (with the indexes made at the end),",
    "  40.2 s in the worker (per 100,000 records, in one process: validation 1.13 s, canonical",
    "  JSON 0.55 s, the whole loop 3.86 s), 27.7 s in the writer; the main thread waited 1.5 s",
    "  for the worker and 2.0 s for the writer. At 100,000 records, the payloads' JSON, the",
    "  hashes' blobs and the search rows from the payloads took the worker's CPU from 4.10 to",
    "  3.70 s, the main thread's from 3.78 to 3.31 s and the writer's from 2.40 to 2.26 s (two",
    "  comparisons of 3 runs each, taking turns). The main thread's wait for the worker was",
    "  10.2 s with Linux's default pipe of 64 KiB, 5.5 s with 1 MiB, and is 1.3 s now that the",
    "  worker reads on while the pipe is full. Two batches are held at once: batches of 10,000",
    "  rather than 2,000 were about 5% faster and raised the peak memory at 100,000 records from",
    "  144 to 216 MiB.",
    "- **verify**: the journal is read again in Python, in as many parts as there are CPUs, each",
    "  in a process of its own and about as long to read (a document's text and an anchor counted",
    "  in): each entry's hash (`hashlib`, over the bytes SQLite hands out, never decoded), its",
    "  payload read by one regular expression when it is a plain attribution (`verify/payloads.py`;",
    "  anything else is parsed and cleaned in full), and its attribution and anchor rows compared",
    "  with what the payload says. Meanwhile SQLite checks the schema, the file's structure and the",
    "  other projection rows, each check on its own connection in a thread. What bounds it: both",
    "  cores are busy throughout, so the figure is the CPU time of all of it over two; the reading",
    "  is most of it (on the documents figure's 1,000,000 entries, some 6.5 µs an entry: the row",
    "  from SQLite 1.6, the hash 0.9, the regular expression and its groups 3).",
    "- **datasette**: on a whole view the facets come from the base tables, counted once per journal",
    "  head; on a filtered or searched page all facets are counted in one query over the page's rows",
    "  (names by id, from the `attribution_rows` view, which is `attributions` with the name ids),",
    "  within the time of all of them together. The `attributions` view looks names up in",
    "  subqueries rather than joins, so Datasette's count of a page reads `attribution_records`",
    "  alone. An exact filter on a name (`outlet=BBC`) is narrowed by name id on the index",
    "  `attribution_records_outlet` (the plugin's `filters_from_request`), so names are resolved",
    "  only for the rows the narrowing leaves. When the filters are exact ones on names and stance,",
    "  with or without a search, the facets are counted over the rows those select (names by id, no",
    "  name resolved), begun with the filters, in two spans of ids on two threads, while Datasette",
    "  runs the page's query on a third; each column's values come back as one `group_concat` text,",
    "  counted by Arrow's `value_counts`. The page's count is the facets' total (or, with no facet,",
    "  a count of the ids from the indexes): Datasette's database answers its own count SQL with it",
    "  (the plugin's `page_count`), which at 10,000,000 resolved every row's names or looked every",
    "  row up by id (290 and 260 ms alone). A search's rows, sorted by id, are read by a join led by",
    "  the full-text index, which gives its matches in id order, so SQLite stops at the page's end",
    "  (the plugin's `search_rows`): Datasette's own query listed all 500,000 matches of `ceasefire`",
    "  first (64 ms alone, against 12). What bounds it: looking up each matching row for its",
    "  facets, and the query of the page's rows (the last column of the page table).",
    "- **size**: the contract requires the journal and its two UNIQUE hash indexes; the table above",
    "  shows what multiple of the pipeline's whole file they take on their own. The rest is the",
    "  projections and indexes that the pages and checks need.",
    "- **parquet**: the attributions are read in id order from the `attributions` view, with url,",
    "  quote and note taken from the payload in one join and every name looked up once, from the",
    "  `entities` view, and joined in Arrow; they are set aside by month in Arrow IPC files",
    "  (`formats/parquet.py`'s `_Spill`), then written a month at a time, so that each month is one",
    "  file of full row groups in id order. Sorting the rows by month in SQLite instead cost 4 s more",
    "  CPU time at 1,000,000 than reading them in id order; setting them aside costs 1.2 s. The",
    "  claims, documents and journal are written meanwhile on a second connection, in a thread (the",
    "  claims view is mostly SQLite's work, which lets go of Python's lock). What bounds it: the",
    "  `claims` view's counts, a few lookups for every claim (about 5 s of CPU at 1,000,000), and",
    "  reading every attribution through its view (about 4 s).",
    "",
]


def ten_million_lines(context):
    """The run of `make bench-10m`, whose rows (10,000,000 records, and the memory figure's
    comparison with 1,000,000) join the others below."""
    shown = ("date", "ledger measured", "load average (1, 5, 15 min)", "sizes and runs", "duration of the run")
    return [
        "The rows at 10,000,000 records come from `make bench-10m`, run apart:",
        "",
        "| | |",
        "|---|---|",
        *[f"| {key} | {context[key]} |" for key in shown if key in context],
        "",
    ]


def write_doc(context):
    figures = {}
    for figure in FIGURES:
        path = common.RESULTS / f"{figure}.json"
        if path.exists():
            figures[figure] = json.loads(path.read_text())["rows"]
    rows = [r for figure in FIGURES for r in figures.get(figure, [])]
    profile_path = common.RESULTS / "profile.json"
    previous = json.loads(PREVIOUS_LAYOUT.read_text())
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`benchmarks/run_all.py`); do not edit by hand. Each figure has its own",
        "script in `benchmarks/`, runnable alone (`.venv/bin/python benchmarks/import_speed.py`).",
        "`BENCH_SIZES` (default `100000,1000000`) chooses the record counts and `BENCH_RUNS`",
        "(default 3) the timed runs of each contender; data and databases go to `bench-data/`.",
        "",
        "Method: the records are the yardstick generator's (`benchmarks/gen_claims.py`, the project's",
        "copy of `../shared/bench/gen_claims.py`).",
        "Ours and its anchor are timed in the same run, taking turns, the order rotated every round;",
        "each figure is the median of the runs, wall-clock time of the whole process. The CPU ratio",
        "(user + system time, from `wait4`) is given beside it, as it is less disturbed by other work",
        "on a shared machine; pass or fail is judged on the wall-clock ratio.",
        "`../shared/bench/` holds the project's yardsticks: `raw_floor.py` (plain",
        "`executemany` into one table, no validation, hashing or index), `sqlite_utils_pipeline.sh`",
        "(what a user would do without the ledger: `sqlite-utils insert`, full-text search and indexes",
        "on the facet columns), `page_timing.py` (whose fetch and timing the Datasette figure uses).",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        *[f"| {key} | {value} |" for key, value in context.items()],
        "",
        *(ten_million_lines(json.loads(TEN_MILLION_CONTEXT.read_text())) if TEN_MILLION_CONTEXT.exists() else []),
        "## Figures",
        "",
        *previous_layout_lines(previous),
        *(results_table(rows, previous["rows"]) if rows else ["No results: run `make bench`."]),
        "",
        f"{sum(r['passed'] for r in rows)} of {len(rows)} rows meet their target.",
        "",
        "Figures and their targets:",
        "",
        "1. **import**: `ledger import FILE.jsonl` into a new ledger, against `raw_floor.py` and",
        "   `sqlite_utils_pipeline.sh` on the same file; target ≤ 2.0 × the floor and < the pipeline.",
        "2. **memory**: maximum resident set of the `ledger import` process (`wait4`'s `ru_maxrss`) at",
        "   1,000,000 records against 100,000; target ≤ 1.5.",
        "3. **add**: one `ledger add` process against one `sqlite-utils insert DB records -` process",
        "   (the row as JSON on standard input) into the pipeline's database of the same size, 30 of",
        "   each, taking turns; target ≤ 1.",
        "4. **verify**: `ledger verify` of the whole ledger against `raw_floor.py` importing the same",
        "   records; target < 0.25.",
        "5. **datasette**: `datasette serve ledger.db` and `datasette serve pipeline.db`, default",
        "   settings, the same page fetched from each in turn, 7 times after a warm-up; ours shows the",
        "   plugin's default facets (stance, status, outlet, speaker, via, month), the pipeline's",
        "   `records` table is asked for stance, outlet, speaker, via and `_facet_date=date`. Target:",
        "   ours ≤ 0.25 × the pipeline's, with no facet of ours timed out (Datasette drops a facet",
        "   that takes over 200 ms).",
        "6. **size**: the ledger's file against the pipeline's, for the same records; target ≤ 2.",
        "7. **documents**: `ledger import` of the 100,000 records whose quotes are anchored in 2,000",
        "   documents made from them (`benchmarks/documents_speed.py`), against the same records without",
        "   `document`, each into a copy of the ledger holding the documents; target ≤ 1.3. And",
        "   `ledger document add` of a 1 MB text into a new ledger, the whole process; target < 1 s.",
        "8. **parquet**: `ledger export --format parquet --output DIR --overwrite` of the whole ledger",
        "   (`benchmarks/parquet_speed.py`) against `raw_floor.py` importing the same records; target ≤ 1.0.",
        "   DuckDB's one-query re-check of the exported journal (`scripts/recheck_chain.sql`, as",
        "   [scale.md](scale.md) runs it) against `ledger verify` of the same ledger; target < 1. The",
        "   export's peak memory at the largest size against the smallest; target ≤ 1.5.",
        "",
        *(
            [
                "The Datasette pages, with every HTTP status seen and the facets missing from any fetch",
                "(Datasette answers 400 when a page's query runs past `sql_time_limit_ms`, 1 s by default),",
                "and for each filtered page of the ledger the median time of the query that reads its rows,",
                "as the page's trace shows it run (Datasette's own, or the plugin's answer to it), on a plain",
                "read-only connection: no page of the same rows is faster:",
                "",
                *page_lines(rows),
                "",
            ]
            if "datasette" in figures
            else []
        ),
        *([*size_lines(rows), ""] if "size" in figures else []),
        "## Where the time goes",
        "",
        *(
            profile_lines(json.loads(profile_path.read_text()))
            if profile_path.exists()
            else ["No profile: run `make bench`."]
        ),
        "",
        *WHAT_THE_CODE_DOES,
    ]
    DOC.write_text("\n".join(lines))


def forget_earlier_runs():
    """Before `make bench`: what an earlier `make bench` measured goes, so that the page shows
    only what this run measures; what `make bench-10m` measured, run apart over hours, stays
    (its rows at 10,000,000 and its context), as that run's own rows are replaced only by it."""
    for path in common.RESULTS.glob("*.json") if common.RESULTS.exists() else []:
        if path == TEN_MILLION_CONTEXT:
            continue
        document = json.loads(path.read_text())
        kept = [row for row in document.get("rows", []) if row["size"] == TEN_MILLION] if "rows" in document else []
        if not kept:
            path.unlink()
            continue
        document["rows"] = kept
        document["samples"] = {size: s for size, s in document.get("samples", {}).items() if size == str(TEN_MILLION)}
        path.write_text(json.dumps(document, indent=1) + "\n")


def main():
    if sys.argv[1:] == ["--report-only"]:
        write_doc(json.loads(CONTEXT.read_text()))
        print(f"wrote {DOC.relative_to(common.ROOT)}")
        return
    ten_million = sys.argv[1:] == ["--ten-million"]
    if not ten_million:
        forget_earlier_runs()
    scripts = TEN_MILLION_SCRIPTS if ten_million else dict.fromkeys(SCRIPTS)
    started, load_before, state_before = time.monotonic(), load(), code_state()
    context = {**machine(), "date": dt.date.today().isoformat(), "ledger measured": state_before}
    for script, sizes in scripts.items():
        print(f"== {script}", flush=True)
        env = {**os.environ, "BENCH_SIZES": sizes} if sizes else None
        subprocess.run([sys.executable, str(common.ROOT / "benchmarks" / f"{script}.py")], check=True, env=env)
    state_after = code_state()
    if state_after != state_before:
        context["ledger measured"] += f" (changed during the run, to {state_after})"
    context["load average (1, 5, 15 min)"] = f"{load_before} before, {load()} after"
    context["sizes and runs"] = (
        f"make bench-10m: {', '.join(f'{script} at {sizes}' for script, sizes in scripts.items())}; BENCH_RUNS={common.runs()}"
        if ten_million
        else f"BENCH_SIZES={','.join(map(str, common.sizes()))} BENCH_RUNS={common.runs()}"
    )
    context["duration of the run"] = f"{(time.monotonic() - started) / 60:.0f} min"
    (TEN_MILLION_CONTEXT if ten_million else CONTEXT).write_text(
        json.dumps(context, indent=1, ensure_ascii=False) + "\n"
    )
    write_doc(json.loads(CONTEXT.read_text()) if CONTEXT.exists() else context)
    print(f"wrote {DOC.relative_to(common.ROOT)}")


if __name__ == "__main__":
    main()
