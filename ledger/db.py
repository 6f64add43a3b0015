"""The library: a `Ledger` appends entries to the journal and reads current attributions.

    from ledger import Ledger
    ledger = Ledger("ledger.db", create=True)
    seq, new = ledger.add({"claim": "...", "outlet": "BBC", "date": "2024-07-30", "stance": "asserts"})

Every append runs in one write transaction: the journal entries and their projection
rows (written by `projections.Projector`) commit together or not at all.
"""

import contextlib
import dataclasses
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping

from . import close_claims, database, formats, journal, projections, replay, verify
from .close_claims import CloseClaim
from .documents import clean_document, document_text, sha256_of
from .errors import ImportRefused, LedgerError, Refused
from .held_documents import (
    annotated_rows,
    document_entries,
    document_list,
    document_shown,
    documents_read,
)
from .formats.base import Item, checked
from .formats.worker import CheckedInWorker
from .journal import attribution_json
from .projections import appending, recorded_id
from .reading import Reading
from .records import LARGEST_ID, clean_name, clean_reason, clean_record, entry_of, preview, record_of, utc_now


# Below this size, starting a worker process to read and validate costs more than it saves.
WORKER_FROM_BYTES = 1_000_000


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

    def added(self, seq: int) -> None:
        """Count the new attribution `seq`, which follows every id counted before."""
        self.new += 1
        if self.id_ranges and self.id_ranges[-1][1] == seq - 1:
            self.id_ranges[-1][1] = seq
        else:
            self.id_ranges.append([seq, seq])


