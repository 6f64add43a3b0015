"""ClaimReview in and out (CONTRACT section 5): fact-checkers' published markup, refusals, JSON-LD export, round trip."""

import json
import sqlite3
from pathlib import Path

import pytest

from ledger.formats.claimreview import calendar_day
from ledger.formats.ratings import NEGATIONS, RATING_TEXTS, SENTENCE_WORDS, rating_stance, stance_of_text
from ledger.db import Ledger
from ledger import Refused
from ledger.records import loose_key

from .helpers import ROOT, run_ledger
from .test_cli import ledger

FIXTURES = Path(__file__).with_name("fixtures") / "claimreview"
ALL_FIXTURES = sorted(FIXTURES.iterdir())

REVIEW = {
    "@context": "https://schema.org",
    "@type": "ClaimReview",
    "datePublished": "2024-07-30",
    "url": "https://www.politifact.com/factchecks/2024/jul/30/example/",
    "author": {"@type": "Organization", "name": "PolitiFact"},
    "claimReviewed": "The moon is made of cheese.",
    "reviewRating": {"@type": "Rating", "alternateName": "False"},
    "itemReviewed": {
        "@type": "Claim",
        "author": {"@type": "Person", "name": "Jane Example"},
        "datePublished": "2024-07-28",
    },
}


def attributions(db):
    """Current attributions as (claimant, speaker, outlet, date, stance, url, quote), in id order."""
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT claimant, speaker, outlet, date, stance, url, quote FROM attributions"
            " WHERE status = 'current' ORDER BY id"
        ).fetchall()


def fact_checkers(db):
    with sqlite3.connect(db) as conn:
        return [
            name
            for (name,) in conn.execute(
                "SELECT n.name FROM fact_checkers AS f JOIN names AS n ON n.id = f.name_id ORDER BY f.seq"
            )
        ]


def journal_size(db):
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM journal").fetchone()[0]


def import_reviews(db, path):
    return ledger(db, "import", path, "--format", "claimreview")


def write_json(path, value):
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def exported(db, fmt):
    result = ledger(db, "export", "--format", fmt)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# Import ------------------------------------------------------------------------------


def test_graph_with_numeric_rating_id_reference_and_appearance_array(tmp_path):
    db = tmp_path / "l.db"
    result = import_reviews(db, FIXTURES / "politifact-graph.json")
    assert result.exit_code == 0, result.output
    assert "2 new (ids 1-2), 0 already recorded" in result.output
    assert attributions(db) == [
        (
            "Jane Example",
            "Jane Example",
            "Facebook",
            "2024-07-28",
            "asserts",
            "https://www.facebook.com/example/posts/123",
            None,
        ),
        (
            "PolitiFact",
            None,
            "PolitiFact",
            "2024-07-30",
            "disputes",
            "https://www.politifact.com/factchecks/2024/jul/30/example-senator/example-ballots-claim/",
            "Pants on Fire!",
        ),
    ]
    assert fact_checkers(db) == ["PolitiFact"]
    with Ledger(db) as opened:
        assert opened.verify()[0] == 3  # two attributions and the fact_checker entry


def test_single_spanish_review_without_claim_date_or_publisher(tmp_path):
    db = tmp_path / "l.db"
    assert import_reviews(db, FIXTURES / "afp-factual-es.json").exit_code == 0
    assert attributions(db) == [
        (
            "Publicaciones en redes sociales",
            None,
            "Publicaciones en redes sociales",
            "2022-01-28",
            "asserts",
            "https://www.facebook.com/example/posts/789",
            None,
        ),
        (
            "AFP Factual",
            None,
            "AFP Factual",
            "2022-01-28",
            "disputes",
            "https://factual.afp.com/doc.afp.com.example-vacuna",
            "Falso",
        ),
    ]


