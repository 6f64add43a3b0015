"""The library: a `Ledger` appends entries to the journal and reads current attributions.

    from ledger.db import Ledger
    ledger = Ledger("ledger.db", create=True)
    seq, new = ledger.add({"claim": "...", "outlet": "BBC", "date": "2024-07-30", "stance": "asserts"})

Every append runs in one write transaction: the journal entries and their projection
rows (written by `projections.Projector`) commit together or not at all.
"""
import concurrent.futures
import contextlib
import dataclasses
import functools
import json
import re
import sqlite3

from . import importers, journal
from .importers import checked
from .journal import LedgerError, connect, write_transaction
from .projections import PROJECTION_CHECK_GROUPS, Projector, check_projections, check_resolutions, check_schema
from .records import (
    FIELDS, GENESIS_HASH, WORD, Refused, _preview, attribution_json, canonical_json, chain_hash, claim_key,
    clean_entry, clean_record, clean_text, entry_of, loose_key, record_of, utc_now,
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


@dataclasses.dataclass
class ImportResult:
    """What an import recorded: `new` attributions, `existing` records already held, and
    the ids of the new attributions as `id_ranges`, [first, last] pairs (inclusive) in
    order: an import's new attributions mostly follow one another (a ClaimReview import
    records a fact-checker between two), so a million of them take a pair or a few.
    Of its `new_claims`, the first CLAIMS_COMPARED are compared with the claims recorded
    before them: `close_claims` are those within a few characters of one."""

    new: int = 0
    existing: int = 0
    id_ranges: list = dataclasses.field(default_factory=list)
    new_claims: int = 0  # claims the import recorded first
    close_claims: list = dataclasses.field(default_factory=list)  # CloseClaims, of the first CLAIMS_COMPARED

    def added(self, seq):
        """Count the new attribution `seq`, which follows every id counted before."""
        self.new += 1
        if self.id_ranges and self.id_ranges[-1][1] == seq - 1:
            self.id_ranges[-1][1] = seq
        else:
            self.id_ranges.append([seq, seq])


@dataclasses.dataclass(frozen=True)
class CloseClaim:
    """A new claim that is not the same claim as any recorded before it (CONTRACT section 1),
    yet within a few characters of one, so perhaps meant to be it: `edits` characters apart
    once case, accents and punctuation are folded away (0: they differ only in those)."""

    attribution: int  # the attribution that recorded the new claim
    claim: str
    close_id: int  # the claim recorded before, and its first wording
    close_text: str
    edits: int


# An import compares this many of its new claims with those recorded before them: enough for
# the files people put together by hand, and a bounded cost for a million-record import, whose
# warnings nobody could read through anyway.
CLAIMS_COMPARED = 100
# Where a new claim's close claims are looked for (Ledger._closest_claim): the claims next to
# it in the order of claim keys, and those holding the longest words of either half of it.
NEIGHBOURS = 20
CANDIDATES_BY_WORDS = 300
_CANDIDATES = {
    # Those recorded after it too (dropped in Python): skipping them in SQL would walk the whole
    # index for a claim that most claims came after.
    "below": "SELECT id, text FROM claim_texts WHERE key < :key ORDER BY key DESC LIMIT :neighbours",
    "above": "SELECT id, text FROM claim_texts WHERE key > :key ORDER BY key LIMIT :neighbours",
    "words": """SELECT c.id, c.text FROM claim_texts AS c WHERE c.id IN (
        SELECT rowid FROM claim_search WHERE claim_search MATCH :words AND rowid < :before
        ORDER BY rowid DESC LIMIT :by_words)""",
}


_DIGITS = re.compile(r"\D")  # what is not a digit


def close_edits(key):
    """How many characters a claim may differ in from another, by their loose keys, to be
    close: a typo or two (one below 40 characters). More would make different claims close
    ("... with China" and "... with Cuba", three apart). Claims with different numbers are
    never close."""
    return 1 if len(key) < 40 else 2


class Ledger:
    def __init__(self, path, create=False):
        """Open the ledger at `path`; with `create`, make it if it does not exist, and then
        `created` is True (in this process: of several creating it at once, one made it)."""
        self.path = path
        self.conn, self.created = journal.open_ledger(path, create=create)

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
                    result.added(appender.append(entry, payload))
                if item.fact_checker:
                    self._append_fact_checker(appender, record["outlet"], recorded_at)
            if problems:
                raise ImportRefused(problems)
            appender.flush()  # every entry, before what a first import makes at the end
        if projector.first_new_claim_id is not None:
            result.new_claims = projector.next_claim_id - projector.first_new_claim_id
            compared = self.conn.execute(
                "SELECT id, text, seq FROM claim_texts WHERE id >= ? AND seq <= ? ORDER BY id LIMIT ?",
                (projector.first_new_claim_id, appender.seq, CLAIMS_COMPARED)).fetchall()
            result.close_claims = [close for claim_id, text, seq in compared
                                   if (close := self._closest_claim(claim_id, text, seq))]
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

    def close_claim(self, attribution):
        """For an attribution that recorded a new claim (`add` or `correct` just made it): the
        claim recorded before it that is closest to it, if within a few characters (CloseClaim),
        else None. A correction's new wording is not compared with the claim it corrects,
        which is what it changes."""
        row = self.conn.execute(
            """SELECT c.id, c.text, c.seq, (SELECT t.claim_id FROM corrections AS k
                                             JOIN attribution_records AS t ON t.seq = k.target WHERE k.seq = r.seq)
               FROM attribution_records AS r JOIN claim_texts AS c ON c.id = r.claim_id WHERE r.seq = ?""",
            (attribution,),
        ).fetchone()
        if row is None or row[2] != attribution:  # no such attribution, or its claim was recorded before
            return None
        claim_id, text, _, corrected_claim_id = row
        return self._closest_claim(claim_id, text, attribution, other_than=corrected_claim_id)

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

    def _closest_claim(self, claim_id, text, attribution, other_than=None):
        """The CloseClaim of claim `claim_id`, recorded by `attribution`, among the claims recorded
        before it, or None.

        A ledger may hold millions of claims, too many to compare with each new one, so only
        some are, each found through an index: the NEIGHBOURS claims either side of it in the
        order of claim keys (they share its beginning: for an edit further on), and the newest
        CANDIDATES_BY_WORDS claims holding the three longest words of its first half, and as
        many holding those of its second half (one half holds no edit, or the edits are in
        shorter words; the full-text index folds case and Latin accents, as the comparison
        does). Long words are the rarest, so few claims hold all three. A close claim is
        missed when edits fall among the longest words of both halves, or more claims than
        these hold them, and more than NEIGHBOURS claims share its beginning."""
        from rapidfuzz import process  # imported here: only a new claim needs it
        from rapidfuzz.distance import Levenshtein

        words = WORD.findall(text)
        parameters = {"key": claim_key(text), "before": claim_id, "neighbours": NEIGHBOURS,
                      "by_words": CANDIDATES_BY_WORDS}
        candidates = {}
        for sql in (_CANDIDATES["below"], _CANDIDATES["above"]):
            candidates.update(row for row in self.conn.execute(sql, parameters) if row[0] < claim_id)
        for half in (words[:len(words) // 2], words[len(words) // 2:]):
            longest = sorted({word.lower() for word in half}, key=lambda word: (-len(word), word))[:3]
            if longest:
                parameters["words"] = " AND ".join(f'"{word}"' for word in longest)
                candidates.update(self.conn.execute(_CANDIDATES["words"], parameters))
        # Claims whose numbers differ are different claims, however close ("3%" and "5%").
        numbers = _DIGITS.sub("", text)
        candidates = {other_id: other for other_id, other in sorted(candidates.items())  # the first recorded first
                      if other_id != other_than and _DIGITS.sub("", other) == numbers}
        key = loose_key(text)
        found = process.extractOne(key, candidates, scorer=Levenshtein.distance, processor=loose_key,
                                   score_cutoff=close_edits(key))
        if found is None:
            return None
        close_text, edits, close_id = found
        return CloseClaim(attribution, text, close_id, close_text, edits)

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
            raise Refused([("id", f"attribution {target} is {self._why_not_current(target)}: "
                                  f"only a current attribution can be {verb}")])
        return record_of(journal.payload(self.conn, target))

    def _why_not_current(self, target):
        """`retracted by entry 9 ('misread')`, or `superseded by 9` and where the corrections
        that followed lead: the attribution to act on instead, if any."""
        successors, last = [], target
        while row := self.conn.execute("SELECT seq FROM corrections WHERE target = ?", (last,)).fetchone():
            last = row[0]
            successors.append(last)
        retraction = self.conn.execute("SELECT seq, reason FROM retractions WHERE target = ?", (last,)).fetchone()
        retracted = f"retracted by entry {retraction[0]} ({_preview(retraction[1])})" if retraction else None
        if not successors:
            return retracted
        fate = f"is {retracted}" if retracted else "is current"
        if len(successors) == 1:
            return f"superseded by {last}, which {fate}"
        return f"superseded by {successors[0]}, whose latest correction, {last}, {fate}"


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


__all__ = ["Ledger", "CloseClaim", "ImportRefused", "ImportResult", "Refused", "LedgerError", "FIELDS"]
