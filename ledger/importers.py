"""Readers for import files: each yields `Item`s, a raw record or the problems found at a line.

Readers stream: CSV and JSON Lines are read a line at a time, so an import never
holds the whole file in memory (a JSON array is parsed whole, as JSON requires).
They are strict where the standard library is lenient: invalid UTF-8, duplicate
JSON keys, NaN, unbalanced CSV quotes and ragged rows are all reported.
"""
import array
import collections
import contextlib
import csv
import fcntl
import itertools
import json
import multiprocessing
import pickle
import re
import termios
from dataclasses import dataclass, field

from .records import FIELDS, REQUIRED, Refused, attribution_json, clean_record, entry_of

FORMATS = ("csv", "jsonl", "json", "claimreview", "journal")
# Larger than every field limit, so an over-long field is reported by validation, not by csv.
csv.field_size_limit(10_000_000)


@dataclass
class Item:
    line: int
    record: dict = None
    problems: list = field(default_factory=list)  # (field, reason) pairs
    fact_checker: bool = False  # the import also records the record's outlet as a fact-checker (ClaimReview)
    checked: bool = False  # `record` has passed clean_record
    payload: bytes = None  # the canonical JSON (UTF-8) of the attribution entry `record` makes, if written already


def checked(items):
    """The items with each record validated: a clean record, or its problems and no record."""
    for item in items:
        if item.record is not None and not item.checked:
            _take_status(item)
            try:
                item.record = clean_record(item.record)
            except Refused as refused:
                item.problems += refused.problems
                item.record = None
        item.checked = True
        yield item


def _take_status(item):
    """A record written by `ledger export --all` carries its status. A current one imports as
    any record; a retracted or superseded one is refused: an import appends attributions, and
    cannot give back the retraction or correction that ended one (a journal export can)."""
    status = item.record.pop("status", None) if isinstance(item.record, dict) else None
    if status not in (None, "", "current"):
        item.problems.append(("status", f"{status!r}: this record is not current, and an import appends current "
                                        "attributions only; to move a ledger's whole history, use "
                                        "`ledger export --format journal` and import that into an empty ledger"))


class CheckedInWorker:
    """Checked items of the file at `path`, read and validated by a forked child process,
    so that parsing and validating overlap with the parent's hashing and writing. The child
    also writes the payload of each record's attribution entry, recorded at `recorded_at`:
    the parent must import them with that same time.

    `position` is how many bytes of the file the child had read when it made the batch
    last received. If the parent dies, the child's next send (at the latest once AHEAD
    bytes wait) fails on the closed pipe and it exits."""

    BATCH = 500  # items sent at a time
    AHEAD = 16 << 20  # bytes of batches that may wait in the worker for room in the pipe

    def __init__(self, path, fmt, recorded_at):
        self.path, self.fmt, self.recorded_at, self.position = path, fmt, recorded_at, 0

    def __iter__(self):
        context = multiprocessing.get_context("fork")
        receiver, sender = context.Pipe(duplex=False)
        _pipe_size(sender, widen_to=PIPE_SIZE)
        child = context.Process(target=self._check, args=(receiver, sender), daemon=True)
        child.start()
        sender.close()
        try:
            while (message := receiver.recv()) is not None:
                if isinstance(message, BaseException):
                    raise message
                batch, self.position = message
                yield from map(_unpacked, batch)
        finally:
            receiver.close()
            child.join(timeout=5)
            if child.is_alive():
                child.kill()

    def _check(self, receiver, sender):
        receiver.close()  # else this process would hold the pipe open for itself once the parent dies
        outbox = _Outbox(sender, self.AHEAD)
        try:
            with open(self.path, "rb") as stream:
                batch = []
                for item in checked(read(stream, self.fmt)):
                    if item.record is not None:
                        entry = entry_of("attribution", item.record, self.recorded_at)
                        item.payload = attribution_json(entry).encode()
                    batch.append(_packed(item))
                    if len(batch) >= self.BATCH:
                        outbox.put((batch, stream.tell()))
                        batch = []
                outbox.put((batch, stream.tell()))
            outbox.put(None)
            outbox.send_all()
        except BrokenPipeError:
            pass  # the parent has gone: nobody to tell
        except Exception as error:  # the parent raises it
            outbox.put(error)
            outbox.send_all()


class _Outbox:
    """Messages for the parent, each sent once the pipe has room for all of it, or once
    more than `ahead` bytes wait (batches of long quotes may be larger than the pipe):
    meanwhile the worker goes on reading. The parent takes items unevenly (it
    stops at each batch it hands to its writing thread), and a worker blocked on a full
    pipe would then fall behind. (A sending thread of its own was slower: it waited for
    Python's lock at each message.)"""

    def __init__(self, sender, ahead):
        self.sender, self.ahead, self.waiting, self.waiting_bytes = sender, ahead, collections.deque(), 0
        self.capacity = _pipe_size(sender)
        self.held = array.array("i", [0])

    def put(self, message):
        data = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
        self.waiting.append(data)
        self.waiting_bytes += len(data)
        while self.waiting and (self.waiting_bytes > self.ahead or self._room_for(self.waiting[0])):
            self._send_next()

    def send_all(self):
        while self.waiting:
            self._send_next()

    def _send_next(self):
        data = self.waiting.popleft()
        self.waiting_bytes -= len(data)
        self.sender.send_bytes(data)

    def _room_for(self, data):
        if self.capacity is None:
            return True
        fcntl.ioctl(self.sender.fileno(), termios.FIONREAD, self.held)  # bytes in the pipe (Linux)
        return self.held[0] + 4 + len(data) <= self.capacity  # 4: the length send_bytes writes first


