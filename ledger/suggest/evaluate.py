"""Score the reader: `make eval`, or `python -m ledger.suggest.evaluate [POLNEAR] [--seed LEDGER]`.

On PolNeAR's dev split: content spans matched one to one, strictly when they share at least
half of the longer span and leniently when they overlap at all; precision, recall and F1;
and source accuracy on the strictly matched attributions (the source overlaps the annotated
one, or both have none). Spans of several pieces count as the characters of their pieces.

On the seed ledger's first document: the share of its hand reading's anchored quotes (its
current attributions) that a suggestion's content overlaps by at least half of the shorter
of the two, and the outlets proposed `via` the document's outlet."""

import argparse
import json
import random

from . import polnear
from .proposals import suggestions
from .reader import Reader


def _characters(spans):
    return frozenset(index for start, end in spans for index in range(start, end))


def matched(proposed, annotated, strict):
    """(i, j) pairs matching proposed[i] to annotated[j] one to one, best overlaps first; each
    side a list of character sets."""
    pairs = []
    for i, mine in enumerate(proposed):
        for j, theirs in enumerate(annotated):
            shared = len(mine & theirs)
            share = shared / max(len(mine), len(theirs)) if shared else 0
            if shared and (share >= 0.5 or not strict):
                pairs.append((share, i, j))
    pairs.sort(key=lambda pair: (-pair[0], pair[1], pair[2]))
    taken_mine, taken_theirs, result = set(), set(), []
    for _, i, j in pairs:
        if i not in taken_mine and j not in taken_theirs:
            taken_mine.add(i)
            taken_theirs.add(j)
            result.append((i, j))
    return result


def score_polnear(root, split="dev", reader=None, misses=0):
    reader = reader or Reader()
    totals = {"strict": [0, 0, 0, 0], "lenient": [0, 0, 0, 0]}
    missed = []
    for article in polnear.articles(root, split):
        found = [f for f in reader.read(article.text) if f.content]
        mine = [(_characters(f.content), _characters([f.source] if f.source else [])) for f in found]
        gold = [a for a in article.attributions if a.get("content")]
        theirs = [(_characters(a["content"]), _characters(a.get("source", []))) for a in gold]
        for kind, total in totals.items():
            pairs = matched([m[0] for m in mine], [t[0] for t in theirs], kind == "strict")
            right = sum(1 for i, j in pairs if mine[i][1] & theirs[j][1] or not mine[i][1] and not theirs[j][1])
            for place, value in enumerate((len(pairs), len(mine), len(theirs), right)):
                total[place] += value
            if kind == "strict" and misses:
                found_any = {j for _, j in pairs}
                missed += [
                    {
                        "cue": " ".join(article.text[s:e] for s, e in a.get("cue", [])),
                        "content": " … ".join(article.text[s:e] for s, e in a["content"])[:160],
                    }
                    for j, a in enumerate(gold)
                    if j not in found_any
                ]
    figures = {}
    for kind, (both, proposed, annotated, right) in totals.items():
        precision, recall = both / max(proposed, 1), both / max(annotated, 1)
        figures[kind] = {
            "precision": round(precision, 3),
            "recall": round(recall, 3),
            "f1": round(2 * precision * recall / max(precision + recall, 1e-9), 3),
            "source_accuracy": round(right / max(both, 1), 3),
            "matched": both,
            "proposed": proposed,
            "annotated": annotated,
        }
    if misses:
        figures["missed_examples"] = random.Random(1).sample(missed, min(misses, len(missed)))
    return figures


def score_seed(ledger, reference="1", reader=None):
    document, proposed = suggestions(ledger, reference, reader)
    proposed = list(proposed)
    hand = ledger.conn.execute(
        """SELECT a.seq, a.quote_start, a.quote_end FROM anchors AS a
           JOIN current_records AS r ON r.seq = a.seq
           WHERE a.document_id = ? AND a.quote_start IS NOT NULL ORDER BY a.seq""",
        (document["id"],),
    ).fetchall()
    contents = [_characters(s.found.content) for s in proposed]
    found = []
    for seq, start, end in hand:
        quote = frozenset(range(start, end))
        if any(len(quote & mine) >= min(len(quote), len(mine)) / 2 for mine in contents):
            found.append(seq)
    relayed = sorted({(s.outlet, s.via) for s in proposed if s.via})
    return {
        "hand_quotes": len(hand),
        "proposed": len(found),
        "share": round(len(found) / max(len(hand), 1), 3),
        "missed": [seq for seq, _, _ in hand if seq not in found],
        "suggestions": len(proposed),
        "relayed_outlets": [f"{outlet} via {via}" for outlet, via in relayed],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("polnear", nargs="?", default=polnear.default_root(), help="PolNeAR's checkout")
    parser.add_argument("--seed", help="the seed ledger (make ledger.db), whose first document is scored too")
    parser.add_argument("--misses", type=int, default=0, help="also list this many missed annotations, at random")
    arguments = parser.parse_args()
    reader = Reader()
    figures = {"polnear_dev": score_polnear(arguments.polnear, "dev", reader, arguments.misses)}
    if arguments.seed:
        from ..db import Ledger

        with Ledger(arguments.seed) as ledger:
            figures["seed"] = score_seed(ledger, "1", reader)
    print(json.dumps(figures, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
