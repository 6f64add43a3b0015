"""ClaimReview in and out (docs/claimreview.md): schema.org JSON-LD and the Fact Check Tools API shape.

Reading: every review found in the input gives `Item`s at the line where the review
object starts: the claimant's `asserts` attribution (when the claim names one) and
the reviewer's attribution, which asks the import to record the reviewer as a
fact-checker. Writing: claims as schema.org `Claim`, fact-checkers' stances as
`ClaimReview`, each written as one JSON array, one document a line.

How a rating gives a stance is in `ratings.py`.
"""

import bisect
import itertools
import json
import re

from ..errors import Refused
from ..records import check_date, record_of
from .base import Item, _decoder, _skip_space, json_reason, whole_text
from .ratings import DEFAULT_BEST, DEFAULT_WORST, STANCE_RATINGS, rating_stance, text_of

SCHEMA_ORG = "https://schema.org"


# Reading ------------------------------------------------------------------------

_DAY = re.compile(
    r"(\d{4}-\d{2}-\d{2})"
    r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|UTC|GMT|[+-]\d{2}:?\d{2})?)?",
    re.IGNORECASE,
)


def calendar_day(value):
    """The calendar day, as written, of a published date: `2022-12-09T09:29:19.82+01:00` is 2022-12-09."""
    match = _DAY.fullmatch(value.strip())
    if not match:
        raise Refused([("date", f"{value!r} is not a date of the form YYYY-MM-DD, with or without a time")])
    check_date(match.group(1))
    return match.group(1)


def read_claimreview(stream):
    """Items of ClaimReview JSON-LD: one JSON document, or several (JSON Lines), each holding reviews.

    The input is read whole, as JSON requires, and reading stops at the first JSON syntax error.
    """
    text, not_utf8 = whole_text(stream)
    if not_utf8:
        yield not_utf8
        return
    lines = _LineIndex(text)
    decoder = _locating_decoder(lines)
    position = _skip_space(text, 0)
    while position < len(text):
        try:
            value, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            yield Item(lines.line_at(error.pos), problems=[("json", json_reason(error))])
            return
        except ValueError as error:  # NaN and the like, which carry no position
            yield Item(lines.line_at(position), problems=[("json", json_reason(error))])
            return
        except RecursionError:
            yield Item(lines.line_at(position), problems=[("json", "nested too deeply")])
            return
        items = [item for review in _reviews(value, _NodeIndex(value)) for item in _review_items(review)]
        yield from items or [
            Item(lines.line_at(position), problems=[("record", "holds no ClaimReview and no Fact Check Tools claim")])
        ]
        position = _skip_space(text, end)


class _LineIndex:
    def __init__(self, text):
        self.newlines = [match.start() for match in re.finditer("\n", text)]

    def line_at(self, position):
        return bisect.bisect_left(self.newlines, position) + 1


class _Located(dict):
    """A JSON object that knows the line on which it starts."""

    line = 1


def _locating_decoder(lines):
    """The importers' strict decoder, with every object remembering its starting line.

    Only the pure-Python scanner lets an object's start be seen, through `parse_object`.
    """
    decoder = _decoder()

    def parse_object(text_and_end, *args):
        text, after_brace = text_and_end
        try:
            value, end = json.decoder.JSONObject(text_and_end, *args)
        except json.JSONDecodeError:
            raise
        except ValueError as error:  # a duplicate key or NaN: place it at its object
            raise json.JSONDecodeError(json_reason(error), text, after_brace - 1) from None
        located = _Located(value)
        located.line = lines.line_at(after_brace - 1)
        return located, end

    decoder.parse_object = parse_object
    decoder.scan_once = json.scanner.py_make_scanner(decoder)
    return decoder


class _NodeIndex:
    """JSON-LD nodes by `@id`, so a reference such as {"@id": "#claim"} reads as the node it names."""

    def __init__(self, value):
        self.nodes = {}
        pending = [value]
        while pending:
            node = pending.pop()
            if isinstance(node, dict):
                if isinstance(node.get("@id"), str) and len(node) > 1:
                    self.nodes.setdefault(node["@id"], node)
                pending.extend(node.values())
            elif isinstance(node, list):
                pending.extend(node)

    def resolve(self, node):
        if isinstance(node, list):
            node = next((item for item in node if isinstance(item, (dict, str))), None)
        if isinstance(node, dict) and set(node) == {"@id"}:
            return self.nodes.get(node["@id"], node)
        return node


