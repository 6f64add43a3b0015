"""Figure 8: `ledger export --format parquet` against the raw floor's import of the same
records, and DuckDB's one-query re-check of the exported journal against `ledger verify`.

At each size the export (into bench-data/SIZE/export, replaced each time with --overwrite) and
the floor take turns; then the re-check of docs/scale.md (`scripts/recheck_chain.sql`, run as
the page runs it, with DuckDB's Python package) and `ledger verify` of the same ledger.
Targets: the export at most 1.0 x the floor; the re-check under `ledger verify`, which checks
the chain and much more; the export's peak memory at the largest size at most 1.5 x the
smallest's, as it streams.
"""

import sys

import common

RECHECK = (common.ROOT / "scripts" / "recheck_chain.sql").read_bytes()
DUCKDB = [sys.executable, "-c", "import duckdb, sys; duckdb.sql(sys.stdin.read()).show()"]


def main():
    rows, samples, peaks = [], {}, {}
    for size in common.sizes():
        common.ensure_built(size)
        db, folder = str(common.ledger_db(size)), common.size_dir(size)
        export = [common.LEDGER, "--db", db, "export", "--format", "parquet", "--output", str(folder / "export")]
        timed = common.interleaved(
            {
                "export": lambda _: common.measure([*export, "--overwrite"]),
                "floor": lambda _: common.import_floor(size),
            },
            common.runs(),
        )
        rechecked = common.interleaved(
            {
                "recheck": lambda _: common.measure(DUCKDB, stdin=RECHECK, cwd=folder),
                "verify": lambda _: common.measure([common.LEDGER, "--db", db, "verify"]),
            },
            common.runs(),
        )
        samples[size] = {**timed, **rechecked}
        peaks[size] = max(run.max_rss_kib for run in timed["export"]) / 1024
        rows += [
            against(
                size, "`ledger export --format parquet`, wall", timed, "export", "floor", "raw_floor.py import", 1.0
            ),
            against(
                size,
                "DuckDB re-check of the exported chain, wall",
                rechecked,
                "recheck",
                "verify",
                "`ledger verify`",
                1.0,
                True,
            ),
        ]
    if len(peaks) > 1:
        smallest, largest = min(peaks), max(peaks)
        rows.append(
            common.row(
                "parquet",
                largest,
                "export's peak memory (max RSS), MiB",
                peaks[largest],
                f"the same at {smallest:,}",
                peaks[smallest],
                "MiB",
                "≤ 1.5",
                1.5,
            )
        )
    common.save("parquet", rows, samples)


def against(size, measured, timed, ours, anchor, anchor_name, limit, strictly=False):
    return common.row(
        "parquet",
        size,
        measured,
        common.median(timed[ours]),
        anchor_name,
        common.median(timed[anchor]),
        "s",
        f"{'<' if strictly else '≤'} {limit:.1f}",
        limit,
        strictly=strictly,
        cpu_ratio=common.median(timed[ours], "cpu") / common.median(timed[anchor], "cpu"),
    )


if __name__ == "__main__":
    main()
