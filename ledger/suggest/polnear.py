"""PolNeAR (github.com/networkdynamics/PolNeAR): 1,008 US political news articles of 2016
whose attributions are annotated as source, cue and content spans (brat standoff files).
The reader's model is trained on its train split and tuned and scored on its dev split; its
README asks that the test split be used once, so nothing here reads it."""

import csv
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

SPLITS = ("train", "dev")
_SPAN = re.compile(r"(T\d+)\t(\w+) ([\d ;]+)\t")
_KINDS = {"Source": "source", "Cue": "cue", "Content": "content"}


@dataclass
class Article:
    name: str
    text: str
    publisher: str
    date: str
    # Each attribution: {"source"|"cue"|"content": [(start, end), ...]}, a kind absent when
    # the annotator marked none.
    attributions: list = field(default_factory=list)


def articles(root, split):
    """The articles of `split` under PolNeAR's checkout `root`, each with its first
    annotator's attributions (a few articles were annotated by several, to measure agreement)."""
    if split not in SPLITS:
        raise ValueError(f"split {split!r}: only {', '.join(SPLITS)} are read")
    data = Path(root) / "data"
    if not (data / split / "attributions").is_dir():
        raise FileNotFoundError(f"{root}: not a PolNeAR checkout (no data/{split}/attributions)")
    metadata = {}
    with (data / "metadata.tsv").open(encoding="utf-8", newline="") as rows:
        for row in csv.DictReader(rows, delimiter="\t"):
            metadata[row["filename"]] = row
    seen = set()
    for path in sorted((data / split / "attributions").glob("*.ann")):
        name = path.stem.rsplit("_", 1)[0]
        if name in seen:
            continue
        seen.add(name)
        with (data / split / "text" / f"{name}.txt").open(encoding="utf-8", newline="") as text:
            article = Article(name, text.read(), metadata[name]["publisher"], metadata[name]["publication_date"])
        article.attributions = _attributions(path)
        yield article


def _attributions(path):
    spans, events = {}, []
    with open(path, encoding="utf-8", newline="") as lines:
        for line in lines:
            if match := _SPAN.match(line):
                pieces = [tuple(map(int, piece.split())) for piece in match[3].split(";")]
                spans[match[1]] = (match[2], pieces)
            elif line.startswith("E"):
                events.append(dict(part.split(":") for part in line.split("\t")[1].split()))
    return [{_KINDS[role]: spans[span][1] for role, span in event.items() if role in _KINDS} for event in events]


def default_root():
    """Where `make eval` and `make model` look for PolNeAR: $POLNEAR, else bench-data/PolNeAR."""
    return os.environ.get("POLNEAR", "bench-data/PolNeAR")