def _reviews(value, index):
    """Every ClaimReview, with its itemReviewed, and every review of a Fact Check Tools claim,
    with that claim, wherever they sit in the JSON value."""
    if isinstance(value, list):
        for item in value:
            yield from _reviews(item, index)
    elif isinstance(value, dict):
        if _has_type(value, "ClaimReview"):
            claim = index.resolve(value.get("itemReviewed"))
            yield _Review(value, claim if isinstance(claim, dict) else {}, index)
        elif isinstance(value.get("claimReview"), list):
            for review in value["claimReview"]:
                if isinstance(review, dict):
                    yield _Review(review, value, index)
        else:
            for item in value.values():
                yield from _reviews(item, index)


def _has_type(node, name):
    types = node.get("@type")
    types = types if isinstance(types, list) else [types]
    return any(isinstance(kind, str) and re.split(r"[/:#]", kind)[-1] == name for kind in types)


class _Review:
    """One review and the claim it reviews, read through either vocabulary.

    schema.org names come first, the Fact Check Tools API's second: claimReviewed / text,
    itemReviewed.author / claimant, datePublished / claimDate and reviewDate, author / publisher.
    """

    def __init__(self, node, claim, index):
        self.node, self.claim, self.index = node, claim, index
        self.line = node.line

    def field(self, node, *names):
        """(name, value) of the first of `names` that `node` holds, resolved; (names[0], None) if none."""
        for name in names:
            if node.get(name) not in (None, "", []):
                return name, self.index.resolve(node[name])
        return names[0], None

    def name(self, node, *fields):
        _, value = self.field(node, *fields)
        if isinstance(value, dict):
            return text_of(value.get("name")) or text_of(value.get("site"))
        return text_of(value)


def _review_items(review):
    """The Items one review gives: its refusal, or the claimant's and the reviewer's attributions."""
    claim, problems = review.claim, []
    claim_text = text_of(review.node.get("claimReviewed")) or text_of(claim.get("text"))
    if claim_text is None:
        problems.append(("claimReviewed", "is required: the review gives no claim text (claimReviewed or text)"))
    claim_date = review.field(claim, "datePublished", "claimDate")
    review_date = review.field(review.node, "datePublished", "reviewDate")
    if claim_date[1] is None and review_date[1] is None:
        problems.append(("datePublished", "neither the review nor its claim has a date"))
    claim_day, review_day = _day(*claim_date, problems), _day(*review_date, problems)
    reviewer = review.name(review.node, "author", "publisher")
    if reviewer is None:
        problems.append(("author", "the review names no reviewer (author or publisher)"))
    _, rating = review.field(review.node, "reviewRating")
    try:
        stance, quote = rating_stance(rating if isinstance(rating, dict) else {}, review.node.get("textualRating"))
    except Refused as refused:
        problems += refused.problems
    if problems:
        return [Item(review.line, problems=problems)]

    items = []
    claimant = review.name(claim, "author", "claimant")
    if claimant is not None:
        _, appearance = review.field(claim, "firstAppearance", "appearance")
        appearance = appearance if isinstance(appearance, dict) else {"url": appearance}
        publisher = review.name(appearance, "publisher")
        items.append(
            Item(
                review.line,
                record=_present(
                    {
                        "claim": claim_text,
                        "outlet": publisher or claimant,
                        "speaker": claimant if publisher not in (None, claimant) else None,
                        "date": claim_day or review_day,
                        "stance": "asserts",
                        "url": text_of(appearance.get("url")),
                    }
                ),
            )
        )
    items.append(
        Item(
            review.line,
            fact_checker=True,
            record=_present(
                {
                    "claim": claim_text,
                    "outlet": reviewer,
                    "date": review_day or claim_day,
                    "stance": stance,
                    "url": text_of(review.node.get("url")),
                    "quote": quote,
                }
            ),
        )
    )
    return items


def _day(field, value, problems):
    """The calendar day of `value`, None if absent; a bad date is added to `problems`."""
    if value is None:
        return None
    if not isinstance(value, str):
        problems.append((field, "must be a date written as text"))
        return None
    try:
        return calendar_day(value)
    except Refused as refused:
        problems += [(field, reason) for _, reason in refused.problems]
        return None


def _present(record):
    return {field: value for field, value in record.items() if value is not None}


# Writing ------------------------------------------------------------------------

_CURRENT = """
SELECT a.claim_id, a.claim, a.id, j.payload,
       a.speaker IS NULL AND a.outlet IN (
           SELECT e.canonical FROM fact_checkers AS f JOIN entities AS e ON e.id = f.name_id
       ) AS by_fact_checker
FROM current_attributions AS a JOIN journal AS j ON j.seq = a.id
ORDER BY a.claim_id, a.date, a.id
"""


