"""Documents and anchored quotes (CONTRACT.md section 6): adding, listing and showing documents
from the command line, anchoring a record's quote under the matching rules, every bad input
refused in one line with the database unchanged, the documents moving whole through export
and import, and the Web Annotations written for anchored attributions."""

import hashlib
import json

import pytest
from click.testing import CliRunner

from ledger import Ledger
from ledger.cli import cli
from ledger.documents import anchor, document_text

from .helpers import ROOT, SAMPLE, options, run_ledger, state_of

SEED = ROOT / "seeds" / "global-times-venezuela-peru.txt"
SEED_TEXT = document_text(SEED.read_bytes())
QUOTE = "“We were forced to make this decision.”"
RECORD = {
    "claim": "Venezuela was forced to sever relations with Peru.",
    "outlet": "Global Times",
    "date": "2024-08-01",
    "stance": "reports",
    "speaker": "Venezuelan Foreign Minister Hill",
}


def invoke(db, *args):
    result = CliRunner().invoke(cli, ["--db", str(db), *map(str, args)])
    return result.exit_code, result.stdout or result.stderr


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "ledger.db"
    added = run_ledger(path, "document", "add", SEED, "--outlet", "Global Times", "--language", "en")
    assert (added.returncode, added.stdout) == (0, "1\n")
    return path


def test_a_document_is_added_once_and_listed(db):
    assert invoke(db, "document", "add", SEED) == (0, "1\n")  # the same text: nothing appended
    with Ledger(db) as ledger:
        assert ledger.verify()[0] == 1
        (listed,) = ledger.documents()
    assert listed["sha256"] == hashlib.sha256(SEED.read_bytes()).hexdigest()  # stored byte for byte
    assert (listed["outlet"], listed["language"], listed["attributions"]) == ("Global Times", "en", 0)
    status, output = invoke(db, "document", "list")
    assert status == 0 and output.splitlines()[1].split()[:3] == ["1", listed["sha256"][:12], "Global"]


def test_an_anchored_quote_is_marked_in_its_document(db):
    status, seq = invoke(db, "add", *options({**RECORD, "document": "1", "quote": QUOTE}))
    assert status == 0
    status, output = invoke(db, "document", "show", "1")
    assert status == 0
    assert f'⟦{seq.strip()}⟧"We were forced to make this decision."⟦/{seq.strip()}⟧' in output
    shown = json.loads(invoke(db, "document", "show", "1", "--json")[1])
    (anchored,) = shown["anchors"]
    assert SEED_TEXT[anchored["quote_start"] : anchored["quote_end"]] == anchored["exact"]
    assert shown["text"] == SEED_TEXT


def test_an_attribution_takes_its_documents_address_and_outlet(tmp_path):
    path = tmp_path / "ledger.db"
    with Ledger(path, create=True) as ledger:
        ((document, _),) = ledger.add_documents(
            [(SEED_TEXT, {"outlet": "Global Times", "url": "https://gt.example/a"})]
        )
        seq, _ = ledger.add({**RECORD, "outlet": "BBC", "document": str(document), "quote": QUOTE})
        record = dict(ledger.records())[seq]
    assert record["url"] == "https://gt.example/a" and record["via"] == "Global Times"
    assert record["document"] == hashlib.sha256(SEED.read_bytes()).hexdigest()


def test_the_matching_rules_fold_white_space_marks_and_dashes_but_not_case():
    text = "He said:\n  “It is — as we said — final.”\nThe end. He said: 'It is - as we said - final.'"
    found = anchor(text, 'said: "It is - as we said - final."')
    assert (found.start, text[found.start : found.end]) == (3, "said:\n  “It is — as we said — final.”")
    assert anchor(text, "SAID:") is None
    found = anchor(text, "The end.")
    assert (found.prefix, found.suffix) == (text[found.start - 32 : found.start], text[found.end : found.end + 32])


def test_a_quote_twice_in_the_document_anchors_the_first():
    text = "Peru broke relations. Later: Peru broke relations."
    assert anchor(text, "Peru broke relations").start == 0


# Bad input: one line, exit 1, the database exactly as it was ------------------------------


