"""Documents, the texts in which attributions can be read, and quotes anchored in them
(CONTRACT.md section 6, docs/documents.md).

A document keeps its text exactly as given, after NFC and `\\n` line ends, so that offsets
computed on the file hold in the ledger. A quote is found in it under the matching rules:
white space, typographic quotation marks and dashes folded, case kept; its first occurrence
is its anchor, kept as W3C Web Annotation selectors.
"""

import bisect
import functools
import hashlib
import re
import unicodedata
from dataclasses import dataclass

from .errors import Refused
from .records import SHA256, check_date, check_url, clean_name, clean_text, preview

LONGEST_TEXT = 10_000_000  # characters
DOCUMENT_FIELDS = (
    "text",
    "sha256",
    "url",
    "outlet",
    "title",
    "date",
    "language",
    "translation_of",
    "translated_by",
    "source_sha256",
)
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")  # BCP 47, as `en`, `zh-Hans`, `pt-BR`
# Control characters but tab and line feed, lone surrogates, and the bidirectional embeddings,
# overrides and isolates, which would reorder the text shown.
_FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
# What the matching folds: typographic quotation marks and apostrophes, and dashes.
_FOLD = str.maketrans({**dict.fromkeys("’‘‚", "'"), **dict.fromkeys("“”„«»", '"'), **dict.fromkeys("–—‑", "-")})
# A document is folded as: every white space character a space (which keeps every place
# where it was), then each run of spaces one space, found by a search for two spaces.
_FOLD_DOCUMENT = str.maketrans({**_FOLD, **{char: " " for char in map(chr, range(0x3001)) if char.isspace()}})
_SPACES = re.compile("  +")  # its two literal spaces first: searched for faster than " {2,}"
CONTEXT = 32  # characters of prefix and suffix


