"""Properties of the reader on texts made of news-like sentences, names, quotation marks and
paragraph breaks in any order: every span it proposes lies inside the text, and every
quote it proposes anchors in the document, so that the suggestions import as they are."""

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import Ledger
from ledger.documents import anchor
from ledger.formats.base import Item
from ledger.suggest.proposals import suggestions

NAMES = ["Ana Lopez", "the minister", "She", "Lopez", "The Daily Planet", "the BBC", "Reuters", "officials"]
CUES = ["said", "told reporters", "denied", "did not deny", "questioned whether", "reported", "added"]
CONTENTS = [
    "the budget was balanced",
    "“we will not raise taxes,”",
    '"the talks have failed"',
    "‘nothing has changed’",
    "that the plan — drawn up in May — would fail",
]
sentence = st.one_of(
    st.builds(
        lambda n, c, q: f"{n} {c} {q}.", st.sampled_from(NAMES), st.sampled_from(CUES), st.sampled_from(CONTENTS)
    ),
    st.builds(
        lambda q, n, c: f"{q} {n} {c}.", st.sampled_from(CONTENTS), st.sampled_from(NAMES), st.sampled_from(CUES)
    ),
    st.builds(lambda n, q: f"According to {n}, {q}.", st.sampled_from(NAMES), st.sampled_from(CONTENTS)),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40),
)
separator = st.sampled_from([" ", "  ", "\n", "\n\n", " “", "” ", '"'])
texts = st.lists(st.tuples(sentence, separator), min_size=1, max_size=12).map(
    lambda parts: "".join(s + sep for s, sep in parts).strip() or "Nothing."
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_every_span_lies_in_the_text_and_every_quote_anchors(text):
    with tempfile.TemporaryDirectory() as directory, Ledger(Path(directory) / "l.db", create=True) as ledger:
        ((added, _),) = ledger.add_documents([(text, {"outlet": "Example Times", "date": "2024-05-01"})])
        document, proposed = suggestions(ledger, str(added))
        stored, records = document["text"], []
        for suggestion in proposed:
            spans = suggestion.spans()
            for role in ("content", "cue", "source", "resolved"):
                if spans[role] is not None:
                    start, end = spans[role]
                    assert 0 <= start < end <= len(stored)
            for start, end in spans["content_parts"]:
                assert 0 <= start < end <= len(stored)
            record = suggestion.record(document)
            assert anchor(stored, record["quote"]) is not None
            records.append(record)
        result = ledger.import_items([Item(line, record=record) for line, record in enumerate(records, 1)])
        assert result.new + result.existing == len(records)
