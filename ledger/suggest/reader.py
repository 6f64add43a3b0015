"""The reader: a linear-chain CRF tags each token of a passage as the source, cue or content
of an attribution (or none), and the tags are gathered into attributions: each cue takes the
content and the source nearest it, and a source that is a pronoun or a short form is
resolved to the name it stands for earlier in the text."""

import itertools
import re
from dataclasses import dataclass
from pathlib import Path

import pycrfsuite

from .words import CLOSING_MARKS, OPENING_MARKS, PRONOUNS, STRAIGHT_MARK, features, passages, quotation_states

MODEL = Path(__file__).with_name("model.crfsuite")
ROLES = ("source", "cue", "content")
# How far (in untagged tokens) a content or source may be from its cue and still be its: far
# enough for "…," the senator from Ohio said in a statement, and no farther (docs/suggest.md).
FARTHEST = 12
# Words that begin a capitalised run without being part of the name it makes.
_LEADING = frozenset(["the", "a", "an", "according", "in", "on", "at", "by", "as", "but", "and", "or", "of"])
# A short form a source may take for a person or body named before: "the minister".
_SHORT_FORMS = frozenset(
    [
        "minister",
        "president",
        "spokesman",
        "spokeswoman",
        "spokesperson",
        "official",
        "officials",
        "senator",
        "government",
        "ministry",
        "candidate",
        "chancellor",
        "secretary",
        "leader",
        "governor",
        "mayor",
        "premier",
        "agency",
        "company",
        "campaign",
    ]
)


@dataclass
class Found:
    """One attribution read in a text, as code-point spans [start, end) into it."""

    content: list  # its pieces, in the order of the text: a quote split by its cue has two
    cue: tuple
    source: tuple | None
    resolved: tuple | None  # the earlier name that a pronoun or short-form source stands for
    confidence: float  # the tagger's mean marginal probability of the content's tags


def tags_of(tokens, attributions):
    """The BIO tags of a passage's tokens under annotated `attributions` (training's labels)."""
    tags = ["O"] * len(tokens)
    for attribution in attributions:
        for role in ROLES:
            for start, end in attribution.get(role, ()):
                first = True
                for index, (token_start, token_end, _) in enumerate(tokens):
                    if token_start >= start and token_end <= end:
                        tags[index] = ("B-" if first else "I-") + role.upper()
                        first = False
    return tags


def _runs(tags):
    """(role, first, last) of each run of one role's tags; a B- tag starts a new run."""
    runs, current = [], None
    for index, tag in enumerate(tags):
        role = tag[2:].lower() if tag != "O" else None
        if current and (tag.startswith("B-") or role != current[0]):
            runs.append(tuple(current))
            current = None
        if role:
            if current is None:
                current = [role, index, index]
            else:
                current[2] = index
    if current:
        runs.append(tuple(current))
    return runs


def _between_two_cues_split(runs, tokens):
    """The runs, with a source run that lies between two cues split at its last comma: in
    "According to the Daily Planet, Mayor Ana Lopez said", each cue has a source of its own."""
    result = []
    for place, run in enumerate(runs):
        role, first, last = run
        commas = [index for index in range(first + 1, last) if tokens[index][2] == ","]
        between = 0 < place < len(runs) - 1 and runs[place - 1][0] == runs[place + 1][0] == "cue"
        if role == "source" and commas and between:
            result += [("source", first, commas[-1] - 1), ("source", commas[-1] + 1, last)]
        else:
            result.append(run)
    return result


class Reader:
    def __init__(self, model=MODEL):
        self.tagger = pycrfsuite.Tagger()
        self.tagger.open(str(model))

    def read(self, text):
        """The attributions `text` holds, in the order of their cues."""
        names = Names(text)
        pending = None  # the last attribution of the paragraph before, while its quotation goes on
        for tokens in passages(text):
            tags = self.tagger.tag(features(tokens))
            names.learn(tokens)
            here = list(self._gathered(tokens, tags))
            if pending is not None:
                pending.content += _quotation_continued(tokens, here)
                yield pending
                pending = None
            for found in here:
                names.resolve(found)
            if here and _quotation_left_open(tokens, here[-1]):
                pending = here.pop()
            yield from here
        if pending is not None:
            yield pending

    def _gathered(self, tokens, tags):
        """The passage's attributions: each cue with the content and source runs nearest it
        (fewest untagged tokens between, then fewest tokens). A cue left without content
        takes, when "that" follows it closely, the rest of its sentence ("X said at a press
        conference that …"); else it is yielded with no content, as a frame that may hold
        others ("According to the BBC, X said …")."""
        runs = _between_two_cues_split(_runs(tags), tokens)
        cues = [(first, last) for role, first, last in runs if role == "cue"]
        if not cues:
            return
        untagged = [0]
        for tag in tags:
            untagged.append(untagged[-1] + (tag == "O"))

        sentence = [0]  # each token's sentence, counted from the passage's first
        for before, (_, _, word) in itertools.pairwise(tokens):
            sentence.append(sentence[-1] + (before[2] in ".!?" and (word[:1].isupper() or word in OPENING_MARKS)))

        def distance(first, last, cue):
            """Whether a sentence ends between, then the untagged tokens, then all tokens."""
            low, high = (cue[1] + 1, first) if first > cue[1] else (last + 1, cue[0])
            near_end = first if first > cue[1] else last
            return sentence[near_end] != sentence[cue[0]], untagged[high] - untagged[low], high - low

        pieces = {cue: {"content": [], "source": []} for cue in cues}
        for role, first, last in runs:
            if role == "cue":
                continue
            nearest = min((distance(first, last, cue), cue) for cue in cues)
            if nearest[0][1] <= FARTHEST:
                pieces[nearest[1]][role].append((nearest[0], first, last))
        for cue in cues:
            content = sorted(
                (first, last)
                for _, first, last in pieces[cue]["content"]
                if any(_SAYS_SOMETHING.match(word) for _, _, word in tokens[first : last + 1])
            )
            if not content:
                content = _that_clause(tokens, tags, cue)
            sources = pieces[cue]["source"]
            source = min(sources)[1:] if sources else None
            marginals = [
                self.tagger.marginal(tags[index], index) for first, last in content for index in range(first, last + 1)
            ]
            yield Found(
                content=[(tokens[first][0], tokens[last][1]) for first, last in content],
                cue=(tokens[cue[0]][0], tokens[cue[1]][1]),
                source=(tokens[source[0]][0], tokens[source[1]][1]) if source else None,
                resolved=None,
                confidence=sum(marginals) / len(marginals) if marginals else 0.0,
            )