def test_array_in_french_german_and_portuguese(tmp_path):
    db = tmp_path / "l.db"
    result = import_reviews(db, FIXTURES / "europe-array.json")
    assert result.exit_code == 0, result.output
    assert attributions(db) == [
        (
            "Jean Exemple",
            "Jean Exemple",
            "BFMTV",
            "2017-02-27",
            "asserts",
            "https://www.bfmtv.com/politique/exemple.html",
            None,
        ),
        (
            "Les Décodeurs",
            None,
            "Les Décodeurs",
            "2017-03-01",
            "disputes",
            "https://www.lemonde.fr/les-decodeurs/article/2017/03/01/exemple_faux.html",
            "Faux",
        ),
        # the day as written, not converted to UTC (which would be 2022-12-06)
        ("Telegram-Kanal Beispiel", None, "Telegram-Kanal Beispiel", "2022-12-05", "asserts", None, None),
        (
            "CORRECTIV.Faktencheck",
            None,
            "CORRECTIV.Faktencheck",
            "2022-12-09",
            "disputes",
            "https://correctiv.org/faktencheck/2022/12/09/beispiel-windkraft/",
            "Falsch. Windräder erzeugen ein Vielfaches der Energie, die ihr Bau kostet.",
        ),
        # no claimant: the reviewer's attribution alone
        (
            "Agência Lupa",
            None,
            "Agência Lupa",
            "2024-07-30",
            "asserts",
            "https://piaui.folha.uol.com.br/lupa/2024/07/30/exemplo-verdadeiro/",
            "Verdadeiro",
        ),
    ]
    assert fact_checkers(db) == ["Les Décodeurs", "CORRECTIV.Faktencheck", "Agência Lupa"]


def test_fact_check_tools_api_response(tmp_path):
    db = tmp_path / "l.db"
    result = import_reviews(db, FIXTURES / "factcheck-tools-api.json")
    assert result.exit_code == 0, result.output
    assert "4 new (ids 1-2, 4, 6), 1 already recorded" in result.output  # the claimant of both reviews is recorded once
    assert attributions(db) == [
        ("Viral WhatsApp message", None, "Viral WhatsApp message", "2020-03-14", "asserts", None, None),
        (
            "Full Fact",
            None,
            "Full Fact",
            "2020-03-16",
            "disputes",
            "https://fullfact.org/health/example-hot-water/",
            "Incorrect",
        ),
        (
            "maldita.es",
            None,
            "maldita.es",
            "2020-03-17",
            "disputes",
            "https://maldita.es/malditobulo/ejemplo-agua-caliente/",
            "Engañoso",
        ),
        (
            "Example Check",
            None,
            "Example Check",
            "2021-03-05",
            "questions",
            "https://check.example.org/budget",
            "Half True",
        ),
    ]
    assert fact_checkers(db) == ["Full Fact", "maldita.es", "Example Check"]


def test_fact_check_tools_ratings_written_as_short_sentences(tmp_path):
    db = tmp_path / "l.db"
    result = import_reviews(db, FIXTURES / "factcheck-tools-sentences.json")
    assert result.exit_code == 0, result.output
    assert [(row[0], row[4], row[6]) for row in attributions(db) if row[6]] == [
        ("Full Fact", "disputes", "This is false. The video was filmed in 2019, in another country."),
        ("Newtral", "disputes", "Esto es engañoso"),
        ("AFP Factuel", "disputes", "Ce n'est pas vrai"),
        ("dpa-Faktencheck", "disputes", "Das stimmt nicht"),
        ("Pagella Politica", "disputes", "Non è vero"),
        ("Nieuwscheckers", "disputes", "Dat klopt niet"),
        ("Example Check", "asserts", "The claim is mostly true"),
        ("Aos Fatos", "asserts", "É verdade"),
        ("Teyit", "disputes", "Bu iddia yanlış"),
        ("Cek Fakta Tempo", "disputes", "Klaim ini salah"),
        ("StopFake", "disputes", "Это фейк"),
        ("Demagog", "disputes", "To nieprawda"),
    ]


def test_json_lines_of_reviews_and_bare_api_claims(tmp_path):
    db = tmp_path / "l.db"
    assert import_reviews(db, FIXTURES / "mixed.jsonl").exit_code == 0
    assert [row[0] + ":" + row[4] for row in attributions(db)] == [
        "Example Photographer:asserts",
        "Snopes:questions",
        "Science blog:asserts",
        "Open Checks:asserts",
    ]


def test_reimport_adds_nothing_and_records_each_fact_checker_once(tmp_path):
    db = tmp_path / "l.db"
    for path in ALL_FIXTURES:
        assert import_reviews(db, path).exit_code == 0
    size = journal_size(db)
    for path in ALL_FIXTURES:
        result = import_reviews(db, path)
        assert result.exit_code == 0 and " 0 new," in result.output
    assert journal_size(db) == size
    assert len(fact_checkers(db)) == len(set(fact_checkers(db))) == 20


