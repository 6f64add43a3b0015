"""What `verify` holds documents and anchors to: a document's text has its sha256 and its row
agrees with its entry; every anchor is the first occurrence of its quote, at its offsets. Each
tamper below is made with plain sqlite3 behind the ledger's back; and a property: any quote cut
from any text anchors back where it was cut, or at an earlier occurrence of the same words."""

import json
import re
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import Ledger, formats
from ledger.documents import anchor, document_text, fold_quote, folded
from ledger.verify.anchors import _anchored_at

from .helpers import SAMPLE, own_copy
from .test_documents import QUOTE, RECORD, SEED_TEXT
from .test_tamper import _schema_triggers
from .test_tamper_kinds import sha256, verify


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """Document 1, attribution 2 anchored in it, attribution 3 without a document; then
    document 4, the newest entry."""
    path = tmp_path_factory.mktemp("documents") / "ledger.db"
    with Ledger(path, create=True) as ledger:
        ledger.add_documents([(SEED_TEXT, {"outlet": "Global Times"})])
        ledger.add({**RECORD, "document": "1", "quote": QUOTE})
        ledger.add(SAMPLE)
        ledger.add_documents([("Venezuela rompe relaciones con Perú.\n", {"language": "es"})])
        assert ledger.verify()[0] == 4
    return path


@pytest.fixture
def db(template, tmp_path):
    return own_copy(template, tmp_path)


def tamper(db, statement, parameters=(), drop=()):
    conn = sqlite3.connect(db, isolation_level=None)
    for trigger in drop:
        conn.execute(f"DROP TRIGGER {trigger}")
    conn.execute(statement, parameters)
    for restored in _schema_triggers(drop):
        conn.execute(restored)
    conn.close()


def test_a_documents_text_changed_with_its_hash_recomputed_is_named(db):
    conn = sqlite3.connect(db)
    payload, prev_hash = conn.execute("SELECT payload, prev_hash FROM journal WHERE seq = 4").fetchone()
    conn.close()
    entry = json.loads(payload)
    entry["text"] = "Venezuela rompe relaciones con Chile.\n"  # its sha256 left as it was
    forged = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    tamper(
        db,
        "UPDATE journal SET payload = ?, digest = ? WHERE seq = 4",
        (forged, bytes.fromhex(sha256(prev_hash, forged))),
        drop=("journal_no_update",),
    )
    assert verify(db) == (1, "seq 4: payload is not a valid entry: sha256: is not the SHA-256 of the text")


def test_a_document_row_edited_is_named(db):
    tamper(db, "UPDATE document_records SET title = 'Chile' WHERE seq = 4", drop=("document_records_no_update",))
    assert verify(db) == (1, "seq 4: document_records row does not match its journal entry")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE anchors SET quote_start = quote_start + 1 WHERE seq = 2",
        "UPDATE anchors SET exact = 'We were forced' WHERE seq = 2",
        "UPDATE anchors SET prefix = '' WHERE seq = 2",
    ],
)
def test_an_anchor_moved_or_cut_is_named(db, statement):
    tamper(db, statement, drop=("anchors_no_update",))
    assert verify(db) == (1, "seq 2: anchors row is not where its quote is in document 1")


def test_an_anchor_pointed_at_another_passage_with_all_its_selectors_is_named(db):
    """Every selector of the row agrees with the text there: only its attribution's quote differs."""
    other = anchor(SEED_TEXT, "The Peruvian government openly opposes")
    tamper(
        db,
        "UPDATE anchors SET quote_start = ?, quote_end = ?, exact = ?, prefix = ?, suffix = ? WHERE seq = 2",
        (other.start, other.end, other.exact, other.prefix, other.suffix),
        drop=("anchors_no_update",),
    )
    assert verify(db) == (1, "seq 2: anchors row is not where its quote is in document 1")


def test_an_anchor_deleted_or_added_is_named(db):
    tamper(db, "DELETE FROM anchors WHERE seq = 2", drop=("anchors_no_delete",))
    assert verify(db) == (1, "seq 2: anchors row does not match its journal entry")


def test_an_anchor_given_to_an_attribution_that_names_no_document_is_named(db):
    tamper(db, "INSERT INTO anchors (seq, document_id) VALUES (3, 1)")
    assert verify(db) == (1, "seq 3: anchors row does not match its journal entry")


TEXT = st.text(alphabet=st.sampled_from(list("ab  \n\t“”\"'’—–-.é")), min_size=1, max_size=60)


