"""The documents a ledger holds: finding one by its id or its sha256, a record's document
resolved with its quote anchored (before the record is appended), and the projection rows of
a document entry and of an anchored attribution (as the Projector writes them)."""

import json
import sqlite3

from .documents import anchor, document_text, nearest_passage
from .errors import ImportRefused, LedgerError, Refused
from .records import preview


class HeldDocuments:
    """The documents of the ledger on `conn`, read once each: (seq, sha256, url, outlet, text).

    An import's Projector holds one, which the import resolves its records with. Its documents
    are looked for first on a read-only connection of their own (`reader`), which sees what was
    committed: on `conn`, a query would wait for the batch that the Projector's thread is
    writing there. Only a document not committed yet (added in the same transaction) is read
    on `conn`. The reader is closed by `close()`."""

    _FIND = """SELECT d.seq, d.sha256, json_extract(j.payload, '$.url'), json_extract(j.payload, '$.outlet'),
                      json_extract(j.payload, '$.text')
               FROM document_records AS d JOIN journal AS j ON j.seq = d.seq WHERE d.{column} = ?"""

    def __init__(self, conn, reader=False):
        self.conn = conn
        self.by_reference = {}
        self.reader = reader
        self.committed = None  # the reader's connection, opened when first needed

    def find(self, reference):
        """The document whose id or sha256 is `reference`, or None."""
        if reference not in self.by_reference:
            query = self._FIND.format(column="seq" if reference.isdigit() else "sha256")
            key = (int(reference) if reference.isdigit() else reference,)
            row = (self.reader and self._committed_row(query, key)) or self.conn.execute(query, key).fetchone()
            if row is None:
                return None
            self.by_reference[reference] = row
        return self.by_reference[reference]

    def _committed_row(self, query, key):
        try:
            if self.committed is None:
                path = self.conn.execute("PRAGMA database_list").fetchone()[2]
                self.committed = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=0, check_same_thread=False)
            return self.committed.execute(query, key).fetchone()
        except sqlite3.Error:  # no file (in memory), or locked by a first import: read on `conn`
            return None

    def close(self):
        if self.committed is not None:
            self.committed.close()
            self.committed = None

    def translated(self, metadata):
        """A document's `metadata` with its `translation_of` named by sha256, if it names a
        document held by id or sha256 (a URL names an original not stored)."""
        original = metadata.get("translation_of")
        if original is None or "://" in original:
            return metadata
        found = self.find(original)
        if found is None:
            raise Refused([("translation_of", f"{preview(original)} is not a document in this ledger")])
        return {**metadata, "translation_of": found[1]}

    def resolve(self, record):
        """`record` with its `document` named by sha256, its `url` and `via` defaulted from the
        document, and its quote found in it; the record itself if it names no document.
        Raises Refused for a document not held or a quote not in it."""
        reference = record.get("document")
        if reference is None:
            return record
        found = self.find(reference)
        if found is None:
            raise Refused([("document", f"{preview(reference)} is not a document in this ledger")])
        seq, sha256, url, outlet, text = found
        resolved = {**record, "document": sha256}
        if url is not None and "url" not in record:
            resolved["url"] = url
        if outlet is not None and outlet != record["outlet"] and "via" not in record:
            resolved["via"] = outlet
        quote = record.get("quote")
        if quote is not None and anchor(text, quote) is None:
            near = nearest_passage(text, quote)
            nearest = f"; the nearest passage ({near[1]}% alike) is {preview(near[0], 80)}" if near else ""
            raise Refused([("quote", f"not in document {seq}{nearest}")])
        return resolved


def anchor_row(seq, entry, held):
    """The anchors row of the attribution entry `entry` at `seq`, which names a document that
    `held` (HeldDocuments) holds: (seq, document id, quote_start, quote_end, exact, prefix,
    suffix), the last five None without a quote."""
    found = held.find(entry["document"])
    if found is None:
        raise Refused([("document", f"{entry['document']} is not a document in this ledger")])
    document_id, quote = found[0], entry.get("quote")
    if quote is None:
        return (seq, document_id, None, None, None, None, None)
    anchored = anchor(found[4], quote)
    if anchored is None:
        raise Refused([("quote", f"not in document {document_id}")])
    return (seq, document_id, anchored.start, anchored.end, anchored.exact, anchored.prefix, anchored.suffix)


