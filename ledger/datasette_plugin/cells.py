"""What a ledger's cells show: a claim links to its page, a document and an anchored quote to the
document's page, and an attribution that is not current gives its reason, its successor or what
it corrects."""

import json
from collections import defaultdict
from functools import partial

from markupsafe import Markup

from ..records import SHA256
from .metadata import ATTRIBUTION_VIEWS
from .state import ledger_names


def cell_html(row, value, column, table, database, datasette):
    """Link a claim's text to its page (`claim` beside a `claim_id`, and `text` in the claims
    view), a document's id to its page, an attribution's document to its quote's place there,
    and give a retracted or superseded attribution's reason and successor."""
    if value is None or database not in ledger_names(datasette):
        return None
    if table == "documents" and column in ("id", "translation_of"):
        return _document_cell(datasette, database, row, column, value)
    if column == "document" and table in ATTRIBUTION_VIEWS:
        return _attribution_document_cell(datasette, database, row, value)
    if column == "claim" and "claim_id" in row.keys():
        claim_id = row["claim_id"]
    elif column == "text" and table == "claims":
        claim_id = row["id"]
    elif column == "status" and table in ATTRIBUTION_VIEWS and value != "current" and "id" in row.keys():
        return _status_cell(datasette, database, row["id"], value)
    else:
        return None
    return Markup('<a href="{}">{}</a>').format(claim_url(datasette, database, claim_id), value)


def claim_url(datasette, database, claim_id):
    return f"{datasette.urls.table(database, 'claims')}/{claim_id}"


def attribution_url(datasette, database, claim_id, attribution_id):
    """Where an attribution is shown: its row on its claim's page."""
    return f"{claim_url(datasette, database, claim_id)}#attribution-{attribution_id}"


def document_url(datasette, database, document_id, attribution_id=None):
    """A document's page, or the place of attribution `attribution_id`'s quote in it."""
    url = f"{datasette.urls.table(database, 'documents')}/{document_id}"
    return url if attribution_id is None else f"{url}#a-{attribution_id}"


def _document_cell(datasette, database, row, column, value):
    if column == "id":
        return Markup('<a href="{}">{}</a>').format(document_url(datasette, database, value), value)
    if isinstance(value, str) and SHA256.fullmatch(value):
        return _translated_cell(datasette, database, value)
    return None  # the address of an original not stored, which Datasette links as any URL


async def _translated_cell(datasette, database, sha256):
    # Only documents that are translations are looked up, one seek each by the unique sha256.
    found = (
        await datasette.get_database(database).execute("SELECT seq FROM document_records WHERE sha256 = ?", [sha256])
    ).first()
    if found is None:
        return None
    return Markup('<a href="{}">{}</a>').format(document_url(datasette, database, found[0]), sha256)


def _attribution_document_cell(datasette, database, row, document_id):
    """The document's id, linked to the quote's place (mark `a-ID`) when the row has a quote
    anchored, else to the document's page."""
    keys = row.keys()
    anchored = "id" in keys and ("quote_start" not in keys or row["quote_start"] is not None)
    url = document_url(datasette, database, document_id, row["id"] if anchored else None)
    return Markup('<a href="{}">{}</a>').format(url, document_id)


async def _status_cell(datasette, database, attribution_id, status):
    # Only rows that are not current are looked up, one query each: few on most pages.
    details = await datasette.get_database(database).execute_fn(partial(status_details, [attribution_id]))
    return status_html(datasette, database, status, details.get(attribution_id, {}))


def status_details(ids, conn):
    """{id: what the retractions and corrections say of it} for the attributions `ids`:
    `status_reason` (why it was retracted, or why the correction that superseded it was made),
    `superseded_by` (that correction's id), `corrects` (the id of the attribution it corrects)
    and `correction_reason`; and the claim ids of the other attributions named, for links."""
    details = defaultdict(dict)
    rows = conn.execute(
        """SELECT target, 'retracted', NULL, NULL, reason FROM retractions
           WHERE target IN (SELECT value FROM json_each(:ids))
           UNION ALL
           SELECT target, 'superseded', seq, (SELECT claim_id FROM attribution_records WHERE seq = c.seq), reason
           FROM corrections AS c WHERE target IN (SELECT value FROM json_each(:ids))
           UNION ALL
           SELECT seq, 'corrects', target, (SELECT claim_id FROM attribution_records WHERE seq = c.target), reason
           FROM corrections AS c WHERE seq IN (SELECT value FROM json_each(:ids))""",
        {"ids": json.dumps(ids)},
    )
    for attribution_id, kind, other, other_claim, reason in rows:
        found = details[attribution_id]
        if kind == "corrects":
            found.update(corrects=other, corrects_claim=other_claim, correction_reason=reason)
        else:
            found.update(status_reason=reason)
            if kind == "superseded":
                found.update(superseded_by=other, superseded_by_claim=other_claim)
    return dict(details)


def status_html(datasette, database, status, details):
    """An attribution's status, with the reason and the attribution it was superseded by or corrects."""
    html = Markup("{}").format(status)
    if details.get("superseded_by"):
        html += Markup(' by <a href="{}">{}</a>').format(
            attribution_url(datasette, database, details["superseded_by_claim"], details["superseded_by"]),
            details["superseded_by"],
        )
    if details.get("status_reason"):
        html += Markup('<span class="ledger-reason">Reason: {}</span>').format(details["status_reason"])
    if details.get("corrects"):
        html += Markup('<span class="ledger-reason">Corrects <a href="{}">{}</a>. Reason: {}</span>').format(
            attribution_url(datasette, database, details["corrects_claim"], details["corrects"]),
            details["corrects"],
            details["correction_reason"],
        )
    return html
