"""The reader's view of a text: its tokens, read a passage at a time, and what the tagger is
told about each token. Training and reading share this module, so the model always sees
tokens made the same way."""

import bisect
import functools
import re

# A word (with its inner apostrophes, hyphens and dots: "U.S.", "don't", "co-chair"), or one
# other character that is not white space.
TOKEN = re.compile(r"\w+(?:[’'.\-]\w+)*|[^\w\s]")
OPENING_MARKS = "“‘«„"
CLOSING_MARKS = "”»"  # ’ closes quotes too, but is far more often an apostrophe
STRAIGHT_MARK = '"'
# Verbs and phrases that often introduce what someone said or thought: a hint for the
# tagger, which learns the rest from the annotated news it was trained on.
CUE_WORDS = frozenset(
    [
        "say",
        "says",
        "said",
        "saying",
        "tell",
        "tells",
        "told",
        "telling",
        "according",
        "add",
        "adds",
        "added",
        "note",
        "notes",
        "noted",
        "explain",
        "explains",
        "explained",
        "argue",
        "argues",
        "argued",
        "claim",
        "claims",
        "claimed",
        "write",
        "writes",
        "wrote",
        "written",
        "state",
        "states",
        "stated",
        "insist",
        "insists",
        "insisted",
        "deny",
        "denies",
        "denied",
        "reject",
        "rejects",
        "rejected",
        "dismiss",
        "dismissed",
        "question",
        "questioned",
        "doubt",
        "doubts",
        "doubted",
        "ask",
        "asked",
        "asks",
        "report",
        "reports",
        "reported",
        "announce",
        "announced",
        "announces",
        "warn",
        "warned",
        "warns",
        "suggest",
        "suggested",
        "suggests",
        "believe",
        "believes",
        "believed",
        "think",
        "thinks",
        "thought",
        "acknowledge",
        "acknowledged",
        "admit",
        "admitted",
        "confirm",
        "confirmed",
        "recall",
        "recalled",
        "declare",
        "declared",
        "predict",
        "predicted",
        "promise",
        "promised",
        "vow",
        "vowed",
        "urge",
        "urged",
        "call",
        "called",
        "accuse",
        "accused",
        "charge",
        "charged",
        "contend",
        "contended",
        "assert",
        "asserted",
        "maintain",
        "maintained",
        "describe",
        "described",
        "show",
        "shows",
        "showed",
        "found",
        "find",
        "finds",
        "want",
        "wants",
        "wanted",
        "analyze",
        "analyzed",
        "analyzes",
        "analyse",
        "analysed",
        "post",
        "posted",
        "posts",
        "express",
        "expressed",
        "expresses",
        "stress",
        "stressed",
        "emphasize",
        "emphasized",
        "reveal",
        "revealed",
        "allege",
        "alleged",
        "conclude",
        "concluded",
        "observe",
        "observed",
        "remark",
        "remarked",
        "tweet",
        "tweeted",
        "indicate",
        "indicated",
        "point",
        "pointed",
        "learn",
        "learned",
    ]
)
PRONOUNS = frozenset(["he", "she", "they", "it", "we", "i", "you", "his", "her", "their", "who", "which"])
# The longest passage the tagger reads at once, in tokens: a paragraph longer than this is
# read a sentence group at a time, so that a text of one endless line is read in bounded memory.
LONGEST_PASSAGE = 400


def passages(text):
    """The token lists of `text`, a paragraph (or, for a long one, a run of its sentences)
    each; a token is (start, end, word), offsets in code points into `text`."""
    for paragraph in re.finditer(r"[^\n]+", text):
        tokens = []
        for match in TOKEN.finditer(text, paragraph.start(), paragraph.end()):
            tokens.append((match.start(), match.end(), match.group()))
            if len(tokens) >= LONGEST_PASSAGE and match.group() in ".!?" or len(tokens) >= 2 * LONGEST_PASSAGE:
                yield tokens
                tokens = []
        if tokens:
            yield tokens


@functools.lru_cache(maxsize=1 << 16)  # news repeats its words: each is shaped once
def _shape(word):
    shape = re.sub(r"[A-Z]", "X", word)
    shape = re.sub(r"[a-z]", "x", shape)
    shape = re.sub(r"\d", "d", shape)
    return re.sub(r"(.)\1+", r"\1\1", shape)


