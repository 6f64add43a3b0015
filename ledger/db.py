"""The library: a `Ledger` appends entries to the journal and reads current attributions.

    from ledger.db import Ledger
    ledger = Ledger("ledger.db", create=True)
    seq, new = ledger.add({"claim": "...", "outlet": "BBC", "date": "2024-07-30", "stance": "asserts"})

Every append runs in one write transaction: the journal entries and their projection
rows (written by `projections.Projector`) commit together or not at all.
"""
import concurrent.futures
import contextlib
import functools
import json
import sqlite3
from dataclasses import dataclass

from . import importers, journal
from .importers import checked
from .journal import LedgerError, connect, write_transaction
from .projections import PROJECTION_CHECK_GROUPS, Projector, check_projections, check_resolutions, check_schema
from .records import (
    FIELDS, GENESIS_HASH, Refused, attribution_json, canonical_json, chain_hash, claim_key, clean_entry, clean_record,
    clean_text, entry_of, record_of, utc_now,
)


class ImportRefused(LedgerError):
    """An import with bad records: nothing was written; `problems` are `FILE:LINE: field: reason` lines."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__("\n".join(problems))


class Appender:
    """Appends entries inside an open write transaction, each chained to the one before;
    its Projector writes them with their projection rows, in batches, and `appending()`
    writes the last batch before COMMIT."""

    def __init__(self, conn, projector):
        self.seq, tip_hash = journal.tip(conn)
        self.hash = tip_hash.encode()
        self.projector = projector

    def append(self, entry, payload=None):
        """Append `entry`; `payload`, if given, is its canonical JSON in UTF-8, already written.
        The journal row is bytes until SQL (`projections._Batch`), as hashing needs them."""
        payload = payload or canonical_json(entry).encode()
        row = (self.seq + 1, payload, self.hash, chain_hash(self.hash, payload))
        try:  # not a context manager: one for every entry would cost a tenth of this method
            self.projector.project(row, entry)
        except sqlite3.IntegrityError as error:
            raise _refused(entry["type"], error) from None
        self.seq, self.hash = row[0], row[3]
        return self.seq

    def flush(self):
        try:
            self.projector.flush()
        except sqlite3.IntegrityError as error:
            raise _refused("entry", error) from None


def _refused(kind, error):
    """A trigger's refusal, reported as refused data."""
    return Refused([(kind, str(error))])


@contextlib.contextmanager
def appending(conn):
    """A write transaction with an Appender whose rows are all written before COMMIT."""
    with write_transaction(conn), Projector(conn) as projector:
        appender = Appender(conn, projector)
        yield appender
        appender.flush()


@dataclass
class ImportResult:
    new: int = 0
    existing: int = 0