def test_a_reviewer_already_a_fact_checker_is_not_recorded_again(tmp_path):
    db = tmp_path / "l.db"
    assert ledger(db, "fact-checker", "PolitiFact").exit_code == 0
    assert import_reviews(db, write_json(tmp_path / "r.json", REVIEW)).exit_code == 0
    assert fact_checkers(db) == ["PolitiFact"]
    assert journal_size(db) == 3


def test_a_claim_without_date_takes_the_reviews_and_a_review_without_date_the_claims(tmp_path):
    db = tmp_path / "l.db"
    claim_undated = {**REVIEW, "itemReviewed": {**REVIEW["itemReviewed"], "datePublished": None}}
    review_undated = {**REVIEW, "claimReviewed": "Another claim.", "datePublished": ""}
    assert import_reviews(db, write_json(tmp_path / "r.json", [claim_undated, review_undated])).exit_code == 0
    assert [(row[0], row[3]) for row in attributions(db)] == [
        ("Jane Example", "2024-07-30"),
        ("PolitiFact", "2024-07-30"),
        ("Jane Example", "2024-07-28"),
        ("PolitiFact", "2024-07-28"),
    ]


def test_format_from_jsonld_ending_and_standard_input(tmp_path):
    db = tmp_path / "l.db"
    path = write_json(tmp_path / "reviews.jsonld", REVIEW)
    assert "2 new" in ledger(db, "import", path).output
    assert (
        "0 new, 2 already recorded"
        in ledger(db, "import", "-", "--format", "claimreview", input=path.read_text(encoding="utf-8")).output
    )


# Refusals -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change, message",
    [
        ({"claimReviewed": None}, "claimReviewed: is required"),
        ({"claimReviewed": "   "}, "claimReviewed: is required"),
        (
            {"datePublished": None, "itemReviewed": {"@type": "Claim", "author": "Jane Example"}},
            "datePublished: neither the review nor its claim has a date",
        ),
        ({"reviewRating": {"@type": "Rating", "alternateName": "Satire"}}, "reviewRating: 'Satire' is not a rating"),
        (
            {"reviewRating": {"@type": "Rating", "ratingValue": 9}},
            "reviewRating: ratingValue 9 cannot be placed on worstRating..bestRating (1..5)",
        ),
        ({"reviewRating": {"@type": "Rating"}}, "reviewRating: has neither a ratingValue nor a rating text"),
        ({"datePublished": "30/07/2024"}, "datePublished: '30/07/2024' is not a date of the form YYYY-MM-DD"),
        ({"datePublished": "2024-02-30"}, "datePublished: '2024-02-30' is not a real calendar day"),
        ({"author": None}, "author: the review names no reviewer"),
        ({"url": "ftp://example.org/x"}, "url: 'ftp://example.org/x' is not an http or https address"),
    ],
)
def test_a_bad_review_is_refused_at_its_line_and_nothing_is_written(tmp_path, change, message):
    db = tmp_path / "l.db"
    assert (
        ledger(
            db, "add", "--claim", "Kept.", "--outlet", "BBC", "--date", "2024-07-30", "--stance", "asserts"
        ).exit_code
        == 0
    )
    bad = {key: value for key, value in {**REVIEW, **change}.items() if value is not None}
    path = write_json(tmp_path / "r.json", [REVIEW | {"claimReviewed": "Good."}, bad])
    result = import_reviews(db, path)
    assert result.exit_code == 1
    bad_line = [
        number for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if line == "  {"
    ][1]
    assert f"r.json:{bad_line}: {message}" in result.output
    assert journal_size(db) == 1 and fact_checkers(db) == []


def test_json_lines_are_refused_by_line_and_every_bad_review_is_named(tmp_path):
    db = tmp_path / "l.db"
    lines = [REVIEW, {**REVIEW, "claimReviewed": None}, {"@type": "WebPage"}, {**REVIEW, "author": None}]
    path = tmp_path / "r.jsonl"
    path.write_text(
        "\n".join(json.dumps({k: v for k, v in line.items() if v is not None}) for line in lines) + "\n",
        encoding="utf-8",
    )
    result = import_reviews(db, path)
    assert result.exit_code == 1
    assert "r.jsonl:2: claimReviewed: is required" in result.output
    assert "r.jsonl:3: record: holds no ClaimReview and no Fact Check Tools claim" in result.output
    assert "r.jsonl:4: author: the review names no reviewer" in result.output
    assert journal_size(db) == 0


