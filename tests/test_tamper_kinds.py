"""Every kind of silent edit, made with plain sqlite3 behind the ledger's back, is caught by
`ledger verify`, whose first line names what is wrong and where. test_tamper.py has the
first cases; here each kind of edit to the journal, to each projection and to the schema,
and a digest against a rewritten tail. Hashes are recomputed here with hashlib, as a
careful forger would."""

import hashlib
import json
import shutil
import sqlite3

import pytest
from click.testing import CliRunner

from ledger.cli import cli
from ledger.db import Ledger

from .helpers import SAMPLE, journal_count, own_copy
from .test_tamper import _schema_triggers, tamper

OTHER_CLAIM = "Venezuela severed diplomatic relations with Peru."
SAME_CLAIM_REWORDED = SAMPLE["claim"].lower().rstrip(".")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """Nine entries of every type: attributions 1, 2, 3 (the claim of 1 reworded), 8, 9;
    alias 4; retraction 5 (of 2); correction 6 (of 3); fact-checker 7."""
    path = tmp_path_factory.mktemp("tamper") / "ledger.db"
    with Ledger(path, create=True) as ledger:
        ledger.add({**SAMPLE, "speaker": "Hill"})
        ledger.add({**SAMPLE, "outlet": "Gestión", "stance": "disputes"})
        ledger.add(
            {
                **SAMPLE,
                "claim": SAME_CLAIM_REWORDED,
                "outlet": "teleSUR",
                "via": "Global Times",
                "stance": "reports",
                "quote": "“first”",
            }
        )
        ledger.alias("Hill", "Yván Gil")
        ledger.retract(2, "misread")
        ledger.correct(3, "wrong date", {"date": "2024-07-31"})
        ledger.fact_checker("Chequeado")
        ledger.add({**SAMPLE, "claim": OTHER_CLAIM, "outlet": "El Peruano"})
        ledger.add({**SAMPLE, "claim": OTHER_CLAIM, "outlet": "Chequeado", "stance": "disputes"})
        assert ledger.verify()[0] == 9
    return path


@pytest.fixture
def db(template, tmp_path):
    return own_copy(template, tmp_path)


def verify(db, *args):
    """`ledger verify`: exit status and first line of output."""
    result = CliRunner().invoke(cli, ["--db", str(db), "verify", *args])
    return result.exit_code, result.output.splitlines()[0]


def unseen_tamper(db, *statements, drop):
    """Edit with the protecting triggers dropped, then put them back as schema.sql has them,
    so only the edit itself is left to find."""
    tamper(db, *statements, drop=drop)
    restore = sqlite3.connect(db, isolation_level=None)
    for statement in _schema_triggers(drop):
        restore.execute(statement)
    restore.close()


def sha256(prev_hash, payload):
    return hashlib.sha256(f"{prev_hash}\n{payload}".encode("utf-8")).hexdigest()


def entry(db, seq):
    conn = sqlite3.connect(db)
    payload, prev_hash, digest = conn.execute(
        "SELECT payload, prev_hash, hash FROM journal WHERE seq = ?", (seq,)
    ).fetchone()
    conn.close()
    return json.loads(payload), prev_hash, digest


def canonical(payload):
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


JOURNAL_TRIGGERS = ("journal_no_update", "journal_no_delete")


# The journal ------------------------------------------------------------------------------


def test_a_changed_payload_with_its_projection_changed_to_match_is_caught_by_its_hash(db):
    payload, _, _ = entry(db, 8)
    payload["stance"] = "questions"
    unseen_tamper(
        db,
        f"UPDATE journal SET payload = '{canonical(payload)}' WHERE seq = 8",
        "UPDATE attribution_records SET stance = 'questions' WHERE seq = 8",
        drop=(*JOURNAL_TRIGGERS, "attribution_records_no_update"),
    )
    assert verify(db) == (1, "seq 8: hash does not match its payload")


def test_a_changed_hash(db):
    unseen_tamper(db, f"UPDATE journal SET digest = x'{'ab' * 32}' WHERE seq = 3", drop=JOURNAL_TRIGGERS)
    assert verify(db) == (1, "seq 3: hash does not match its payload")