def _claims(ledger):
    """(claim text, [(id, record, by_fact_checker)]) of every claim with current attributions, in date order.

    Records are as written; `by_fact_checker` says the attribution is a fact-checker's own
    stance: its outlet resolves, through aliases, to a fact-checker, and no speaker is named.
    """
    rows = ledger.conn.execute(_CURRENT)
    for (_, text), group in itertools.groupby(rows, key=lambda row: row[:2]):
        yield (
            text,
            [
                (seq, record_of(json.loads(payload)), bool(by_fact_checker))
                for _, _, seq, payload, by_fact_checker in group
            ],
        )


def _claimant(record):
    if "speaker" in record:
        return {"@type": "Person", "name": record["speaker"]}
    return {"@type": "Organization", "name": record["outlet"]}


def _appearance(record):
    return _present(
        {
            "@type": "CreativeWork",
            "url": record.get("url"),
            "datePublished": record["date"],
            "publisher": {"@type": "Organization", "name": record["outlet"]},
        }
    )


def claim_documents(ledger):
    """Every claim with current attributions as a schema.org Claim.

    Its author is the first claimant to carry the claim (asserting or reporting it): a
    fact-checker disputing it first is not the claim's author.
    """
    for text, attributions in _claims(ledger):
        records = [record for _, record, _ in attributions]
        appearances = [_appearance(record) for record in records]
        document = {"@context": SCHEMA_ORG, "@type": "Claim", "text": text}
        author = next((record for record in records if record["stance"] in ("asserts", "reports")), None)
        if author:
            document["author"] = _claimant(author)
        document.update(datePublished=records[0]["date"], appearance=appearances, firstAppearance=appearances[0])
        yield document


def review_documents(ledger):
    """Each current stance of a fact-checker (`reports` is no verdict, so none) as a ClaimReview.

    Its itemReviewed names a claimant asserting the same claim; claimants are paired with
    reviews in the order they were recorded, so each claimant of an imported review comes
    back with it, and reviews beyond the claimants repeat the first.
    """
    for _, attributions in _claims(ledger):
        reviews = sorted(
            (seq, record)
            for seq, record, by_fact_checker in attributions
            if by_fact_checker and record["stance"] in STANCE_RATINGS
        )
        claimants = sorted(
            (seq, record)
            for seq, record, by_fact_checker in attributions
            if not by_fact_checker and record["stance"] == "asserts"
        )
        for number, (_, review) in enumerate(reviews):
            claimant = claimants[number if number < len(claimants) else 0][1] if claimants else None
            yield _review_document(review, claimant)


def _review_document(review, claimant):
    item = {"@type": "Claim"}
    if claimant:
        item["author"] = _claimant(claimant)
        item["datePublished"] = claimant["date"]
        if "url" in claimant or "speaker" in claimant:
            item["appearance"] = _appearance(claimant)
    document = {
        "@context": SCHEMA_ORG,
        "@type": "ClaimReview",
        "claimReviewed": review["claim"],
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": STANCE_RATINGS[review["stance"]],
            "bestRating": DEFAULT_BEST,
            "worstRating": DEFAULT_WORST,
            "alternateName": review.get("quote", review["stance"]),
        },
        "author": {"@type": "Organization", "name": review["outlet"]},
        "datePublished": review["date"],
        "url": review.get("url"),  # Google requires it, but a ledger attribution may have none
        "itemReviewed": item,
    }
    return _present(document)


def write_json_array(documents, out):
    """A JSON array written as it is produced, one document a line; returns how many."""
    out.write("[")
    count = 0
    for count, document in enumerate(documents, start=1):
        out.write(("\n" if count == 1 else ",\n") + json.dumps(document, ensure_ascii=False))
    out.write("\n]\n")
    return count


def write_claims(ledger, out):
    return write_json_array(claim_documents(ledger), out)


def write_reviews(ledger, out):
    return write_json_array(review_documents(ledger), out)


def why_nothing_written(ledger):
    """Why `write_claims` or `write_reviews` wrote an empty array, for a person who expected
    documents. (`write_claims` writes a Claim for any current attribution, so only the first
    reason can apply to it.)"""
    if ledger.conn.execute("SELECT 1 FROM current_records LIMIT 1").fetchone() is None:
        return "the ledger has no current attributions"
    if ledger.conn.execute("SELECT 1 FROM fact_checkers LIMIT 1").fetchone() is None:
        return (
            "no fact-checkers recorded: `ledger fact-checker NAME` marks an outlet as one "
            "(a ClaimReview import records its reviewers)"
        )
    return (
        "no current verdict of a fact-checker: an attribution of a fact-checker's outlet, "
        "naming no speaker, that asserts, questions or disputes a claim"
    )