@pytest.mark.parametrize(
    "text, line, message",
    [
        ('{"@type": "ClaimReview",\n "claimReviewed": "x",\n "url": }', 3, "json: Expecting value"),
        (
            '[\n {"@type": "ClaimReview",\n  "author": "A",\n  "author": "B"}\n]',
            2,
            "json: the key 'author' appears twice in one object",
        ),
        ('{"@type": "ClaimReview"}\n{"reviewRating": NaN}\n', 2, "json: NaN is not valid JSON"),
        ("\n" + "[" * 5000 + "]" * 5000, 2, "json: nested too deeply"),
    ],
)
def test_json_errors_name_their_line(tmp_path, text, line, message):
    path = tmp_path / "r.json"
    path.write_text(text, encoding="utf-8")
    result = import_reviews(tmp_path / "l.db", path)
    assert result.exit_code == 1
    assert f"r.json:{line}: {message}" in result.output


def test_every_problem_of_a_review_is_named(tmp_path):
    bare = {"@type": "ClaimReview", "reviewRating": {"alternateName": "Satire"}}
    path = write_json(tmp_path / "r.json", bare)
    result = import_reviews(tmp_path / "l.db", path)
    assert result.exit_code == 1
    assert [line.split(": ", 2)[1] for line in result.output.splitlines() if line.startswith(str(path))] == [
        "claimReviewed",
        "datePublished",
        "author",
        "reviewRating",
    ]


def test_invalid_utf8_names_its_line(tmp_path):
    path = tmp_path / "r.json"
    path.write_bytes(b'[\n {"claimReviewed": "caf\xe9"}\n]')
    assert "r.json:2: text: invalid UTF-8" in import_reviews(tmp_path / "l.db", path).output


def test_the_review_line_in_a_fact_check_tools_response(tmp_path):
    response = {
        "claims": [
            {
                "text": "x",
                "claimReview": [{"publisher": {"name": "P"}, "textualRating": "Nonsense", "reviewDate": "2024-01-01"}],
            }
        ]
    }
    path = write_json(tmp_path / "r.json", response)
    result = import_reviews(tmp_path / "l.db", path)
    review_line = path.read_text(encoding="utf-8").splitlines().index("        {") + 1
    assert f"r.json:{review_line}: reviewRating: 'Nonsense' is not a rating" in result.output


# Ratings and dates ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "rating, stance, quote",
    [
        ({"ratingValue": 1}, "disputes", None),
        ({"ratingValue": "2.33", "worstRating": 1, "bestRating": 5}, "disputes", None),
        ({"ratingValue": 2, "worstRating": 1, "bestRating": 4}, "disputes", None),  # exactly 1/3
        ({"ratingValue": 3, "worstRating": 1, "bestRating": 4}, "asserts", None),  # exactly 2/3
        ({"ratingValue": "3"}, "questions", None),
        ({"ratingValue": 4, "worstRating": 0, "bestRating": 10}, "questions", None),
        ({"ratingValue": 5, "worstRating": 5, "bestRating": 1}, "disputes", None),  # a scale written best-first
        ({"ratingValue": 5, "alternateName": "False"}, "asserts", "False"),  # the number decides
        (
            {"ratingValue": 1, "bestRating": 1, "worstRating": 1, "alternateName": "True"},
            "asserts",
            "True",
        ),  # degenerate
        ({"ratingValue": -1, "alternateName": "Misleading"}, "disputes", "Misleading"),  # off the scale: the text
        ({"ratingValue": "False"}, "disputes", "False"),  # a verdict written as the value
        ({"name": "Mostly True"}, "asserts", "Mostly True"),
        ({"alternateName": "disputes"}, "disputes", None),  # the ledger's own stance word is no quote
    ],
)
def test_rating_stance(rating, stance, quote):
    assert rating_stance(rating) == (stance, quote)


def test_fact_check_tools_textual_rating():
    assert rating_stance({}, "Pants on Fire") == ("disputes", "Pants on Fire")