class Ledger:
    def __init__(self, path, create=False):
        self.path = path
        self.conn = connect(path, create=create)

    def close(self):
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # Appending -----------------------------------------------------------------

    def add(self, raw):
        """Append one attribution; returns (id, True), or (existing id, False) if already recorded."""
        record = clean_record(raw)
        with appending(self.conn) as appender:
            existing = self._recorded_id(record)
            if existing:
                return existing, False
            return appender.append(entry_of("attribution", record)), True

    def import_items(self, items, source="-", recorded_at=None):
        """Append every record of an import in one transaction: all or nothing.

        `items` are `importers.Item`s; bad ones are collected, and if there is any,
        the transaction is rolled back and ImportRefused names each. An item marked
        `fact_checker` also records its outlet as a fact-checker, in the same transaction.
        Every entry is recorded at `recorded_at` (default: now), which is also the time in
        the payloads that items already hold (see `importers.CheckedInWorker`).
        """
        result, problems = ImportResult(), []
        recorded_at = recorded_at or utc_now()
        with self._importing() as (appender, _):
            projector = appender.projector
            for item in checked(items):
                problems += [f"{source}:{item.line}: {field}: {reason}" for field, reason in item.problems]
                record = item.record
                if record is None or problems:  # once refused, the import only keeps validating
                    continue
                entry = entry_of("attribution", record, recorded_at)
                payload = item.payload or attribution_json(entry).encode()
                if projector.holds_pending(payload) or (projector.may_be_in_tables(record) and self._recorded_id(record)):
                    result.existing += 1
                else:
                    appender.append(entry, payload)
                    result.new += 1
                if item.fact_checker:
                    self._append_fact_checker(appender, record["outlet"], recorded_at)
            if problems:
                raise ImportRefused(problems)
            appender.flush()  # every entry, before what a first import makes at the end
        return result

    @contextlib.contextmanager
    def _importing(self):
        """The write transaction of an import, with an Appender, made for many entries;
        yields (appender, stack). A first import leaves some indexes and triggers to its end
        (`journal.made_at_the_end`): what must see them is pushed on `stack`, and runs after
        they are made and before COMMIT."""
        with (
            journal.rollback_journal_while_empty(self.conn),
            appending(self.conn) as appender,
            journal.checks_left_to_the_import(self.conn),
            contextlib.ExitStack() as stack,
            journal.made_at_the_end(self.conn) if appender.seq == 0 else contextlib.nullcontext(),
        ):
            yield appender, stack

    def replay_journal(self, items, source="-"):
        """Append the entries of a journal written by `ledger export --format journal`
        (`importers.Item`s whose records are its lines) into this empty ledger, each exactly
        as recorded, so that the two journals are identical, entry for entry and hash for
        hash; all or nothing. Every entry must extend the one before, hash to its `hash`,
        and be what this package would have written (canonical JSON of a valid entry, which
        the ledger would have accepted where it stands). Returns the number of entries."""
        problems, lines = [], {}  # lines: the line of each entry, by seq

        def refuse_if_any(error_type, *_):
            if error_type is None:  # checked where every index is in place again, before COMMIT
                problems.extend([] if problems else _repeated_records(self.conn, source, lines))
                if problems:
                    raise ImportRefused(problems)

        with self._importing() as (appender, stack):
            if appender.seq:
                raise LedgerError(f"{source}: a journal is replayed only into an empty ledger; "
                                  f"{self.path} holds {appender.seq} entries")
            stack.push(refuse_if_any)
            stated_hash = GENESIS_HASH
            for item in items:
                entry, found = (None, item.problems) if item.problems else _journal_entry(
                    item.record, len(lines) + 1, stated_hash)
                if not found and not problems:  # once refused, the replay only keeps checking lines
                    found = self._replay_problems(appender, entry, item.record["payload"])
                problems += [f"{source}:{item.line}: {field}: {reason}" for field, reason in found]
                if item.record is not None and isinstance(item.record.get("hash"), str):
                    stated_hash = item.record["hash"]
                lines[len(lines) + 1] = item.line
            appender.flush()
        return appender.seq

    def _replay_problems(self, appender, entry, payload):
        """Append one entry of a replayed journal, or the (field, reason) problems that
        refuse it: what the ledger's own commands would have refused at that point."""
        kind = entry["type"]
        if kind != "attribution":
            appender.flush()  # what is checked below reads SQL
        try:
            if kind in ("retraction", "correction"):
                old = self._current_record(entry["target"], "retracted" if kind == "retraction" else "corrected")
                if kind == "correction" and record_of(entry) == old:
                    return [("correction", f"changes nothing in attribution {entry['target']}")]
            elif kind == "alias" and self._alias_in_place(entry["name"], entry["of"]):
                return [("alias", f"{entry['name']!r} is already an alias of {entry['of']!r}")]
            elif kind == "fact_checker" and self._is_fact_checker(entry["name"]):
                return [("fact_checker", f"{entry['name']!r} is already a fact-checker")]
            appender.append(entry, payload.encode())
        except Refused as refused:
            return refused.problems
        return []

    def alias(self, name, of):
        """Record that `name` is another name of `of`; returns the seq, or None if already so."""
        name, of = _name("name", name), _name("of", of)
        if name == of:
            raise Refused([("alias", f"{name!r} cannot be an alias of itself")])
        with appending(self.conn) as appender:
            if self._alias_in_place(name, of):
                return None
            try:
                return appender.append({"type": "alias", "name": name, "of": of, "recorded_at": utc_now()})
            except Refused:  # only the trigger that refuses cycles refuses a new alias of two names
                raise Refused([("alias", f"{of!r} already resolves through {name!r}: "
                                         "the alias would make a cycle")]) from None

    def fact_checker(self, name):
        """Record that the outlet `name` is a fact-checker; returns the seq, or None if already so."""
        name = _name("name", name)
        with appending(self.conn) as appender:
            return self._append_fact_checker(appender, name, utc_now())

    def retract(self, target, reason):
        reason = _reason(reason)
        with appending(self.conn) as appender:
            self._current_record(target, "retracted")
            return appender.append(
                {"type": "retraction", "target": target, "reason": reason, "recorded_at": utc_now()}
            )

    def correct(self, target, reason, changes):
        """Supersede attribution `target` with its fields updated by `changes` ("" clears a field)."""
        reason = _reason(reason)
        with appending(self.conn) as appender:
            old = self._current_record(target, "corrected")
            record = clean_record({**old, **changes})
            if record == old:
                raise Refused([("correction", f"changes nothing in attribution {target}")])
            # The journal holds each record once: a correction may not make a second copy.
            existing = self._recorded_id(record)
            if existing:
                raise Refused([("correction", f"the corrected attribution is already recorded as attribution "
                                              f"{existing}; retract {target} instead")])
            entry = {**entry_of("correction", record), "target": target, "reason": reason}
            return appender.append(entry)

    # Reading -------------------------------------------------------------------

    def records(self, include_all=False):
        """(id, record) of the attributions as written (import records), oldest first: the
        current ones, or with `include_all` every one, its record carrying its `status`."""
        if not include_all:
            for seq, text in self.conn.execute(
                "SELECT r.seq, j.payload FROM current_records AS r JOIN journal AS j ON j.seq = r.seq ORDER BY r.seq"
            ):
                yield seq, record_of(json.loads(text))
            return
        for seq, text, status in self.conn.execute(
            "SELECT r.id, j.payload, r.status FROM attribution_rows AS r JOIN journal AS j ON j.seq = r.id ORDER BY r.id"
        ):
            yield seq, {**record_of(json.loads(text)), "status": status}

    def journal_lines(self):
        """(seq, prev_hash, hash, payload) of every journal entry, oldest first, as recorded."""
        return self.conn.execute("SELECT seq, prev_hash, hash, payload FROM journal ORDER BY seq")

    def digest(self):
        return journal.digest(self.conn)

    def verify(self, digest=None):
        """Check the chain, the schema's triggers and every projection row; returns (entries, head).

        The chain is re-hashed in Python while SQLite checks the projections, each part on a
        connection of its own in a thread of its own (SQLite lets go of Python's lock while it
        works), so the parts run at the same time. The problem reported is the first one in
        the order of the parts: the chain, the schema, then the projections."""
        parts = [journal.check_chain, check_schema]
        parts += [functools.partial(check_projections, groups=[group]) for group in PROJECTION_CHECK_GROUPS]
        parts.append(check_resolutions)
        with concurrent.futures.ThreadPoolExecutor(len(parts)) as pool:
            results = [pool.submit(self._on_own_connection, part) for part in parts]
            count, head = results[0].result()
            for result in results[1:]:
                result.result()
        if digest:
            journal.check_digest(self.conn, digest)
        return count, head

    def _on_own_connection(self, check):
        conn = connect(self.path)
        try:
            return check(conn)
        finally:
            conn.close()

    # Helpers -------------------------------------------------------------------

    def _append_fact_checker(self, appender, name, recorded_at):
        """Inside a write transaction: record `name` as a fact-checker unless it is one; the seq or None."""
        if self._is_fact_checker(name):
            return None
        return appender.append({"type": "fact_checker", "name": name, "recorded_at": recorded_at})

    def _is_fact_checker(self, name):
        return self.conn.execute(
            "SELECT 1 FROM fact_checkers AS f JOIN names AS n ON n.id = f.name_id WHERE n.name = ?", (name,)
        ).fetchone() is not None

    def _alias_in_place(self, name, of):
        """Whether `name` is already an alias of `of`. (An alias that would make a cycle is
        refused by the trigger name_aliases_no_cycle.)"""
        current = self.conn.execute(
            """SELECT o.name FROM current_aliases AS a JOIN names AS n ON n.id = a.name_id
               JOIN names AS o ON o.id = a.of_id WHERE n.name = ?""",
            (name,),
        ).fetchone()
        return bool(current and current[0] == of)

    def _recorded_id(self, record):
        """The id of an attribution, current or not, already holding exactly `record`, if any."""
        for seq, text in self.conn.execute(
            """SELECT r.seq, j.payload FROM attribution_records AS r JOIN journal AS j ON j.seq = r.seq
               WHERE r.claim_id = (SELECT id FROM claim_texts WHERE key = ?) AND r.date = ? AND r.stance = ?""",
            (claim_key(record["claim"]), record["date"], record["stance"]),
        ):
            if record_of(json.loads(text)) == record:
                return seq
        return None

    def _current_record(self, target, verb):
        # The attributions view is where status is defined; one row costs a few lookups.
        status = self.conn.execute("SELECT status FROM attributions WHERE id = ?", (target,)).fetchone()
        if status is None:
            raise Refused([("id", f"{target} is not an attribution in this ledger")])
        if status[0] != "current":
            raise Refused([("id", f"attribution {target} is {status[0]}: only a current attribution can be {verb}")])
        return record_of(journal.payload(self.conn, target))


