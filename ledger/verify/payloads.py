"""What `verify` holds every journal payload to: exactly the bytes the ledger itself would
have written for the entry they hold. That is the entry's canonical JSON (docs/reference.md,
The journal), of an entry that clean_entry keeps as it is (records.py).

Most payloads are attributions in plain text, which one regular expression reads whole:
keys in canonical order, values in an alphabet that canonical JSON writes as itself and that
no cleaning changes. What it reads is only as good as clean_entry's verdict on the same
entry (tests/test_verify_payloads.py); anything else is parsed and looked at in full.
"""

import functools
import json
import re

from ..entries import clean_entry
from ..errors import Refused
from ..journal import canonical_json
from ..records import LIMITS, check_date, is_utc_time

# Letters and signs that canonical JSON writes as themselves and that make NFC text next to
# any other of them: printable ASCII but the quote and the backslash (each written escaped),
# Latin-1's and Latin Extended-A's letters and signs but the soft hyphen, and the
# typographic punctuation and currency signs. Neither white space but the space, nor a
# control, format or combining character. tests/test_verify_payloads.py checks each pair.
PLAIN_ALPHABET = "!#-\\[\\]-~\u00a1-\u00ac\u00ae-\u017f\u2010-\u2027\u2030-\u205e\u20a0-\u20c0"
# A run of the alphabet and the space, then each escaped quote or backslash with the run after
# it, each taken whole (possessively: nothing is tried again); not empty, and no space at
# either end, which clean_text would strip. Unrolled so: the engine repeats a group once for
# each escape, rather than once for each run and each escape.
_TEXT = f'"(?![ "])([ {PLAIN_ALPHABET}]*+(?:\\\\["\\\\][ {PLAIN_ALPHABET}]*+)*+)(?<! )"'
# An http(s) address (records.check_url): the scheme, then a host, with no white space.
_URL = f'"(?=(?i:https?)://(?:[^/?#@"]*+@)?[^/?#@:"])([{PLAIN_ALPHABET}]++)"'
_STANCE = '"(asserts|reports|questions|disputes)"'
# ASCII digits: \d would look up each character's Unicode category.
_RECORDED_AT = '"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z)"'

# An attribution's canonical JSON, its keys in sorted order, each optional field taken whole
# or not at all (possessively); groups: claim, date, document, note, outlet, quote,
# recorded_at, speaker, stance, url, via.
_PLAIN_ATTRIBUTION = re.compile(
    f'\\{{"claim":{_TEXT},"date":{_TEXT}(?:,"document":"([0-9a-f]{{64}})")?+(?:,"note":{_TEXT})?+,"outlet":{_TEXT}'
    f'(?:,"quote":{_TEXT})?+'
    f',"recorded_at":{_RECORDED_AT}(?:,"speaker":{_TEXT})?+,"stance":{_STANCE},"type":"attribution"'
    f'(?:,"url":{_URL})?+(?:,"via":{_TEXT})?+\\}}'
)
_GROUPS = ("claim", "date", "document", "note", "outlet", "quote", "recorded_at", "speaker", "stance", "url", "via")
# (limit, index of its group) from the shortest limit: a value can only be over a limit that the
# whole text is over. A document is left out: the pattern holds it to its 64 hex digits.
_LIMITED = sorted(
    (LIMITS[field], index) for index, field in enumerate(_GROUPS) if field in LIMITS.keys() - {"document"}
)
_SHORTEST_LIMIT = _LIMITED[0][0]


def plain_attribution(payload):
    """(claim, outlet, speaker, via, date, stance, anchor) of `payload` (UTF-8 bytes) when it is a
    plain attribution exactly as the ledger writes it, anchor (document, quote) when it names a
    document and else None; None when it needs read_payload."""
    try:
        text = payload.decode()
    except UnicodeDecodeError:
        return None
    match = _PLAIN_ATTRIBUTION.fullmatch(text)
    if match is None:
        return None
    groups = match.groups()
    if len(text) > _SHORTEST_LIMIT and _over_a_limit(groups, len(text)):
        return None  # over a limit, or near one and written with escapes: read in full
    claim, date, document, _, outlet, quote, recorded_at, speaker, stance, _, via = groups
    if not (_known_good_date(date) and is_utc_time(recorded_at)):
        return None
    if "\\" in text:
        claim, outlet, speaker, via, quote = (
            None if value is None else json.loads(f'"{value}"') for value in (claim, outlet, speaker, via, quote)
        )
    return claim, outlet, speaker, via, date, stance, document and (document, quote)


def _over_a_limit(groups, length):
    for limit, index in _LIMITED:
        if length <= limit:
            return False
        if len(groups[index] or "") > limit:
            return True
    return False


def read_payload(payload):
    """(entry, None) when the payload `payload` (UTF-8 bytes) is exactly what the ledger
    writes for the entry it holds, else (None, what is wrong)."""
    try:
        entry = json.loads(payload)
    except ValueError as error:
        return None, f"payload is not JSON ({error})"
    try:
        canonical = canonical_json(entry).encode()
    except (UnicodeEncodeError, ValueError):  # a lone surrogate, which UTF-8 cannot hold; a cycle cannot be
        canonical = None
    if canonical != payload:
        return None, f"payload is not in canonical form: {_how_uncanonical(payload)}"
    try:
        clean = clean_entry(entry)
    except Refused as refused:
        return None, f"payload is not a valid entry: {refused}"
    if clean != entry:
        changed = sorted(key for key in clean.keys() | entry.keys() if clean.get(key, entry) != entry.get(key, clean))
        return None, f"payload is not a valid entry: {', '.join(changed)}: not as the ledger would have written it"
    return entry, None


def _how_uncanonical(payload):
    objects = []
    json.loads(payload, object_pairs_hook=lambda pairs: objects.append([key for key, _ in pairs]) or dict(pairs))
    for keys in objects:
        if len(set(keys)) < len(keys):
            return "a key is repeated"
        if keys != sorted(keys):
            return "its keys are out of order"
    return "white space, escapes or numbers are not written as canonical JSON writes them"


@functools.lru_cache(maxsize=65_536)  # entries share dates
def _known_good_date(date):
    try:
        check_date(date)
    except Refused:
        return False
    return True
