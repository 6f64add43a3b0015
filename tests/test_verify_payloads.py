"""`ledger verify` holds every payload to exactly what the ledger itself would have written:
its canonical JSON, of an entry that clean_entry keeps as it is. Each forgery below keeps a
correct chain hash and projection rows that agree with it, as a careful forger would; each
passed `verify` before it read payloads. Then the quick reading of plain attributions
(verify/payloads.py) against the full one, on entries and texts made by hypothesis."""

import json
import sqlite3
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.db import Ledger
from ledger.journal import canonical_json
from ledger.records import FIELDS
from ledger.verify.payloads import PLAIN_ALPHABET, plain_attribution, read_payload

from .helpers import SAMPLE, own_copy
from .test_tamper import _schema_triggers
from .test_tamper_kinds import JOURNAL_TRIGGERS, entry, sha256, verify

RECORD = {
    **SAMPLE,
    "speaker": "Yván Gil",
    "via": "Global Times",
    "quote": "“Peru was the first”",
    "url": "https://www.globaltimes.cn/page/202408/1317445.shtml",
}


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("payloads") / "ledger.db"
    with Ledger(path, create=True) as ledger:
        ledger.add({**SAMPLE, "outlet": "El Peruano"})
        ledger.add(RECORD)
    return path


@pytest.fixture
def db(template, tmp_path):
    return own_copy(template, tmp_path)


def forge_newest(db, payload, date=None):
    """Rewrite entry 2, the newest, as the text `payload` with its hash recomputed, and its
    attribution row's date set to `date` so that the row agrees with it; the triggers that
    refuse it are dropped and put back as schema.sql has them."""
    _, prev_hash, _ = entry(db, 2)
    triggers = (*JOURNAL_TRIGGERS, "attribution_records_no_update")
    conn = sqlite3.connect(db, isolation_level=None)
    for trigger in triggers:
        conn.execute(f"DROP TRIGGER {trigger}")
    conn.execute(
        "UPDATE journal SET payload = ?, digest = ? WHERE seq = 2", (payload, bytes.fromhex(sha256(prev_hash, payload)))
    )
    if date:
        conn.execute("UPDATE attribution_records SET date = ? WHERE seq = 2", (date,))
    for statement in _schema_triggers(triggers):
        conn.execute(statement)
    conn.close()


def newest_entry(**changes):
    payload, _, _ = entry_of_template()
    payload.update(changes)
    return payload


def entry_of_template():
    return {"type": "attribution", **RECORD, "recorded_at": "2024-08-01T00:00:00Z"}, None, None


CANONICAL = canonical_json(entry_of_template()[0])


@pytest.mark.parametrize(
    "payload, problem",
    [
        (
            json.dumps(
                {"type": "attribution", **RECORD, "recorded_at": "2024-08-01T00:00:00Z"},
                separators=(",", ":"),
                ensure_ascii=False,
            ),
            "payload is not in canonical form: its keys are out of order",
        ),
        (
            CANONICAL.replace('"outlet":"BBC"', '"outlet":"\\u0042BC"'),
            "payload is not in canonical form: white space, escapes or numbers are not written as canonical JSON writes them",
        ),
        (
            CANONICAL.replace(
                '"quote":"“Peru was the first”"', '"quote":"“Peru was the first”","quote":"“Chile was first”"'
            ),
            "payload is not in canonical form: a key is repeated",
        ),
        (
            CANONICAL.replace('"quote":"“Peru was the first”"', '"quote":"\\ud800"'),
            "payload is not in canonical form: white space, escapes or numbers are not written as canonical JSON writes them",
        ),
    ],
    ids=lambda value: value[:40] if isinstance(value, str) else value,
)
def test_a_forged_payload_not_in_canonical_form_is_named(db, payload, problem):
    forge_newest(db, payload)
    assert verify(db) == (1, f"seq 2: {problem}")


@pytest.mark.parametrize(
    "changes, problem",
    [
        ({"note": 5}, "note: must be text, not a number"),
        ({"note": 1.5}, "note: must be text, not a number"),
        ({"quote": ["“Peru”"]}, "quote: must be text, not a list"),
        ({"speaker": None}, "speaker: not as the ledger would have written it"),
        ({"extra": "x"}, "extra: is not a field of an entry of type attribution"),
        ({"recorded_at": "yesterday"}, "recorded_at: must be a UTC time YYYY-MM-DDTHH:MM:SSZ"),
        ({"recorded_at": "2024-08-01T25:00:00Z"}, "recorded_at: must be a UTC time YYYY-MM-DDTHH:MM:SSZ"),
        ({"url": "javascript:alert(1)"}, "url: 'javascript:alert(1)' is not an http or https address"),
        ({"quote": "e\u0301l dijo"}, "quote: not as the ledger would have written it"),
        ({"quote": " “Peru was the first”"}, "quote: not as the ledger would have written it"),
        ({"speaker": "Yván\u200bGil"}, "speaker: not as the ledger would have written it"),
        (
            {"quote": "\u202e“Peru was the first”"},
            "quote: holds the bidirectional control U+202E, which reorders the text shown",
        ),
        ({"via": "V" * 301}, "via: is 301 characters long; the limit is 300"),
    ],
    ids=lambda value: str(value)[:40],
)
def test_a_forged_entry_that_is_not_valid_is_named(db, changes, problem):
    forge_newest(db, canonical_json(newest_entry(**changes)))
    assert verify(db) == (1, f"seq 2: payload is not a valid entry: {problem}")


