"""`ledger export --format journal` is the backup: replayed into an empty ledger by
`ledger import --format journal`, it gives the same journal, entry for entry and hash for
hash, and so the same tables and pages. Anything else in such a file is refused."""

import asyncio
import io
import json
import sqlite3
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from datasette.app import Datasette
from hypothesis import given

from ledger import formats
from ledger.cli import cli
from ledger import ImportRefused, Ledger
from ledger.projections import PROJECTION_TABLES
from ledger.journal import canonical_json, chain_digest

from .helpers import SAMPLE, own_copy, run_ledger, state_of
from .test_properties import PROPERTY_SETTINGS, apply, assert_same_tables_and_searches, operations
from .test_rebuild import VIEWS, dump

TABLES = (*PROJECTION_TABLES, "journal", *VIEWS)


def journal_text(ledger):
    out = io.StringIO()
    formats.FORMATS["journal"].write(ledger, out)
    return out.getvalue()


def replay(path, text, source="backup.journal.jsonl"):
    with Ledger(path, create=True) as ledger:
        return ledger.replay_journal(formats.read(io.BytesIO(text.encode("utf-8")), "journal"), source=source)


@PROPERTY_SETTINGS
@given(operations)
def test_any_history_replayed_from_its_journal_gives_the_same_digest_and_tables(history):
    with tempfile.TemporaryDirectory() as directory:
        original, copy = Path(directory) / "original.db", Path(directory) / "copy.db"
        with Ledger(original, create=True) as ledger:
            apply(ledger, history)
            text, digest = journal_text(ledger), ledger.digest()
        assert replay(copy, text) == int(digest.split(":")[0])
        with Ledger(copy) as ledger:
            assert ledger.digest() == digest
            ledger.verify(digest)
        assert_same_tables_and_searches(copy, original)


def history_of_every_kind(directory):
    """A ledger, `ledger.db` in `directory`, with every kind of entry: what an export of
    current records leaves out."""
    directory.mkdir()
    path = directory / "ledger.db"
    with Ledger(path, create=True) as ledger:
        first, _ = ledger.add({**SAMPLE, "speaker": "Yvan Gil", "quote": "first"})
        second, _ = ledger.add({**SAMPLE, "outlet": "Gestión", "stance": "disputes"})
        ledger.add({**SAMPLE, "claim": "Another claim.", "outlet": "teleSUR"})
        ledger.alias("Yvan Gil", "Yván Gil")
        ledger.retract(first, "misread")
        ledger.correct(second, "the outlet", {"outlet": "El Peruano"})
        ledger.fact_checker("teleSUR")
    return path


def test_the_cli_round_trip_keeps_history_aliases_and_pages(tmp_path):
    original = history_of_every_kind(tmp_path / "original")
    backup = tmp_path / "backup.journal.jsonl"
    exported = run_ledger(original, "export", "--format", "journal")
    assert exported.returncode == 0, exported.stderr
    backup.write_text(exported.stdout, encoding="utf-8")
    digest = run_ledger(original, "digest").stdout.strip()

    (tmp_path / "copy").mkdir()
    copy = tmp_path / "copy" / "ledger.db"  # the same name: Datasette names a database after its file
    imported = run_ledger(copy, "import", backup)  # the format from the file's ending
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout == f"{backup}: 7 journal entries replayed; digest {digest}\n"
    verified = run_ledger(copy, "verify", "--digest", digest)
    assert verified.returncode == 0, verified.stderr
    for table in TABLES:
        assert dump(copy, table) == dump(original, table), table
    assert pages(copy) == pages(original)
    # What an export of records loses, the journal keeps: the retraction, the correction,
    # the alias (the speaker shows canonical) and the fact-checker.
    conn = sqlite3.connect(copy)
    statuses = conn.execute("SELECT id, speaker, status FROM attributions ORDER BY id").fetchall()
    conn.close()
    assert statuses == [
        (1, "Yván Gil", "retracted"),
        (2, None, "superseded"),
        (3, None, "current"),
        (6, None, "current"),
    ]


def pages(path):
    """What Datasette publishes of a ledger, as JSON, for the pages that show its history."""

    async def fetch():
        datasette = Datasette([str(path)])
        found = {}
        for page in (
            "/ledger/attributions.json?_shape=array",
            "/ledger/claims.json?_shape=array",
            "/ledger/journal.json?_shape=array",
            "/ledger/contested.json?_shape=array",
            "/ledger/claims/1",
        ):
            response = await datasette.client.get(page)
            assert response.status_code == 200, page
            found[page] = response.text
        return found

    return asyncio.run(fetch())


def test_a_journal_goes_only_into_an_empty_ledger(tmp_path):
    original = history_of_every_kind(tmp_path / "original")
    backup = tmp_path / "backup.journal.jsonl"
    backup.write_text(run_ledger(original, "export", "--format", "journal").stdout, encoding="utf-8")
    target = own_copy(original, tmp_path)
    before = state_of(target)
    result = CliRunner().invoke(cli, ["--db", str(target), "import", str(backup)])
    assert result.exit_code == 1
    assert f"a journal is replayed only into an empty ledger; {target} holds 7 entries" in result.output
    assert state_of(target) == before


def lines_of(path):
    with Ledger(path) as ledger:
        return [json.loads(line) for line in journal_text(ledger).splitlines()]


def rehashed(lines, start):
    """The lines with the chain's hashes made again from line `start` on, as a forger would."""
    lines = [dict(line) for line in lines]
    for line, before in zip(lines[start:], lines[start - 1 :] if start else [None, *lines]):
        line["prev_hash"] = before["hash"] if before else "0" * 64
        line["hash"] = chain_digest(line["prev_hash"].encode(), line["payload"].encode()).hex()
    return lines