@pytest.mark.parametrize(
    "text, stance",
    [
        ("PANTS ON FIRE!", "disputes"),
        ("Half-True", "questions"),
        ("half true", "questions"),
        ("Mostly false", "disputes"),
        ("Partly false", "questions"),
        ("Needs context", "questions"),
        ("Falso", "disputes"),
        ("Engañoso", "disputes"),
        ("enganoso", "disputes"),
        ("Faux", "disputes"),
        ("Plutôt faux", "disputes"),
        ("Falsch", "disputes"),
        ("Größtenteils falsch", "disputes"),
        ("Verdadeiro", "asserts"),
        ("vrai", "asserts"),
        ("Richtig", "asserts"),
        ("Фейк", "disputes"),
        ("False. The video is from 2019.", "disputes"),
        ("Falso: el video es de 2019", "disputes"),
        ("Satire", None),
        ("True, but misleading", None),
    ],
)
def test_stance_of_text(text, stance):
    assert stance_of_text(text) == stance


@pytest.mark.parametrize(
    "text, stance",
    [
        # a verdict of the table inside a short sentence, in each language the table covers
        ("This is false", "disputes"),
        ("The claim is mostly true", "asserts"),
        ("We rate this claim False.", "disputes"),
        ("It's fake", "disputes"),
        ("That's misleading", "disputes"),
        ("This claim is false and misleading", "disputes"),
        ("Es falso", "disputes"),
        ("Esto es engañoso", "disputes"),
        ("La afirmación es falsa", "disputes"),
        ("Es verdad", "asserts"),
        ("Isso é falso", "disputes"),
        ("Això és fals", "disputes"),
        ("C'est faux", "disputes"),
        ("Cette affirmation est trompeuse", "disputes"),
        ("C'est exact", "asserts"),
        ("Das ist falsch", "disputes"),
        ("Die Behauptung ist irreführend", "disputes"),
        ("Das ist richtig", "asserts"),
        ("Questa notizia è falsa", "disputes"),
        ("È vero", "asserts"),
        ("Dit is onwaar", "disputes"),
        ("To fałsz", "disputes"),
        ("Bu iddia yanlış", "disputes"),
        ("Klaim ini salah", "disputes"),
        ("Это фейк", "disputes"),
        ("Це неправда", "disputes"),
        ("This needs context", "questions"),
        ("Esto es parcialmente falso", "questions"),
        # a sentence read up to its first phrase with a verdict
        ("Rating: False. The photo is from 2019.", "disputes"),
        ("Verdict: mostly true (see below)", "asserts"),
        # a denied `asserts` verdict disputes, in the order of each language
        ("This is not true", "disputes"),
        ("This isn't correct", "disputes"),
        ("Not accurate", "disputes"),
        ("No es cierto", "disputes"),
        ("No es verdad", "disputes"),
        ("Não é verdade", "disputes"),
        ("Ce n'est pas vrai", "disputes"),
        ("C'est pas vrai", "disputes"),
        ("Das stimmt nicht", "disputes"),
        ("Das ist nicht richtig", "disputes"),
        ("Non è vero", "disputes"),
        ("Dat klopt niet", "disputes"),
        ("To nie jest prawda", "disputes"),
        ("Doğru değil", "disputes"),
        ("Ini tidak benar", "disputes"),
        ("Это не правда", "disputes"),
        # refused, not guessed: verdicts that disagree, a word that might turn the verdict, a denied
        # `disputes` or `questions` verdict, two denials, an answer, a question, no verdict, too long
        ("Not false but misleading", None),
        ("True and false", None),
        ("Mostly true, partly false", None),
        ("Not false", None),
        ("C'est pas faux", None),
        ("Not unproven", None),
        ("not not true", None),
        ("Not entirely true", None),
        ("Somewhat true", None),
        ("No, this is true", None),
        ("No. Es falso", None),
        ("true or false?", None),
        ("Is this true?", None),
        ("¿Es falso", None),
        ("This is", None),
        ("No evidence", None),
        ("The exact figure is unknown", None),
        ("This is false " + "and misleading " * 5, None),
    ],
)
def test_stance_of_a_rating_written_as_a_short_sentence(text, stance):
    assert stance_of_text(text) == stance


def test_the_sentence_words_are_neither_verdicts_nor_denials():
    fillers = {loose_key(text) for text in SENTENCE_WORDS}
    denials = {loose_key(text) for text in NEGATIONS}
    verdicts = {loose_key(text) for texts in RATING_TEXTS.values() for text in texts}
    assert not fillers & denials and not fillers & verdicts and not denials & verdicts


