"""From what the reader found to what a person reviews: each attribution's speaker or outlet,
its stance, a claim to edit, and the import record (CONTRACT section 8). Nothing here writes
to the ledger."""

import re
from dataclasses import dataclass

from ..documents import fold_quote, folded
from ..records import FIELDS, LIMITS
from .reader import Found, Reader
from .words import TOKEN

# What a cue's first verb says of the claimant's stance; any other cue asserts.
DISPUTING = re.compile(
    r"\b(den(y|ies|ied|ying|ial)|reject\w*|dismiss\w*|refut\w*|disput\w*|rebut\w*|contradict\w*)\b", re.IGNORECASE
)
QUESTIONING = re.compile(
    r"\b(question\w*|doubt\w*|ask\w*|wonder\w*|quer(y|ies|ied)|skeptic\w*|sceptic\w*)\b", re.IGNORECASE
)
# An outlet's cue that relays without taking a side.
RELAYING = re.compile(r"\b(report\w*|according|carr(y|ies|ied)|publish\w*|quot\w*|cit(e|es|ed|ing))\b", re.IGNORECASE)
NEGATION = re.compile(r"\b(not|never|no|neither|nor)\b|n['’]t\b", re.IGNORECASE)
# A source that names a publication or a broadcaster, when the ledger does not know it as one.
OUTLET_WORDS = re.compile(
    r"\b(BBC|CNN|Reuters|Associated Press|AP|AFP|Agence France-Presse|Xinhua|Bloomberg|Al Jazeera|"
    r"Times|Post|Journal|News|Daily|Gazette|Herald|Tribune|Telegraph|Guardian|Magazine|Newspaper|"
    r"Television|TV|Radio|Broadcasting|Broadcaster|Channel|Network|Agency|Press|Wire|Chronicle|"
    r"Observer|Economist|Review|Peruano|El \w+|La \w+|Le \w+|Die \w+|Der \w+)\b"
)
# How many tokens either side of a source (or of a cue without one) a known name is looked
# for, and how many tokens the longest name looked for has.
KNOWN_NAME_REACH = 8
LONGEST_NAME_TOKENS = 12


@dataclass
class Suggestion:
    found: Found
    text: str
    speaker: str | None
    outlet: str | None
    via: str | None
    stance: str
    negated: bool

    @property
    def quote_span(self):
        """The content's longest piece: a quote split by its cue is proposed by its longer half."""
        return max(self.found.content, key=lambda span: span[1] - span[0])

    def spans(self):
        """The spans the suggestion rests on (`ledger suggest --format spans`)."""
        found = self.found
        return {
            "content": list(self.quote_span),
            "content_parts": [list(span) for span in found.content],
            "cue": list(found.cue),
            "source": list(found.source) if found.source else None,
            "resolved": list(found.resolved) if found.resolved else None,
            "speaker": self.speaker,
            "outlet": self.outlet,
            "via": self.via,
            "stance": self.stance,
        }

    def record(self, document):
        """The import record, its fields in the ledger's order."""
        start, end = anchored_at_its_place(self.text, *self.quote_span)
        cue = self.text[self.found.cue[0] : self.found.cue[1]]
        note = f'suggested: cue "{cue}", confidence {self.found.confidence:.2f}'
        if self.negated:
            note += "; the cue is negated: check the stance"
        values = {
            "claim": claim_of(self.text, self.found, self.speaker or self.outlet),
            "speaker": self.speaker,
            "outlet": self.outlet,
            "via": self.via,
            "date": document.get("date"),
            "stance": self.stance,
            "quote": self.text[start:end][: LIMITS["quote"]],
            "document": document["sha256"],
            "note": note,
        }
        return {field: values[field] for field in FIELDS if field in values and (values[field] or field == "speaker")}


# How many words a quote is widened by, at most, so that its words first occur where it is,
# and how far (in characters) either way it may reach, within its paragraph.
WIDEST_WIDENING = 30
WIDENING_REACH = 1_000


def anchored_at_its_place(text, start, end):
    """[start, end) widened a word at a time, leftwards first, within its paragraph and
    WIDENING_REACH, until the first occurrence of its words (under the matching rules of
    CONTRACT section 6) is this one: a quote anchors at its first occurrence, and must anchor
    where it was read. As it is if no widening within reach makes it so (the same paragraph
    printed twice)."""
    folded_text = folded(text)
    low = text.rfind("\n", max(0, start - WIDENING_REACH), start) + 1 or max(0, start - WIDENING_REACH)
    high = text.find("\n", end, end + WIDENING_REACH)
    high = high if high >= 0 else min(len(text), end + WIDENING_REACH)
    wide_start, wide_end = start, end
    for _ in range(WIDEST_WIDENING):
        wanted = fold_quote(text[wide_start:wide_end])
        place = folded_text.folded_place(wide_start)
        if folded_text.folded.find(wanted, 0, place + len(wanted)) == place:
            return wide_start, wide_end
        before = _word_before(text, low, wide_start)
        after = re.match(r"\s*\S+", text[wide_end:high])
        if before is not None:
            wide_start = before
        elif after:
            wide_end += after.end()
        else:
            break
    return start, end


