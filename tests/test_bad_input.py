"""Bad input to `ledger import`, end to end as a real process: exit status 1, a one-line
reason `FILE:LINE: field: reason` for each bad record, and the database exactly as it was
(its file and -wal bytes and its whole content; see helpers.state_of). test_import.py and
test_records.py check many of these refusals at the unit level; here the installed command
meets them in files."""

import json
import sqlite3

import pytest

from ledger.records import FIELDS

from .helpers import SAMPLE, options, run_ledger, state_of, write_numbered_records

GOOD = json.dumps(SAMPLE, ensure_ascii=False)
HEADER = "claim,outlet,date,stance\n"
GOOD_ROW = "Peru recognized González.,BBC,2024-07-30,asserts\n"
FIELD_LIST = ", ".join(FIELDS)


def jsonl(**changes):
    """A good record on line 1, then the record changed by `changes` on line 2."""
    return f"{GOOD}\n{json.dumps({**SAMPLE, **changes})}\n"


REFUSED = {
    # name of the file: (its content, the first problem reported, as FILE:LINE: field: reason)
    "impossible-date.jsonl": (jsonl(date="2023-02-29"), "2: date: '2023-02-29' is not a real calendar day"),
    "impossible-time.jsonl": (
        jsonl(date="2024-07-30T24:00:00Z"),
        "2: date: '2024-07-30T24:00:00Z' is not a real date and time",
    ),
    "future-date.jsonl": (jsonl(date="2999-01-01"), "2: date: 2999-01-01 is in the future"),
    "unknown-stance.jsonl": (
        jsonl(stance="believes"),
        "2: stance: 'believes' is not one of asserts, reports, questions, disputes",
    ),
    "empty-claim.jsonl": (jsonl(claim=""), "2: claim: is required"),
    "white-space-claim.csv": (HEADER + GOOD_ROW + " \t ,BBC,2024-07-30,asserts\n", "3: claim: is required"),
    "nul.jsonl": (jsonl(claim="Peru\u0000recognized González."), "2: claim: holds NUL"),
    "escape-character.csv": (
        HEADER + "Peru recognized González.,B\x1bBC,2024-07-30,asserts\n",
        "2: outlet: holds control character U+001B",
    ),
    "line-break-in-a-name.jsonl": (jsonl(speaker="Yván\nGil"), "2: speaker: holds control character U+000A"),
    "lone-surrogate.jsonl": (
        f'{GOOD}\n{GOOD[:-1]}, "quote": "\\ud800"}}\n',
        "2: quote: holds an unpaired surrogate, which is not valid Unicode",
    ),
    "long-claim.jsonl": (jsonl(claim="x" * 10_001), "2: claim: is 10,001 characters long; the limit is 10,000"),
    "ftp-url.jsonl": (
        jsonl(url="ftp://example.org/a"),
        "2: url: 'ftp://example.org/a' is not an http or https address",
    ),
    "javascript-url.jsonl": (
        jsonl(url="javascript:alert(1)"),
        "2: url: 'javascript:alert(1)' is not an http or https address",
    ),
    "invalid-utf8.jsonl": (
        f"{GOOD}\n".encode() + b'{"claim": "Per\xfa", "outlet": "BBC"}\n',
        "2: text: invalid UTF-8 (byte 15 of the line)",
    ),
    "invalid-utf8.csv": (
        HEADER.encode() + b"Peru,B\xc3BC,2024-07-30,asserts\n",
        "2: text: invalid UTF-8 (byte 7 of the line)",
    ),
    "no-header.csv": (
        GOOD_ROW + GOOD_ROW,
        f"1: header: unknown field 'Peru recognized González.' (fields are: {FIELD_LIST})",
    ),
    "missing-header-field.csv": (
        "claim,outlet,date\nPeru,BBC,2024-07-30\n",
        "1: header: required field 'stance' is missing",
    ),
    "duplicated-header.csv": ("claim,outlet,date,stance,outlet\n", "1: header: 'outlet' appears twice"),
    "ragged-rows.csv": (
        HEADER + GOOD_ROW + "Peru,BBC,2024-07-30,asserts,extra\n",
        "3: row: has 5 values; the header has 4",
    ),
    "broken.jsonl": (f'{GOOD}\n{{"claim": "Peru", "outlet" "BBC"}}\n', "2: json: Expecting ':' delimiter"),
    "broken.json": (f'[\n{GOOD},\n{{"claim": }}\n]\n', "3: json: Expecting value"),
    "array-line.jsonl": (f'{GOOD}\n["Peru", "BBC"]\n', "2: record: a JSON object is expected, not an array"),
    "number-line.jsonl": (f"{GOOD}\n42\n", "2: record: a JSON object is expected, not a number"),
    "string-item.json": (f'[\n{GOOD},\n"Peru"\n]\n', "3: record: a JSON object is expected, not a string"),
    "object-not-array.json": (GOOD, "1: json: a JSON array of records is expected"),
    "number-date.jsonl": (jsonl(date=20240730), "2: date: must be text, not a number"),
    "list-claim.jsonl": (jsonl(claim=["Peru", "recognized"]), "2: claim: must be text, not a list"),
    "boolean-stance.jsonl": (jsonl(stance=True), "2: stance: must be text, not true/false"),
    "object-outlet.jsonl": (jsonl(outlet={"name": "BBC"}), "2: outlet: must be text, not an object"),
}


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "ledger.db"
    assert (
        run_ledger(
            path,
            "add",
            *options(SAMPLE),
            "--outlet",
            "Existing outlet",
        ).returncode
        == 0
    )
    return path


