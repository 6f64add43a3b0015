"""CSV, JSON Lines and JSON: import records in, and current attributions out.

Readers stream: CSV and JSON Lines are read a line at a time, so an import never holds the
whole file in memory (a JSON array is parsed whole, as JSON requires). Unbalanced CSV
quotes and ragged rows are reported with their lines.
"""

import csv
import itertools
import json
import re

from ..records import FIELDS, REQUIRED
from .base import LONGEST_LINE, Item, _decoder, _drain, _Lines, _record_item, _skip_space, json_reason, whole_text

# Larger than every field limit, so an over-long field is reported by validation, not by csv.
csv.field_size_limit(10_000_000)


def read_csv(stream):
    """Records of CSV with a header row, separated by `,`, `;` or tabs (`_header_lines`)."""
    lines = _Lines(stream)
    each_line = iter(lines)
    peeked, separator = _header_lines(each_line)
    reader = csv.reader(itertools.chain(peeked, each_line), delimiter=separator, strict=True)
    start = 1
    header = None
    while True:
        try:
            row = next(reader)
        except StopIteration:
            yield from _drain(lines)  # a line too long, which ended the reading
            return
        except csv.Error as error:
            yield from _drain(lines)
            yield Item(start, problems=[("csv", str(error))])
            return
        yield from _drain(lines)
        line, start = start, reader.line_num + 1
        if not row or row == [""]:
            continue
        if header is None:
            header = [name.strip() for name in row]
            problems = _header_problems(header)
            if problems:
                yield Item(line, problems=problems)
                return
            continue
        if len(row) != len(header):
            yield Item(line, problems=[("row", f"has {len(row)} values; the header has {len(header)}")])
            continue
        yield Item(line, record=dict(zip(header, row)))


def _header_lines(lines):
    """(the lines up to the header row's first, its separator). The separator is `,`, unless
    the header row has none: then `;` or a tab if it has them, as a spreadsheet in a European
    locale writes CSV. Excel's first line `sep=X` names it, and is read as a blank line, so
    that lines keep their numbers."""
    peeked, separator = [], None
    for line in lines:
        if not peeked and (named := _EXCEL_SEPARATOR.fullmatch(line.rstrip("\r\n"))):
            separator, line = named.group(1), "\n"
        peeked.append(line)
        if line.strip():
            break
    if separator is None:
        header = peeked[-1] if peeked else ""
        separator = next((mark for mark in ",;\t" if mark in header), ",")
    return peeked, separator


_EXCEL_SEPARATOR = re.compile("sep=(.)")


def _header_problems(header):
    problems = []
    seen = set()
    for name in header:
        if name in seen:
            problems.append(("header", f"{name!r} appears twice"))
        elif name not in FIELDS and name != "status":  # status: see _take_status
            problems.append(("header", f"unknown field {name!r} (fields are: {', '.join(FIELDS)})"))
        seen.add(name)
    problems += [("header", f"required field {name!r} is missing") for name in REQUIRED if name not in seen]
    return problems


def read_jsonl(stream, longest=LONGEST_LINE):
    decode = _decoder().decode
    lines = _Lines(stream, longest)
    for number, text in enumerate(lines, start=1):
        if lines.bad:
            yield from _drain(lines)
        try:
            value = decode(text)
        except (ValueError, RecursionError) as error:
            if text.strip():  # a blank line is no record, not an error
                yield Item(number, problems=[("json", json_reason(error))])
            continue
        yield _record_item(number, value)
    yield from _drain(lines)


def read_json(stream):
    """A JSON array of records; each item's line is where its value starts."""
    text, not_utf8 = whole_text(stream)
    if not_utf8:
        yield not_utf8
        return
    decoder = _decoder()
    line, counted = 1, 0

    def line_at(text, position):  # positions only move forward: count newlines once
        nonlocal line, counted
        line += text.count("\n", counted, position)
        counted = position
        return line

    position = _skip_space(text, 0)
    if position == len(text):
        return
    if text[position] != "[":
        yield Item(line_at(text, position), problems=[("json", "a JSON array of records is expected")])
        return
    position = _skip_space(text, position + 1)
    if text.startswith("]", position):
        position = _skip_space(text, position + 1)
    else:
        while True:
            try:
                value, end = decoder.raw_decode(text, position)
            except (ValueError, RecursionError) as error:
                yield Item(line_at(text, position), problems=[("json", json_reason(error))])
                return
            yield _record_item(line_at(text, position), value)
            position = _skip_space(text, end)
            if text.startswith(",", position):
                position = _skip_space(text, position + 1)
            elif text.startswith("]", position):
                position = _skip_space(text, position + 1)
                break
            else:
                yield Item(line_at(text, position), problems=[("json", "expected ',' or ']' after a record")])
                return
    if position != len(text):
        yield Item(line_at(text, position), problems=[("json", "unexpected text after the array")])


def write_jsonl(ledger, out, include_all=False):
    """The current attributions (with `include_all`, every one with its status) as import
    records, one JSON object a line; returns how many."""
    count = 0
    for count, (_, record) in enumerate(ledger.records(include_all=include_all), start=1):
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return count


def write_csv(ledger, out, include_all=False):
    """The same as CSV: a header row, then a row a record, with a `status` column where the
    records carry their status; returns how many."""
    writer = csv.DictWriter(out, fieldnames=(*FIELDS, "status") if include_all else FIELDS, lineterminator="\n")
    writer.writeheader()
    count = 0
    for count, (_, record) in enumerate(ledger.records(include_all=include_all), start=1):
        writer.writerow(record)
    return count