def test_a_changed_payload_with_its_hash_recomputed_breaks_the_next_link(db):
    payload, prev_hash, _ = entry(db, 3)
    payload["stance"] = "asserts"
    text = canonical(payload)
    unseen_tamper(
        db,
        f"UPDATE journal SET payload = '{text}', digest = x'{sha256(prev_hash, text)}' WHERE seq = 3",
        "UPDATE attribution_records SET stance = 'asserts' WHERE seq = 3",
        drop=(*JOURNAL_TRIGGERS, "attribution_records_no_update"),
    )
    assert verify(db) == (1, "seq 4: prev_hash does not match the hash of seq 3")


def test_a_deleted_entry_in_the_middle(db):
    unseen_tamper(db, "DELETE FROM journal WHERE seq = 4", drop=JOURNAL_TRIGGERS)
    assert verify(db) == (1, "seq 4: missing (the next entry is seq 5)")


def test_two_payloads_swapped(db):
    first, second = entry(db, 1)[0], entry(db, 2)[0]
    unseen_tamper(
        db,
        f"UPDATE journal SET payload = '{canonical(second)}' WHERE seq = 1",
        f"UPDATE journal SET payload = '{canonical(first)}' WHERE seq = 2",
        drop=JOURNAL_TRIGGERS,
    )
    assert verify(db) == (1, "seq 1: hash does not match its payload")


def test_an_entry_inserted_in_the_middle_with_a_correct_hash(db):
    _, _, hash_of_4 = entry(db, 4)
    forged = canonical({"type": "alias", "name": "Gestión", "of": "BBC", "recorded_at": "2024-08-01T00:00:00Z"})
    forged_hash = sha256(hash_of_4, forged)
    unseen_tamper(
        db,
        # Make room at seq 5 (two steps, as seq is unique), link the old entry 5 to the
        # forged one (prev_digest is unique too), then slip the forged entry in.
        "UPDATE journal SET seq = seq + 1000 WHERE seq >= 5",
        "UPDATE journal SET seq = seq - 999 WHERE seq >= 1000",
        f"UPDATE journal SET prev_digest = x'{forged_hash}' WHERE seq = 6",
        f"INSERT INTO journal VALUES (5, '{forged}', x'{hash_of_4}', x'{forged_hash}')",
        drop=(*JOURNAL_TRIGGERS, "journal_extends_chain"),
    )
    assert verify(db) == (1, "seq 6: hash does not match its payload")


def test_an_entry_appended_by_another_tool_without_its_projections(db):
    _, _, head = entry(db, 9)
    forged = canonical({"type": "attribution", **SAMPLE, "outlet": "CNN", "recorded_at": "2024-08-01T00:00:00Z"})
    tamper(db, f"INSERT INTO journal VALUES (10, '{forged}', x'{head}', x'{sha256(head, forged)}')", drop=())
    assert verify(db) == (1, "seq 10: attribution_records has no row for this entry")


@pytest.mark.parametrize(
    "payload, problem",
    [
        (
            '{"name": "Gestión", "of": "BBC", "recorded_at": "2024-08-01T00:00:00Z", "type": "alias"}',
            "payload is not in canonical form: white space, escapes or numbers are not written as canonical JSON"
            " writes them",
        ),
        # Not JSON at all: only a forger who turns off the CHECK constraints can store it.
        (
            '{"type":"alias","name":"Gestión"',
            "payload is not JSON (Expecting ',' delimiter: line 1 column 33 (char 32))",
        ),
        (
            '{"name":"Gestión","of":"BBC","recorded_at":"2024-08-01T00:00:00Z","type":"rumour"}',
            "payload is not a valid entry: type: 'rumour' is not an entry type"
            " (attribution, correction, retraction, alias, fact_checker, document)",
        ),
        ('["alias"]', "payload is not a valid entry: payload: must be a JSON object, not a list"),
    ],
)
def test_an_appended_entry_that_is_not_the_canonical_json_of_an_entry(db, payload, problem):
    _, _, head = entry(db, 9)
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA ignore_check_constraints = ON")
    conn.execute(
        "INSERT INTO journal VALUES (10, ?, ?, ?)", (payload, bytes.fromhex(head), bytes.fromhex(sha256(head, payload)))
    )
    conn.close()
    assert verify(db) == (1, f"seq 10: {problem}")


