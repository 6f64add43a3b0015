"""Suggested attributions: read a stored document and propose who said what (CONTRACT
section 8, docs/suggest.md). The reader (reader.py) tags a text with a CRF trained on
PolNeAR (train.py, evaluate.py) over the tokens of words.py; proposals.py names what it
found and makes the records a person reviews."""

from .proposals import Suggestion, suggestions

__all__ = ["Suggestion", "suggestions"]
