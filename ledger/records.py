"""Records and their validation: what one attribution is, before it reaches the journal.

Everything that enters the journal passes through `clean_record` or `clean_text`, so
the journal only ever holds NFC, trimmed, limit-respecting text.
"""

import datetime as dt
import functools
import re
import time
import unicodedata

from .errors import Refused

# Ids are journal seqs, SQLite integers: none is larger than this.
LARGEST_ID = 2**63 - 1
FIELDS = ("claim", "outlet", "date", "stance", "speaker", "via", "url", "quote", "note", "document")
_FIELD_SET = frozenset(FIELDS)
REQUIRED = ("claim", "outlet", "date", "stance")
STANCES = ("asserts", "reports", "questions", "disputes")
# An attribution's status; `ledger export --all` writes it with each record as `status`.
STATUSES = ("current", "retracted", "superseded")
LIMITS = {
    "claim": 10_000,
    "outlet": 300,
    "speaker": 300,
    "via": 300,
    "url": 2_048,
    "quote": 100_000,
    "note": 100_000,
    "reason": 100_000,
    "name": 300,
    "document": 64,
}
# Free-text fields may span lines and hold tabs; every other field is a single line.
MULTILINE = {"quote", "note", "reason"}
# Control characters (Unicode category Cc) and lone surrogates, which UTF-8 cannot encode.
_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_FORBIDDEN_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# Format characters (Unicode category Cf) draw nothing, yet make two texts differ: in a single
# line of text (a claim, a name), the zero-width ones and the soft hyphen are dropped, and a
# joiner is kept only between two letters of a script that joins (Arabic, Persian, the Indic
# scripts), where it changes how a word is drawn. Bidirectional embeddings, overrides and
# isolates reorder the text shown (U+202E can reverse it), so no field may hold them.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b\u2060\ufeff]")
_JOINER = re.compile("[\u200c\u200d]")
_BIDI_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069]")
_LAST_LATIN_GREEK_CYRILLIC = "\u052f"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
SHA256 = re.compile(r"[0-9a-f]{64}")  # a document's hash, as the journal names it
_HTTP_URL = re.compile(r"https?://([^/?#@]*@)?[^/?#@:]", re.IGNORECASE)  # scheme, then a host
_WHITE_SPACE = re.compile(r"\s")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})")

# What each field holds: `ledger add --help` and the published column notes say it so.
FIELD_HELP = {
    "claim": "The proposition, as one neutral sentence.",
    "outlet": "The publication or channel in which the claim appeared.",
    "date": "When the claim was made or published there: YYYY-MM-DD, or YYYY-MM-DDTHH:MM:SS with Z or an offset.",
    "stance": f"{', '.join(STANCES[:-1])} or {STANCES[-1]}: the claimant's stance toward the claim.",
    "speaker": "The person or body the claim is attributed to (absent: the outlet itself).",
    "via": "The publication through which the attribution was found, when it is not the outlet.",
    "url": "http(s) address of the document where the attribution can be read.",
    "quote": "The verbatim words in that document that support the attribution. With `document`, they must"
    " occur in it (white space, quotation marks and dashes aside; case counts); the first occurrence is anchored.",
    "note": "Free text from the person who recorded it.",
    "document": "The document the quote is read in: its id in this ledger or its sha256 (docs/documents.md).",
}


def entry_of(kind, record, recorded_at=None):
    """The journal entry of type `kind` (`attribution` or `correction`) holding `record`."""
    return {"type": kind, **record, "recorded_at": recorded_at or utc_now()}


def utc_now():
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# An import meets each claim several times, mostly close together (the Projector caches the
# ids of claims for longer): a larger cache only holds more memory, at the same speed.
@functools.lru_cache(maxsize=8_192)
def claim_key(text):
    """Two claims are the same claim when their keys are equal (docs/reference.md, Records)."""
    if text.isascii():  # most claims: NFC changes no ASCII, casefold only its capitals, no joiner is ASCII
        folded = text.lower()
    else:
        folded = unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).casefold())
        if not folded.isprintable():  # a joiner changes how a word is drawn, not which claim it is
            folded = _JOINER.sub("", folded)
    collapsed = " ".join(folded.split())
    if collapsed.endswith("."):
        collapsed = collapsed[:-1].rstrip()
    return collapsed


def unaccented(text):
    """`text` without its accents (NFKD, combining marks dropped): "González" is "Gonzalez"."""
    if text.isascii():  # most claims: nothing to drop
        return text
    return "".join(char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char))


WORD = re.compile(r"[^\W_]+")  # letters and digits: \w without the underscore


def loose_key(text):
    """Case, accents, punctuation and spacing folded away: "Pants on Fire!" is "pants on fire",
    and "González, president-elect" is "gonzalez president elect"."""
    return " ".join(WORD.findall(unaccented(text.casefold())))