JOURNAL_LINE_KEYS = ("seq", "prev_hash", "hash", "payload")  # what `export --format journal` writes


def _journal_entry(line, seq, prev_hash):
    """(entry, []) of one line of an exported journal, expected to hold entry `seq` and to
    extend an entry whose stated hash is `prev_hash`; else (None, its (field, reason)
    problems). Each line is held to its neighbour's stated hash, so one altered entry is
    reported once, not with every entry after it."""
    problems = [(key, "is not a field of a journal line") for key in line if key not in JOURNAL_LINE_KEYS]
    problems += [(key, "is required") for key in JOURNAL_LINE_KEYS if key not in line]
    if problems:
        return None, problems
    if line["seq"] != seq or type(line["seq"]) is not int:
        return None, [("seq", f"is {line['seq']!r}: entries are seq 1, 2, 3 ... in order, and this is entry {seq}")]
    if not all(isinstance(line[key], str) for key in ("prev_hash", "hash", "payload")):
        return None, [("line", "prev_hash, hash and payload must be text")]
    if line["prev_hash"] != prev_hash:
        return None, [("prev_hash", f"is not the hash of seq {seq - 1}")]
    payload = line["payload"].encode("utf-8", errors="surrogatepass")
    if chain_hash(line["prev_hash"].encode(), payload).decode() != line["hash"]:
        return None, [("hash", "does not match prev_hash and payload")]
    try:
        entry = importers.decode_json(line["payload"])
        written = canonical_json(clean_entry(entry))
    except ValueError as error:
        return None, [("payload", f"is not JSON: {importers.json_reason(error)}")]
    except Refused as refused:
        return None, refused.problems
    if written != line["payload"]:
        return None, [("payload", "is not written as the ledger writes it (canonical JSON of NFC, trimmed text)")]
    return entry, []