def _word_before(text, low, at):
    """Where the word before `at` starts (white space between skipped), or None if there is
    none after `low`."""
    while at > low and text[at - 1].isspace():
        at -= 1
    if at == low:
        return None
    while at > low and not text[at - 1].isspace():
        at -= 1
    return at


def claim_of(text, found, claimant):
    """A readable sentence made of the content: its pieces joined, quotation marks and a
    leading "that" taken off, a capital first and a full stop last. Content that is not a
    clause of its own (what someone "opposes", "announced") follows its claimant and cue."""
    words = re.sub(r"\s+", " ", " ".join(text[start:end] for start, end in found.content)).strip()
    quoted = re.fullmatch(r"[\"“‘«].*[\"”’»][.,;:!?]*", words) is not None
    clause = quoted or re.match(r"(that|whether|if)\s+", words, flags=re.IGNORECASE) is not None
    words = re.sub(r"^(that|whether|if)\s+", "", words, flags=re.IGNORECASE)
    words = words.replace("“", "").replace("”", "").replace('"', "").strip(" '‘’«»,;:—–-")
    cue = text[found.cue[0] : found.cue[1]]
    if not clause and claimant and found.cue[1] <= found.content[0][0] and not RELAYING.search(cue):
        words = f"{claimant} {cue} {words}"
    if not words:
        return text[found.content[0][0] : found.content[-1][1]].strip()[: LIMITS["claim"]]
    words = words[0].upper() + words[1:]
    if words[-1] not in ".!?":
        words += "."
    return words[: LIMITS["claim"]]


def stance_of(cue_text, before, is_outlet):
    """(stance, negated) from the cue as printed and the few words before it."""
    negated = bool(NEGATION.search(cue_text) or NEGATION.search(before))
    if negated:
        return "reports", True  # "did not deny" neither disputes nor quite asserts: the person decides
    if DISPUTING.search(cue_text):
        return "disputes", False
    if QUESTIONING.search(cue_text):
        return "questions", False
    if is_outlet and RELAYING.search(cue_text):
        return "reports", False
    return "asserts", False


class KnownNames:
    """The names the ledger holds, as written or by alias, looked up near each source."""

    def __init__(self, conn):
        self.conn = conn

    def known(self, candidates):
        if not candidates:
            return set()
        marks = ", ".join("?" * len(candidates))
        return {name for (name,) in self.conn.execute(f"SELECT name FROM names WHERE name IN ({marks})", candidates)}

    def outlets(self, names):
        """Which of `names` the ledger knows as outlets (as written, or through an alias)."""
        if not names:
            return set()
        marks = ", ".join("?" * len(names))
        return {
            name
            for (name,) in self.conn.execute(
                f"""SELECT e.name FROM entities AS e WHERE e.name IN ({marks}) AND (
                        EXISTS (SELECT 1 FROM attribution_records WHERE outlet_id IN (e.id, e.canonical_id))
                     OR EXISTS (SELECT 1 FROM document_records WHERE outlet_id IN (e.id, e.canonical_id)))""",
                list(names),
            )
        }

    def around(self, text, start, end, near):
        """The span of a known name in `text` that overlaps a source's [start, end), the one
        nearest the source's cue `near` (else the longest); or, with `near` None, the longest
        that lies within reach of the cue [start, end) without overlapping it. Else None."""
        beside_cue = near is None
        low, high = max(0, start - 200), min(len(text), end + 200)
        tokens = list(TOKEN.finditer(text, low, high))
        inside = [index for index, token in enumerate(tokens) if token.start() < end and token.end() > start]
        if not inside:
            return None
        first, last = max(0, inside[0] - KNOWN_NAME_REACH), min(len(tokens) - 1, inside[-1] + KNOWN_NAME_REACH)
        spans = {}
        for a in range(first, last + 1):
            for b in range(a, min(last, a + LONGEST_NAME_TOKENS - 1) + 1):
                span = (tokens[a].start(), tokens[b].end())
                touches = span[0] < end and span[1] > start
                if touches != beside_cue:  # a source's own name overlaps it; a cue's neighbour does not
                    spans.setdefault(text[span[0] : span[1]], span)
        known = self.known([name for name in spans if len(name) <= LIMITS["name"]])
        if not known:
            return None
        if beside_cue:
            return spans[max(known, key=len)]

        def gap(name):
            span = spans[name]
            return max(near[0] - span[1], span[0] - near[1], 0), -len(name)

        return spans[min(known, key=gap)]