def document_text(data):
    """The text of a document given as `data` (bytes of UTF-8, or text): NFC, `\\n` line ends.
    Raises Refused for what is no text, or too much of it."""
    if isinstance(data, bytes):
        if b"\0" in data:
            raise Refused([("text", "is binary, not text (it holds NUL bytes)")])
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise Refused([("text", f"is not UTF-8 (byte {error.start} cannot be read)")]) from None
    text = unicodedata.normalize("NFC", data.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n"))
    if not text.strip():
        raise Refused([("text", "is empty")])
    if len(text) > LONGEST_TEXT:
        raise Refused([("text", f"is {len(text):,} characters long; the limit is {LONGEST_TEXT:,}")])
    forbidden = _FORBIDDEN.search(text)
    if forbidden:
        at = text.count("\n", 0, forbidden.start()) + 1
        raise Refused([("text", f"holds U+{ord(forbidden.group()):04X} on line {at}, which no text shows")])
    return text


def sha256_of(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def clean_document(raw):
    """A document's fields (DOCUMENT_FIELDS) cleaned, `sha256` computed from the text; raises
    Refused naming every bad field. The text must already be document_text's."""
    problems = [(field, "unknown field of a document") for field in raw if field not in DOCUMENT_FIELDS]
    document = {"text": raw["text"], "sha256": sha256_of(raw["text"])}
    if raw.get("sha256") not in (None, document["sha256"]):
        problems.append(("sha256", "is not the SHA-256 of the text"))
    checks = {
        "url": lambda value: (clean_text("url", value), check_url(clean_text("url", value)))[0],
        "outlet": lambda value: clean_name("outlet", value),
        "title": lambda value: clean_text("claim", value),  # one line, as a claim
        "date": lambda value: (clean_text("date", value), check_date(clean_text("date", value)))[0],
        "language": _language,
        "translation_of": _translation_of,
        "translated_by": lambda value: clean_name("translated_by", value),
        "source_sha256": lambda value: _sha256("source_sha256", value),
    }
    for field, check in checks.items():
        if raw.get(field) is None:
            continue
        try:
            value = check(raw[field])
        except Refused as refused:
            problems += [(field, reason) for _, reason in refused.problems]
            continue
        if value is not None:
            document[field] = value
    if problems:
        raise Refused(problems)
    return document


def _language(value):
    text = clean_text("outlet", value)
    if text is not None and not _LANGUAGE.fullmatch(text):
        raise Refused([("language", f"{preview(text)} is not a BCP 47 language tag such as en, zh or pt-BR")])
    return text


def _translation_of(value):
    text = clean_text("url", value)
    if text is not None and not SHA256.fullmatch(text):
        try:
            check_url(text)
        except Refused:
            raise Refused([("translation_of", "must be a document's sha256 or an http(s) address")]) from None
    return text


def _sha256(field, value):
    text = clean_text("url", value)
    if text is not None and not SHA256.fullmatch(text):
        raise Refused([(field, "must be 64 lower-case hexadecimal digits")])
    return text


@dataclass(frozen=True)
class Anchor:
    """Where a quote is in its document: the W3C Web Annotation selectors of the passage."""

    start: int  # code points, TextPositionSelector
    end: int
    exact: str  # TextQuoteSelector
    prefix: str
    suffix: str


class FoldedText:
    """A document's text with the matching's folds made (one space for each run of white
    space, one mark for each kind of quotation mark and dash), and the way back from a place
    in it to the same place in the text."""

    def __init__(self, text):
        translated = text.translate(_FOLD_DOCUMENT)
        # (place in the folded text, place in the text) wherever their difference changes
        self.folded_at, self.text_at = [0], [0]
        pieces, at, removed = [], 0, 0
        for run in _SPACES.finditer(translated):
            pieces += (translated[at : run.start()], " ")
            at = run.end()
            removed += len(run.group()) - 1
            self.folded_at.append(at - removed)
            self.text_at.append(at)
        pieces.append(translated[at:])
        self.folded = "".join(pieces)

    def folded_place(self, place):
        """The place in the folded text of `place` in the text (a place not within a run of
        white space, which maps to the run's one space)."""
        at = bisect.bisect_right(self.text_at, place) - 1
        return self.folded_at[at] + place - self.text_at[at]

    def text_place(self, place):
        at = bisect.bisect_right(self.folded_at, place) - 1
        return self.text_at[at] + place - self.folded_at[at]


def fold_quote(quote):
    return " ".join(quote.translate(_FOLD).split())  # split() takes the white space \s takes


@functools.lru_cache(maxsize=16)  # an import anchors many quotes in a few documents
def folded(text):
    return FoldedText(text)


@functools.lru_cache(maxsize=1_024)  # a record's quote is found before it is appended, then projected
def anchor(text, quote):
    """The Anchor of the first occurrence of `quote` in `text`, or None if it does not occur."""
    folded_text, wanted = folded(text), fold_quote(quote)
    found = folded_text.folded.find(wanted) if wanted else -1
    if found < 0:
        return None
    start, end = folded_text.text_place(found), folded_text.text_place(found + len(wanted))
    return Anchor(start, end, text[start:end], text[max(0, start - CONTEXT) : start], text[end : end + CONTEXT])


def nearest_passage(text, quote, least_alike=70):
    """(the passage of `text` most like `quote`, how alike in percent), or None below `least_alike`."""
    folded_text, wanted = folded(text), fold_quote(quote)
    from rapidfuzz import fuzz  # imported here: `verify`'s journal readers import this module, and never need it

    match = fuzz.partial_ratio_alignment(wanted, folded_text.folded, score_cutoff=least_alike)
    if match is None:
        return None
    start, end = folded_text.text_place(match.dest_start), folded_text.text_place(match.dest_end)
    return text[start:end], round(match.score)


HTML_ENDINGS = (".html", ".htm", ".xhtml")
LARGEST_FILE = {"text": 4 * LONGEST_TEXT, "html": 25 * LONGEST_TEXT}  # bytes: a character takes at most 4


def read_document_file(path, fmt=None):
    """(text, metadata) of the document in the file at `path`, as `fmt` (`text` or `html`,
    default from its ending): a page's main text, extracted offline from the file alone,
    with the title, date and address it states, and the sha256 of the file as read."""
    fmt = fmt or ("html" if str(path).lower().endswith(HTML_ENDINGS) else "text")
    with open(path, "rb") as file:
        data = file.read(LARGEST_FILE[fmt] + 1)
    if len(data) > LARGEST_FILE[fmt]:
        raise Refused([("text", f"the file is over {LARGEST_FILE[fmt]:,} bytes, more than any document can hold")])
    if fmt == "text":
        return document_text(data), {}
    import trafilatura  # only for a page: it takes a moment to import

    if b"\0" in data:
        raise Refused([("text", "is binary, not a page (it holds NUL bytes)")])
    text = trafilatura.extract(data, include_comments=False, favor_precision=True)
    if not text or not text.strip():
        raise Refused([("text", "the page has no main text to extract")])
    found = trafilatura.extract_metadata(data)
    stated = {"title": found.title, "date": found.date, "url": found.url} if found else {}
    return document_text(text), {
        **{field: value for field, value in stated.items() if value},
        "source_sha256": hashlib.sha256(data).hexdigest(),
    }