# With a pipe's default 64 KiB, the worker could only ever be one batch ahead of the parent,
# and the parent waited for it a fifth of an import's time; with 1 MiB (Linux's largest
# without privilege), half as long.
PIPE_SIZE = 1 << 20


def _pipe_size(connection, widen_to=None):
    """How many bytes the pipe holds, after widening it to `widen_to` where allowed; None
    where it cannot be known (outside Linux)."""
    if not hasattr(fcntl, "F_GETPIPE_SZ"):
        return None
    if widen_to:
        with contextlib.suppress(OSError):  # over this user's share of pipe memory: only slower
            fcntl.fcntl(connection.fileno(), fcntl.F_SETPIPE_SZ, widen_to)
    try:
        return fcntl.fcntl(connection.fileno(), fcntl.F_GETPIPE_SZ)
    except OSError:
        return None


# A checked record goes from the worker to the parent as a tuple (line, record, payload): that
# unpickles twice as fast as an Item, and the parent spends its time on the chain and the
# projections.
def _packed(item):
    if item.record is None or item.problems or item.fact_checker:
        return item
    return item.line, item.record, item.payload


def _unpacked(message):
    if isinstance(message, Item):
        return message
    line, record, payload = message
    return Item(line, record, checked=True, payload=payload)


def format_from_name(name):
    if name.lower().endswith(".journal.jsonl"):
        return "journal"
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return {"csv": "csv", "jsonl": "jsonl", "ndjson": "jsonl", "json": "json", "jsonld": "claimreview"}.get(suffix)


def read(stream, fmt):
    """Items of a binary stream in format `fmt` (one of FORMATS)."""
    if fmt == "claimreview":
        from .claimreview import read_claimreview  # imported here: it builds on this module

        return read_claimreview(stream)
    # A journal's lines are JSON objects, checked as entries by `Ledger.replay_journal`.
    return {"csv": read_csv, "jsonl": read_jsonl, "json": read_json, "journal": read_jsonl}[fmt](stream)


class _Lines:
    """Decoded lines of a binary stream; invalid UTF-8 is noted with its line and replaced."""

    def __init__(self, stream):
        self.stream = stream
        self.bad = []  # Items for lines that were not UTF-8

    def __iter__(self):
        for number, raw in enumerate(self.stream, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]  # a byte order mark is not an error
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as error:
                self.bad.append(Item(number, problems=[("text", f"invalid UTF-8 (byte {error.start + 1} of the line)")]))
                yield raw.decode("utf-8", errors="replace")


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
            break
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


def _drain(lines):
    while lines.bad:
        yield lines.bad.pop(0)


def _no_duplicate_keys(pairs):
    result = dict(pairs)
    if len(result) != len(pairs):
        seen = set()
        twice = next(key for key, _ in pairs if key in seen or seen.add(key))
        raise ValueError(f"the key {twice!r} appears twice in one object")
    return result


def _no_constant(name):
    raise ValueError(f"{name} is not valid JSON")


def _decoder():
    return json.JSONDecoder(object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constant)


def decode_json(text):
    """The value of JSON `text`, refusing (ValueError) what the standard library lets pass:
    a key twice in one object, NaN and infinities."""
    return _decoder().decode(text)


def _record_item(line, value):
    if not isinstance(value, dict):
        return Item(line, problems=[("record", f"a JSON object is expected, not {_kind(value)}")])
    return Item(line, record=value)


def _kind(value):
    return {list: "an array", str: "a string", bool: "true/false", type(None): "null"}.get(type(value), "a number")


def read_jsonl(stream):
    decode = _decoder().decode
    lines = _Lines(stream)
    for number, text in enumerate(lines, start=1):
        if lines.bad:
            yield from _drain(lines)
        try:
            value = decode(text)
        except ValueError as error:
            if text.strip():  # a blank line is no record, not an error
                yield Item(number, problems=[("json", json_reason(error))])
            continue
        yield _record_item(number, value)


def whole_text(stream):
    """(text, None) of a whole binary stream, a byte order mark dropped; (None, Item) if it is not UTF-8."""
    data = stream.read()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as error:
        return None, Item(data.count(b"\n", 0, error.start) + 1, problems=[("text", "invalid UTF-8")])


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
            except ValueError as error:
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


def _skip_space(text, position):
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def json_reason(error):
    return getattr(error, "msg", None) or str(error)
