"""Every anchor where the ledger itself would have put it: its passage the first occurrence
of its attribution's quote in its document, at its offsets, with the text around it."""

import json

from ..documents import CONTEXT, fold_quote, folded
from ..errors import ChainBroken


def check_anchors(conn):
    """Each anchors row against its document's text and its attribution's quote, a document
    read and folded once; the first wrong row (by seq) is reported. What documents.anchor
    would find is checked without making the anchor: the first occurrence of the folded quote
    maps back to the row's offsets, and the row's passage and context are the text's there."""
    wrong, document_id, text, folded_text = [], None, None, None
    for seq, in_document, start, end, exact, prefix, suffix, quote in conn.execute(
        """SELECT a.seq, a.document_id, a.quote_start, a.quote_end, a.exact, a.prefix, a.suffix,
                  json_extract(j.payload, '$.quote')
           FROM anchors AS a JOIN journal AS j ON j.seq = a.seq ORDER BY a.document_id, a.seq"""
    ):
        if in_document != document_id:
            document_id, text = in_document, _text(conn, in_document)
            folded_text = folded(text) if text is not None else None
        if quote is None:
            right = text is not None and (start, end, exact, prefix, suffix) == (None,) * 5
        else:
            right = folded_text is not None and _anchored_at(
                text, folded_text, quote, start, end, exact, prefix, suffix
            )
        if not right:
            wrong.append((seq, in_document))
    if wrong:
        seq, in_document = min(wrong)
        raise ChainBroken(f"seq {seq}: anchors row is not where its quote is in document {in_document}")


def _anchored_at(text, folded_text, quote, start, end, exact, prefix, suffix):
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
        return False
    if quote == exact:  # most quotes are copied as the text has them: their fold is the text's, folded
        words = folded_text.folded[folded_text.folded_place(start) : folded_text.folded_place(end)]
        if words != words.strip():
            return False
    else:
        words = fold_quote(quote)
    # Its first occurrence, looked for up to where the row says it is.
    found = folded_text.folded.find(words, 0, folded_text.folded_place(start) + len(words)) if words else -1
    return (
        found >= 0
        and folded_text.text_place(found) == start
        and folded_text.text_place(found + len(words)) == end
        and exact == text[start:end]
        and prefix == text[max(0, start - CONTEXT) : start]
        and suffix == text[end : end + CONTEXT]
    )


def _text(conn, document_id):
    row = conn.execute(
        """SELECT j.payload FROM document_records AS d JOIN journal AS j ON j.seq = d.seq WHERE d.seq = ?""",
        (document_id,),
    ).fetchone()
    return json.loads(row[0]).get("text") if row else None
