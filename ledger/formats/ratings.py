"""Ratings to stances (docs/claimreview.md): a fact-checker's rating, as a number on a scale
or as text in one of many languages, gives the stance of its review.

The rating table and every decision behind it are in docs/claimreview.md.
"""

import re
from fractions import Fraction

from ..errors import Refused
from ..records import WORD, loose_key, unaccented


DEFAULT_WORST, DEFAULT_BEST = 1, 5  # worstRating and bestRating when a review gives none


# Rating texts by the stance they give; matched by `records.loose_key`.
# fmt: off
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
# fmt: on


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
# fmt: off
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
# fmt: on


# Words that deny a verdict, before it or (German, Dutch, Turkish) after it. A denied
# `asserts` verdict disputes ("not correct", "no es cierto", "das stimmt nicht"); a denied
# `disputes` or `questions` verdict says too little ("not false" is not "true"): refused.
# fmt: off
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
# fmt: on


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
            kind = _SENTENCE_PHRASES.get(" ".join(words[position : position + length]))
            if kind is not None:
                break
        else:
            return None  # a word that might turn the verdict
        position += length
        if kind == "not":
            if words[position : position + 1] == [","]:
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
    text = text_of(rating.get("alternateName")) or text_of(rating.get("name")) or text_of(textual_rating)
    value = number_of(rating.get("ratingValue"))
    if value is None and text is None:
        text = text_of(rating.get("ratingValue"))  # some publishers write the verdict there
    worst = number_of(rating.get("worstRating"), DEFAULT_WORST)
    best = number_of(rating.get("bestRating"), DEFAULT_BEST)
    stance = stance_of_number(value, worst, best) if None not in (value, worst, best) else None
    if stance is None and text is not None:
        stance = stance_of_text(text)
        if stance is None:
            raise Refused(
                [("reviewRating", f"{text!r} is not a rating the ledger can map to a stance (see docs/claimreview.md)")]
            )
    if stance is None:
        reason = "has neither a ratingValue nor a rating text (alternateName)"
        if value is not None:
            reason = (
                f"ratingValue {rating['ratingValue']!r} cannot be placed on worstRating..bestRating "
                f"({rating.get('worstRating', DEFAULT_WORST)}..{rating.get('bestRating', DEFAULT_BEST)}) "
                "and there is no rating text"
            )
        raise Refused([("reviewRating", reason)])
    quote = None if text is None or loose_key(text) in STANCE_WORDS else text
    return stance, quote


def text_of(value):
    """A text that is not blank, else None."""
    if isinstance(value, str) and value.strip():
        return value
    return None


def number_of(value, default=None):
    """A JSON number, or a number written as text ("4", "2.5"), exactly; `default` when absent;
    None if not a number."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return None
    try:
        return Fraction(str(value).strip())
    except (ValueError, ZeroDivisionError):
        return None
