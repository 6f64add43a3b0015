"""Where the time of `ledger import` goes: cProfile of an import of the smallest size (100,000
records by default), run in this process through the same click command. cProfile sees this
thread only: the worker process that reads and validates, and the thread that writes the
batches, are not in the profile; waiting for them is.

Writes bench-data/results/profile.json (the functions with the most own time, for
docs/benchmarks.md) and profile_import.prof (the whole profile, for pstats or snakeviz).
cProfile adds its own overhead to every Python call, so shares matter, not seconds.
"""

import cProfile
import json
import pstats
import sysconfig

import common
from ledger.cli import cli

TOP = 15


def where(key):
    file, line, function = key
    if file == "~":  # a built-in
        return function
    for prefix in (common.COMMIT_CODE, common.ROOT, sysconfig.get_paths()["purelib"], sysconfig.get_paths()["stdlib"]):
        file = file.removeprefix(f"{prefix}/")
    return f"{file}:{line} {function}"


def main():
    size = common.sizes()[0]
    records = common.records_file(size)
    database = common.DATA / "profile" / "ledger.db"
    database.parent.mkdir(exist_ok=True)
    common.remove_database(database)
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        cli.main(["--db", str(database), "import", str(records)], standalone_mode=False)
    finally:
        profiler.disable()
    common.RESULTS.mkdir(parents=True, exist_ok=True)
    profiler.dump_stats(common.RESULTS / "profile_import.prof")
    stats = pstats.Stats(profiler).stats
    total = sum(own for _, _, own, _, _ in stats.values())
    top = sorted(stats.items(), key=lambda item: item[1][2], reverse=True)[:TOP]
    sqlite = sum(own for key, (_, _, own, _, _) in stats.items() if "sqlite3.Connection" in key[2])
    document = {
        "size": size,
        "total_seconds": total,
        "sqlite_share": sqlite / total,
        "top": [
            {"where": where(key), "calls": calls, "own_seconds": own, "share": own / total}
            for key, (_, calls, own, _, _) in top
        ],
    }
    (common.RESULTS / "profile.json").write_text(json.dumps(document, indent=1) + "\n")
    print(
        f"profile of importing {size:,} records: {total:.1f} s under cProfile; "
        f"{sqlite / total:.0%} in sqlite3.Connection methods"
    )
    for entry in document["top"]:
        print(f"{entry['share']:6.1%} {entry['own_seconds']:7.2f} s {entry['calls']:>10,}  {entry['where']}")


if __name__ == "__main__":
    main()