@pytest.mark.parametrize(
    "date, problem",
    [
        ("2024-02-30", "date: '2024-02-30' is not a real calendar day"),
        ("2999-01-01", "date: 2999-01-01 is in the future"),
        ("30 July 2024", "date: '30 July 2024' is not YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS with Z or an offset"),
    ],
)
def test_a_forged_impossible_date_is_named_though_its_row_agrees(db, date, problem):
    forge_newest(db, canonical_json(newest_entry(date=date)), date=date)
    assert verify(db) == (1, f"seq 2: payload is not a valid entry: {problem}")


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"quote": 'He said "no" and \\ left'},
        {"date": "2024-07-31T20:00:00-10:00", "note": "Señal débil — ‘dicho’ en Perú, €5"},
        {"url": "HTTPS://user@www.globaltimes.cn/x?y=1#z", "speaker": "Rafael Gonzalo Ñañez"},
    ],
)
def test_plain_attributions_are_read_quickly(changes):
    """The quick reading takes the attributions a desk records; the full one is their check."""
    entry = {**entry_of_template()[0], **changes}
    payload = canonical_json(entry).encode()
    assert plain_attribution(payload) == as_values(read_payload(payload)[0])


def test_the_ledgers_own_payload_passes_and_is_read_quickly(db):
    assert verify(db)[0] == 0
    assert plain_attribution(CANONICAL.encode()) == (
        RECORD["claim"],
        RECORD["outlet"],
        RECORD["speaker"],
        RECORD["via"],
        RECORD["date"],
        RECORD["stance"],
        None,
    )


# The quick reading against the full one ----------------------------------------------------


def test_the_plain_alphabet_is_printable_nfc_text_in_every_pair():
    """Composition joins two characters at a time, so NFC pairs make NFC text of any length."""
    ranges = PLAIN_ALPHABET.replace("\\", "")
    chars = [" "]
    at = 0
    while at < len(ranges):
        if at + 2 < len(ranges) and ranges[at + 1] == "-":
            chars += [chr(code) for code in range(ord(ranges[at]), ord(ranges[at + 2]) + 1)]
            at += 3
        else:
            chars.append(ranges[at])
            at += 1
    assert '"' not in chars and "\\" not in chars and "\u00ad" not in chars
    for char in chars:
        assert char.isprintable() and (char == " " or not char.isspace()) and not unicodedata.combining(char)
        assert json.dumps(char, ensure_ascii=False) == f'"{char}"'
    assert all(unicodedata.is_normalized("NFC", first + second) for first in chars for second in chars)


TEXT_PIECES = st.sampled_from(
    [
        "a",
        "Z",
        " ",
        "  ",
        '"',
        "\\",
        "\n",
        "\t",
        "é",
        "e\u0301",
        "\u200b",
        "\u200d",
        "\u202e",
        "\u00a0",
        "\u00ad",
        "“",
        "”",
        "Ж",
        "中",
        "\x7f",
        "\x85",
        "\ud800",
        "|",
        ",",
        ":",
        "{",
        "}",
        "x" * 299,
        "€",
    ]
)
TEXTS = st.lists(TEXT_PIECES, max_size=6).map("".join)
DATES = st.sampled_from(["2024-07-30", "2024-02-30", "2024-07-31T20:00:00-10:00", "2999-01-01", "", "x"]) | TEXTS
URLS = (
    st.sampled_from(["https://a.example/x", "HTTP://b.example", "javascript:alert(1)", "https://", "https://u@h/"])
    | TEXTS
)
VALUES = {"date": DATES, "url": URLS, "stance": st.sampled_from(["asserts", "disputes", "rumours", "Asserts"]) | TEXTS}


@st.composite
def entries(draw):
    """The template's entry with a few of its fields changed, dropped or added."""
    entry = dict(entry_of_template()[0])
    for key in draw(st.lists(st.sampled_from([*FIELDS, "extra", "type", "recorded_at"]), max_size=3, unique=True)):
        strategy = VALUES.get(key, TEXTS)
        if key == "type":
            strategy = st.sampled_from(["attribution", "correction", "alias"])
        elif key == "recorded_at":
            strategy = st.sampled_from(["2024-08-01T00:00:00Z", "2024-08-01T24:00:00Z", "2024-08-01 00:00:00"])
        value = draw(st.none() | st.integers() | strategy)
        if value is None and draw(st.booleans()):
            entry.pop(key, None)
        else:
            entry[key] = value
    return entry


def quick_and_full(payload):
    values = plain_attribution(payload)
    full, problem = read_payload(payload)
    return values, full, problem


def as_values(full):
    fields = ("claim", "outlet", "speaker", "via", "date", "stance")
    return (*(full.get(field) for field in fields), full.get("document") and (full["document"], full.get("quote")))


@settings(max_examples=400, deadline=None)
@given(entries())
def test_what_the_quick_reading_accepts_the_full_reading_accepts_with_the_same_values(entry):
    try:
        payload = canonical_json(entry).encode()
    except UnicodeEncodeError:  # a lone surrogate: no payload holds it
        return
    values, full, problem = quick_and_full(payload)
    if values is not None:
        assert problem is None and as_values(full) == values


@settings(max_examples=400, deadline=None)
@given(st.integers(0, len(CANONICAL)), st.integers(0, 8), TEXTS)
def test_a_payload_edited_anywhere_is_never_accepted_by_the_quick_reading_alone(at, length, text):
    payload = (CANONICAL[:at] + text + CANONICAL[at + length :]).encode("utf-8", "surrogatepass")
    values, full, problem = quick_and_full(payload)
    if values is not None:
        assert problem is None and as_values(full) == values
