"""What every reader of import files shares: `Item`, the unit a reader yields (a raw
record, or the problems found at a line), their validation, and strict JSON and UTF-8.

Readers are strict where the standard library is lenient: invalid UTF-8, duplicate JSON
keys and NaN are all reported, with their lines.
"""

import json
from dataclasses import dataclass, field

from ..errors import Refused
from ..records import clean_record


@dataclass(slots=True)  # an import makes one for every record: slots make it sooner
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
        item.problems.append(
            (
                "status",
                f"{status!r}: this record is not current, and an import appends current "
                "attributions only; to move a ledger's whole history, use "
                "`ledger export --format journal` and import that into an empty ledger",
            )
        )


# The longest line and the longest whole file a reader takes, in bytes: more than any record,
# or any file of records read whole, can take (every field at its limit, every character
# escaped), so that endless input such as /dev/zero is refused rather than held in memory.
LONGEST_LINE = 8 << 20
LONGEST_WHOLE_FILE = 4 << 30


class _Lines:
    """Decoded lines of a binary stream; invalid UTF-8 is noted with its line and replaced,
    and a line longer than LONGEST_LINE ends the reading, noted too."""

    def __init__(self, stream, longest=LONGEST_LINE):
        self.stream = stream
        self.longest = longest
        self.bad = []  # Items for lines that were not UTF-8, or too long

    def __iter__(self):
        number = 0
        while raw := self.stream.readline(self.longest + 1):
            number += 1
            if len(raw) > self.longest:
                reason = f"is longer than {self.longest:,} bytes, longer than any record; the rest is not read"
                self.bad.append(Item(number, problems=[("line", reason)]))
                return
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]  # a byte order mark is not an error
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as error:
                self.bad.append(
                    Item(number, problems=[("text", f"invalid UTF-8 (byte {error.start + 1} of the line)")])
                )
                yield raw.decode("utf-8", errors="replace")


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


def whole_text(stream):
    """(text, None) of a whole binary stream, a byte order mark dropped; (None, Item) if it is not UTF-8."""
    data = stream.read(LONGEST_WHOLE_FILE + 1)
    if len(data) > LONGEST_WHOLE_FILE:
        return None, Item(
            1,
            problems=[
                (
                    "file",
                    f"is longer than {LONGEST_WHOLE_FILE:,} bytes, which is read whole "
                    "only up to there: write it as JSON Lines, read a line at a time",
                )
            ],
        )
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as error:
        return None, Item(data.count(b"\n", 0, error.start) + 1, problems=[("text", "invalid UTF-8")])


def _skip_space(text, position):
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def json_reason(error):
    if isinstance(error, RecursionError):
        return "nested too deeply"
    return getattr(error, "msg", None) or str(error)
