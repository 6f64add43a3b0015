"""`ledger verify` reads a long journal in parts, each in a process of its own, and finds
the same first problem as one reading would, at the seams between parts too; and SQLite's
own quick_check finds what no schema text shows, such as an index's root page swapped."""

import sqlite3

import pytest
from click.testing import CliRunner

import ledger.verify
from ledger.cli import cli
from ledger.db import Ledger
from ledger.verify import ANCHORED, DOCUMENT_CHARACTERS, journal_spans

from .helpers import SAMPLE, own_copy
from .test_tamper_kinds import JOURNAL_TRIGGERS, entry, sha256, unseen_tamper


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("parts") / "ledger.db"
    with Ledger(path, create=True) as ledger:
        for day in range(1, 13):
            ledger.add({**SAMPLE, "date": f"2024-07-{day:02}", "quote": f"day {day}"})
    return path


@pytest.fixture
def db(template, tmp_path):
    return own_copy(template, tmp_path)


@pytest.fixture
def in_three_processes(monkeypatch):
    monkeypatch.setattr(ledger.verify, "ENTRIES_READ_BY_PROCESSES", 2)
    monkeypatch.setattr(ledger.verify, "READING_PROCESSES", 3)


def verify(db):
    result = CliRunner().invoke(cli, ["--db", str(db), "verify"])
    return result.exit_code, result.output.splitlines()[0]


def test_spans_cover_every_seq_once():
    for newest in range(0, 30):
        for parts in range(1, 5):
            for documents, anchored in (([], []), ([(1, 5_000)], [2, 3]), ([(3, 400), (20, 9_000), (40, 800)], [21])):
                spans = journal_spans(newest, parts, documents, anchored)
                assert [seq for first, last in spans for seq in range(first, last + 1)] == list(range(1, newest + 1))
                assert len(spans) <= parts


def test_a_part_holding_a_long_document_holds_fewer_entries():
    """The document's entry is read as 101 entries: 1,100 in all, 550 each."""
    assert journal_spans(1_000, 2, [(1, 100 * DOCUMENT_CHARACTERS)]) == [(1, 450), (451, 1_000)]


def test_a_part_holding_anchored_attributions_holds_fewer_entries():
    """Entries 1 to 500 anchored: the first part's reading, of anchored entries only, is half
    of all, to within an entry."""
    (_, last), _ = journal_spans(1_000, 2, anchored=range(1, 501))
    assert last < 500 and abs(last * (1 + ANCHORED) - (1_000 + 500 * ANCHORED) / 2) <= 1 + ANCHORED


def test_read_in_processes_an_honest_ledger_verifies_to_the_same_head(db, in_three_processes):
    assert journal_spans(12, 3) == [(1, 4), (5, 8), (9, 12)]
    with Ledger(db) as opened:
        head = opened.digest()
    assert verify(db) == (0, f"ok: 12 entries, chain and projections verified; head {head}")


def forge(db, seq, **changes):
    """Entry `seq` rewritten with `changes` and its own hash recomputed (the next link breaks)."""
    payload, prev_hash, _ = entry(db, seq)
    payload.update(changes)
    text = ledger.journal.canonical_json(payload)
    unseen_tamper(
        db,
        f"UPDATE journal SET payload = '{text}', digest = x'{sha256(prev_hash, text)}' WHERE seq = {seq}",
        drop=JOURNAL_TRIGGERS,
    )


@pytest.mark.parametrize("seq", [4, 5, 9, 12])
def test_a_broken_link_is_named_in_any_part_and_at_each_seam(db, in_three_processes, seq):
    """Entry `seq - 1` rewritten: its own hash holds, the link from entry `seq` breaks."""
    forge(db, seq - 1, quote="rewritten")
    assert verify(db) == (1, f"seq {seq}: prev_hash does not match the hash of seq {seq - 1}")


def test_a_forged_payload_in_a_later_part_is_named(db, in_three_processes):
    payload, prev_hash, _ = entry(db, 12)
    text = ledger.journal.canonical_json(payload).replace('"quote"', '"quote":"x","quote"')
    unseen_tamper(
        db,
        f"UPDATE journal SET payload = '{text}', digest = x'{sha256(prev_hash, text)}' WHERE seq = 12",
        drop=JOURNAL_TRIGGERS,
    )
    assert verify(db) == (1, "seq 12: payload is not in canonical form: a key is repeated")


