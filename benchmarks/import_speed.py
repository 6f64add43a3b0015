"""Figure 1: `ledger import` against the raw floor and the sqlite-utils pipeline.

For each size, the three import the same generated records, taking turns; the
databases of the last round stay in bench-data/SIZE/ for the figures that read them.
Target: ledger at most 2 x the floor, and faster than the pipeline.
"""

import common


def main():
    rows, samples = [], {}
    for size in common.sizes():
        common.records_file(size)
        timed = common.interleaved(
            {
                "ledger": lambda _: common.import_ledger(size),
                "floor": lambda _: common.import_floor(size),
                "pipeline": lambda _: common.import_pipeline(size),
            },
            common.runs(),
        )
        samples[size] = timed
        ours = common.median(timed["ledger"])
        cpu = {name: common.median(runs, "cpu") for name, runs in timed.items()}
        rows += [
            common.row(
                "import",
                size,
                "`ledger import`, wall",
                ours,
                "raw_floor.py",
                common.median(timed["floor"]),
                "s",
                "≤ 2.0",
                2.0,
                cpu_ratio=cpu["ledger"] / cpu["floor"],
            ),
            common.row(
                "import",
                size,
                "`ledger import`, wall",
                ours,
                "sqlite_utils_pipeline.sh",
                common.median(timed["pipeline"]),
                "s",
                "< 1",
                1.0,
                strictly=True,
                cpu_ratio=cpu["ledger"] / cpu["pipeline"],
            ),
        ]
    common.save("import", rows, samples)


if __name__ == "__main__":
    main()
