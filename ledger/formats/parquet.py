"""Parquet: the whole ledger as a folder of Parquet files (zstd), for the engines that read it
beyond one machine (DuckDB, Spark, BigQuery), as `ledger export --format parquet --output DIR`
writes it:

    DIR/attributions/year=YYYY/month=M/part-0.parquet  every attribution with its status, names
                                                        canonical and as written, a folder for
                                                        each year and month of its `date`
    DIR/claims/part-0.parquet     the claims view: counts of current attributions by stance
    DIR/documents/part-0.parquet  every document: its metadata and text
    DIR/journal/part-0.parquet    every entry as recorded: seq, payload, prev_hash, hash

The four are one snapshot of the ledger, read on two connections at once (`_snapshot`). Rows
stream: a bounded number at a time from SQLite (`_batches`), gathered into row groups of
bounded size (`_row_groups`), so memory does not grow with the ledger. The folder is written
beside DIR under another name and renamed into place, so DIR is never seen part-written.
"""

import contextlib
import os
import secrets
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..database import connect
from ..errors import LedgerError

COMPRESSION = "zstd"
# Rows are read from SQLite and made into Arrow arrays this many at a time, or fewer once their
# longest text (a quote, a payload, a document's text) holds FETCHED_TEXT characters: a journal
# entry may be a document of 10,000,000 characters.
FETCHED_ROWS = 1_000
FETCHED_TEXT = 8_000_000
# The rows of a row group, or fewer once they take this many bytes in memory.
ROW_GROUP_ROWS = 65_536
ROW_GROUP_BYTES = 32 << 20
PART = "part-0.parquet"
# The columns whose values repeat, which Parquet keeps once each in a dictionary; the others
# (ids, claims, quotes, payloads, hashes) would fill one only to give it up.
REPEATED = {
    *("claimant", "speaker", "outlet", "via", "speaker_as_written", "outlet_as_written", "via_as_written"),
    *("date", "stance", "status", "first_seen", "first_outlet", "language", "translated_by"),
}

_TEXT, _ID = pa.string(), pa.int64()
ATTRIBUTIONS = pa.schema(
    [("id", _ID), ("claim_id", _ID), ("claim", _TEXT), ("claimant", _TEXT)]
    + [(name, _TEXT) for name in ("speaker", "outlet", "via", "speaker_as_written", "outlet_as_written")]
    + [(name, _TEXT) for name in ("via_as_written", "date", "stance", "url", "quote")]
    + [("document", _ID), ("quote_start", _ID), ("quote_end", _ID), ("note", _TEXT), ("status", _TEXT)]
)
CLAIMS = pa.schema(
    [("id", _ID), ("text", _TEXT), ("first_seen", _TEXT), ("first_outlet", _TEXT)]
    + [(name, _ID) for name in ("attributions", "asserts", "reports", "questions", "disputes", "contested")]
)
DOCUMENTS = pa.schema(
    [("id", _ID)]
    + [(name, _TEXT) for name in ("sha256", "title", "outlet", "outlet_as_written", "url", "date", "language")]
    + [(name, _TEXT) for name in ("translation_of", "translated_by", "source_sha256")]
    + [("attributions", _ID), ("length", _ID), ("text", _TEXT)]
)
JOURNAL = pa.schema([("seq", _ID), ("payload", _TEXT), ("prev_hash", _TEXT), ("hash", _TEXT)])

# In id order, the attributions view's columns, and url, quote and note read from the payload
# by one join (the view looks each up on its own); the names by id, looked up in Arrow
# (`_named`), and the month, which is set aside (`_Spill`).
_ATTRIBUTIONS = """
    SELECT r.id, r.claim_id, r.claim, r.speaker_id, r.outlet_id, r.via_id, r.date, r.stance,
           j.payload ->> '$.url', j.payload ->> '$.quote', r.document, r.quote_start, r.quote_end,
           j.payload ->> '$.note', r.status, r.month
    FROM attribution_rows AS r JOIN journal AS j ON j.seq = r.id
    ORDER BY r.id"""
_NAMED = ("speaker", "outlet", "via")
_READ = pa.schema(
    [*ATTRIBUTIONS][:3] + [(f"{name}_id", _ID) for name in _NAMED] + [*ATTRIBUTIONS][10:] + [("month", _TEXT)]
)
_CLAIMS = f"SELECT {', '.join(CLAIMS.names)} FROM claims ORDER BY id"
_DOCUMENTS = """
    SELECT d.id, d.sha256, d.title, d.outlet, (SELECT name FROM names WHERE id = r.outlet_id), d.url, d.date,
           d.language, d.translation_of, d.translated_by, r.source_sha256, d.attributions, d.length, t.text
    FROM documents AS d JOIN document_records AS r ON r.seq = d.id JOIN document_texts AS t ON t.id = d.id
    ORDER BY d.id"""
