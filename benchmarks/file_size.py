"""Figure 6: the ledger's database file against the sqlite-utils pipeline's, for the same records.

Target: at most 2 x the pipeline's.
"""
from pathlib import Path

import common


def database_bytes(path):
    """The file with its write-ahead log, if one was left behind."""
    return sum(file.stat().st_size for file in (path, Path(f"{path}-wal")) if file.exists())


def main():
    rows = []
    for size in common.sizes():
        common.ensure_built(size)
        rows.append(common.row(
            "size", size, "database file", database_bytes(common.ledger_db(size)) / 2**20,
            "sqlite_utils_pipeline.sh's file", database_bytes(common.pipeline_db(size)) / 2**20, "MiB", "≤ 2", 2.0,
        ))
    common.save("size", rows)


if __name__ == "__main__":
    main()