@settings(max_examples=500, deadline=None)
@given(TEXT, st.data())
def test_any_quote_cut_from_any_text_anchors_where_it_was_cut_or_earlier(text, data):
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    cut = text[start:end]
    quote = cut.strip()
    if not fold_quote(quote):
        return
    found = anchor(text, quote)
    assert found is not None
    assert fold_quote(found.exact) == fold_quote(quote) and text[found.start : found.end] == found.exact
    where = start + len(cut) - len(cut.lstrip())
    assert found.start <= where
    whole, words = folded(text).folded, fold_quote(quote)
    if sum(whole.startswith(words, at) for at in range(len(whole))) == 1:  # occurrences that overlap too
        assert (found.start, found.end) == (where, where + len(quote))


DOCUMENT_TEXTS = st.lists(TEXT.filter(lambda text: fold_quote(text)), min_size=1, max_size=3, unique=True)


@settings(max_examples=25, deadline=None)
@given(DOCUMENT_TEXTS, st.data())
def test_any_records_and_their_documents_move_whole_through_export_and_import(tmp_path_factory, texts, data):
    """Documents, records that quote them (cut anywhere) and records that name none: exported
    as documents and records, imported into a new ledger, they are the same, anchors and all."""
    folder = tmp_path_factory.mktemp("moved")
    with Ledger(folder / "original.db", create=True) as original:
        ids = [seq for seq, _ in original.add_documents([(text, {}) for text in texts])]
        for number in range(data.draw(st.integers(1, 4))):
            record = {**SAMPLE, "claim": f"Claim {number}.", "stance": "reports"}
            which = data.draw(st.integers(-1, len(texts) - 1))
            if which >= 0:
                text = document_text(texts[which])
                start = data.draw(st.integers(0, len(text) - 1))
                quote = text[start : data.draw(st.integers(start + 1, len(text)))].strip()
                record["document"] = str(ids[which])
                if fold_quote(quote):
                    record["quote"] = quote
            original.add(record)
        documents = folder / "d.documents.jsonl"
        records = folder / "r.jsonl"
        with documents.open("w") as out:
            formats.FORMATS["documents"].write(original, out)
        with records.open("w") as out:
            formats.FORMATS["jsonl"].write(original, out)
        with Ledger(folder / "moved.db", create=True) as moved:
            moved.import_file(documents)
            moved.import_file(records)
            assert list(moved.records()) == list(original.records())
            assert [moved.document(str(seq)) for seq in ids] == [original.document(str(seq)) for seq in ids]
            moved.verify()


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab \n\t\r\u00a0\u2003\u3000“—")), max_size=40))
def test_a_folded_document_is_its_text_with_each_run_of_white_space_one_space(text):
    """FoldedText's way (white space to spaces, then runs of spaces) is the rule itself: every
    run of white space other than a single space, one space; and each place maps back."""
    found = folded(text)
    translated = text.translate(str.maketrans({"“": '"', "—": "-"}))
    assert found.folded == re.sub(r"[^\S ]\s*| \s+", " ", translated)
    for place, char in enumerate(found.folded):
        if char != " ":
            assert translated[found.text_place(place)] == char


@settings(max_examples=400, deadline=None)
@given(TEXT, st.data())
def test_verify_accepts_exactly_the_anchor_the_ledger_makes(text, data):
    """The checks of an anchors row, its quote folded as its passage (verify/journal.py) and its
    passage where the ledger would anchor it (verify/anchors.py), hold of the anchor
    documents.anchor makes, whether the quote was typed as the text has it or otherwise, and
    not both of any row moved."""
    start = data.draw(st.integers(0, len(text) - 1))
    cut = text[start : data.draw(st.integers(start + 1, len(text)))]
    typed = data.draw(st.sampled_from([cut, cut.replace('"', "“"), cut.replace(" ", "  ")])).strip()
    found = anchor(text, typed) if fold_quote(typed) else None
    if found is None:
        return
    row = (found.start, found.end, found.exact, found.prefix, found.suffix)
    assert fold_quote(typed) == fold_quote(found.exact) and _anchored_at(text, folded(text), *row)
    shift = data.draw(st.sampled_from([-1, 1]))
    moved = (found.start + shift, found.end + shift)
    moved_row = (
        *moved,
        text[moved[0] : moved[1]],
        text[max(0, moved[0] - 32) : moved[0]],
        text[moved[1] : moved[1] + 32],
    )
    assert not (fold_quote(typed) == fold_quote(moved_row[2]) and _anchored_at(text, folded(text), *moved_row))