def with_payload(lines, seq, change):
    """The lines with entry `seq`'s payload changed by `change` (a dict to a dict), re-chained."""
    lines = [dict(line) for line in lines]
    lines[seq - 1]["payload"] = canonical_json(change(json.loads(lines[seq - 1]["payload"])))
    return rehashed(lines, seq - 1)


FORGERIES = {
    "an altered payload, hashes left": (
        lambda lines: [
            *lines[:1],
            {**lines[1], "payload": lines[1]["payload"].replace("Gestión", "Gestion")},
            *lines[2:],
        ],
        "2: hash: does not match prev_hash and payload",
    ),
    "a payload not in canonical form": (
        lambda lines: rehashed(
            [*lines[:2], {**lines[2], "payload": json.dumps(json.loads(lines[2]["payload"]))}, *lines[3:]], 2
        ),
        "3: payload: is not written as the ledger writes it",
    ),
    "an entry left out": (lambda lines: [*lines[:3], *lines[4:]], "4: seq: is 5"),
    "an entry that extends another chain": (
        lambda lines: [
            *lines[:3],
            {**lines[3], "prev_hash": "f" * 64, "hash": chain_digest(b"f" * 64, lines[3]["payload"].encode()).hex()},
            *lines[4:],
        ],
        "4: prev_hash: is not the hash of seq 3",
    ),
    "an unknown field in the payload": (
        lambda lines: with_payload(lines, 3, lambda entry: {**entry, "status": "current"}),
        "3: status: is not a field of an entry of type attribution",
    ),
    "an invalid stance": (
        lambda lines: with_payload(lines, 3, lambda entry: {**entry, "stance": "maybe"}),
        "3: stance: 'maybe'",
    ),
    "a record repeated": (
        lambda lines: with_payload(
            lines, 3, lambda entry: {**json.loads(lines[0]["payload"]), "recorded_at": "2024-08-01T00:00:00Z"}
        ),
        "3: attribution: repeats attribution 1 field for field",
    ),
    "a retraction of a retracted attribution": (
        lambda lines: with_payload(
            lines,
            6,
            lambda entry: {"type": "retraction", "target": 1, "reason": "again", "recorded_at": entry["recorded_at"]},
        ),
        "6: id: attribution 1 is retracted by entry 5 ('misread'): only a current attribution can be retracted",
    ),
    "an alias of a name to itself": (
        lambda lines: with_payload(lines, 4, lambda entry: {**entry, "of": entry["name"]}),
        "4: alias: a name cannot be an alias of itself",
    ),
    "a line that is not JSON": (lambda lines: lines[:2] + ["{not json"] + lines[3:], "3: json:"),
    "an extra key on a line": (
        lambda lines: [*lines[:1], {**lines[1], "note": "x"}, *lines[2:]],
        "2: note: is not a field of a journal line",
    ),
}


@pytest.mark.parametrize("forgery", FORGERIES)
def test_a_forged_journal_is_refused_naming_its_line_and_nothing_is_written(tmp_path, forgery):
    forge, problem = FORGERIES[forgery]
    lines = forge(lines_of(history_of_every_kind(tmp_path / "original")))
    text = "".join((line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)) + "\n" for line in lines)
    target = tmp_path / "target.db"
    with Ledger(target, create=True):
        pass
    _, before = state_of(target)
    with pytest.raises(ImportRefused) as refused:
        replay(target, text)
    assert any(line.startswith(f"backup.journal.jsonl:{problem}") for line in refused.value.problems), (
        refused.value.problems
    )
    # The content, not the file's bytes: a refused first import into an empty ledger still
    # changes its header, through the switch of journal mode (issue 20, item 11).
    assert state_of(target)[1] == before


def test_export_all_carries_each_status_and_import_refuses_what_is_not_current(tmp_path):
    original = history_of_every_kind(tmp_path / "original")
    for fmt in ("jsonl", "csv"):
        exported = run_ledger(original, "export", "--all", "--format", fmt)
        assert exported.returncode == 0, exported.stderr
        path = tmp_path / f"all.{fmt}"
        path.write_text(exported.stdout, encoding="utf-8")
        if fmt == "jsonl":
            statuses = [json.loads(line)["status"] for line in exported.stdout.splitlines()]
            assert statuses == ["retracted", "superseded", "current", "current"]
        refused = run_ledger(tmp_path / f"refused-{fmt}.db", "import", path)
        assert refused.returncode == 1
        first = 1 if fmt == "jsonl" else 2  # the csv has a header row
        assert f"{path}:{first}: status: 'retracted': this record is not current" in refused.stderr
        assert f"{path}:{first + 1}: status: 'superseded'" in refused.stderr
        assert "ledger export --format journal" in refused.stderr
    # Current records written by --all import as any records.
    current_only = tmp_path / "current.jsonl"
    current_only.write_text(
        "".join(
            line + "\n"
            for line in run_ledger(original, "export", "--all").stdout.splitlines()
            if json.loads(line)["status"] == "current"
        ),
        encoding="utf-8",
    )
    imported = run_ledger(tmp_path / "current.db", "import", current_only)
    assert imported.returncode == 0 and "2 new (ids 1-2), 0 already recorded" in imported.stdout, imported.stderr


def test_the_help_says_which_export_is_the_backup():
    exported = " ".join(CliRunner().invoke(cli, ["export", "--help"]).output.split())
    assert "journal: the backup" in exported and "a view, not a backup" in exported
    imported = " ".join(CliRunner().invoke(cli, ["import", "--help"]).output.split())
    assert "replayed into an empty ledger" in imported