@functools.lru_cache(maxsize=1 << 16)
def _stem(word):
    return re.sub(r"(ing|ed|es|s)$", "", word) if len(word) > 4 else word


def _nearest(places, place):
    """The member of the sorted list `places` nearest `place` (the earlier of two as near)."""
    after = bisect.bisect_left(places, place)
    if after == len(places) or after > 0 and place - places[after - 1] <= places[after] - place:
        return places[after - 1]
    return places[after]


def quotation_states(words):
    """For each token: O, C or S for an opening, closing or straight mark, else 1 inside
    quotation marks and 0 outside."""
    inside, states = False, []
    for word in words:
        if word in OPENING_MARKS:
            inside, state = True, "O"
        elif word in CLOSING_MARKS:
            inside, state = False, "C"
        elif word == STRAIGHT_MARK:
            inside, state = not inside, "S"
        else:
            state = "1" if inside else "0"
        states.append(state)
    return states


def features(tokens):
    """What the tagger is told about each token of a passage: the word, its shape, whether
    it is quoted, its neighbours, and how far the nearest likely cue is."""
    words = [word for _, _, word in tokens]
    lower = [word.lower() for word in words]
    quoted = quotation_states(words)
    shapes = [_shape(word) for word in words]
    has_marks = any(state in "OCS" for state in quoted)
    cues = [index for index, word in enumerate(lower) if word in CUE_WORDS]
    count = len(tokens)
    described = []
    for index, (word, low) in enumerate(zip(words, lower)):
        stem = _stem(low)
        told = ["b", "w=" + low, "s3=" + low[-3:], "sh=" + shapes[index], "q=" + quoted[index]]
        told += [f"hasq={has_marks:d}", "st=" + stem, f"pos={min(index, 5)}"]
        if low in CUE_WORDS:
            told.append("cue")
        if low in PRONOUNS:
            told.append("pron")
        if word[:1].isupper():
            told.append("cap")
        if index == 0:
            told.append("BOP")
        if index == count - 1:
            told.append("EOP")
        if index > 0 and words[index - 1] in ".!?" and (word[:1].isupper() or word in OPENING_MARKS + STRAIGHT_MARK):
            told.append("BOS")
        if index < count - 1 and word in ".!?":
            told.append("EOSP")
        if index > 0:
            told.append("bi=" + lower[index - 1] + "|" + low)
        if index < count - 1:
            told.append("bi+=" + low + "|" + lower[index + 1])
        for offset in (-3, -2, -1, 1, 2, 3):
            other = index + offset
            if 0 <= other < count:
                told += [f"{offset}w={lower[other]}", f"{offset}q={quoted[other]}"]
                if abs(offset) == 1:
                    told.append(f"{offset}sh={shapes[other]}")
                if lower[other] in CUE_WORDS:
                    told.append(f"{offset}cue")
            else:
                told.append(f"{offset}pad")
        if cues:
            distance = _nearest(cues, index) - index
            bucket = 0 if distance == 0 else (1 if distance > 0 else -1) * min(6, abs(distance).bit_length())
            told.append(f"cued={bucket}")
        else:
            told.append("nocue")
        described.append(told)
    return described


# Words that make up a large share of any English text, and of few texts in other languages.
_ENGLISH_FUNCTION_WORDS = frozenset(
    [
        "the",
        "of",
        "and",
        "to",
        "in",
        "that",
        "is",
        "was",
        "for",
        "on",
        "with",
        "as",
        "by",
        "it",
        "he",
        "said",
        "at",
        "from",
    ]
)
# How many tokens of a text without a language tag are looked at to tell whether it is English.
_TOKENS_LOOKED_AT = 2_000


def reads_english(text, language):
    """Whether the reader handles the text: its language tag's first part is `en`, or, with
    no tag, at least one word in ten of its first tokens is among English's commonest."""
    if language:
        return language.split("-")[0].lower() == "en"
    words = [match.group().lower() for _, match in zip(range(_TOKENS_LOOKED_AT), re.finditer(r"\w+", text))]
    return bool(words) and sum(word in _ENGLISH_FUNCTION_WORDS for word in words) * 10 >= len(words)