def test_the_first_problem_is_the_earliest_across_parts(db, in_three_processes):
    unseen_tamper(db, "DELETE FROM journal WHERE seq = 10", drop=JOURNAL_TRIGGERS)
    forge(db, 6, quote="rewritten")
    assert verify(db) == (1, "seq 7: prev_hash does not match the hash of seq 6")


def test_a_missing_last_entry_of_a_part_is_named(db, in_three_processes):
    unseen_tamper(db, "DELETE FROM journal WHERE seq = 8", drop=JOURNAL_TRIGGERS)
    assert verify(db) == (1, "seq 8: missing (the next entry is seq 9)")


def test_an_index_whose_root_page_was_swapped_is_found(db):
    """The schema's text is unchanged and every b-tree well formed (SQLite's quick_check
    passes): only a look up of rows through the index can see it."""
    conn = sqlite3.connect(db, isolation_level=None)
    roots = dict(
        conn.execute(
            "SELECT name, rootpage FROM sqlite_schema"
            " WHERE name IN ('attribution_records_stance', 'attribution_records_outlet')"
        )
    )
    conn.execute("PRAGMA writable_schema = ON")
    for name, other in (
        ("attribution_records_stance", "attribution_records_outlet"),
        ("attribution_records_outlet", "attribution_records_stance"),
    ):
        conn.execute("UPDATE sqlite_schema SET rootpage = ? WHERE name = ?", (roots[other], name))
    conn.close()
    assert sqlite3.connect(db).execute("PRAGMA quick_check").fetchone() == ("ok",)
    status, line = verify(db)
    assert status == 1
    assert line.startswith("file: index attribution_records_") and line.endswith(": its b-tree is not its own"), line


def test_a_page_of_an_index_written_over_is_found_by_quick_check(db):
    conn = sqlite3.connect(db)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_schema WHERE name = 'attribution_records_stance'").fetchone()[0]
    conn.close()
    with open(db, "r+b") as file:
        file.seek((root - 1) * page_size)
        file.write(b"\x0d" + bytes(7))  # a leaf page of a table, where an index's page belongs
    status, line = verify(db)
    assert status == 1 and line.startswith("file: SQLite"), line


def test_a_search_index_emptied_and_filled_with_other_words_is_found(db):
    """Searches would find the forger's words: every row is probed in a ledger this small."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("INSERT INTO attribution_search (attribution_search) VALUES ('delete-all')")
    for seq in range(1, 13):
        conn.execute(
            "INSERT INTO attribution_search (rowid, claim, quote) VALUES (?, ?, ?)",
            (seq, "Chile was the first country to recognize nothing at all.", f"day {seq}"),
        )
    conn.close()
    assert verify(db) == (1, "attribution_search: row 1 does not hold the words of its texts in the journal")


def test_a_word_moved_between_two_rows_is_found(db):
    """The same words in the index, the same count in each row: only each row's own words tell."""
    conn = sqlite3.connect(db, isolation_level=None)
    rows = conn.execute(
        "SELECT r.seq, json_extract(j.payload, '$.claim'), json_extract(j.payload, '$.quote')"
        " FROM attribution_records AS r JOIN journal AS j ON j.seq = r.seq WHERE r.seq IN (3, 4)"
    ).fetchall()
    for seq, claim, quote in rows:  # contentless: a row is deleted by giving its words
        conn.execute(
            "INSERT INTO attribution_search (attribution_search, rowid, claim, quote) VALUES ('delete', ?, ?, ?)",
            (seq, claim, quote),
        )
    conn.execute("INSERT INTO attribution_search (rowid, claim, quote) VALUES (3, ?, 'day 4')", (rows[0][1],))
    conn.execute("INSERT INTO attribution_search (rowid, claim, quote) VALUES (4, ?, 'day 3')", (rows[1][1],))
    conn.close()
    assert verify(db) == (1, "attribution_search: row 3 does not hold the words of its texts in the journal")


def test_a_claims_search_row_with_other_words_is_found(db):
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("INSERT INTO claim_search (claim_search) VALUES ('delete-all')")
    conn.execute("INSERT INTO claim_search (rowid, text) VALUES (1, 'Chile was first.')")
    conn.close()
    assert verify(db) == (1, "claim_search: row 1 does not hold the words of its texts in the journal")