def test_the_newest_attribution_rewritten_as_text_that_is_not_json(db):
    _, prev_hash, _ = entry(db, 9)
    broken = '{"claim":"' + OTHER_CLAIM + '"'
    unseen_tamper(
        db,
        "PRAGMA ignore_check_constraints = ON",
        f"UPDATE journal SET payload = '{broken}', digest = x'{sha256(prev_hash, broken)}' WHERE seq = 9",
        drop=JOURNAL_TRIGGERS,
    )
    assert verify(db) == (1, "seq 9: payload is not JSON (Expecting ',' delimiter: line 1 column 61 (char 60))")


def test_a_deleted_first_entry(db):
    unseen_tamper(db, "DELETE FROM journal WHERE seq = 1", drop=JOURNAL_TRIGGERS)
    assert verify(db) == (1, "seq 1: missing (the next entry is seq 2)")


# The projections --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement, table, expected",
    [
        (
            "UPDATE names SET name = 'CNN' WHERE name = 'BBC'",
            "names",
            "seq 1: names row does not match its journal entry",
        ),
        (
            "UPDATE claim_texts SET text = 'Peru recognized no one.' WHERE seq = 1",
            "claim_texts",
            "seq 1: claim_texts row does not match its journal entry",
        ),
        (
            "UPDATE claim_texts SET text = 'Peru recognized no one.', key = 'peru recognized no one' WHERE seq = 1",
            "claim_texts",
            "seq 1: claim_texts row does not match its journal entry",
        ),
        (
            "UPDATE retractions SET reason = 'never happened'",
            "retractions",
            "seq 5: retractions row does not match its journal entry",
        ),
        ("DELETE FROM retractions", "retractions", "seq 5: retractions has no row for this entry"),
        ("UPDATE corrections SET target = 1", "corrections", "seq 6: corrections row does not match its journal entry"),
        (
            "UPDATE name_aliases SET of_id = (SELECT id FROM names WHERE name = 'BBC')",
            "name_aliases",
            "seq 4: name_aliases row does not match its journal entry",
        ),
        ("DELETE FROM fact_checkers", "fact_checkers", "seq 7: fact_checkers has no row for this entry"),
        (
            "UPDATE attribution_records SET via_id = NULL WHERE seq = 3",
            "attribution_records",
            "seq 3: attribution_records row does not match its journal entry",
        ),
        (
            "DELETE FROM attribution_records WHERE seq = 9",
            "attribution_records",
            "seq 9: attribution_records has no row for this entry",
        ),
    ],
)
def test_a_projection_row_that_no_longer_matches_the_journal(db, statement, table, expected):
    unseen_tamper(db, statement, drop=(f"{table}_no_update", f"{table}_no_delete"))
    assert verify(db) == (1, expected)


@pytest.mark.parametrize(
    "statement, expected",
    [
        (
            "INSERT INTO attribution_search (rowid, claim, quote) VALUES (99, 'planted', 'text')",
            "attribution_search: row 99 belongs to no attribution",
        ),
        ("INSERT INTO claim_search (rowid, text) VALUES (99, 'planted')", "claim_search: row 99 belongs to no claim"),
    ],
)
def test_an_extra_search_row(db, statement, expected):
    tamper(db, statement, drop=())
    assert verify(db) == (1, expected)


def test_a_claim_shown_in_a_later_wording_than_its_first(db):
    """Entry 3 words claim 1 differently; a row taking entry 3's wording and seq matches
    entry 3 column for column, but the contract displays the first wording, entry 1's."""
    unseen_tamper(
        db,
        f"UPDATE claim_texts SET seq = 3, text = '{SAME_CLAIM_REWORDED}' WHERE seq = 1",
        drop=("claim_texts_no_update",),
    )
    assert verify(db) == (1, "seq 3: claim_texts row does not match its journal entry")


@pytest.mark.parametrize("seq", [0, 99])
def test_an_attribution_row_of_no_entry_is_named(db, seq):
    """A row before the first entry or after the newest, of a claim of its own, which no claim
    row names: only the seqs of its entries are left to find it."""
    unseen_tamper(
        db,
        "INSERT INTO attribution_records (seq, claim_id, outlet_id, date, stance)"
        f" VALUES ({seq}, 999, 1, '2024-07-30', 'asserts')",
        drop=("attribution_records_no_replace",),
    )
    assert verify(db) == (1, f"seq {seq}: attribution_records row does not match its journal entry")


