"""Figure 6: the ledger's database file against the sqlite-utils pipeline's, for the same records.

Target: at most 2 x the pipeline's.
"""

import sqlite3
from pathlib import Path

import common

# What each table and index of the ledger is for, to tell where its bytes go.
PARTS = {
    "journal": "the journal: every record as canonical JSON, with its two hashes as 32-byte digests",
    "journal's UNIQUE indexes on prev_digest and digest": "its two UNIQUE indexes (CONTRACT §3)",
    "full-text search": "full-text search (attribution_search, claim_search)",
    "other projections and their indexes": "projections: names, claims, attribution rows and their indexes",
}


def database_bytes(path):
    """The file with its write-ahead log, if one was left behind."""
    return sum(file.stat().st_size for file in (path, Path(f"{path}-wal")) if file.exists())


def part_of(name):
    if name == "journal":
        return "journal"
    if name in ("journal_prev_digest", "journal_digest"):
        return "journal's UNIQUE indexes on prev_digest and digest"
    if name.startswith(("attribution_search", "claim_search")):
        return "full-text search"
    return "other projections and their indexes"


def breakdown(path):
    """MiB of the file's pages by part, from SQLite's dbstat table."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    parts = dict.fromkeys(PARTS, 0.0)
    for name, size in conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"):
        parts[part_of(name)] += size / 2**20
    conn.close()
    return parts


def main():
    rows = []
    for size in common.sizes():
        common.ensure_built(size)
        rows.append(
            common.row(
                "size",
                size,
                "database file",
                database_bytes(common.ledger_db(size)) / 2**20,
                "sqlite_utils_pipeline.sh's file",
                database_bytes(common.pipeline_db(size)) / 2**20,
                "MiB",
                "≤ 2",
                2.0,
                parts=breakdown(common.ledger_db(size)),
            )
        )
    common.save("size", rows)


if __name__ == "__main__":
    main()
