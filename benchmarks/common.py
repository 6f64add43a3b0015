"""What every benchmark shares: where data goes, how a process is measured, the yardsticks.

Environment:
    BENCH_SIZES  record counts to measure, comma-separated (default 100000,1000000)
    BENCH_RUNS   timed runs of each contender per figure (default 3)
    BENCH_COMMIT measure the ledger of this commit (extracted under bench-data/) rather
                 than the working tree's, which others may be editing meanwhile

Generated records and databases live under bench-data/ (ignored by git); each figure
script writes its rows to bench-data/results/FIGURE.json for run_all.py to publish.
"""

import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench-data"
RESULTS = DATA / "results"
YARDSTICKS = ROOT.parent / "shared" / "bench"  # the yardsticks, beside every checkout
# The records: the yardsticks' generator, of which the project keeps its own copy (the same bytes).
GEN_CLAIMS = ROOT / "benchmarks" / "gen_claims.py"
BIN = Path(sys.executable).parent  # the venv's: ledger, sqlite-utils and datasette live beside its python
LEDGER = str(BIN / "ledger")


def _commit_code():
    """With BENCH_COMMIT, the directory holding that commit's `ledger` package; else None."""
    commit = os.environ.get("BENCH_COMMIT")
    if not commit:
        return None
    sha = subprocess.run(
        ["git", "rev-parse", "--verify", f"{commit}^{{commit}}"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    os.environ["BENCH_COMMIT"] = sha  # so every script of a run measures the same commit, however HEAD moves
    code = DATA / f"code-{sha[:12]}"
    if not code.exists():
        partial = DATA / f"code-{sha[:12]}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        archive = subprocess.run(
            ["git", "archive", sha, "ledger", "schema.sql"], cwd=ROOT, capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", str(partial)], input=archive.stdout, check=True)
        partial.rename(code)
    return code


# Ahead of the editable install on sys.path, in this process (the profile) and in every
# command run (`ledger`, and Datasette loading the plugin by its entry point).
COMMIT_CODE = _commit_code()
# The pipeline script calls `sqlite-utils` by name.
ENV = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
if COMMIT_CODE:
    sys.path.insert(0, str(COMMIT_CODE))
    ENV["PYTHONPATH"] = str(COMMIT_CODE)


def code_fingerprint():
    """A digest of the ledger code measured, so that a database built by other code is not reused."""
    base = COMMIT_CODE or ROOT
    digest = hashlib.sha256()
    for path in sorted((base / "ledger").rglob("*")) + [base / "schema.sql"]:
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(base)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def sizes():
    return [int(n) for n in os.environ.get("BENCH_SIZES", "100000,1000000").split(",") if n.strip()]


def runs():
    return int(os.environ.get("BENCH_RUNS", "3"))


@dataclass
class Run:
    wall: float  # seconds
    cpu: float  # user + system seconds of the process and its children
    max_rss_kib: int  # the largest resident set of the process or any child it waited for


def measure(command, stdin=None, cwd=None):
    """Run `command` (in folder `cwd`) to completion, returning its Run; its output is discarded,
    a failure raises."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            env=ENV,
            cwd=cwd,
        )
        if stdin is not None:
            process.stdin.write(stdin)
            process.stdin.close()
        # wait4 gives this child's own usage (with its waited-for children's), where
        # RUSAGE_CHILDREN would give the maximum over every child of this process so far.
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped: Popen must not wait for it again
        if process.returncode:
            errors.seek(0)
            message = errors.read().decode(errors="replace")[-2000:]
            raise SystemExit(f"{' '.join(map(str, command))} exited {process.returncode}:\n{message}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)


def interleaved(contenders, count):
    """Time each contender `count` times, taking turns, the order rotated every round so no
    contender always runs first. `contenders` maps a name to a function of the round's
    number returning a Run."""
    names = list(contenders)
    samples = {name: [] for name in names}
    for round_number in range(count):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(contenders[name](round_number))
    return samples


def median(samples, field="wall"):
    return statistics.median(getattr(run, field) for run in samples)


# Data and the three ways of storing it ----------------------------------------------


def records_file(size):
    """The yardstick's deterministic records for `size`, generated once."""
    path = DATA / f"records-{size}.jsonl"
    if not path.exists():
        DATA.mkdir(exist_ok=True)
        partial = path.with_suffix(".partial")
        with open(partial, "wb") as out:
            subprocess.run([sys.executable, str(GEN_CLAIMS), str(size)], stdout=out, check=True)
        partial.rename(path)
    return path


def size_dir(size):
    path = DATA / str(size)
    path.mkdir(parents=True, exist_ok=True)
    return path


def ledger_db(size):
    return size_dir(size) / "ledger.db"  # so that Datasette names the database `ledger`


def pipeline_db(size):
    return size_dir(size) / "pipeline.db"


def floor_db(size):
    return size_dir(size) / "floor.db"


def remove_database(path):
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        file.unlink(missing_ok=True)


def _built_by(size):
    return size_dir(size) / "ledger.built-by"  # the code_fingerprint of the code that built ledger.db


def import_ledger(size):
    remove_database(ledger_db(size))
    _built_by(size).unlink(missing_ok=True)
    run = measure([LEDGER, "--db", str(ledger_db(size)), "import", str(records_file(size))])
    _built_by(size).write_text(code_fingerprint())
    return run


def import_floor(size):
    remove_database(floor_db(size))
    return measure([sys.executable, str(YARDSTICKS / "raw_floor.py"), str(records_file(size)), str(floor_db(size))])


def import_pipeline(size):
    # The script removes its database itself.
    return measure(
        ["sh", str(YARDSTICKS / "sqlite_utils_pipeline.sh"), str(records_file(size)), str(pipeline_db(size))]
    )


def ensure_built(size):
    """The ledger and pipeline databases of `size`, built unless an earlier figure left them
    (the ledger's by the code measured now)."""
    stamp = _built_by(size)
    if not ledger_db(size).exists() or not stamp.exists() or stamp.read_text() != code_fingerprint():
        import_ledger(size)
    if not pipeline_db(size).exists():
        import_pipeline(size)


def copy_database(source, target):
    remove_database(target)
    shutil.copyfile(source, target)


# Results ---------------------------------------------------------------------------


def row(figure, size, measured, ours, anchor, anchor_value, unit, target, limit, strictly=False, **extra):
    """One published figure: `ours` against `anchor`, passing when ours / anchor is at most
    `limit` (below it when `strictly`)."""
    ratio = ours / anchor_value
    return {
        "figure": figure,
        "size": size,
        "measured": measured,
        "ours": ours,
        "anchor": anchor,
        "anchor_value": anchor_value,
        "unit": unit,
        "ratio": ratio,
        "target": target,
        "passed": ratio < limit if strictly else ratio <= limit,
        **extra,
    }


def save(figure, rows, samples=None):
    """Write a figure's rows (and, for the record, every sample behind them), keeping the rows
    of the sizes this run did not measure (`make bench-10m` adds to what `make bench` wrote);
    print the rows."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{figure}.json"
    measured = {r["size"] for r in rows}
    earlier = json.loads(path.read_text()) if path.exists() else {"rows": [], "samples": {}}
    kept = [r for r in earlier["rows"] if r["size"] not in measured]
    # Samples by size are kept as the rows are; samples by contender belong to this run alone.
    kept_samples = {key: s for key, s in earlier["samples"].items() if key.isdigit() and int(key) not in measured}
    document = {
        "figure": figure,
        "rows": sorted(kept + rows, key=lambda r: r["size"]),
        "samples": {**kept_samples, **{str(key): s for key, s in (samples or {}).items()}},
    }
    path.write_text(json.dumps(document, indent=1, default=asdict) + "\n")
    for r in rows:
        verdict = "pass" if r["passed"] else "FAIL"
        print(
            f"{figure} {r['size']:>9,} {r['measured']}: {r['ours']:.3f} vs {r['anchor']} {r['anchor_value']:.3f} "
            f"{r['unit']}: ratio {r['ratio']:.2f} (target {r['target']}) {verdict}",
            flush=True,
        )