def clean_text(field, value):
    """Normalise one value; returns None for an absent field, raises Refused if bad."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise Refused([(field, f"must be text, not {json_type(value)}")])
    text = value if value.isascii() else unicodedata.normalize("NFC", value)
    # A printable text holds no control, format or surrogate character, and is still printable
    # once stripped: most texts need no search.
    printable = text.isprintable()
    if not printable and field not in MULTILINE:
        text = _without_invisible(text)
    text = text.strip()
    if not text:
        return None
    if not printable and not text.isprintable():
        _check_unprintable(field, text)
    limit = LIMITS.get(field)
    if limit is not None and len(text) > limit:
        raise Refused([(field, f"is {len(text):,} characters long; the limit is {limit:,}")])
    return text


def _without_invisible(text):
    """A single line of text without the format characters that only make it differ."""
    text = _INVISIBLE.sub("", text)
    return _JOINER.sub(lambda joiner: joiner.group() if _joins(text, joiner.start()) else "", text)


def _joins(text, at):
    """Whether the joiner at `at` stands between two letters of a script that joins."""
    pair = text[at - 1 : at] + text[at + 1 : at + 2] if at else ""
    return len(pair) == 2 and all(char.isalpha() and char > _LAST_LATIN_GREEK_CYRILLIC for char in pair)


def _check_unprintable(field, text):
    forbidden = (_FORBIDDEN_MULTILINE if field in MULTILINE else _FORBIDDEN).search(text)
    if forbidden:
        char = forbidden.group()
        if "\ud800" <= char <= "\udfff":
            raise Refused([(field, "holds an unpaired surrogate, which is not valid Unicode")])
        name = "NUL" if char == "\0" else f"control character U+{ord(char):04X}"
        raise Refused([(field, f"holds {name}")])
    bidi = _BIDI_CONTROL.search(text)
    if bidi:
        raise Refused(
            [(field, f"holds the bidirectional control U+{ord(bidi.group()):04X}, which reorders the text shown")]
        )


def clean_name(field, value):
    """A name (an alias, its canonical name, a fact-checker) as `field`, cleaned; Refused if absent or bad."""
    try:
        text = clean_text("name", value)  # names share the outlet/speaker rules and limit
    except Refused as refused:
        raise Refused([(field, reason) for _, reason in refused.problems]) from None
    if text is None:
        raise Refused([(field, "is required")])
    return text


def clean_reason(value):
    """The reason of a retraction or a correction, cleaned; Refused if absent or bad."""
    text = clean_text("reason", value)
    if text is None:
        raise Refused([("reason", "is required")])
    return text


def check_date(value):
    if utc_day(value) > _latest_day(int(time.time() // 86_400)):
        raise Refused([("date", f"{value} is in the future")])


@functools.lru_cache(maxsize=1)
def _latest_day(days_since_epoch):
    """Tomorrow in UTC, for today's number of days since 1970-01-01 (a UTC day is 86,400 s
    of Unix time): found once a day, not for every record."""
    return dt.date(1970, 1, 1) + dt.timedelta(days=days_since_epoch + 1)


@functools.lru_cache(maxsize=65_536)  # records share dates
def utc_day(value):
    """The UTC calendar day of a valid date or date-time (a day alone is itself); raises
    Refused for anything else."""
    if _DATE.fullmatch(value):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise Refused([("date", f"{value!r} is not a real calendar day")]) from None
    elif _DATETIME.fullmatch(value):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            raise Refused([("date", f"{value!r} is not a real date and time")]) from None
        try:
            day = moment.astimezone(dt.timezone.utc).date()
        except OverflowError:  # 0001-01-01T00:00:00+14:00 is in year 0 in UTC
            raise Refused([("date", f"{value!r} falls outside the years 1 to 9999 in UTC")]) from None
    else:
        raise Refused([("date", f"{value!r} is not YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS with Z or an offset")])
    return day


def check_url(value):
    if _WHITE_SPACE.search(value):
        raise Refused([("url", "holds white space")])
    if not _HTTP_URL.match(value):
        raise Refused([("url", f"{preview(value)} is not an http or https address")])


def check_stance(value):
    if value not in STANCES:
        raise Refused([("stance", f"{preview(value)} is not one of {', '.join(STANCES)}")])


def check_document_reference(value):
    """A record's `document`: a document's id in this ledger, or its sha256."""
    if value.isdigit():
        return
    if re.fullmatch(r"[0-9a-fA-F]+", value) and len(value) != 64:
        raise Refused([("document", f"a sha256 has 64 hexadecimal digits, not {len(value)}")])
    if not SHA256.fullmatch(value):
        raise Refused([("document", f"{preview(value)} is neither a document's id nor its sha256")])


# beyond clean_text's
_CHECKS = {"stance": check_stance, "date": check_date, "url": check_url, "document": check_document_reference}


def clean_record(raw):
    """Validate one attribution record (a mapping of field to text).

    Returns the record with absent fields left out; raises Refused naming every bad field.
    """
    problems = []
    record = {}
    if not _FIELD_SET.issuperset(raw):
        problems += [
            (field, f"unknown field (fields are: {', '.join(FIELDS)})") for field in raw if field not in FIELDS
        ]
    for field in FIELDS:
        value = raw.get(field)
        try:
            value = None if value is None else clean_text(field, value)
            if value is not None and field in _CHECKS:
                _CHECKS[field](value)
        except Refused as refused:
            problems.extend(refused.problems)
            continue
        if value is not None:
            record[field] = value
        elif field in REQUIRED:
            problems.append((field, "is required"))
    if problems:
        raise Refused(problems)
    return record


_RECORDED_AT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


@functools.lru_cache(maxsize=4_096)  # an import records every entry at one time
def is_utc_time(text):
    """Whether `text` is a real UTC time written YYYY-MM-DDTHH:MM:SSZ, as `recorded_at` is."""
    if not _RECORDED_AT.fullmatch(text):
        return False
    try:
        dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return False
    return True


def record_of(payload):
    """The attribution record held by an `attribution` or `correction` payload."""
    return {field: payload[field] for field in FIELDS if field in payload}


def json_type(value):
    return {bool: "true/false", int: "a number", float: "a number", list: "a list", dict: "an object"}.get(
        type(value), type(value).__name__
    )


def preview(value, width=60):
    return repr(value if len(value) <= width else value[:width] + "…")
