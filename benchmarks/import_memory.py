"""Figure 2: peak memory (maximum resident set) of `ledger import` as the import grows.

Each size is imported in turn, the sizes taking turns; every larger size is compared
with the smallest. Target: 1,000,000 records at most 1.5 x the peak of 100,000.
"""

import common


def main():
    all_sizes = common.sizes()
    if len(all_sizes) < 2:
        print("import_memory: needs two sizes in BENCH_SIZES to compare; skipped")
        return
    for size in all_sizes:
        common.records_file(size)
    timed = common.interleaved(
        {size: lambda _, size=size: common.import_ledger(size) for size in all_sizes}, common.runs()
    )
    smallest = all_sizes[0]
    peak = {size: common.median(runs, "max_rss_kib") / 1024 for size, runs in timed.items()}
    rows = [
        common.row(
            "memory",
            size,
            "peak RSS of `ledger import`",
            peak[size],
            f"the same at {smallest:,}",
            peak[smallest],
            "MiB",
            "≤ 1.5",
            1.5,
        )
        for size in all_sizes[1:]
    ]
    common.save("memory", rows, timed)


if __name__ == "__main__":
    main()