def test_no_rating_text_is_listed_under_two_stances():
    for stance, texts in RATING_TEXTS.items():
        for text in texts:
            assert stance_of_text(text) == stance, text


@pytest.mark.parametrize(
    "written, day",
    [
        ("2024-07-30", "2024-07-30"),
        ("2022-01-28 18:35", "2022-01-28"),
        ("2017-03-01 20:30:17 UTC", "2017-03-01"),
        ("2022-12-09T09:29:19.82+01:00", "2022-12-09"),
        ("2020-03-14T00:00:00Z", "2020-03-14"),
        ("2022-12-05T23:30:00-0500", "2022-12-05"),
        (" 2024-07-30T10:00 ", "2024-07-30"),
    ],
)
def test_calendar_day_as_written(written, day):
    assert calendar_day(written) == day


@pytest.mark.parametrize("written", ["July 30, 2024", "2024-07-30T", "2024-07-30 later", "2024-13-01", "9999-01-01"])
def test_calendar_day_refuses(written):
    with pytest.raises(Refused):
        calendar_day(written)


# Export --------------------------------------------------------------------------------


def _imported_ledger(tmp_path):
    db = tmp_path / "l.db"
    for path in ALL_FIXTURES:
        assert import_reviews(db, path).exit_code == 0
    return db


def test_claimreview_export_has_the_fields_google_requires(tmp_path):
    db = _imported_ledger(tmp_path)
    reviews = exported(db, "claimreview")
    assert len(reviews) == 22
    for review in reviews:
        assert review["@context"] == "https://schema.org" and review["@type"] == "ClaimReview"
        assert review["claimReviewed"] and review["url"].startswith("https://")
        assert len(review["datePublished"]) == 10
        assert review["author"]["@type"] == "Organization" and review["author"]["name"]
        rating = review["reviewRating"]
        assert rating["@type"] == "Rating" and rating["alternateName"]
        assert rating["worstRating"] <= rating["ratingValue"] <= rating["bestRating"]
        assert review["itemReviewed"]["@type"] == "Claim"
    by_reviewer = {review["author"]["name"]: review for review in reviews}
    assert by_reviewer["PolitiFact"]["itemReviewed"] == {
        "@type": "Claim",
        "author": {"@type": "Person", "name": "Jane Example"},
        "datePublished": "2024-07-28",
        "appearance": {
            "@type": "CreativeWork",
            "url": "https://www.facebook.com/example/posts/123",
            "datePublished": "2024-07-28",
            "publisher": {"@type": "Organization", "name": "Facebook"},
        },
    }
    assert by_reviewer["PolitiFact"]["reviewRating"]["alternateName"] == "Pants on Fire!"
    assert by_reviewer["Agência Lupa"]["itemReviewed"] == {"@type": "Claim"}  # it named no claimant
    both = [
        review["itemReviewed"]["author"]["name"]
        for review in reviews
        if review["claimReviewed"] == "Drinking hot water cures the flu."
    ]
    assert both == ["Viral WhatsApp message", "Viral WhatsApp message"]


def test_round_trip_into_a_new_ledger_and_back_into_the_same(tmp_path):
    db = _imported_ledger(tmp_path)
    out = tmp_path / "out.json"
    out.write_text(ledger(db, "export", "--format", "claimreview").output, encoding="utf-8")
    copy = tmp_path / "copy.db"
    assert import_reviews(copy, out).exit_code == 0
    with Ledger(db) as original, Ledger(copy) as rebuilt:
        assert sorted(map(json.dumps, (r for _, r in original.records()))) == sorted(
            map(json.dumps, (r for _, r in rebuilt.records()))
        )
    assert sorted(fact_checkers(copy)) == sorted(fact_checkers(db))
    again = import_reviews(db, out)
    assert again.exit_code == 0 and " 0 new," in again.output


