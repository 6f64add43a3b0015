"""ClaimReview in and out (CONTRACT section 5): schema.org JSON-LD and the Fact Check Tools API shape.

Reading: every review found in the input gives `Item`s at the line where the review
object starts: the claimant's `asserts` attribution (when the claim names one) and
the reviewer's attribution, which asks the import to record the reviewer as a
fact-checker. Writing: claims as schema.org `Claim`, fact-checkers' stances as
`ClaimReview`, each written as one JSON array, one document a line.

The rating table and every decision behind it are in docs/claimreview.md.
"""
import bisect
import itertools
import json
import re
from fractions import Fraction

from .importers import Item, _decoder, _skip_space, json_reason, whole_text
from .records import WORD, Refused, check_date, loose_key, record_of, unaccented

SCHEMA_ORG = "https://schema.org"
DEFAULT_WORST, DEFAULT_BEST = 1, 5  # worstRating and bestRating when a review gives none

# Rating texts by the stance they give; matched by `records.loose_key`.
RATING_TEXTS = {
    "disputes": (
        # English
        "false", "mostly false", "pants on fire", "pants on fire!", "fake", "fake news", "misleading",
        "incorrect", "wrong", "fabricated", "not true", "untrue", "inaccurate", "hoax", "scam",
        "altered", "altered photo", "altered video", "manipulated", "doctored", "miscaptioned",
        "misattributed", "baseless", "debunked", "bogus", "four pinocchios", "three pinocchios",
        # Spanish, Portuguese, Catalan
        "falso", "falsa", "mayormente falso", "engañoso", "engañosa", "enganoso", "enganosa",
        "incorrecto", "incorrecta", "incorreto", "incorreta", "bulo", "mentira", "montaje", "fals",
        # French
        "faux", "fausse", "plutôt faux", "c'est faux", "trompeur", "trompeuse", "infox", "intox",
        # German
        "falsch", "größtenteils falsch", "irreführend", "frei erfunden", "manipuliert",
        # Italian
        "sbagliato", "fuorviante", "notizia falsa", "bufala",
        # Dutch, Polish, Turkish, Indonesian
        "onwaar", "niet waar", "misleidend", "fałsz", "nieprawda", "manipulacja", "yanlış",
        "salah", "hoaks", "keliru",
        # Russian, Ukrainian
        "фейк", "неправда", "ложь", "маніпуляція", "манипуляция",
    ),
    "asserts": (
        "true", "mostly true", "correct", "accurate", "correct attribution", "verified", "largely accurate",
        "verdadero", "verdadera", "mayormente verdadero", "verdad", "cierto", "cierta", "correcto", "correcta",
        "verdadeiro", "verdadeira", "correto", "correta", "verdade",
        "vrai", "vraie", "plutôt vrai", "exact",
        "richtig", "wahr", "korrekt", "stimmt", "größtenteils richtig",
        "vero", "vera", "corretto",
        "waar", "klopt", "prawda", "doğru", "benar", "правда",
    ),
    "questions": (
        "mixed", "mixture", "half true", "half-true", "unproven", "unverified", "needs context",
        "missing context", "lacks context", "out of context", "disputed", "partly false", "partly true",
        "partially false", "partially true", "exaggerated", "unsupported",
        "verdad a medias", "parcialmente falso", "parcialmente verdadero", "impreciso", "exagerado",
        "falta contexto", "sin contexto", "dudoso", "fora de contexto", "sem contexto",
        "partiellement faux", "partiellement vrai", "à nuancer", "manque de contexte", "non prouvé",
        "teilweise falsch", "halbwahr", "fehlender kontext", "unbelegt",
        "parzialmente falso", "mezza verità", "non dimostrato",
        "half waar", "deels onwaar", "ontbrekende context", "полуправда",
    ),
}
# The ledger's own stance words, which `--format claimreview` writes when an attribution has no quote.
STANCE_WORDS = ("asserts", "questions", "disputes")
# The numbers `--format claimreview` writes for each stance, on the default 1..5 scale.
STANCE_RATINGS = {"disputes": 1, "questions": 3, "asserts": 5}

STANCE_OF_RATING = {loose_key(text): stance for stance, texts in RATING_TEXTS.items() for text in texts}
STANCE_OF_RATING.update({word: word for word in STANCE_WORDS})

