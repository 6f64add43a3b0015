"""`make check-spark`: Spark in local mode reads a Parquet export of a ledger and finds what
the ledger's own SQL finds: the attributions counted by stance, by outlet and by month, and
the whole hash chain re-checked in one query.

    .venv/bin/python scripts/check_spark.py ledger.db

Exits 1, naming what differs, if anything does. Needs pyspark (`pip install -e '.[spark]'`)
and a Java runtime (`apt-get install default-jdk-headless`).
"""

import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from pyspark.sql import SparkSession

LEDGER = Path(sys.executable).with_name("ledger")
# Spark listens on this machine's loopback address only, whatever its host name resolves to.
os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"

# What the ledger counts, in its own SQL, and the same counts in Spark's over the export.
COUNTS = {
    "stance": (
        "SELECT stance, count(*) FROM attributions GROUP BY 1",
        "SELECT stance, count(*) FROM attributions GROUP BY 1",
    ),
    "outlet": (
        "SELECT outlet, count(*) FROM attributions GROUP BY 1",
        "SELECT outlet, count(*) FROM attributions GROUP BY 1",
    ),
    "month": (
        "SELECT month, count(*) FROM attributions GROUP BY 1",
        "SELECT format_string('%04d-%02d', year, month), count(*) FROM attributions GROUP BY 1",
    ),
}
# The chain re-checked as docs/scale.md re-checks it in DuckDB (scripts/recheck_chain.sql), in
# Spark's words: the same query over the table `journal`, with Spark's name for SHA-256.
SPARK_WORDS = {
    "read_parquet('export/journal/*.parquet')": "journal",
    "sha256(prev_hash || chr(10) || payload)": "sha2(prev_hash || chr(10) || payload, 256)",
    ";": "",
}
CHAIN = (Path(__file__).with_name("recheck_chain.sql")).read_text(encoding="utf-8")
for duckdbs, sparks in SPARK_WORDS.items():
    assert duckdbs in CHAIN, f"recheck_chain.sql no longer says {duckdbs}"
    CHAIN = CHAIN.replace(duckdbs, sparks)


def main(db):
    with tempfile.TemporaryDirectory() as folder:
        export = Path(folder) / "export"
        subprocess.run([str(LEDGER), "--db", db, "export", "--format", "parquet", "--output", str(export)], check=True)
        digest = subprocess.run(
            [str(LEDGER), "--db", db, "digest"], check=True, capture_output=True, text=True
        ).stdout.strip()
        spark = (
            SparkSession.builder.master("local[2]")
            .appName("ledger-check")
            .config("spark.ui.enabled", "false")
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
        try:
            spark.read.parquet(str(export / "attributions")).createOrReplaceTempView("attributions")
            spark.read.parquet(str(export / "journal")).createOrReplaceTempView("journal")
            problems = compare_counts(spark, sqlite3.connect(f"file:{db}?mode=ro", uri=True))
            entries, first_broken, rechecked = spark.sql(CHAIN).first()
        finally:
            spark.stop()
    print(f"spark: {entries} journal entries re-checked, digest {rechecked}")
    if first_broken is not None:
        problems.append(f"chain: broken at seq {first_broken}")
    if rechecked != digest:
        problems.append(f"chain: Spark's digest {rechecked} is not `ledger digest`'s {digest}")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


def compare_counts(spark, ledger):
    problems = []
    for what, (ours, sparks) in COUNTS.items():
        expected = dict(ledger.execute(ours).fetchall())
        found = {key: count for key, count in spark.sql(sparks).collect()}
        print(f"spark: attributions by {what}: {len(found)} groups, {sum(found.values())} attributions")
        if found != expected:
            problems.append(f"by {what}: Spark counts {found}, the ledger {expected}")
    return problems


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
