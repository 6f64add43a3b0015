"""Train the reader's model on PolNeAR's train split: `make model`, or
`python -m ledger.suggest.train [POLNEAR] [--output FILE]`. Training is deterministic: the
same checkout and the same python-crfsuite give the same model, byte for byte."""

import argparse

import pycrfsuite

from . import polnear
from .reader import MODEL, tags_of
from .words import features, passages

# Chosen on PolNeAR's dev split (docs/suggest.md): an L1 weight and a floor on how often a
# feature is seen that halve the model's size without costing F1, a light L2, and enough
# iterations for L-BFGS to settle.
PARAMETERS = {
    "c1": 1.0,
    "c2": 0.01,
    "feature.minfreq": 3,
    "max_iterations": 150,
    "feature.possible_transitions": True,
}


def train(root, output):
    trainer = pycrfsuite.Trainer(verbose=False)
    for article in polnear.articles(root, "train"):
        for tokens in passages(article.text):
            trainer.append(features(tokens), tags_of(tokens, article.attributions))
    trainer.set_params(PARAMETERS)
    trainer.train(str(output))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("polnear", nargs="?", default=polnear.default_root(), help="PolNeAR's checkout")
    parser.add_argument("--output", default=str(MODEL), help="where the model goes (default: the package's)")
    arguments = parser.parse_args()
    train(arguments.polnear, arguments.output)


if __name__ == "__main__":
    main()