def write(path, content):
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


@pytest.mark.parametrize("name", REFUSED)
def test_bad_input_is_refused_naming_file_line_and_field_and_changes_nothing(db, tmp_path, name):
    content, problem = REFUSED[name]
    path = write(tmp_path / name, content)
    before = state_of(db)
    result = run_ledger(db, "import", path)
    assert (result.returncode, result.stdout) == (1, "")
    first_line, *problems = result.stderr.splitlines()
    assert first_line.endswith("bad record(s); nothing was imported:")
    assert problems[0] == f"{path}:{problem}"
    assert state_of(db) == before


@pytest.mark.parametrize(
    "name, content, record",
    [
        (
            "bom.csv",
            "\ufeff" + HEADER + GOOD_ROW,
            {"claim": "Peru recognized González.", "outlet": "BBC", "date": "2024-07-30", "stance": "asserts"},
        ),
        (
            "looks-like-sql-and-html.jsonl",
            None,
            {
                **SAMPLE,
                "claim": "Robert'); DROP TABLE journal;-- is a name.",
                "outlet": "<b>BBC</b>",
                "speaker": "' OR 1=1 --",
                "quote": "<script>alert(1)</script>\n<img src=x onerror=alert(1)>",
                "url": "https://example.org/?q='\"><script>alert(1)</script>",
            },
        ),
    ],
)
def test_accepted_input_is_stored_as_the_text_it_is(db, tmp_path, name, content, record):
    path = write(tmp_path / name, content or json.dumps(record, ensure_ascii=False) + "\n")
    before = state_of(db)
    result = run_ledger(db, "import", path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{path}: 1 new (id 2), 0 already recorded\n"
    assert state_of(db) != before  # the comparison that the refusals rely on does see a change
    assert json.loads(run_ledger(db, "export").stdout.splitlines()[-1]) == record
    conn = sqlite3.connect(db)
    stored = conn.execute("SELECT claim, outlet, speaker, quote, url FROM attributions WHERE id = 2").fetchone()
    conn.close()
    assert stored == tuple(record.get(field) for field in ("claim", "outlet", "speaker", "quote", "url"))
    assert run_ledger(db, "verify").returncode == 0


@pytest.mark.slow
def test_a_million_line_file_whose_last_line_is_bad_changes_nothing(db, tmp_path):
    # 20,000 different records, repeated: the import appends them all before it meets the last line.
    path = write_numbered_records(
        tmp_path / "million.jsonl", 1_000_000, distinct=20_000, last_line=json.dumps({**SAMPLE, "stance": "alleges"})
    )
    before = state_of(db)
    result = run_ledger(db, "import", path)
    assert result.returncode == 1
    assert result.stderr.splitlines()[1:] == [
        f"{path}:1000000: stance: 'alleges' is not one of asserts, reports, questions, disputes"
    ]
    assert state_of(db) == before


def test_a_refused_first_import_changes_only_the_headers_change_counter(tmp_path):
    """The one exception to unchanged bytes, as the README states it: a first import goes
    through a rollback journal and sets the WAL again, which counts a change in the file's
    header (bytes 24-27) and its version-valid-for number (92-95); nothing else moves."""
    db = tmp_path / "ledger.db"
    assert run_ledger(db, "init").returncode == 0
    before = db.read_bytes()
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(SAMPLE) + "\n" + json.dumps({**SAMPLE, "stance": "maybe"}) + "\n", encoding="utf-8")
    assert run_ledger(db, "import", bad).returncode == 1
    after = db.read_bytes()
    assert len(after) == len(before)
    changed = [offset for offset, (old, new) in enumerate(zip(before, after)) if old != new]
    assert set(changed) <= set(range(24, 28)) | set(range(92, 96)), changed
