"""The reader (CONTRACT section 8) on short made-up sentences, one for each pattern it is
meant to read: direct quotes with typographic and straight marks, a quote split by its cue,
indirect speech with and without "that", "according to", "told", an outlet as the source,
a pronoun and a short form resolved to the name before them, stances from cues with and
without negation, a nested quote, and a quote that runs into the next paragraph."""

import pytest

from ledger import Ledger
from ledger.suggest.proposals import suggestions
from ledger.suggest.words import LONGEST_PASSAGE, passages

OUTLET = "Example Times"


def suggested(tmp_path, text, **metadata):
    """The spans and records suggested for `text`, added as a document of a new ledger,
    with each span given as the text it covers."""
    with Ledger(tmp_path / "ledger.db", create=True) as ledger:
        ((added, _),) = ledger.add_documents(
            [(text, {"outlet": OUTLET, "date": "2024-05-01", "language": "en", **metadata})]
        )
        document, proposed = suggestions(ledger, str(added))
        read = []
        for suggestion in proposed:
            spans = suggestion.spans()
            for role in ("content", "cue", "source", "resolved"):
                if spans[role] is not None:
                    spans[role] = text[spans[role][0] : spans[role][1]]
            spans["parts"] = [text[start:end] for start, end in spans.pop("content_parts")]
            read.append((spans, suggestion.record(document)))
        return read


def only(read):
    assert len(read) == 1, read
    return read[0]


@pytest.mark.parametrize(
    "text, content, source, speaker",
    [
        (
            "“We will win this election,” the senator said on Tuesday.",
            "“We will win this election,”",
            "the senator",
            "senator",
        ),
        ('"We will win this election," Smith said on Tuesday.', '"We will win this election,"', "Smith", "Smith"),
        (
            "Mayor Ana Lopez said that the budget had been balanced for the first time in a decade.",
            "that the budget had been balanced for the first time in a decade",
            "Mayor Ana Lopez",
            "Mayor Ana Lopez",
        ),
        (
            "Mayor Ana Lopez said the budget had been balanced for the first time in a decade.",
            "the budget had been balanced for the first time in a decade",
            "Mayor Ana Lopez",
            "Mayor Ana Lopez",
        ),
        (
            "According to Ana Lopez, the budget had been balanced for the first time in a decade.",
            "the budget had been balanced for the first time in a decade",
            "Ana Lopez",
            "Ana Lopez",
        ),
        (
            "Ana Lopez told reporters that the budget had been balanced for the first time in a decade.",
            "that the budget had been balanced for the first time in a decade",
            "Ana Lopez",
            "Ana Lopez",
        ),
    ],
    ids=["typographic quote", "straight quote", "said that", "said without that", "according to", "told"],
)
def test_direct_and_indirect_speech(tmp_path, text, content, source, speaker):
    spans, record = only(suggested(tmp_path, text))
    assert (spans["content"], spans["source"], spans["speaker"]) == (content, source, speaker)
    assert (record["speaker"], record["outlet"], record["stance"]) == (speaker, OUTLET, "asserts")
    assert "via" not in record


def test_a_quote_split_by_its_cue_is_one_attribution_of_two_parts(tmp_path):
    spans, record = only(suggested(tmp_path, '"We will win this election," Smith said, "and we will govern well."'))
    assert spans["parts"] == ['"We will win this election,"', '"and we will govern well."']
    assert (spans["cue"], spans["speaker"]) == ("said", "Smith")
    assert record["claim"] == "We will win this election, and we will govern well."


def test_an_outlet_as_the_source_is_the_outlet_read_via_the_document(tmp_path):
    spans, record = only(suggested(tmp_path, "The BBC reported that the talks had collapsed after midnight."))
    assert (record["outlet"], record["via"], record["stance"]) == ("BBC", OUTLET, "reports")
    assert record["speaker"] is None and spans["speaker"] is None


def test_what_is_said_after_according_to_an_outlet_was_read_in_that_outlet(tmp_path):
    read = suggested(tmp_path, "According to the Daily Planet, Mayor Ana Lopez said that the budget was balanced.")
    spans, record = read[-1]
    assert (record["speaker"], record["outlet"], record["via"]) == ("Mayor Ana Lopez", "Daily Planet", OUTLET)
    assert spans["content"] == "that the budget was balanced"


@pytest.mark.parametrize(
    "second, source",
    [("She said", "She"), ("Lopez said", "Lopez")],
    ids=["pronoun", "short form"],
)
def test_a_pronoun_or_a_short_form_is_resolved_to_the_name_before_it(tmp_path, second, source):
    text = f"Mayor Ana Lopez opened the meeting on Monday. {second} that the budget had been balanced for years."
    spans, record = suggested(tmp_path, text)[-1]
    assert (spans["source"], spans["resolved"], record["speaker"]) == (source, "Mayor Ana Lopez", "Mayor Ana Lopez")


@pytest.mark.parametrize(
    "cue, stance",
    [("denied", "disputes"), ("rejected claims", "disputes"), ("questioned whether", "questions"), ("said", "asserts")],
)
def test_the_stance_comes_from_the_cue(tmp_path, cue, stance):
    _, record = only(suggested(tmp_path, f"The minister {cue} that the budget had been cut."))
    assert record["stance"] == stance


def test_a_negated_cue_is_not_its_verb_and_is_flagged_for_review(tmp_path):
    _, record = only(suggested(tmp_path, "The minister did not deny that the budget had been cut."))
    assert record["stance"] != "disputes"
    assert "negated" in record["note"]


def test_a_nested_quote_stays_inside_the_quote_that_holds_it(tmp_path):
    spans, record = only(
        suggested(tmp_path, "“He told me, ‘We will never surrender,’ and I believed him,” Smith said.")
    )
    assert spans["content"] == "“He told me, ‘We will never surrender,’ and I believed him,”"
    assert record["speaker"] == "Smith"


def test_a_quote_that_runs_into_the_next_paragraph_takes_both(tmp_path):
    text = "Smith said: “The plan failed because nobody funded it.\n\n“We will try again next year, with money.”"
    spans, record = only(suggested(tmp_path, text))
    first, second = spans["parts"]
    assert first.startswith("“The plan failed because nobody funded it")
    assert second == "“We will try again next year, with money.”"
    assert record["speaker"] == "Smith"


def test_a_text_with_no_attribution_gives_nothing(tmp_path):
    assert suggested(tmp_path, "The weather was fine and the market opened at nine.") == []


def test_a_name_the_ledger_knows_is_taken_whole_as_the_source(tmp_path):
    with Ledger(tmp_path / "ledger.db", create=True) as ledger:
        ledger.alias("Peru's Business Daily", "Gestión")
    text = "According to Peru's Business Daily, the president expressed doubt about the decision."
    read = suggested(tmp_path, text)
    assert any(record.get("outlet") == "Peru's Business Daily" for _, record in read), read


def test_a_text_of_one_endless_line_is_read_a_bounded_passage_at_a_time():
    text = "the minister said nothing " * 400_000  # 10,400,000 characters, no line break, no full stop
    longest = max(len(tokens) for tokens in passages(text))
    assert longest <= 2 * LONGEST_PASSAGE