def test_round_trip_keeps_each_claimant_of_a_claim_reviewed_twice(tmp_path):
    db = tmp_path / "l.db"
    snopes = {
        **REVIEW,
        "author": {"@type": "Organization", "name": "Snopes"},
        "url": "https://www.snopes.com/x/",
        "itemReviewed": {
            "@type": "Claim",
            "author": {"@type": "Organization", "name": "Cheese Facts"},
            "datePublished": "2024-07-29",
        },
    }
    assert import_reviews(db, write_json(tmp_path / "in.json", [REVIEW, snopes])).exit_code == 0
    out = tmp_path / "out.json"
    out.write_text(ledger(db, "export", "--format", "claimreview").output, encoding="utf-8")
    assert [
        (review["author"]["name"], review["itemReviewed"]["author"]["name"])
        for review in json.loads(out.read_text(encoding="utf-8"))
    ] == [("PolitiFact", "Jane Example"), ("Snopes", "Cheese Facts")]
    copy = tmp_path / "copy.db"
    assert import_reviews(copy, out).exit_code == 0
    assert attributions(copy) == attributions(db)


def test_export_finds_fact_checkers_through_aliases_and_writes_names_as_written(tmp_path):
    db = tmp_path / "l.db"
    base = ["--claim", "The moon is made of cheese.", "--date", "2024-07-30"]
    assert ledger(db, "fact-checker", "PolitiFact").exit_code == 0
    assert ledger(db, "add", *base, "--outlet", "Politifact.com", "--stance", "disputes").exit_code == 0
    assert ledger(db, "add", *base, "--outlet", "PolitiFact", "--stance", "reports").exit_code == 0
    assert (
        ledger(
            db, "add", *base, "--outlet", "PolitiFact", "--speaker", "A. Scientist", "--stance", "questions"
        ).exit_code
        == 0
    )
    assert exported(db, "claimreview") == []  # "Politifact.com" is not known as a fact-checker yet
    assert ledger(db, "alias", "Politifact.com", "--of", "PolitiFact").exit_code == 0
    (review,) = exported(db, "claimreview")  # neither the report nor the quoted speaker is a verdict
    assert review["author"]["name"] == "Politifact.com"
    assert review["reviewRating"] == {
        "@type": "Rating",
        "ratingValue": 1,
        "bestRating": 5,
        "worstRating": 1,
        "alternateName": "disputes",
    }
    assert review["itemReviewed"] == {"@type": "Claim"}  # nobody asserts it
    assert "url" not in review


def test_claim_jsonld_export(tmp_path):
    db = tmp_path / "l.db"
    base = ["--claim", "The moon is made of cheese.", "--date"]
    assert ledger(db, "add", *base, "2024-07-01", "--outlet", "Fact Desk", "--stance", "disputes").exit_code == 0
    assert (
        ledger(
            db,
            "add",
            *base,
            "2024-07-02",
            "--outlet",
            "Daily Example",
            "--speaker",
            "Jane Example",
            "--stance",
            "asserts",
            "--url",
            "https://daily.example.org/moon",
        ).exit_code
        == 0
    )
    assert ledger(db, "add", *base, "2024-07-03", "--outlet", "Retracted Post", "--stance", "asserts").exit_code == 0
    assert ledger(db, "retract", "3", "--reason", "misread").exit_code == 0
    assert exported(db, "claim-jsonld") == [
        {
            "@context": "https://schema.org",
            "@type": "Claim",
            "text": "The moon is made of cheese.",
            "author": {"@type": "Person", "name": "Jane Example"},  # the first to carry it, not the first to dispute it
            "datePublished": "2024-07-01",
            "appearance": [
                {
                    "@type": "CreativeWork",
                    "datePublished": "2024-07-01",
                    "publisher": {"@type": "Organization", "name": "Fact Desk"},
                },
                {
                    "@type": "CreativeWork",
                    "url": "https://daily.example.org/moon",
                    "datePublished": "2024-07-02",
                    "publisher": {"@type": "Organization", "name": "Daily Example"},
                },
            ],
            "firstAppearance": {
                "@type": "CreativeWork",
                "datePublished": "2024-07-01",
                "publisher": {"@type": "Organization", "name": "Fact Desk"},
            },
        }
    ]


def test_json_ld_exports_of_an_empty_ledger_and_all_is_a_usage_error(tmp_path):
    db = tmp_path / "l.db"
    assert ledger(db, "init").exit_code == 0
    assert exported(db, "claim-jsonld") == [] and exported(db, "claimreview") == []
    assert ledger(db, "export", "--format", "claimreview", "--all").exit_code == 2


