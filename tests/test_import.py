"""`ledger import`: formats, all-or-nothing, FILE:LINE: field: reason, re-import, round trip."""

import csv
import io
import json
import sqlite3

import pytest
from click.testing import CliRunner

from ledger import Ledger
from ledger.cli import cli
from ledger.formats.base import Item

from .helpers import SAMPLE

RECORDS = [
    SAMPLE,
    {
        **SAMPLE,
        "outlet": "Global Times",
        "stance": "reports",
        "via": "Global Times",
        "speaker": "Hill",
        "quote": "“We were forced to make this decision.”\nSecond line.",
    },
    {
        "claim": "Venezuela severed diplomatic relations with Peru.",
        "outlet": "teleSUR",
        "date": "2024-07-31T10:00:00-04:00",
        "stance": "asserts",
        "url": "https://www.telesurtv.net/x",
    },
]


def ledger(db, *args, input=None):
    return CliRunner().invoke(cli, ["--db", str(db), *map(str, args)], input=input)


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def write_csv(path, records, fields=("claim", "outlet", "date", "stance", "speaker", "via", "url", "quote")):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def exported(db):
    return [json.loads(line) for line in ledger(db, "export").output.splitlines()]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "json"])
def test_import_each_format(tmp_path, fmt):
    db = tmp_path / "l.db"
    path = tmp_path / f"in.{fmt}"
    if fmt == "jsonl":
        write_jsonl(path, RECORDS)
    elif fmt == "csv":
        write_csv(path, RECORDS)
    else:
        path.write_text(json.dumps(RECORDS, indent=2, ensure_ascii=False), encoding="utf-8")
    result = ledger(db, "import", path)
    assert result.exit_code == 0, result.output
    assert "3 new (ids 1-3), 0 already recorded" in result.output
    assert exported(db) == RECORDS
    result = ledger(db, "import", path)
    assert "0 new, 3 already recorded" in result.output
    assert ledger(db, "digest").output.startswith("3:")


def test_standard_input_needs_format(tmp_path):
    db = tmp_path / "l.db"
    text = "".join(json.dumps(r) + "\n" for r in RECORDS)
    assert ledger(db, "import", "-", input=text).exit_code == 2
    result = ledger(db, "import", "-", "--format", "jsonl", input=text)
    assert result.exit_code == 0 and "3 new" in result.output


def test_unknown_ending_needs_format(tmp_path):
    path = write_jsonl(tmp_path / "records.txt", RECORDS)
    assert ledger(tmp_path / "l.db", "import", path).exit_code == 2
    assert ledger(tmp_path / "l.db", "import", path, "--format", "jsonl").exit_code == 0


def test_duplicates_within_one_file_are_recorded_once(tmp_path):
    path = write_jsonl(tmp_path / "in.jsonl", [SAMPLE, SAMPLE, {**SAMPLE, "claim": SAMPLE["claim"] + " "}])
    assert "1 new (id 1), 2 already recorded" in ledger(tmp_path / "l.db", "import", path).output