_JOURNAL = "SELECT seq, payload, prev_hash, hash FROM journal ORDER BY seq"
# The tables beside the attributions: the query of each, its columns, and the column whose text
# may be long (`_batches`).
_TABLES = {
    "claims": (_CLAIMS, CLAIMS, "text"),
    "documents": (_DOCUMENTS, DOCUMENTS, "text"),
    "journal": (_JOURNAL, JOURNAL, "payload"),
}


def write_parquet(ledger, directory, overwrite=False):
    """Write the ledger as Parquet into the folder `directory` (see the module's docstring);
    returns {"attributions": n, "claims": n, "documents": n, "journal": n}. A folder that
    holds anything is refused (LedgerError) unless `overwrite`, which replaces it whole."""
    target = Path(os.path.abspath(directory))
    if target.exists() and not target.is_dir():
        raise LedgerError(f"{directory}: not a folder")
    if not overwrite and _holds_anything(target):
        raise LedgerError(f"{directory}: the folder holds files already; --overwrite replaces it")
    try:
        written = _folder_beside(target, "partial")
    except OSError as error:
        raise LedgerError(f"{directory}: cannot be written ({error.strerror}: {target.parent})") from None
    try:
        with _snapshot(ledger) as other, ThreadPoolExecutor(1) as pool:
            # The attributions on this thread; the other tables, mostly SQLite's work, on another.
            rest = pool.submit(_write_the_rest, other, written)
            counts = {"attributions": _write_attributions(ledger.conn, written), **rest.result()}
        _put_in_place(written, target, overwrite)
    except OSError as error:  # a full disk, a folder taken away meanwhile
        raise LedgerError(f"{directory}: could not be written ({error}); it is as it was") from None
    finally:
        shutil.rmtree(written, ignore_errors=True)  # gone already, once in place
    return counts


@contextlib.contextmanager
def _snapshot(ledger):
    """A read transaction on the ledger's connection and on another one, yielded, that see
    the same ledger: the same newest journal entry (every write appends one)."""
    other = connect(ledger.path)
    try:
        while True:
            heads = [
                conn.execute("BEGIN").execute("SELECT max(seq) FROM journal").fetchone()
                for conn in (ledger.conn, other)
            ]
            if heads[0] == heads[1]:
                break
            for conn in (ledger.conn, other):
                conn.execute("COMMIT")  # an entry was appended between the two: again
        try:
            yield other
        finally:
            for conn in (ledger.conn, other):
                conn.execute("COMMIT")
    finally:
        other.close()


def _write_the_rest(conn, folder):
    """Write the tables beside the attributions (_TABLES) into `folder`; returns how many rows each."""
    return {
        name: _write_table(conn.execute(query), schema, longest, folder / name)
        for name, (query, schema, longest) in _TABLES.items()
    }


def _folder_beside(target, what):
    """A new folder beside `target`, named after it and `what`, hidden (its mode by the umask)."""
    folder = target.with_name(f".{target.name}.{secrets.token_hex(6)}.{what}")
    folder.mkdir()
    return folder


def _holds_anything(folder):
    return folder.is_dir() and any(folder.iterdir())


def _put_in_place(written, target, overwrite):
    """Rename the folder `written` to `target`. A `target` that holds files (with `overwrite`)
    is first renamed aside, then removed: a reader finds the old folder or the new one whole
    (for the instant between the two renames, none)."""
    if not _holds_anything(target):
        os.rename(written, target)  # over an empty folder, too
        return
    if not overwrite:  # another export filled it meanwhile
        raise LedgerError(f"{target}: the folder holds files already; --overwrite replaces it")
    aside = _folder_beside(target, "replaced")
    try:
        os.rename(target, aside / target.name)
        try:
            os.rename(written, target)
        except OSError:
            os.rename(aside / target.name, target)  # the old folder back
            raise
    finally:
        shutil.rmtree(aside, ignore_errors=True)


def _write_table(cursor, schema, longest, folder):
    """Write the rows of `cursor` (in `schema`'s columns) to folder/part-0.parquet; returns how
    many. An empty table is still a file, with its columns and no rows."""
    folder.mkdir()
    return _write_file(_row_groups(_batches(cursor, schema, longest)), schema, folder / PART)


def _write_file(tables, schema, path):
    """Write each table as a row group of the Parquet file `path`; returns how many rows."""
    count = 0
    repeated = [name for name in schema.names if name in REPEATED]
    with pq.ParquetWriter(path, schema, compression=COMPRESSION, use_dictionary=repeated) as writer:
        for table in tables:
            writer.write_table(table, row_group_size=table.num_rows)
            count += table.num_rows
    return count


def _batches(cursor, schema, longest):
    """Record batches of the rows of `cursor`: FETCHED_ROWS rows, or fewer once their column
    `longest` holds FETCHED_TEXT characters."""
    at, rows, size = schema.get_field_index(longest), [], 0
    for row in cursor:
        rows.append(row)
        size += len(row[at] or "")
        if len(rows) == FETCHED_ROWS or size >= FETCHED_TEXT:
            yield _batch(rows, schema)
            rows, size = [], 0
    if rows:
        yield _batch(rows, schema)