def test_real_process_imports_exports_and_verifies(tmp_path):
    db = tmp_path / "l.db"
    imported = run_ledger(db, "import", FIXTURES / "europe-array.json", "--format", "claimreview")
    assert imported.returncode == 0 and "5 new (ids 1-2, 4-5, 7), 0 already recorded" in imported.stdout
    refused = run_ledger(
        db,
        "import",
        "-",
        "--format",
        "claimreview",
        input=json.dumps({**REVIEW, "reviewRating": {"alternateName": "Satire"}}),
    )
    assert refused.returncode == 1 and "-:1: reviewRating: 'Satire' is not a rating" in refused.stderr
    out = run_ledger(db, "export", "--format", "claimreview")
    assert out.returncode == 0
    assert [review["author"]["name"] for review in json.loads(out.stdout)] == [
        "Les Décodeurs",
        "CORRECTIV.Faktencheck",
        "Agência Lupa",
    ]
    assert run_ledger(db, "verify").returncode == 0


def test_the_rating_table_in_the_docs_is_the_one_in_the_code():
    documented, stance = {}, None
    for row in (ROOT / "docs" / "claimreview.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in row.split("|")[1:-1]]
        if cells[:1] == [""] and stance:  # a continuation row: "| | Language: texts |"
            pass
        elif cells and cells[0].strip("`") in RATING_TEXTS:
            stance = cells[0].strip("`")
        else:
            stance = None
            continue
        documented.setdefault(stance, []).extend(cells[1].split(": ", 1)[1].split(", "))
    assert {key: sorted(texts) for key, texts in documented.items()} == {
        key: sorted(texts) for key, texts in RATING_TEXTS.items()
    }


def test_an_empty_json_ld_export_says_why_on_standard_error(tmp_path):
    db = tmp_path / "l.db"
    assert ledger(db, "init").exit_code == 0
    for fmt in ("claim-jsonld", "claimreview"):
        result = ledger(db, "export", "--format", fmt)
        assert (result.exit_code, result.stdout) == (0, "[\n]\n")
        assert result.stderr == "nothing written: the ledger has no current attributions\n"
    assert (
        ledger(
            db,
            "add",
            "--claim",
            "The moon is made of cheese.",
            "--outlet",
            "Fact Desk",
            "--date",
            "2024-07-30",
            "--stance",
            "disputes",
        ).exit_code
        == 0
    )
    assert ledger(db, "export", "--format", "claim-jsonld").stderr == ""
    result = ledger(db, "export", "--format", "claimreview")
    assert json.loads(result.stdout) == []
    assert result.stderr == (
        "nothing written: no fact-checkers recorded: `ledger fact-checker NAME` marks an outlet "
        "as one (a ClaimReview import records its reviewers)\n"
    )
    assert ledger(db, "fact-checker", "Other Desk").exit_code == 0
    assert "no current verdict of a fact-checker" in ledger(db, "export", "--format", "claimreview").stderr
    assert ledger(db, "fact-checker", "Fact Desk").exit_code == 0
    result = ledger(db, "export", "--format", "claimreview")
    assert len(json.loads(result.stdout)) == 1 and result.stderr == ""


def test_the_sentence_words_in_the_docs_are_the_ones_in_the_code():
    text = (ROOT / "docs" / "claimreview.md").read_text(encoding="utf-8")
    table = text.split("| language | sentence words | denials |\n|---|---|---|\n", 1)[1].split("\n\n", 1)[0]
    words, denials = [], []
    for row in table.splitlines():
        _, _, sentence_words, negations, _ = row.split("|")
        words += sentence_words.strip().split(", ")
        denials += negations.strip().split(", ")
    assert sorted(words) == sorted(SENTENCE_WORDS) and sorted(denials) == sorted(NEGATIONS)


def test_a_sentence_whose_verdict_is_not_sure_is_refused_naming_it(tmp_path):
    response = {
        "claims": [
            {
                "text": "The moon is made of cheese.",
                "claimant": "Jane Example",
                "claimReview": [
                    {
                        "publisher": {"name": "Full Fact", "site": "fullfact.org"},
                        "url": "https://fullfact.org/online/example-moon/",
                        "reviewDate": "2024-07-30T10:00:00Z",
                        "languageCode": "en",
                        "textualRating": "Not false, but misleading",
                    }
                ],
            }
        ]
    }
    db = tmp_path / "l.db"
    result = import_reviews(db, write_json(tmp_path / "r.json", response))
    assert result.exit_code == 1
    assert "reviewRating: 'Not false, but misleading' is not a rating the ledger can map to a stance" in result.output
    assert journal_size(db) == 0
