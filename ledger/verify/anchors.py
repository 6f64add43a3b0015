"""Every anchor where the ledger itself would have put it: its passage the first occurrence
of its attribution's quote in its document, at its offsets, with the text around it."""

import json

from ..documents import anchor
from ..errors import ChainBroken


def check_anchors(conn):
    """Each anchors row against its document's text and its attribution's quote, a document
    read once; the first wrong row (by seq) is reported."""
    wrong, document_id, text = [], None, None
    for seq, in_document, *selectors, quote in conn.execute(
        """SELECT a.seq, a.document_id, a.quote_start, a.quote_end, a.exact, a.prefix, a.suffix,
                  json_extract(j.payload, '$.quote')
           FROM anchors AS a JOIN journal AS j ON j.seq = a.seq ORDER BY a.document_id, a.seq"""
    ):
        if in_document != document_id:
            document_id, text = in_document, _text(conn, in_document)
        found = anchor(text, quote) if quote is not None and text is not None else None
        expected = [found.start, found.end, found.exact, found.prefix, found.suffix] if found else [None] * 5
        if text is None or (quote is not None and found is None) or selectors != expected:
            wrong.append((seq, in_document))
    if wrong:
        seq, in_document = min(wrong)
        raise ChainBroken(f"seq {seq}: anchors row is not where its quote is in document {in_document}")


def _text(conn, document_id):
    row = conn.execute(
        """SELECT j.payload FROM document_records AS d JOIN journal AS j ON j.seq = d.seq WHERE d.seq = ?""",
        (document_id,),
    ).fetchone()
    return json.loads(row[0]).get("text") if row else None
