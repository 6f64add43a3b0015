"""Claims close to another: a new claim that is not the same claim as any recorded before
it, yet within a few characters of one (a typo, a missing accent), so perhaps meant to be
it. The ledger records it all the same, and names the close claim for a person to decide."""

import re
from dataclasses import dataclass

from .records import WORD, claim_key, loose_key


@dataclass(frozen=True)
class CloseClaim:
    """A new claim that is not the same claim as any recorded before it (docs/reference.md, Records),
    yet within a few characters of one, so perhaps meant to be it: `edits` characters apart
    once case, accents and punctuation are folded away (0: they differ only in those)."""

    attribution: int  # the attribution that recorded the new claim
    claim: str
    close_id: int  # the claim recorded before, and its first wording
    close_text: str
    edits: int


# An import compares this many of its new claims with those recorded before them: enough for
# the files people put together by hand, and a bounded cost for a million-record import, whose
# warnings nobody could read through anyway.
CLAIMS_COMPARED = 100


# Where a new claim's close claims are looked for (Ledger._closest_claim): the claims next to
# it in the order of claim keys, and those holding the longest words of either half of it.
NEIGHBOURS = 20


CANDIDATES_BY_WORDS = 300


_CANDIDATES = {
    # Those recorded after it too (dropped in Python): skipping them in SQL would walk the whole
    # index for a claim that most claims came after.
    "below": "SELECT id, text FROM claim_texts WHERE key < :key ORDER BY key DESC LIMIT :neighbours",
    "above": "SELECT id, text FROM claim_texts WHERE key > :key ORDER BY key LIMIT :neighbours",
    "words": """SELECT c.id, c.text FROM claim_texts AS c WHERE c.id IN (
        SELECT rowid FROM claim_search WHERE claim_search MATCH :words AND rowid < :before
        ORDER BY rowid DESC LIMIT :by_words)""",
}


_DIGITS = re.compile(r"\D")  # what is not a digit


def close_edits(key):
    """How many characters a claim may differ in from another, by their loose keys, to be
    close: a typo or two (one below 40 characters). More would make different claims close
    ("... with China" and "... with Cuba", three apart). Claims with different numbers are
    never close."""
    return 1 if len(key) < 40 else 2


def of_first_claims(conn, first_id, last_seq):
    """The CloseClaims of the first CLAIMS_COMPARED claims from id `first_id` on, recorded by
    entries up to `last_seq` (an import's new claims)."""
    compared = conn.execute(
        "SELECT id, text, seq FROM claim_texts WHERE id >= ? AND seq <= ? ORDER BY id LIMIT ?",
        (first_id, last_seq, CLAIMS_COMPARED),
    ).fetchall()
    return [close for claim_id, text, seq in compared if (close := closest_claim(conn, claim_id, text, seq))]


def closest_claim(conn, claim_id, text, attribution, other_than=None):
    """The CloseClaim of claim `claim_id`, recorded by `attribution`, among the claims recorded
    before it, or None.

    A ledger may hold millions of claims, too many to compare with each new one, so only
    some are, each found through an index: the NEIGHBOURS claims either side of it in the
    order of claim keys (they share its beginning: for an edit further on), and the newest
    CANDIDATES_BY_WORDS claims holding the three longest words of its first half, and as
    many holding those of its second half (one half holds no edit, or the edits are in
    shorter words; the full-text index folds case and Latin accents, as the comparison
    does). Long words are the rarest, so few claims hold all three. A close claim is
    missed when edits fall among the longest words of both halves, or more claims than
    these hold them, and more than NEIGHBOURS claims share its beginning."""
    from rapidfuzz import process  # imported here: only a new claim needs it
    from rapidfuzz.distance import Levenshtein

    words = WORD.findall(text)
    parameters = {"key": claim_key(text), "before": claim_id, "neighbours": NEIGHBOURS, "by_words": CANDIDATES_BY_WORDS}
    candidates = {}
    for sql in (_CANDIDATES["below"], _CANDIDATES["above"]):
        candidates.update(row for row in conn.execute(sql, parameters) if row[0] < claim_id)
    for half in (words[: len(words) // 2], words[len(words) // 2 :]):
        longest = sorted({word.lower() for word in half}, key=lambda word: (-len(word), word))[:3]
        if longest:
            parameters["words"] = " AND ".join(f'"{word}"' for word in longest)
            candidates.update(conn.execute(_CANDIDATES["words"], parameters))
    # Claims whose numbers differ are different claims, however close ("3%" and "5%").
    numbers = _DIGITS.sub("", text)
    candidates = {
        other_id: other
        for other_id, other in sorted(candidates.items())  # the first recorded first
        if other_id != other_than and _DIGITS.sub("", other) == numbers
    }
    key = loose_key(text)
    found = process.extractOne(
        key, candidates, scorer=Levenshtein.distance, processor=loose_key, score_cutoff=close_edits(key)
    )
    if found is None:
        return None
    close_text, edits, close_id = found
    return CloseClaim(attribution, text, close_id, close_text, edits)
