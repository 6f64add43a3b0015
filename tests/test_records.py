"""Validation of one record: what CONTRACT section 1 accepts and refuses."""

import datetime as dt
import json
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import Refused
from ledger.journal import attribution_json, canonical_json
from ledger.records import FIELDS, claim_key, clean_record

from .helpers import SAMPLE


def refusal(**changes):
    with pytest.raises(Refused) as caught:
        clean_record({**SAMPLE, **changes})
    return dict(caught.value.problems)


def test_text_is_nfc_and_trimmed_before_any_check():
    record = clean_record({**SAMPLE, "stance": "asserts ", "outlet": "  Gestio\u0301n\t", "speaker": ""})
    assert record["stance"] == "asserts"
    assert record["outlet"] == "Gestión"
    assert "speaker" not in record


@pytest.mark.parametrize("date", ["2024-02-29", "2024-07-30T12:00:00Z", "2024-07-30T23:59:59-05:00"])
def test_valid_dates(date):
    assert clean_record({**SAMPLE, "date": date})["date"] == date


@pytest.mark.parametrize(
    "date, reason",
    [
        ("2024-02-30", "not a real calendar day"),
        ("2023-02-29", "not a real calendar day"),
        ("20240203", "is not YYYY-MM-DD"),
        ("2024-7-30", "is not YYYY-MM-DD"),
        ("30/07/2024", "is not YYYY-MM-DD"),
        ("2024-07-30T12:00:00", "is not YYYY-MM-DD"),
        ("2024-07-30T25:00:00Z", "not a real date and time"),
    ],
)
def test_bad_dates(date, reason):
    assert reason in refusal(date=date)["date"]


def test_future_dates_are_refused_but_tomorrow_is_not():
    tomorrow = dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=1)
    assert clean_record({**SAMPLE, "date": tomorrow.isoformat()})
    assert "future" in refusal(date=(tomorrow + dt.timedelta(days=1)).isoformat())["date"]


def test_stance_vocabulary_is_exact():
    assert "is not one of asserts, reports, questions, disputes" in refusal(stance="Asserts")["stance"]
    assert "stance" in refusal(stance="claims")


def test_required_fields():
    problems = refusal(claim="   ", outlet=None)
    assert problems["claim"] == "is required" and problems["outlet"] == "is required"


def test_unknown_field_is_refused():
    assert "unknown field" in refusal(author="x")["author"]


@pytest.mark.parametrize("url", ["ftp://example.org/a", "javascript:alert(1)", "example.org", "http://"])
def test_url_must_be_http(url):
    assert "http" in refusal(url=url)["url"]


def test_control_characters():
    assert "NUL" in refusal(claim="a\0b")["claim"]
    assert "U+0007" in refusal(outlet="B\aBC")["outlet"]
    assert "U+000A" in refusal(speaker="Yván\nGil")["speaker"]
    record = clean_record({**SAMPLE, "quote": "line one\nline\ttwo", "note": "a\r\nb"})
    assert record["quote"] == "line one\nline\ttwo"


def test_limits():
    assert clean_record({**SAMPLE, "claim": "x" * 10_000})
    assert "limit is 10,000" in refusal(claim="x" * 10_001)["claim"]
    assert "limit is 300" in refusal(outlet="x" * 301)["outlet"]
    assert "limit is 2,048" in refusal(url="https://e.org/" + "x" * 2_040)["url"]
    assert "limit is 100,000" in refusal(quote="x" * 100_001)["quote"]


def test_wrong_type():
    assert "must be text, not a number" in refusal(date=20240730)["date"]


def test_same_claim_key():
    base = claim_key("Peru was the first country.")
    assert claim_key("PERU  was the\tfirst country") == base
    assert claim_key(" peru was the first country. ") == base
    assert claim_key("Peru was the first country!") != base
    assert claim_key("Straße") == claim_key("STRASSE")
    assert claim_key("Gestio\u0301n") == claim_key("GESTIÓN")


@given(st.text(st.characters(max_codepoint=127)))
def test_claim_key_of_ascii_as_of_any_text(text):
    """ASCII takes a shorter way to its key: the key any text gets, written out here."""
    folded = unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).casefold())
    collapsed = " ".join(folded.split())
    assert claim_key(text) == (collapsed[:-1].rstrip() if collapsed.endswith(".") else collapsed)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
)


@given(st.dictionaries(st.text(), json_values))
def test_canonical_json_is_the_contracts_formula(entry):
    assert canonical_json(entry) == json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


texts_or_not = st.text() | json_values


@given(st.dictionaries(st.sampled_from([*FIELDS, "type", "recorded_at"]) | st.text(), texts_or_not))
def test_attribution_json_is_canonical_json(entry):
    # Its own writing for entries of text values, canonical_json for any other.
    assert attribution_json(entry) == json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
