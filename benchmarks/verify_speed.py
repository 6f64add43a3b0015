"""Figure 4: `ledger verify` of a whole ledger against the raw floor's import of the same records.

Verify reads every journal entry, re-hashes the chain and checks every projection row
in SQL; the floor only stores the records. Taking turns at each size.
Target: verify under 0.25 x the floor.
"""

import common


def main():
    rows, samples = [], {}
    for size in common.sizes():
        common.ensure_built(size)
        samples[size] = timed = timed_against_floor(common.ledger_db(size), size)
        rows.append(verify_row("verify", size, "`ledger verify`, wall", timed))
    common.save("verify", rows, samples)


def timed_against_floor(ledger, size):
    """`ledger verify` of `ledger` and the floor's import of `size` records, taking turns."""
    verify = [common.LEDGER, "--db", str(ledger), "verify"]
    return common.interleaved(
        {"verify": lambda _: common.measure(verify), "floor": lambda _: common.import_floor(size)}, common.runs()
    )


def verify_row(figure, size, measured, timed):
    return common.row(
        figure,
        size,
        measured,
        common.median(timed["verify"]),
        "raw_floor.py import",
        common.median(timed["floor"]),
        "s",
        "< 0.25",
        0.25,
        strictly=True,
        cpu_ratio=common.median(timed["verify"], "cpu") / common.median(timed["floor"], "cpu"),
    )


if __name__ == "__main__":
    main()