# A rating written as a short sentence ("This is false", "Es falso", "Das stimmt nicht") gives
# the verdict of RATING_TEXTS it holds when each of its other words is one of these, which
# name what is rated or join the verdict to it. Any other word ("but", "or", "somewhat",
# "entirely") might turn the verdict, so the rating is refused rather than guessed.
SENTENCE_WORDS = (
    # English
    "this", "that", "that's", "it", "it's", "the", "a", "an", "is", "was", "are", "were", "claim", "statement",
    "post", "video", "photo", "picture", "image", "quote", "story", "article", "headline", "content",
    "rating", "verdict", "we", "rate", "our", "as", "and",
    # Spanish, Portuguese, Catalan
    "esto", "eso", "este", "esta", "es", "son", "fue", "el", "la", "lo", "los", "las", "un", "una", "y",
    "afirmación", "dato", "publicación", "contenido", "imagen", "foto", "vídeo", "noticia",
    "calificación", "veredicto", "isso", "isto", "é", "está", "o", "os", "e", "afirmação",
    "conteúdo", "publicação", "imagem", "notícia", "això", "és",
    # French
    "c'est", "ce", "cette", "cet", "ceci", "cela", "ça", "il", "elle", "est", "l'", "le", "les", "une",
    "et", "affirmation", "information", "publication",
    # German
    "das", "dies", "diese", "dieser", "dieses", "ist", "war", "sind", "die", "der", "ein", "eine", "und",
    "behauptung", "aussage", "beitrag", "bild", "meldung", "bewertung", "urteil",
    # Italian
    "è", "questo", "questa", "ciò", "affermazione", "notizia", "immagine",
    # Dutch
    "dit", "dat", "het", "de", "deze", "bewering", "bericht", "en",
    # Polish, Turkish, Indonesian
    "to", "jest", "ta", "ten", "informacja", "twierdzenie", "i", "bu", "iddia", "haber", "ve",
    "ini", "itu", "adalah", "klaim", "informasi", "berita", "dan",
    # Russian, Ukrainian
    "это", "утверждение", "информация", "и", "це", "є", "твердження", "інформація", "і",
)
# Words that deny a verdict, before it or (German, Dutch, Turkish) after it. A denied
# `asserts` verdict disputes ("not correct", "no es cierto", "das stimmt nicht"); a denied
# `disputes` or `questions` verdict says too little ("not false" is not "true"): refused.
NEGATIONS = (
    "not", "isn't", "no",  # English, Spanish, Catalan
    "não",  # Portuguese
    "n'est pas", "pas",  # French
    "nicht",  # German
    "non",  # Italian
    "niet",  # Dutch
    "nie", "değil", "tidak", "bukan",  # Polish, Turkish, Indonesian
    "не",  # Russian, Ukrainian
)
_SENTENCE_PHRASES = {
    **{loose_key(text): "" for text in SENTENCE_WORDS},
    **{loose_key(text): "not" for text in NEGATIONS},
    **STANCE_OF_RATING,
}
_LONGEST_PHRASE = max(len(key.split()) for key in _SENTENCE_PHRASES)
# A rating text is read up to the end of its first phrase that gives a verdict, so "False.
# The video is from 2019." disputes. Past this many words, it is an explanation, not a rating.
_PHRASE_END = re.compile(r"[.:;|()\u2013\u2014]")
SENTENCE_WORDS_AT_MOST = 12
_WORD_OR_COMMA = re.compile(",|" + WORD.pattern)


def stance_of_text(text):
    """The stance a rating text gives, or None when it cannot be told for sure: a rating of
    RATING_TEXTS, or a short sentence holding one (see SENTENCE_WORDS), read up to the end of
    its first phrase that gives a verdict ("Rating: False. The photo is from 2019." disputes)."""
    stance = STANCE_OF_RATING.get(loose_key(text))
    if stance is not None:
        return stance
    words = []
    for phrase in _PHRASE_END.split(text):
        if "?" in phrase or "¿" in phrase:  # a question is no verdict
            return None
        words += _WORD_OR_COMMA.findall(unaccented(phrase.casefold()))
        if len(words) > SENTENCE_WORDS_AT_MOST:
            return None
        stance = _sentence_stance(words)
        if stance != "":
            return stance
    return None


def _sentence_stance(words):
    """The stance of a sentence's words (commas among them); "" when they are all
    SENTENCE_WORDS (its verdict may follow), None when they give none for sure."""
    verdicts, negations, position = [], 0, 0
    while position < len(words):
        if words[position] == ",":
            position += 1
            continue
        for length in range(min(_LONGEST_PHRASE, len(words) - position), 0, -1):
            kind = _SENTENCE_PHRASES.get(" ".join(words[position:position + length]))
            if kind is not None:
                break
        else:
            return None  # a word that might turn the verdict
        position += length
        if kind == "not":
            if words[position:position + 1] == [","]:
                return None  # "No, it is true": an answer, not a denial
            negations += 1
        elif kind:
            verdicts.append(kind)
    if not verdicts:
        return None if negations else ""
    if negations == 0 and len(set(verdicts)) == 1:
        return verdicts[0]
    if negations == 1 and verdicts == ["asserts"]:
        return "disputes"
    return None  # verdicts that disagree ("true and misleading"), or a denied one that says too little


