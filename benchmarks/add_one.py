"""Figure 3: appending one record as a whole process, `ledger add` against `sqlite-utils insert`.

Both append to copies of the smallest size's databases (the ledger, and the pipeline's
`records` table with its full-text index and indexes), taking turns; each round both
append the same new record, one of the generator's records after those imported.
Target: ledger no slower than sqlite-utils.
"""

import json
import subprocess
import sys

import common

APPENDS = 30


def main():
    size = common.sizes()[0]
    common.ensure_built(size)
    ledger, pipeline = common.DATA / "add" / "ledger.db", common.DATA / "add" / "pipeline.db"
    ledger.parent.mkdir(exist_ok=True)
    common.copy_database(common.ledger_db(size), ledger)
    common.copy_database(common.pipeline_db(size), pipeline)
    generated = subprocess.run(
        [sys.executable, str(common.GEN_CLAIMS), str(size + APPENDS)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    new_records = [json.loads(line) for line in generated[size:]]

    def ledger_add(number):
        options = [arg for field, value in new_records[number].items() for arg in (f"--{field}", value)]
        return common.measure([common.LEDGER, "--db", str(ledger), "add", *options])

    def sqlite_utils_insert(number):
        return common.measure(
            [str(common.BIN / "sqlite-utils"), "insert", str(pipeline), "records", "-"],
            stdin=json.dumps(new_records[number]).encode(),
        )

    timed = common.interleaved({"ledger": ledger_add, "sqlite-utils": sqlite_utils_insert}, APPENDS)
    rows = [
        common.row(
            "add",
            size,
            "`ledger add` of one record, wall",
            common.median(timed["ledger"]),
            "`sqlite-utils insert` of one row",
            common.median(timed["sqlite-utils"]),
            "s",
            "≤ 1",
            1.0,
            cpu_ratio=common.median(timed["ledger"], "cpu") / common.median(timed["sqlite-utils"], "cpu"),
        )
    ]
    common.save("add", rows, timed)


if __name__ == "__main__":
    main()