def suggestions(ledger, reference, reader=None):
    """The suggestions for document `reference` (an id or sha256) of `ledger`: (document,
    iterator of Suggestion). Raises LedgerError for a document the ledger does not hold."""
    document = ledger.document(reference)
    return document, _suggested(ledger.conn, document, reader or Reader())


def _suggested(conn, document, reader):
    """Each attribution the reader finds, named: its source made the longest known name it
    overlaps (the one nearest its cue); a cue with no source of its own after "and", a comma,
    or in an -ing form ("…, saying …") takes the name of the attribution before it in the
    sentence; an outlet's relaying cue frames the rest of its sentence, so that what is said
    in it was read in that outlet `via` the document's."""
    text, own_outlet = document["text"], document["outlet"]
    known = KnownNames(conn)
    frame, before = None, None  # the relaying outlet's Frame; the last attribution
    for found in reader.read(text):
        if found.source is not None:
            found.source = known.around(text, *found.source, near=found.cue) or found.source
        elif found.resolved is None:
            found.source = _nearby_known(known, text, found)
            if found.source is None and before and _continues(text, before.found, found):
                found.resolved = before.found.resolved or before.found.source
        named = found.resolved or found.source
        name = _as_printed(known, text, named) if named else None
        is_outlet = bool(name) and (name in known.outlets([name]) or bool(OUTLET_WORDS.search(name)))
        cue = text[found.cue[0] : found.cue[1]]
        stance, negated = stance_of(cue, text[max(0, found.cue[0] - 24) : found.cue[0]], is_outlet)
        if frame and found.cue[0] >= frame.end:
            yield from frame.unheld()
            frame = None
        if is_outlet and name != own_outlet:
            speaker, outlet, via = None, name, own_outlet
        elif frame:
            speaker, outlet, via = (None if is_outlet else name), frame.outlet, own_outlet
            frame.held = True
        else:
            speaker, outlet, via = (None if is_outlet else name), own_outlet, None
        suggestion = Suggestion(found, text, speaker, outlet, via, stance, negated)
        before = suggestion
        if is_outlet and name != own_outlet and (RELAYING.search(cue) or not found.content):
            if frame:
                yield from frame.unheld()
            frame = Frame(name, _sentence_end(text, found.cue[1]), suggestion)
        if found.content:
            yield suggestion
    if frame:
        yield from frame.unheld()


@dataclass
class Frame:
    """An outlet's relaying cue ("According to El Peruano, …", "the BBC reported …"): what is
    said in the rest of its sentence was read in that outlet."""

    outlet: str
    end: int  # where its sentence ends
    suggestion: Suggestion
    held: bool = False  # whether another attribution was read in it

    def unheld(self):
        """The frame as an attribution of its own when it held none and the tagger gave it no
        content: the outlet's cue, and the rest of the sentence after the comma that follows
        its source ("According to El Peruano on July 31, the minister arrived …")."""
        found = self.suggestion.found
        if self.held or found.content or found.source is None:
            return
        text = self.suggestion.text
        comma = text.find(",", found.source[1], self.end)
        rest = text[comma + 1 : self.end].rstrip() if comma >= 0 else ""
        rest = rest.rstrip(".!?")
        if comma < 0 or not re.search(r"\w", rest):
            return
        start = comma + 1 + (len(rest) - len(rest.lstrip()))
        found.content = [(start, comma + 1 + len(rest))]
        yield self.suggestion


def _continues(text, earlier, found):
    """Whether `found`'s cue carries on the sentence of `earlier` with no subject of its own:
    "…, saying", "… and stated"."""
    between = text[earlier.cue[1] : found.cue[0]]
    if re.search(r"[.!?][\"”’]?\s", between) or earlier.source is None and earlier.resolved is None:
        return False
    cue = text[found.cue[0] : found.cue[1]]
    return bool(re.match(r"\w+ing\b", cue) or re.search(r"(\band|,)\s*(\w+ly\s+|also\s+)?$", between))


def _sentence_end(text, at):
    found = re.compile(r"[.!?][\"”’]?(\s|$)|\n").search(text, at)
    return found.end() if found else len(text)


def _nearby_known(known, text, found):
    """A known name next to a cue that the tagger gave no source, outside its content."""
    span = known.around(text, *found.cue, near=None)
    if span and not any(span[0] < end and span[1] > start for start, end in found.content):
        return span
    return None


def _as_printed(known, text, span):
    """A name as printed, without an article before it ("the BBC" is BBC) unless the ledger
    knows it with one ("The British Broadcasting Corporation (BBC)")."""
    printed = text[span[0] : span[1]].strip()
    if printed in known.known([printed]):
        return printed
    return re.sub(r"^(the|a|an)\s+", "", printed, flags=re.IGNORECASE)
