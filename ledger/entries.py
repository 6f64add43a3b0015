"""Journal entries: what each type holds, and the one validation of an entry as the ledger
writes it (docs/reference.md, The journal). `verify` holds every payload to it."""

from .documents import DOCUMENT_FIELDS, clean_document, document_text
from .errors import Refused
from .records import FIELDS, SHA256, clean_record, clean_text, is_utc_time, json_type, preview

# What each type of journal entry holds beside `type` and `recorded_at` (docs/reference.md, The journal).
ENTRY_TYPES = {
    "attribution": FIELDS,
    "correction": (*FIELDS, "target", "reason"),
    "retraction": ("target", "reason"),
    "alias": ("name", "of"),
    "fact_checker": ("name",),
    "document": DOCUMENT_FIELDS,
}


def clean_entry(entry):
    """The journal entry `entry` (a payload as a dict) as this package would have written it;
    raises Refused naming every field that no entry of its type could hold. An entry is
    valid exactly when clean_entry(entry) == entry."""
    if not isinstance(entry, dict):
        raise Refused([("payload", f"must be a JSON object, not {json_type(entry)}")])
    kind = entry.get("type")
    if kind not in ENTRY_TYPES:
        known = ", ".join(ENTRY_TYPES)
        raise Refused([("type", f"{preview(str(kind))} is not an entry type ({known})")])
    keys = ENTRY_TYPES[kind]
    problems = [
        (key, f"is not a field of an entry of type {kind}")
        for key in entry
        if key not in (*keys, "type", "recorded_at")
    ]
    clean = {"type": kind}
    if kind in ("attribution", "correction"):
        try:
            clean.update(clean_record({field: entry[field] for field in FIELDS if field in entry}))
        except Refused as refused:
            problems += refused.problems
        if not SHA256.fullmatch(clean.get("document", "0" * 64)):  # the journal names a document by its sha256
            problems.append(("document", "must be the sha256 of a document"))
    if kind == "document":
        problems += _document_problems(entry, clean)
    if "target" in keys:
        target = entry.get("target")
        if type(target) is not int or not 1 <= target < 2**63:
            problems.append(("target", "must be the id of an attribution"))
        clean["target"] = target
    for field in ("reason", "name", "of"):
        if field in keys:
            try:
                value = clean_text("reason" if field == "reason" else "name", entry.get(field))
            except Refused as refused:
                problems += [(field, reason) for _, reason in refused.problems]
                continue
            if value is None:
                problems.append((field, "is required"))
            clean[field] = value
    if kind == "alias" and entry.get("name") is not None and entry.get("name") == entry.get("of"):
        problems.append(("alias", "a name cannot be an alias of itself"))
    recorded_at = entry.get("recorded_at")
    if not (isinstance(recorded_at, str) and is_utc_time(recorded_at)):
        problems.append(("recorded_at", "must be a UTC time YYYY-MM-DDTHH:MM:SSZ"))
    clean["recorded_at"] = recorded_at
    if problems:
        raise Refused(problems)
    return clean


def _document_problems(entry, clean):
    """What is wrong with the fields of the document entry `entry`; its clean fields go to `clean`."""
    text = entry.get("text")
    if not isinstance(text, str):
        return [("text", "is required" if text is None else f"must be text, not {json_type(text)}")]
    try:
        if document_text(text) != text:
            return [("text", "is not as the ledger keeps a text (NFC, line feeds)")]
        clean.update(clean_document({key: entry[key] for key in DOCUMENT_FIELDS if key in entry}))
    except Refused as refused:
        return refused.problems
    return []