def stance_of_number(value, worst, best):
    """The stance of `value` on worst..best, or None when the scale cannot place it."""
    if best == worst or not min(worst, best) <= value <= max(worst, best):
        return None
    scaled = (value - worst) / (best - worst)  # also right for a scale written best-first
    if scaled <= Fraction(1, 3):
        return "disputes"
    if scaled >= Fraction(2, 3):
        return "asserts"
    return "questions"


def rating_stance(rating, textual_rating=None):
    """(stance, quote) of a schema.org Rating (a mapping) or a Fact Check Tools `textualRating`.

    The number decides when the scale can place it; else the rating text does. Raises
    Refused naming the rating when neither gives a stance.
    """
    text = _text(rating.get("alternateName")) or _text(rating.get("name")) or _text(textual_rating)
    value = _number(rating.get("ratingValue"))
    if value is None and text is None:
        text = _text(rating.get("ratingValue"))  # some publishers write the verdict there
    worst = _number(rating.get("worstRating"), DEFAULT_WORST)
    best = _number(rating.get("bestRating"), DEFAULT_BEST)
    stance = stance_of_number(value, worst, best) if None not in (value, worst, best) else None
    if stance is None and text is not None:
        stance = stance_of_text(text)
        if stance is None:
            raise Refused([("reviewRating", f"{text!r} is not a rating the ledger can map to a stance "
                                            "(see docs/claimreview.md)")])
    if stance is None:
        reason = "has neither a ratingValue nor a rating text (alternateName)"
        if value is not None:
            reason = (f"ratingValue {rating['ratingValue']!r} cannot be placed on worstRating..bestRating "
                      f"({rating.get('worstRating', DEFAULT_WORST)}..{rating.get('bestRating', DEFAULT_BEST)}) "
                      "and there is no rating text")
        raise Refused([("reviewRating", reason)])
    quote = None if text is None or loose_key(text) in STANCE_WORDS else text
    return stance, quote


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
        yield from items or [Item(lines.line_at(position),
                                  problems=[("record", "holds no ClaimReview and no Fact Check Tools claim")])]
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
            return _text(value.get("name")) or _text(value.get("site"))
        return _text(value)


def _review_items(review):
    """The Items one review gives: its refusal, or the claimant's and the reviewer's attributions."""
    claim, problems = review.claim, []
    claim_text = _text(review.node.get("claimReviewed")) or _text(claim.get("text"))
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
        items.append(Item(review.line, record=_present({
            "claim": claim_text,
            "outlet": publisher or claimant,
            "speaker": claimant if publisher not in (None, claimant) else None,
            "date": claim_day or review_day,
            "stance": "asserts",
            "url": _text(appearance.get("url")),
        })))
    items.append(Item(review.line, fact_checker=True, record=_present({
        "claim": claim_text,
        "outlet": reviewer,
        "date": review_day or claim_day,
        "stance": stance,
        "url": _text(review.node.get("url")),
        "quote": quote,
    })))
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


def _text(value):
    if isinstance(value, str) and value.strip():
        return value
    return None


def _number(value, default=None):
    """A JSON number, or a number written as text ("4", "2.5"), exactly; `default` when absent; None if not a number."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return None
    try:
        return Fraction(str(value).strip())
    except (ValueError, ZeroDivisionError):
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
        yield text, [(seq, record_of(json.loads(payload)), bool(by_fact_checker))
                     for _, _, seq, payload, by_fact_checker in group]


def _claimant(record):
    if "speaker" in record:
        return {"@type": "Person", "name": record["speaker"]}
    return {"@type": "Organization", "name": record["outlet"]}


def _appearance(record):
    return _present({
        "@type": "CreativeWork",
        "url": record.get("url"),
        "datePublished": record["date"],
        "publisher": {"@type": "Organization", "name": record["outlet"]},
    })


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
        reviews = sorted((seq, record) for seq, record, by_fact_checker in attributions
                         if by_fact_checker and record["stance"] in STANCE_RATINGS)
        claimants = sorted((seq, record) for seq, record, by_fact_checker in attributions
                           if not by_fact_checker and record["stance"] == "asserts")
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
        return ("no fact-checkers recorded: `ledger fact-checker NAME` marks an outlet as one "
                "(a ClaimReview import records its reviewers)")
    return ("no current verdict of a fact-checker: an attribution of a fact-checker's outlet, "
            "naming no speaker, that asserts, questions or disputes a claim")