def test_a_claim_shown_in_another_wording_of_its_own_is_named(db):
    """Entry 3's wording of claim 1 has claim 1's key, so the row's key still agrees with its
    text; but the text displayed is the first wording, entry 1's."""
    unseen_tamper(
        db, f"UPDATE claim_texts SET text = '{SAME_CLAIM_REWORDED}' WHERE seq = 1", drop=("claim_texts_no_update",)
    )
    assert verify(db) == (1, "seq 1: claim_texts row does not match its journal entry")


# The schema -------------------------------------------------------------------------------


def triggers(db):
    conn = sqlite3.connect(db)
    names = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")]
    conn.close()
    return names


def test_every_trigger_is_checked_to_be_in_place(db, tmp_path):
    names = triggers(db)
    assert len(names) >= 24  # update, delete and replace guards on eight tables, and the rest
    for name in names:
        copy = tmp_path / f"{name}.db"
        shutil.copy(db, copy)
        tamper(copy, drop=(name,))
        assert verify(copy) == (1, f"trigger {name}: missing (schema.sql defines it)")


def test_a_trigger_weakened_under_its_own_name(db):
    tamper(
        db,
        "CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal WHEN 0 "
        "BEGIN SELECT RAISE(FAIL, 'journal is append-only: entries cannot be updated'); END",
        drop=("journal_no_update",),
    )
    assert verify(db) == (1, "trigger journal_no_update: differs from schema.sql")


def test_a_trigger_added_behind_the_ledgers_back(db):
    tamper(db, "CREATE TRIGGER quietly AFTER INSERT ON journal BEGIN SELECT 1; END", drop=())
    assert verify(db) == (1, "trigger quietly: not in schema.sql")


@pytest.mark.parametrize(
    "kind,name,sql",
    [
        # Unique on a column that honest entries repeat: the next honest append would be refused.
        ("index", "quietly", "CREATE UNIQUE INDEX quietly ON attribution_records(stance)"),
        ("table", "quietly", "CREATE TABLE quietly (seq INTEGER)"),
        ("view", "quietly", "CREATE VIEW quietly AS SELECT 1"),
    ],
)
def test_any_object_added_behind_the_ledgers_back(tmp_path, kind, name, sql):
    copy = tmp_path / "ledger.db"
    with Ledger(copy, create=True) as ledger:
        ledger.add(SAMPLE)
    tamper(copy, sql, drop=())
    assert verify(copy) == (1, f"{kind} {name}: not in schema.sql")


# A digest taken earlier -------------------------------------------------------------------


def rewrite_tail(db, first, stance_of):
    """Replace entries `first`.. with a different, self-consistent chain: new stances in the
    payloads and their projection rows, every hash recomputed from the entry before."""
    _, _, prev = entry(db, first - 1)
    statements = []
    for seq in range(first, journal_count(db) + 1):
        payload, _, _ = entry(db, seq)
        payload["stance"] = stance_of
        text = canonical(payload)
        prev, old_prev = sha256(prev, text), prev
        statements += [
            f"UPDATE journal SET payload = '{text}', prev_digest = x'{old_prev}', digest = x'{prev}' WHERE seq = {seq}",
            f"UPDATE attribution_records SET stance = '{stance_of}' WHERE seq = {seq}",
        ]
    unseen_tamper(db, *statements, drop=(*JOURNAL_TRIGGERS, "attribution_records_no_update"))


def digest(db):
    with Ledger(db) as ledger:
        return ledger.digest()


def test_a_rewritten_tail_is_self_consistent_but_an_earlier_digest_catches_it(db):
    before_tail, head = f"7:{entry(db, 7)[2]}", digest(db)
    rewrite_tail(db, 8, "questions")
    assert verify(db)[0] == 0  # a careful rewrite verifies on its own...
    assert verify(db, "--digest", head) == (1, "seq 9: hash differs from the digest; the ledger was rewritten since")
    assert verify(db, "--digest", before_tail)[0] == 0  # ...and the entries before it are untouched


def test_a_rewritten_and_extended_tail_is_caught_by_an_earlier_digest(db):
    head = digest(db)
    rewrite_tail(db, 9, "reports")
    with Ledger(db) as ledger:
        ledger.add({**SAMPLE, "outlet": "CNN"})  # appended through the ledger, on top of the forgery
    assert verify(db)[0] == 0
    assert verify(db, "--digest", head) == (1, "seq 9: hash differs from the digest; the ledger was rewritten since")
