"""The file formats: one registry of each format's name, reader, writers and file endings.

A reader takes a binary stream and yields `base.Item`s (a raw record, or the problems found
at a line); a writer takes a `Ledger` and a text stream and returns how many it wrote; a folder
writer takes a `Ledger` and a folder to fill (`parquet`).
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass

from . import claimreview, documents, journal, text


@dataclass(frozen=True)
class Format:
    name: str
    read: Callable | None = None  # binary stream -> Items
    write: Callable | None = None  # (ledger, out) -> count, of what is current
    write_all: Callable | None = None  # (ledger, out) -> count, retracted and superseded too (--all)
    endings: tuple = ()  # file name endings that tell the format, the longest first
    write_folder: Callable | None = None  # (ledger, directory, overwrite=False) -> counts by table


def write_parquet(ledger, directory, overwrite=False):
    """`parquet.write_parquet`: pyarrow is imported by the one command that writes Parquet,
    not by every command."""
    from .parquet import write_parquet

    return write_parquet(ledger, directory, overwrite)


FORMATS = {
    format_.name: format_
    for format_ in (
        Format(
            "jsonl",
            text.read_jsonl,
            text.write_jsonl,
            functools.partial(text.write_jsonl, include_all=True),
            (".jsonl", ".ndjson"),
        ),
        Format("csv", text.read_csv, text.write_csv, functools.partial(text.write_csv, include_all=True), (".csv",)),
        Format("json", text.read_json, endings=(".json",)),
        Format("claimreview", claimreview.read_claimreview, claimreview.write_reviews, endings=(".jsonld",)),
        Format("claim-jsonld", write=claimreview.write_claims),
        # A journal's lines are JSON objects, checked as entries by `Ledger.replay_journal`.
        Format("journal", text.read_jsonl, journal.write_journal, endings=(".journal.jsonl",)),
        Format("documents", documents.read_documents, documents.write_documents, endings=(".documents.jsonl",)),
        Format("annotation", write=documents.write_annotations),
        Format("parquet", write_folder=write_parquet),
    )
}
IMPORT_FORMATS = tuple(name for name, format_ in FORMATS.items() if format_.read)
EXPORT_FORMATS = tuple(name for name, format_ in FORMATS.items() if format_.write or format_.write_folder)


def format_of(file_name):
    """The format a file's name tells by its ending, or None."""
    endings = [(ending, name) for name, format_ in FORMATS.items() for ending in format_.endings]
    return next(
        (
            name
            for ending, name in sorted(endings, key=lambda pair: -len(pair[0]))
            if file_name.lower().endswith(ending)
        ),
        None,
    )


def read(stream, fmt):
    """The Items of a binary stream in import format `fmt`."""
    return FORMATS[fmt].read(stream)