class Ledger(Reading):
    """A ledger file: append attributions, aliases, retractions, corrections and fact-checkers
    to its journal, read them back, verify it. Use it in a `with` block, or call close()."""

    def __init__(self, path: str | os.PathLike, create: bool = False):
        """Open the ledger at `path`; with `create`, make it if it does not exist, and then
        `created` is True (in this process: of several creating it at once, one made it)."""
        self.path = path
        self.conn, self.created = database.open_ledger(path, create=create)

    def close(self) -> None:
        """Close the ledger's connection (`with Ledger(...)` does it at the end of the block)."""
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # Appending -----------------------------------------------------------------

    def add(self, raw: Mapping[str, str]) -> tuple[int, bool]:
        """Append one attribution; returns (id, True), or (existing id, False) if already recorded."""
        record = clean_record(raw)
        with appending(self.conn) as appender:
            record = appender.projector.held.resolve(record)
            existing = recorded_id(self.conn, record)
            if existing:
                return existing, False
            return appender.append(entry_of("attribution", record)), True

    def import_items(self, items: Iterable[Item], source: str = "-", recorded_at: str | None = None) -> ImportResult:
        """Append every record of an import in one transaction: all or nothing.

        `items` are `formats.base.Item`s; bad ones are collected, and if there is any,
        the transaction is rolled back and ImportRefused names each. An item marked
        `fact_checker` also records its outlet as a fact-checker, in the same transaction.
        Every entry is recorded at `recorded_at` (default: now), which is also the time in
        the payloads that items already hold (see `formats.worker.CheckedInWorker`).
        """
        result, problems = ImportResult(), []
        recorded_at = recorded_at or utc_now()
        with self._importing() as (appender, _):
            projector = appender.projector
            for item in checked(items):
                record, payload = item.record, item.payload
                if payload is not None and not (problems or item.problems or item.fact_checker or "document" in record):
                    # Most records of a large file: checked, their payload written by the worker.
                    if projector.holds(record, payload):
                        result.existing += 1
                    else:
                        result.added(appender.append_attribution(record, payload))
                    continue
                problems += [f"{source}:{item.line}: {field}: {reason}" for field, reason in item.problems]
                if record is not None and "document" in record:
                    try:
                        record, payload = projector.held.resolve(record), None
                    except Refused as refused:
                        problems += [f"{source}:{item.line}: {field}: {reason}" for field, reason in refused.problems]
                if record is None or problems:  # once refused, the import only keeps validating
                    continue
                entry = entry_of("attribution", record, recorded_at)
                payload = payload or attribution_json(entry).encode()
                if projector.holds(record, payload):
                    result.existing += 1
                else:
                    result.added(appender.append(entry, payload))
                if item.fact_checker:
                    self._append_fact_checker(appender, record["outlet"], recorded_at)
            if problems:
                raise ImportRefused(problems)
            appender.flush()  # every entry, before what a first import makes at the end
        if projector.next_claim_id > projector.first_claim_made:
            result.new_claims = projector.next_claim_id - projector.first_claim_made
            result.close_claims = close_claims.of_first_claims(self.conn, projector.first_claim_made, appender.seq)
        return result

    @contextlib.contextmanager
    def _importing(self):
        """The write transaction of an import, with an Appender, made for many entries;
        yields (appender, stack). A first import leaves some indexes and triggers to its end
        (`database.made_at_the_end`): what must see them is pushed on `stack`, and runs after
        they are made and before COMMIT."""
        with (
            database.rollback_journal_while_empty(self.conn),
            appending(self.conn) as appender,
            database.checks_left_to_the_import(self.conn),
            contextlib.ExitStack() as stack,
            database.made_at_the_end(self.conn) if appender.seq == 0 else contextlib.nullcontext(),
        ):
            yield appender, stack

    def replay_journal(self, items: Iterable[Item], source: str = "-") -> int:
        """Append the entries of a journal written by `ledger export --format journal`
        (`formats.base.Item`s whose records are its lines) into this empty ledger, each exactly
        as recorded, so that the two journals are identical, entry for entry and hash for
        hash; all or nothing. Every entry must extend the one before, hash to its `hash`,
        and be what this package would have written (canonical JSON of a valid entry, which
        the ledger would have accepted where it stands). Returns the number of entries."""
        return replay.replay_journal(self, items, source)

    def import_file(
        self,
        path: str | os.PathLike,
        fmt: str | None = None,
        watch: Callable[[Iterable[Item], int | None], Iterable[Item]] | None = None,
    ) -> ImportResult | int:
        """Import the file at `path` (`-`: standard input, which needs `fmt`) in format `fmt`
        (default: from its name's ending). A journal (`journal`) is replayed into this empty
        ledger and the number of entries returned (`replay_journal`); any other format's
        records are imported (`import_items`) and an ImportResult returned. `watch`, if given,
        is called as `watch(items, size)` and returns the items to import, so that a caller can
        follow the import (size: the file's bytes when a worker reads it, else None)."""
        fmt = fmt or (formats.format_of(str(path)) if str(path) != "-" else None)
        if fmt not in formats.IMPORT_FORMATS:
            raise LedgerError(
                f"cannot tell the format of {str(path)!r}: give one of {', '.join(formats.IMPORT_FORMATS)}"
            )
        watch = watch or (lambda items, size: items)
        with contextlib.ExitStack() as stack:
            recorded_at = None
            if str(path) == "-":
                stream = sys.stdin.buffer
            elif fmt in ("journal", "documents") or os.path.getsize(path) < WORKER_FROM_BYTES:
                stream = stack.enter_context(open(path, "rb"))
            else:
                stream, recorded_at = None, utc_now()
            if stream is None:
                items = watch(CheckedInWorker(path, formats.FORMATS[fmt].read, recorded_at), os.path.getsize(path))
            else:
                items = watch(formats.read(stream, fmt), None)
            if fmt == "journal":
                return self.replay_journal(items, source=str(path))
            if fmt == "documents":
                return self.import_documents(items, source=str(path))
            return self.import_items(items, source=str(path), recorded_at=recorded_at)

    def alias(self, name: str, of: str) -> int | None:
        """Record that `name` is another name of `of`; returns the seq, or None if already so."""
        name, of = clean_name("name", name), clean_name("of", of)
        if name == of:
            raise Refused([("alias", f"{name!r} cannot be an alias of itself")])
        with appending(self.conn) as appender:
            if self._alias_in_place(name, of):
                return None
            try:
                return appender.append({"type": "alias", "name": name, "of": of, "recorded_at": utc_now()})
            except Refused:  # only the trigger that refuses cycles refuses a new alias of two names
                raise Refused(
                    [("alias", f"{of!r} already resolves through {name!r}: the alias would make a cycle")]
                ) from None

    def add_documents(self, documents: Iterable[tuple[str | bytes, Mapping[str, str]]]) -> list[tuple[int, bool]]:
        """Append documents (CONTRACT.md section 6), each (text as UTF-8 bytes or text, its
        metadata: url, outlet, title, date, language, translation_of, translated_by,
        source_sha256), in one transaction: all or none. Returns (id, True) for each, or
        (existing id, False) for a text the ledger already holds."""
        with appending(self.conn) as appender:
            held, added = appender.projector.held, []
            for text, metadata in documents:
                text = document_text(text)
                if metadata.get("translation_of") == sha256_of(text):
                    raise Refused([("translation_of", "names the document itself")])
                fields = clean_document({**held.translated(metadata), "text": text})
                existing = held.find(fields["sha256"])
                if existing:
                    added.append((existing[0], False))
                    continue
                added.append((appender.append({"type": "document", **fields, "recorded_at": utc_now()}), True))
                appender.flush()  # a later document may name it
        return added

    def fact_checker(self, name: str) -> int | None:
        """Record that the outlet `name` is a fact-checker; returns the seq, or None if already so."""
        name = clean_name("name", name)
        with appending(self.conn) as appender:
            return self._append_fact_checker(appender, name, utc_now())

    def retract(self, target: int, reason: str) -> int:
        """Record that attribution `target` is withdrawn; returns the entry's seq. Only a
        current attribution can be retracted (else Refused, naming what superseded or
        retracted it)."""
        reason = clean_reason(reason)
        with appending(self.conn) as appender:
            self._current_record(target, "retracted")
            return appender.append({"type": "retraction", "target": target, "reason": reason, "recorded_at": utc_now()})

    def correct(self, target: int, reason: str, changes: Mapping[str, str]) -> int:
        """Supersede attribution `target` with its fields updated by `changes` ("" clears a field)."""
        reason = clean_reason(reason)
        with appending(self.conn) as appender:
            old = self._current_record(target, "corrected")
            record = appender.projector.held.resolve(clean_record({**old, **changes}))
            if record == old:
                raise Refused([("correction", f"changes nothing in attribution {target}")])
            # The journal holds each record once: a correction may not make a second copy.
            existing = recorded_id(self.conn, record)
            if existing:
                raise Refused(
                    [
                        (
                            "correction",
                            f"the corrected attribution is already recorded as attribution "
                            f"{existing}; retract {target} instead",
                        )
                    ]
                )
            entry = {**entry_of("correction", record), "target": target, "reason": reason}
            return appender.append(entry)

    # Reading -------------------------------------------------------------------

    def close_claim(self, attribution: int) -> CloseClaim | None:
        """For an attribution that recorded a new claim (`add` or `correct` just made it): the
        claim recorded before it that is closest to it, if within a few characters (CloseClaim),
        else None. A correction's new wording is not compared with the claim it corrects,
        which is what it changes."""
        if not 1 <= attribution <= LARGEST_ID:
            return None
        row = self.conn.execute(
            """SELECT c.id, c.text, c.seq, (SELECT t.claim_id FROM corrections AS k
                                             JOIN attribution_records AS t ON t.seq = k.target WHERE k.seq = r.seq)
               FROM attribution_records AS r JOIN claim_texts AS c ON c.id = r.claim_id WHERE r.seq = ?""",
            (attribution,),
        ).fetchone()
        if row is None or row[2] != attribution:  # no such attribution, or its claim was recorded before
            return None
        claim_id, text, _, corrected_claim_id = row
        return close_claims.closest_claim(self.conn, claim_id, text, attribution, other_than=corrected_claim_id)

    def records(self, include_all: bool = False) -> Iterator[tuple[int, dict]]:
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

    def documents(self) -> list[dict]:
        """Every document: id, sha256, title, outlet, url, date, language, translation_of,
        translated_by, and how many attributions name it."""
        return document_list(self.conn)

    def document(self, reference: str) -> dict:
        """Document `reference` (id or sha256) as `documents()` lists it, with its `text` and its
        `anchors` (attribution, quote_start, quote_end, exact, prefix, suffix) in text order."""
        return document_shown(self.conn, reference)

    def document_entries(self) -> Iterator[dict]:
        """Each document entry, oldest first, as recorded: its text, sha256 and metadata."""
        return document_entries(self.conn)

    def annotations(self) -> Iterator[dict]:
        """A W3C Web Annotation (JSON-LD) for each current anchored attribution, oldest first."""
        return (formats.documents.annotation(seq, row) for seq, row in annotated_rows(self.conn))

    def import_documents(self, items: Iterable[Item], source: str = "-") -> ImportResult:
        """Append the documents of an import (`formats.documents.read_documents`' Items) in
        one transaction: all or nothing; a text the ledger holds is counted as existing."""
        result = ImportResult()
        for seq, new in self.add_documents(documents_read(items, source)):
            if new:
                result.added(seq)
            else:
                result.existing += 1
        return result

    def journal_lines(self) -> Iterable[tuple[int, str, str, str]]:
        """(seq, prev_hash, hash, payload) of every journal entry, oldest first, as recorded."""
        return self.conn.execute("SELECT seq, prev_hash, hash, payload FROM journal ORDER BY seq")

    def digest(self) -> str:
        """`SEQ:HASH` of the newest journal entry, to keep and check later (`verify(digest)`)."""
        return journal.digest(self.conn)

    def verify(self, digest: str | None = None) -> tuple[int, str]:
        """Check the chain, the schema, every projection row and the names; returns (entries,
        head hash), or raises ChainBroken naming the first problem (`verify.verify`). With
        `digest` (SEQ:HASH, from `digest()` earlier), also that entry SEQ still has HASH."""
        return verify.verify(self.path, digest)

    def rebuild(self, target: str | os.PathLike) -> int:
        """Replay the journal into a new ledger file `target`, making every projection again
        with the current schema.sql; returns the number of entries."""
        return projections.rebuild(self.path, target)

    # Helpers -------------------------------------------------------------------

    def _append_fact_checker(self, appender, name, recorded_at):
        """Inside a write transaction: record `name` as a fact-checker unless it is one; the seq or None."""
        if self._is_fact_checker(name):
            return None
        return appender.append({"type": "fact_checker", "name": name, "recorded_at": recorded_at})

    def _is_fact_checker(self, name):
        return (
            self.conn.execute(
                "SELECT 1 FROM fact_checkers AS f JOIN names AS n ON n.id = f.name_id WHERE n.name = ?", (name,)
            ).fetchone()
            is not None
        )

    def _alias_in_place(self, name, of):
        """Whether `name` is already an alias of `of`. (An alias that would make a cycle is
        refused by the trigger name_aliases_no_cycle.)"""
        current = self.conn.execute(
            """SELECT o.name FROM current_aliases AS a JOIN names AS n ON n.id = a.name_id
               JOIN names AS o ON o.id = a.of_id WHERE n.name = ?""",
            (name,),
        ).fetchone()
        return bool(current and current[0] == of)

    def _current_record(self, target, verb):
        # The attributions view is where status is defined; one row costs a few lookups.
        status = None
        if 1 <= target <= LARGEST_ID:  # else SQLite could not even look it up
            status = self.conn.execute("SELECT status FROM attributions WHERE id = ?", (target,)).fetchone()
        if status is None:
            raise Refused([("id", f"{target} is not an attribution in this ledger")])
        if status[0] != "current":
            raise Refused(
                [
                    (
                        "id",
                        f"attribution {target} is {self._why_not_current(target)}: "
                        f"only a current attribution can be {verb}",
                    )
                ]
            )
        return record_of(journal.payload(self.conn, target))

    def _why_not_current(self, target):
        """`retracted by entry 9 ('misread')`, or `superseded by 9` and where the corrections
        that followed lead: the attribution to act on instead, if any."""
        successors, last = [], target
        while row := self.conn.execute("SELECT seq FROM corrections WHERE target = ?", (last,)).fetchone():
            last = row[0]
            successors.append(last)
        retraction = self.conn.execute("SELECT seq, reason FROM retractions WHERE target = ?", (last,)).fetchone()
        retracted = f"retracted by entry {retraction[0]} ({preview(retraction[1])})" if retraction else None
        if not successors:
            return retracted
        fate = f"is {retracted}" if retracted else "is current"
        if len(successors) == 1:
            return f"superseded by {last}, which {fate}"
        return f"superseded by {successors[0]}, whose latest correction, {last}, {fate}"