def bad_inputs(tmp_path):
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"PK\x03\x04\x00\x00\x08")
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("Perú rompió relaciones".encode("latin-1"))
    empty = tmp_path / "empty.txt"
    empty.write_text(" \n\n")
    page = tmp_path / "empty.html"
    page.write_text("<html><head><title>x</title><script>var a = 1;</script></head><body><img src=a.png></body></html>")
    huge = tmp_path / "huge.txt"
    huge.write_text("a" * 10_000_001)
    return {
        "quote absent": (
            ["add", *options({**RECORD, "document": "1", "quote": "Chile was first"})],
            "quote: not in document 1",
        ),
        "quote in another case": (
            ["add", *options({**RECORD, "document": "1", "quote": "we were forced to make this decision"})],
            "quote: not in document 1; the nearest passage (",
        ),
        "document neither id nor sha256": (
            ["add", *options({**RECORD, "document": "the article"})],
            "document: 'the article' is neither a document's id nor its sha256",
        ),
        "sha256 of the wrong length": (
            ["add", *options({**RECORD, "document": "60a0ca334ae5"})],
            "document: a sha256 has 64 hexadecimal digits, not 12",
        ),
        "document not held": (["add", *options({**RECORD, "document": "7"})], "document: '7' is not a document"),
        "binary file": (["document", "add", binary], "text: is binary, not text"),
        "not UTF-8": (["document", "add", latin1], "text: is not UTF-8"),
        "empty": (["document", "add", empty], "text: is empty"),
        "page with no main text": (["document", "add", page], "text: the page has no main text to extract"),
        "over the size limit": (["document", "add", huge], "text: is 10,000,001 characters long"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "quote absent",
        "quote in another case",
        "document neither id nor sha256",
        "sha256 of the wrong length",
        "document not held",
        "binary file",
        "not UTF-8",
        "empty",
        "page with no main text",
        "over the size limit",
    ],
)
def test_bad_input_is_refused_in_one_line_and_changes_nothing(db, tmp_path, case):
    args, reason = bad_inputs(tmp_path)[case]
    before = state_of(db)
    result = run_ledger(db, *args)
    assert result.returncode == 1, result.stderr
    assert len(result.stderr.splitlines()) == 1 and reason in result.stderr, result.stderr
    assert state_of(db) == before


def test_a_new_document_cannot_be_a_translation_of_itself(tmp_path):
    other = tmp_path / "other.txt"
    other.write_text("Venezuela rompe relaciones con Perú.\n")
    own = hashlib.sha256(other.read_bytes()).hexdigest()
    db = tmp_path / "ledger.db"
    run_ledger(db, "init")
    before = state_of(db)
    result = run_ledger(db, "document", "add", other, "--translation-of", own)
    assert (result.returncode, result.stderr.strip()) == (1, "translation_of: names the document itself")
    assert state_of(db) == before


def test_an_unknown_document_id_exits_1(db):
    status, output = invoke(db, "document", "show", "9")
    assert (status, output.strip()) == (1, "document 9 is not in this ledger")


# Moving whole ----------------------------------------------------------------------------


def test_documents_and_anchored_records_move_whole_through_export_and_import(db, tmp_path):
    invoke(db, "add", *options({**RECORD, "document": "1", "quote": QUOTE}))
    invoke(db, "add", *options(SAMPLE))
    documents, records = tmp_path / "d.documents.jsonl", tmp_path / "r.jsonl"
    documents.write_text(run_ledger(db, "export", "--format", "documents").stdout)
    records.write_text(run_ledger(db, "export").stdout)
    moved = tmp_path / "moved.db"
    assert run_ledger(moved, "import", documents).returncode == 0
    assert run_ledger(moved, "import", records).returncode == 0
    with Ledger(db) as original, Ledger(moved) as copy:
        assert list(copy.records()) == list(original.records())
        assert copy.document_entries().__next__()["text"] == SEED_TEXT
        assert copy.document("1")["anchors"] == original.document("1")["anchors"]
        copy.verify()


def test_each_anchored_attribution_is_a_web_annotation_meeting_the_models_musts(db):
    invoke(db, "add", *options({**RECORD, "document": "1", "quote": QUOTE}))
    invoke(db, "add", *options(SAMPLE))  # no document: no annotation
    lines = run_ledger(db, "export", "--format", "annotation").stdout.splitlines()
    assert len(lines) == 1
    annotation = json.loads(lines[0])
    # The MUSTs of the Web Annotation Data Model (w3c/web-annotation-tests, annotationMusts).
    assert annotation["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert annotation["id"].startswith("urn:sha256:") and annotation["type"] == "Annotation"
    target = annotation["target"]
    assert target["source"].startswith("urn:sha256:")
    position, quote = target["selector"]
    assert position["type"] == "TextPositionSelector" and 0 <= position["start"] < position["end"]
    assert quote["type"] == "TextQuoteSelector" and SEED_TEXT[position["start"] : position["end"]] == quote["exact"]
    assert all(body["type"] == "TextualBody" and isinstance(body["value"], str) for body in annotation["body"])
    assert annotation["created"].endswith("Z")


def test_a_journal_with_documents_and_anchors_replays_hash_for_hash(db, tmp_path):
    invoke(db, "add", *options({**RECORD, "document": "1", "quote": QUOTE}))
    backup = tmp_path / "backup.journal.jsonl"
    backup.write_text(run_ledger(db, "export", "--format", "journal").stdout)
    replayed = tmp_path / "replayed.db"
    assert run_ledger(replayed, "import", backup).returncode == 0
    with Ledger(db) as original, Ledger(replayed) as copy:
        assert copy.digest() == original.digest()
        assert copy.document("1")["anchors"] == original.document("1")["anchors"]
        copy.verify()