def _repeated_records(conn, source, lines):
    """`FILE:LINE` problems for an attribution that repeats an earlier one field for field:
    the journal holds each record once."""
    row = conn.execute(
        """SELECT b.seq, a.seq FROM attribution_records AS a
           JOIN attribution_records AS b ON b.claim_id = a.claim_id AND b.date = a.date AND b.stance = a.stance
                AND b.seq > a.seq
           JOIN journal AS ja ON ja.seq = a.seq JOIN journal AS jb ON jb.seq = b.seq
           WHERE json_remove(ja.payload, '$.type', '$.recorded_at', '$.target', '$.reason')
               = json_remove(jb.payload, '$.type', '$.recorded_at', '$.target', '$.reason')
           ORDER BY b.seq LIMIT 1"""
    ).fetchone()
    if row is None:
        return []
    return [f"{source}:{lines[row[0]]}: attribution: repeats attribution {row[1]} field for field"]


def _name(field, value):
    try:
        text = clean_text("name", value)  # names share the outlet/speaker rules and limit
    except Refused as refused:
        raise Refused([(field, reason) for _, reason in refused.problems]) from None
    if text is None:
        raise Refused([(field, "is required")])
    return text


def _reason(value):
    text = clean_text("reason", value)
    if text is None:
        raise Refused([("reason", "is required")])
    return text


__all__ = ["Ledger", "ImportRefused", "ImportResult", "Refused", "LedgerError", "FIELDS"]