def document_row(seq, entry, outlet_id):
    """The document_records row of the document entry `entry` at `seq`."""
    get = entry.get
    return (
        seq,
        entry["sha256"],
        outlet_id,
        get("url"),
        get("title"),
        get("date"),
        get("language"),
        get("translation_of"),
        get("translated_by"),
        get("source_sha256"),
        len(entry["text"]),
    )


_LISTED = (
    "id",
    "sha256",
    "title",
    "outlet",
    "url",
    "date",
    "language",
    "translation_of",
    "translated_by",
    "attributions",
)


def document_list(conn):
    """Every document as the `documents` view publishes it, oldest first."""
    return [dict(zip(_LISTED, row)) for row in conn.execute(f"SELECT {', '.join(_LISTED)} FROM documents ORDER BY id")]


def document_shown(conn, reference):
    """Document `reference` (id or sha256): its listing, its text and its anchors in the order
    of the text; raises LedgerError if the ledger does not hold it."""
    found = (
        HeldDocuments(conn).find(reference)
        if reference.isdigit() and len(reference) < 19 or len(reference) == 64
        else None
    )
    if found is None:
        raise LedgerError(f"document {reference} is not in this ledger")
    listed = dict(
        zip(_LISTED, conn.execute(f"SELECT {', '.join(_LISTED)} FROM documents WHERE id = ?", (found[0],)).fetchone())
    )
    anchors = [
        dict(zip(("attribution", "quote_start", "quote_end", "exact", "prefix", "suffix"), row))
        for row in conn.execute(
            """SELECT seq, quote_start, quote_end, exact, prefix, suffix FROM anchors
               WHERE document_id = ? AND quote_start IS NOT NULL ORDER BY quote_start, seq""",
            (found[0],),
        )
    ]
    return {**listed, "text": found[4], "anchors": anchors}


def document_entries(conn):
    """Each document entry, oldest first, as recorded."""
    for (payload,) in conn.execute(
        "SELECT j.payload FROM document_records AS d JOIN journal AS j ON j.seq = d.seq ORDER BY d.seq"
    ):
        yield json.loads(payload)


_ANNOTATED = ("claim", "claimant", "outlet", "stance", "recorded_at", "sha256", "url")
_SELECTORS = ("quote_start", "quote_end", "exact", "prefix", "suffix")


def annotated_rows(conn):
    """(seq, row) of each current anchored attribution, oldest first: the columns that
    `formats.documents.annotation` needs."""
    for seq, *values in conn.execute(
        f"""SELECT r.id, r.claim, r.claimant, r.outlet, r.stance, json_extract(j.payload, '$.recorded_at'),
                   d.sha256, coalesce(r.url, d.url), {", ".join(f"a.{column}" for column in _SELECTORS)}
            FROM anchors AS a JOIN current_attributions AS r ON r.id = a.seq JOIN journal AS j ON j.seq = a.seq
            JOIN document_records AS d ON d.seq = a.document_id
            WHERE a.quote_start IS NOT NULL ORDER BY a.seq"""
    ):
        yield seq, dict(zip((*_ANNOTATED, *_SELECTORS), values))


def documents_read(items, source):
    """(text, metadata) of each document of an import's Items, its text document_text's; raises
    ImportRefused naming each bad line, `FILE:LINE: field: reason`."""
    problems, read = [], []
    for item in items:
        problems += [f"{source}:{item.line}: {field}: {reason}" for field, reason in item.problems]
        if item.record is not None:
            try:
                text = document_text(item.record.get("text") or "")
            except Refused as refused:
                problems += [f"{source}:{item.line}: {field}: {reason}" for field, reason in refused.problems]
                continue
            read.append((text, {**item.record, "text": text}))
    if problems:
        raise ImportRefused(problems)
    return read