def _batch(rows, schema):
    columns = zip(*rows)
    arrays = [pa.array(column, type=field.type) for column, field in zip(columns, schema)]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _row_groups(batches):
    """The batches gathered into tables of ROW_GROUP_ROWS rows, or fewer once they hold
    ROW_GROUP_BYTES bytes, and at the end."""
    held, rows, size = [], 0, 0
    for batch in batches:
        while batch.num_rows:
            part, batch = batch.slice(0, ROW_GROUP_ROWS - rows), batch.slice(ROW_GROUP_ROWS - rows)
            held.append(part)
            rows, size = rows + part.num_rows, size + part.nbytes
            if rows == ROW_GROUP_ROWS or size >= ROW_GROUP_BYTES:
                yield pa.Table.from_batches(held)
                held, rows, size = [], 0, 0
    if held:
        yield pa.Table.from_batches(held)


def _write_attributions(conn, folder):
    """Every attribution, a file for each year and month of its `date` (the view's `month`),
    in id order within it; returns how many. They are read in id order, set aside by month,
    then written a month at a time."""
    (folder / "attributions").mkdir()
    names = _names(conn)
    with _Spill(folder / ".months") as spill:
        for table in _row_groups(_batches(conn.execute(_ATTRIBUTIONS), _READ, "quote")):
            spill.add(_named(table, *names))
        count = 0
        for month, tables in spill.months():
            partition = folder / "attributions" / f"year={int(month[:4])}" / f"month={int(month[5:7])}"
            partition.mkdir(parents=True)
            count += _write_file(_row_groups(tables), ATTRIBUTIONS, partition / PART)
    return count


def _names(conn):
    """(ids, names as written, canonical names) of every name, as the entities view resolves
    them: names are few beside attributions, and are looked up here once rather than for each."""
    ids, written, canonical = [], [], []
    for id_, name, canonical_name in conn.execute("SELECT id, name, canonical FROM entities"):
        ids.append(id_)
        written.append(name)
        canonical.append(canonical_name)
    return pa.array(ids, _ID), pa.array(written, _TEXT), pa.array(canonical, _TEXT)


def _named(table, ids, written, canonical):
    """A table read by _ATTRIBUTIONS (`_READ`) in the attributions' columns, with its month: its
    names by id, canonical and as written."""
    columns = {name: table[name] for name in _READ.names}
    for name in _NAMED:
        at = pc.index_in(table[f"{name}_id"], value_set=ids)
        columns[name], columns[f"{name}_as_written"] = pc.take(canonical, at), pc.take(written, at)
    columns["claimant"] = pc.coalesce(columns["speaker"], columns["outlet"])
    return pa.table([columns[name] for name in _SPILLED.names], schema=_SPILLED)


_SPILLED = ATTRIBUTIONS.append(pa.field("month", _TEXT))
# Spill files open at once, well within the files a process may open (often 1,024).
SPILLS_OPEN = 256
SPILL_COMPRESSION = "lz4"


class _Spill:
    """Tables set aside by month in Arrow IPC streams under `folder`, read back a month
    at a time, in month order, each file removed once read. At most SPILLS_OPEN files are open
    at once: a month whose file was closed goes on in another."""

    def __init__(self, folder):
        self.folder = folder
        self.files = {}  # month: its files, in order
        self.open = {}  # month: its writer, the least recently written first

    def __enter__(self):
        self.folder.mkdir()
        return self

    def __exit__(self, *exc):
        self._close()
        shutil.rmtree(self.folder)

    def add(self, table):
        """Set each month's rows of `table` (`_SPILLED`) aside, in their order."""
        table = table.take(pc.sort_indices(table["month"]))  # a stable sort: ids stay in order
        counts = pc.value_counts(table["month"])
        start = 0
        for month, count in sorted(zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist())):
            self._writer(month).write_table(table.slice(start, count).drop_columns(["month"]))
            start += count

    def months(self):
        """(month, its batches) for each month, in order."""
        self._close()
        for month in sorted(self.files):
            yield month, _read_and_remove(self.files[month])

    def _writer(self, month):
        writer = self.open.pop(month, None)
        if writer is None:
            if len(self.open) == SPILLS_OPEN:
                self.open.pop(next(iter(self.open))).close()
            path = self.folder / f"{month}.{len(self.files.setdefault(month, []))}.arrow"
            self.files[month].append(path)
            writer = pa.ipc.new_stream(
                str(path), ATTRIBUTIONS, options=pa.ipc.IpcWriteOptions(compression=SPILL_COMPRESSION)
            )
        self.open[month] = writer  # the most recently written, last
        return writer

    def _close(self):
        while self.open:
            self.open.popitem()[1].close()


def _read_and_remove(paths):
    for path in paths:
        with pa.OSFile(str(path)) as source:
            yield from pa.ipc.open_stream(source)
        path.unlink()