def _quotation_left_open(tokens, found):
    """Whether the passage ends inside a quotation that `found`'s content runs to the end of:
    in news, a quotation that goes on into the next paragraph is not closed."""
    states = quotation_states([word for _, _, word in tokens])
    opened = [index for index, state in enumerate(states) if state in "OS"]
    closed = [index for index, state in enumerate(states) if state in "CS"]
    left_open = (
        states.count("S") % 2 == 1 if "S" in states else bool(opened) and (not closed or closed[-1] < opened[-1])
    )
    return left_open and bool(found.content) and found.content[-1][1] >= tokens[-1][0]


def _quotation_continued(tokens, found_here):
    """[span] of the quotation that opens the passage, when no attribution of the passage
    holds it: the rest of the quotation of the paragraph before; else []."""
    if tokens[0][2] not in OPENING_MARKS + STRAIGHT_MARK:
        return []
    if any(start <= tokens[0][0] < end for found in found_here for start, end in found.content):
        return []
    closing = next(
        (end for index, (_, end, word) in enumerate(tokens) if index and word in CLOSING_MARKS + STRAIGHT_MARK),
        tokens[-1][1],
    )
    return [(tokens[0][0], closing)]


# A word that is more than the "that" or "whether" before a clause.
_SAYS_SOMETHING = re.compile(r"(?!(that|whether|if)$)\w", re.IGNORECASE)
# "that day", "that week": a "that" that begins no clause.
_TIME = re.compile(r"(day|night|morning|afternoon|evening|week|month|year|time|moment)$", re.IGNORECASE)
# How many tokens may stand between a cue and the "that" of its clause.
_THAT_REACH = 8


def _that_clause(tokens, tags, cue):
    """[(first, last)] of the untagged clause after a "that" close behind `cue`, to the end of
    its sentence; [] if there is none."""
    words = [word for _, _, word in tokens]
    for index in range(cue[1] + 1, min(len(tokens), cue[1] + 1 + _THAT_REACH)):
        if words[index] in ".!?" or tags[index] != "O":
            return []
        following = words[index + 1] if index + 1 < len(words) else ""
        if words[index].lower() == "that" and not _TIME.match(following):
            last = index + 1
            while last < len(tokens) and words[last] not in ".!?" and tags[last] == "O":
                last += 1
            return [(index, last - 1)] if last - 1 > index else []
    return []


class Names:
    """The names read so far in a text, by which a later pronoun or short form is resolved."""

    def __init__(self, text):
        self.text = text
        self.last_source = None  # the span of the last source that was a name
        self.by_last_word = {}  # a name's last word -> the spans of its latest full mentions

    def resolve(self, found):
        if found.source is None:
            return
        words = self.text[found.source[0] : found.source[1]].split()
        lower = [word.lower() for word in words]
        if len(words) == 1 and lower[0] == "it" and _is_passive(self.text, found.cue):
            found.source = None  # "it is reported that": no one is named
            return
        if len(words) == 1 and lower[0] in PRONOUNS or _is_short_form(words):
            found.resolved = self.last_source
        elif len(words) == 1 and words[0][:1].isupper():
            earlier = [span for span in self.by_last_word.get(words[0], ()) if span[1] <= found.source[0]]
            found.resolved = earlier[-1] if earlier else None
        if found.resolved is None and _is_name(words):
            self.last_source = found.source
        elif found.resolved is not None:
            self.last_source = found.resolved

    def learn(self, tokens):
        """Note the passage's capitalised runs of two words or more, as full mentions (the
        latest few of each, so that memory stays bounded however long the text)."""
        run = []
        for start, end, word in tokens + [(0, 0, "")]:
            if word[:1].isupper() and not (not run and word.lower() in _LEADING):
                run.append((start, end, word))
                continue
            if len(run) >= 2:
                mentions = self.by_last_word.setdefault(run[-1][2], [])
                mentions[:] = mentions[-3:] + [(run[0][0], run[-1][1])]
            run = []


def _is_short_form(words):
    """ "the minister", "the party's candidate": "the", lower-case words, a short-form noun last
    ("the Peruvian government" names a government of its own)."""
    return (
        len(words) >= 2
        and words[0].lower() == "the"
        and all(word.islower() for word in words[1:])
        and words[-1] in _SHORT_FORMS
    )


def _is_passive(text, cue):
    return re.match(r"(is|was|has been|had been|'s)\b", text[cue[0] : cue[1]], re.IGNORECASE) is not None


def _is_name(words):
    return any(word[:1].isupper() and word.lower() not in _LEADING | PRONOUNS for word in words)
