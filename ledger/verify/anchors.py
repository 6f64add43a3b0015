"""Every anchor where the ledger itself would have put it: its passage the first occurrence of
its words in its document, at its offsets, with the text around it. That the passage is its
attribution's quote, folded, is the journal's reading's to check (journal.py), as it reads
the quote."""

import json

from ..documents import CONTEXT, folded
from ..errors import ChainBroken


def check_anchors(conn):
    """Each anchors row against its document's text, a document read and folded once; the
    first wrong row (by seq) is reported. What documents.anchor would find is checked without
    making the anchor: the first occurrence of the passage's folded words maps back to the
    row's offsets, and the row's passage and context are the text's there. A row of an
    attribution without a quote has no passage, nor offsets, nor context."""
    wrong, document_id, text, folded_text = [], None, None, None
    for seq, in_document, start, end, exact, prefix, suffix in conn.execute(
        """SELECT seq, document_id, quote_start, quote_end, exact, prefix, suffix
           FROM anchors ORDER BY document_id, quote_start"""  # the order of the index anchors_document
    ):
        if in_document != document_id:
            document_id, text = in_document, _text(conn, in_document)
            folded_text = folded(text) if text is not None else None
        if exact is None:
            right = text is not None and (start, end, prefix, suffix) == (None,) * 4
        else:
            right = folded_text is not None and _anchored_at(text, folded_text, start, end, exact, prefix, suffix)
        if not right:
            wrong.append((seq, in_document))
    if wrong:
        seq, in_document = min(wrong)
        raise ChainBroken(f"seq {seq}: anchors row is not where its quote is in document {in_document}")


def _anchored_at(text, folded_text, start, end, exact, prefix, suffix):
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
        return False
    folded_start = folded_text.folded_place(start)
    words = folded_text.folded[folded_start : folded_text.folded_place(end)]
    if not words or words != words.strip():
        return False
    # Its first occurrence, looked for up to where the row says it is.
    found = folded_text.folded.find(words, 0, folded_start + len(words))
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