def test_blank_lines_of_json_lines_are_skipped(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(
        f"\n{json.dumps(SAMPLE)}\n  \t \r\n\n{json.dumps({**SAMPLE, 'stance': 'disputes'})}\n \n", encoding="utf-8"
    )
    result = ledger(tmp_path / "l.db", "import", path)
    assert result.exit_code == 0, result.output
    assert "2 new (ids 1-2), 0 already recorded" in result.output


def test_what_json_escapes_is_searched_as_written(tmp_path):
    # The search index reads claims and quotes back out of the payloads, where JSON escapes them.
    db = tmp_path / "l.db"
    quote = 'He said "Peru\\first"\nthen\tleft \u2014 González 🎉 done'
    write_jsonl(tmp_path / "x.jsonl", [{**SAMPLE, "claim": 'The "recognition" came\\first', "quote": quote}])
    assert ledger(db, "import", tmp_path / "x.jsonl").exit_code == 0
    conn = sqlite3.connect(db)
    for words, found in [
        ("then", 1),
        ("left", 1),
        ("González", 1),
        ("done", 1),
        ("recognition", 1),
        ("came", 1),
        ("first", 1),
        ("nthen", 0),
        ("tleft", 0),
        ("Gonz", 0),
    ]:
        sql = "SELECT count(*) FROM attribution_search WHERE attribution_search MATCH ?"
        assert conn.execute(sql, (f'"{words}"',)).fetchone()[0] == found, words
    conn.close()


def refused(tmp_path, name, content):
    db = tmp_path / "l.db"
    ledger(db, "add", "--claim", "existing", "--outlet", "BBC", "--date", "2024-07-30", "--stance", "asserts")
    before = db.read_bytes()
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    result = ledger(db, "import", path)
    assert result.exit_code == 1, result.output
    assert db.read_bytes() == before
    return [line.replace(str(path), "FILE") for line in result.output.splitlines()[1:]]


def test_every_bad_record_is_named_and_nothing_is_written(tmp_path):
    lines = [
        json.dumps(SAMPLE),
        json.dumps({**SAMPLE, "stance": "maybe"}),
        "",
        json.dumps({**SAMPLE, "date": "2024-02-30", "author": "x"}),
        json.dumps(["not", "an", "object"]),
        '{"claim": "broken',
        json.dumps({**SAMPLE, "date": 20240730}),
        '{"claim": "a", "claim": "b", "outlet": "x", "date": "2024-07-30", "stance": "asserts"}',
        '{"claim": NaN, "outlet": "x", "date": "2024-07-30", "stance": "asserts"}',
    ]
    problems = refused(tmp_path, "bad.jsonl", "\n".join(lines) + "\n")
    assert problems[0] == "FILE:2: stance: 'maybe' is not one of asserts, reports, questions, disputes"
    assert "FILE:4: author: unknown field" in problems[1]
    assert problems[2] == "FILE:4: date: '2024-02-30' is not a real calendar day"
    assert problems[3] == "FILE:5: record: a JSON object is expected, not an array"
    assert problems[4].startswith("FILE:6: json: ")
    assert problems[5] == "FILE:7: date: must be text, not a number"
    assert problems[6] == "FILE:8: json: the key 'claim' appears twice in one object"
    assert problems[7] == "FILE:9: json: NaN is not valid JSON"
    assert len(problems) == 8


def test_csv_problems(tmp_path):
    header = "claim,outlet,date,stance\n"
    assert refused(tmp_path, "a.csv", "claim,outlet,date\nx,BBC,2024-07-30\n") == [
        "FILE:1: header: required field 'stance' is missing"
    ]
    assert refused(tmp_path, "b.csv", "claim,outlet,date,stance,outlet\n") == ["FILE:1: header: 'outlet' appears twice"]
    assert "FILE:1: header: unknown field 'Peru'" in refused(tmp_path, "c.csv", "Peru,BBC,2024-07-30,asserts\n")[0]
    assert refused(tmp_path, "d.csv", header + "x,BBC,2024-07-30\ny,BBC,2024-07-30,asserts,extra\n") == [
        "FILE:2: row: has 3 values; the header has 4",
        "FILE:3: row: has 5 values; the header has 4",
    ]
    problems = refused(tmp_path, "e.csv", header + 'x,BBC,2024-07-30,asserts\n"unbalanced,BBC,2024-07-30,asserts\n')
    assert problems[0].startswith("FILE:3: csv: ")
    assert refused(tmp_path, "f.csv", header + "a\0b,BBC,2024-07-30,asserts\n") == ["FILE:2: claim: holds NUL"]
    assert refused(tmp_path, "g.csv", header.encode() + b"\xff\xfe,BBC,2024-07-30,asserts\n")[0] == (
        "FILE:2: text: invalid UTF-8 (byte 1 of the line)"
    )


def test_csv_multiline_record_is_named_by_its_first_line(tmp_path):
    content = 'claim,outlet,date,stance,quote\nx,BBC,2024-07-30,asserts,"one\ntwo"\ny,BBC,2024-07-30,nope,\n'
    assert refused(tmp_path, "m.csv", content) == [
        "FILE:4: stance: 'nope' is not one of asserts, reports, questions, disputes"
    ]


def test_csv_with_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfclaim,outlet,date,stance\nx,BBC,2024-07-30,asserts\n")
    result = ledger(tmp_path / "l.db", "import", path)
    assert result.exit_code == 0 and "1 new" in result.output


def test_long_csv_field_is_refused_by_the_limit_not_by_csv(tmp_path):
    problems = refused(tmp_path, "long.csv", "claim,outlet,date,stance\n" + "x" * 200_000 + ",BBC,2024-07-30,asserts\n")
    assert problems == ["FILE:2: claim: is 200,000 characters long; the limit is 10,000"]


def test_json_array_problems_name_the_line_where_each_record_starts(tmp_path):
    content = '[\n  {"claim": "x", "outlet": "BBC",\n   "date": "2024-07-30", "stance": "asserts"},\n  {"claim": "y", "outlet": "BBC",\n   "date": "2024-07-30", "stance": "no"},\n  42\n]\n'
    assert refused(tmp_path, "a.json", content) == [
        "FILE:4: stance: 'no' is not one of asserts, reports, questions, disputes",
        "FILE:6: record: a JSON object is expected, not a number",
    ]
    assert refused(tmp_path, "b.json", '{"claim": "x"}') == ["FILE:1: json: a JSON array of records is expected"]
    assert refused(tmp_path, "c.json", '[\n{"claim": "x"},\n{"broken\n]')[-1].startswith("FILE:3: json: ")


def test_text_that_looks_like_sql_or_html_is_stored_as_text(tmp_path):
    db = tmp_path / "l.db"
    record = {**SAMPLE, "claim": "Robert'); DROP TABLE journal;-- <script>alert(1)</script>"}
    write_jsonl(tmp_path / "x.jsonl", [record])
    assert ledger(db, "import", tmp_path / "x.jsonl").exit_code == 0
    assert exported(db) == [record]
    assert ledger(db, "verify").exit_code == 0


def test_export_then_import_gives_the_same_current_attributions(tmp_path):
    db = tmp_path / "l.db"
    write_jsonl(tmp_path / "in.jsonl", RECORDS)
    ledger(db, "import", tmp_path / "in.jsonl")
    ledger(db, "retract", 1, "--reason", "x")
    ledger(db, "correct", 2, "--reason", "y", "--note", "corrected")
    for fmt in ("jsonl", "csv"):
        out = tmp_path / f"out.{fmt}"
        out.write_text(ledger(db, "export", "--format", fmt).output, encoding="utf-8")
        copy = tmp_path / f"copy-{fmt}.db"
        assert ledger(copy, "import", out).exit_code == 0
        assert exported(copy) == exported(db)
        assert len(exported(copy)) == 2


# The ids of the new attributions -------------------------------------------------------


def test_import_names_the_ids_of_the_new_attributions(tmp_path):
    db = tmp_path / "l.db"
    ledger(db, "add", "--claim", "existing", "--outlet", "BBC", "--date", "2024-07-30", "--stance", "asserts")
    path = write_jsonl(tmp_path / "in.jsonl", [*RECORDS, RECORDS[0]])
    result = ledger(db, "import", path)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{path}: 3 new (ids 2-4), 1 already recorded\n"
    assert (
        ledger(db, "add", "--claim", "other", "--outlet", "BBC", "--date", "2024-07-30", "--stance", "asserts").stdout
        == "5\n"
    )
    single = write_jsonl(tmp_path / "one.jsonl", [{**SAMPLE, "stance": "disputes"}, *RECORDS])
    assert ledger(db, "import", single).stdout == f"{single}: 1 new (id 6), 3 already recorded\n"
    assert ledger(db, "import", single).stdout == f"{single}: 0 new, 4 already recorded\n"


def test_import_json_gives_the_counts_and_the_id_ranges(tmp_path):
    db = tmp_path / "l.db"
    path = write_jsonl(tmp_path / "in.jsonl", RECORDS)
    result = ledger(db, "import", path, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "file": str(path),
        "new": 3,
        "existing": 0,
        "id_ranges": [[1, 3]],
        "new_claims": 2,
        "close_claims": [],
    }
    again = json.loads(ledger(db, "import", "-", "--format", "jsonl", "--json", input=path.read_text()).stdout)
    assert again == {"file": "-", "new": 0, "existing": 3, "id_ranges": [], "new_claims": 0, "close_claims": []}


def _reviews_by(reviewers):
    """A ClaimReview array, one review by each reviewer and no claimant: each review gives the
    reviewer's attribution, then its fact_checker entry, so the new ids skip one each time."""
    return json.dumps(
        [
            {
                "@type": "ClaimReview",
                "claimReviewed": "The moon is made of cheese.",
                "author": {"name": reviewer},
                "datePublished": "2024-07-30",
                "reviewRating": {"alternateName": "False"},
            }
            for reviewer in reviewers
        ]
    )


def test_ids_that_do_not_follow_one_another_are_given_as_ranges(tmp_path):
    db = tmp_path / "l.db"
    path = tmp_path / "reviews.jsonld"
    path.write_text(_reviews_by(["A", "B", "C"]), encoding="utf-8")
    assert ledger(db, "import", path).stdout == f"{path}: 3 new (ids 1, 3, 5), 0 already recorded\n"
    many = tmp_path / "many.jsonld"
    many.write_text(_reviews_by("DEFGHIJ"), encoding="utf-8")
    assert ledger(db, "import", many).stdout == (
        f"{many}: 7 new (ids 7 to 19 in 7 ranges: --json lists them), 0 already recorded\n"
    )
    listed = json.loads(ledger(db, "import", many, "--json").stdout)  # already recorded: none new
    assert listed["id_ranges"] == [] and listed["existing"] == 7


def test_the_library_gives_the_id_ranges(tmp_path):
    items = [Item(n, record={**SAMPLE, "claim": f"Claim {n}."}) for n in range(1, 4)]
    with Ledger(tmp_path / "l.db", create=True) as opened:
        assert opened.add(SAMPLE) == (1, True)
        result = opened.import_items(items)
    assert (result.new, result.existing, result.id_ranges) == (3, 0, [[2, 4]])


# CSV from spreadsheets in other locales ------------------------------------------------------


def _separated(separator, records, fields=("claim", "outlet", "date", "stance", "quote")):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, delimiter=separator, lineterminator="\r\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(records)
    return out.getvalue()


@pytest.mark.parametrize("separator", [";", "\t"])
def test_csv_separated_by_semicolons_or_tabs_is_read_from_its_header(tmp_path, separator):
    db = tmp_path / "l.db"
    records = [{**SAMPLE, "quote": "Lima, 30 July; “a decision”"}, {**RECORDS[2], "claim": "Venezuela, 2024."}]
    path = tmp_path / "spreadsheet.csv"
    path.write_text(_separated(separator, records), encoding="utf-8")
    result = ledger(db, "import", path)
    assert result.exit_code == 0, result.output
    assert exported(db) == [
        {key: record[key] for key in ("claim", "outlet", "date", "stance", "quote") if key in record}
        for record in records
    ]


def test_a_semicolon_separated_csv_names_its_bad_records_at_their_lines(tmp_path):
    content = _separated(";", [SAMPLE, {**SAMPLE, "stance": "maybe"}]) + 'x;BBC;2024-07-30;asserts;"two\nlines";\n'
    assert refused(tmp_path, "excel.csv", "\n" + content) == [
        "FILE:4: stance: 'maybe' is not one of asserts, reports, questions, disputes",
        "FILE:5: row: has 6 values; the header has 5",
    ]


def test_excel_sep_line_names_the_separator_and_keeps_the_line_numbers(tmp_path):
    db = tmp_path / "l.db"
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbfsep=;\r\n" + _separated(";", [SAMPLE, {**SAMPLE, "date": "2024-02-30"}]).encode())
    result = ledger(db, "import", path)
    assert result.exit_code == 1
    assert f"{path}:4: date: '2024-02-30' is not a real calendar day" in result.output
    path.write_bytes(b"sep=|\n" + _separated("|", [SAMPLE]).encode())
    assert ledger(db, "import", path).exit_code == 0 and exported(db) == [SAMPLE]


def test_a_header_with_commas_keeps_commas_as_the_separator(tmp_path):
    assert refused(tmp_path, "a.csv", "claim,outlet,date,stance\nx;y,BBC,2024-07-30,maybe\n") == [
        "FILE:2: stance: 'maybe' is not one of asserts, reports, questions, disputes"
    ]
    assert refused(tmp_path, "b.csv", "claim;outlet,date;stance\n")[0] == (
        "FILE:1: header: unknown field 'claim;outlet' (fields are: claim, outlet, date, stance, speaker, via, url, "
        "quote, note, document)"
    )
