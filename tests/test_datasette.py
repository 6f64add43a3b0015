"""What Datasette publishes (CONTRACT section 4), through Datasette's own test client.

Most tests read a small sample ledger whose every count is worked out below; a few
read the seed ledger built from seeds/.
"""

import re
import shutil
import sqlite3
import unicodedata
from urllib.parse import urlencode

import pytest
from datasette.app import Datasette
from datasette.plugins import pm

import ledger.datasette_plugin
from ledger.db import Ledger

from .test_tamper import tamper

PERU_FIRST = "Peru was the first country to recognize Edmundo González as president-elect of Venezuela."
MADURO_WON = "Nicolás Maduro won the 2024 Venezuelan presidential election."
SEVERED = "Venezuela severed diplomatic relations with Peru."


def build_sample(path):
    """Ten journal entries; attributions 1-6, 9 and 10, of which 5 is superseded (by 9) and 6 retracted.

    Claim 1 (PERU_FIRST) is contested: 1 asserts, 2 disputes, 3 questions.
    Claim 2 (MADURO_WON) is not: its only dispute, 6, is retracted; 9 corrects 5's date.
    Claim 3 (SEVERED): 10 asserts. "Hill" (speaker of 2) is an alias of "Yván Gil" (speaker of 10).
    """
    with Ledger(path, create=True) as ledger:
        appended = [
            ledger.add(
                {
                    "claim": PERU_FIRST,
                    "outlet": "BBC",
                    "date": "2024-07-30",
                    "stance": "asserts",
                    "url": "https://www.bbc.com/news/example",
                    "quote": "Peru was the first to recognise González.",
                }
            )[0],
            ledger.add(
                {
                    "claim": PERU_FIRST,
                    "outlet": "Global Times",
                    "speaker": "Hill",
                    "date": "2024-07-31",
                    "stance": "disputes",
                    "quote": "Peru's decision openly violates international law.",
                }
            )[0],
            ledger.add(
                {
                    "claim": PERU_FIRST,
                    "outlet": "Peru's Business Daily",
                    "speaker": "Boruarte",
                    "via": "Global Times",
                    "date": "2024-07-30",
                    "stance": "questions",
                }
            )[0],
            ledger.add({"claim": MADURO_WON, "outlet": "Global Times", "date": "2024-08-01", "stance": "asserts"})[0],
            ledger.add(
                {
                    "claim": MADURO_WON,
                    "outlet": "El Peruano",
                    "via": "Global Times",
                    "date": "2024-07-29",
                    "stance": "reports",
                }
            )[0],
            ledger.add({"claim": MADURO_WON, "outlet": "BBC", "date": "2024-08-02", "stance": "disputes"})[0],
            ledger.retract(6, "misread"),
            ledger.alias("Hill", of="Yván Gil"),
            ledger.correct(5, "wrong date", {"date": "2024-07-28"}),
            ledger.add(
                {
                    "claim": SEVERED,
                    "outlet": "Telesur",
                    "speaker": "Yván Gil",
                    "date": "2024-07-30",
                    "stance": "asserts",
                }
            )[0],
        ]
        assert appended == list(range(1, 11))
        return ledger.digest()


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    path = tmp_path_factory.mktemp("sample") / "ledger.db"
    build_sample(path)
    return path


@pytest.fixture
def sample_copy(sample, tmp_path):
    """A sample ledger of this test's own, to change."""
    path = tmp_path / "ledger.db"
    shutil.copy(sample, path)
    return path


async def get(ds, path, status=200):
    response = await ds.client.get(path)
    assert response.status_code == status, response.text[:500]
    return response


async def get_json(ds, path, status=200):
    return (await get(ds, path, status)).json()


def facet_counts(data, column):
    return {result["value"]: result["count"] for result in data["facet_results"][column]["results"]}


def test_the_plugin_is_loaded_through_its_entry_point():
    assert pm.get_plugin("ledger") is ledger.datasette_plugin


# Home and database pages: the head digest and the chain check ------------------


@pytest.mark.asyncio
async def test_home_and_database_pages_show_the_head_and_that_the_chain_verifies(sample):
    with Ledger(sample) as ledger:
        digest = ledger.digest()
    assert digest.startswith("10:")
    ds = Datasette([str(sample)])
    for page in ("/", "/ledger"):
        html = (await get(ds, page)).text
        head = f"newest entry <code>{digest[:15]}…</code>."
        assert f"{head} The hash chain verifies: all 10 entries checked" in html
        assert f"ledger verify --digest {digest}</code>" in html  # whole, where it may break on a phone
        assert "Apache-2.0" in html and 'href="/ledger/journal"' in html
    assert "<h1>Source-attribution ledger</h1>" in (await get(ds, "/")).text


@pytest.mark.asyncio
async def test_a_broken_chain_is_reported_on_the_home_page(sample_copy):
    tamper(sample_copy, "UPDATE journal SET payload = replace(payload, 'BBC', 'CNN') WHERE seq = 1")
    html = (await get(Datasette([str(sample_copy)]), "/")).text
    assert "<strong>The hash chain does not verify</strong>: seq 1: hash does not match its payload" in html
    assert "The hash chain verifies" not in html


@pytest.mark.asyncio
async def test_the_head_shown_follows_entries_appended_while_served(sample_copy):
    ds = Datasette([str(sample_copy)])
    with Ledger(sample_copy) as ledger:
        checked = ledger.digest()
        await get(ds, "/")
        ledger.add({"claim": SEVERED, "outlet": "BBC", "date": "2024-07-31", "stance": "reports"})
        head = ledger.digest()
    html = (await get(ds, "/ledger")).text
    assert f"newest entry <code>{head[:15]}…</code>. The hash chain verified up to entry 10 when" in html
    assert f"ledger verify --digest {checked}</code> checks them" in html


@pytest.mark.asyncio
async def test_an_immutable_ledger_is_served_and_checked_too(sample):
    ds = Datasette(immutables=[str(sample)])
    assert "The hash chain verifies: all 10 entries checked" in (await get(ds, "/ledger")).text
    data = await get_json(ds, "/ledger/attributions.json")
    assert facet_counts(data, "status") == {"current": 6, "retracted": 1, "superseded": 1}


@pytest.mark.asyncio
async def test_the_home_page_tells_what_the_ledger_holds_and_links_to_it(sample):
    html = re.sub(r"\s+", " ", (await get(Datasette([str(sample)]), "/")).text)
    counts = re.search(r'<ul class="ledger-counts">(.*?)</ul>', html)[1]
    for count, what, path in [
        (8, "attributions", "attributions"),
        (3, "claims", "claims"),
        (1, "contested", "contested"),
        (5, "outlets", "outlet_stances"),
    ]:
        assert f'<a href="/ledger/{path}"><strong>{count}</strong> {what}</a>' in counts
    assert "6 are current, 1 retracted and 1 superseded by a correction" in html
    for path in ("attributions", "claims", "contested", "journal", "first_reported", "outlet_stances", "relay_chains"):
        assert f'href="/ledger/{path}"' in html
    assert "/ledger/documents" not in html  # a ledger without documents
    contested = re.search(r'<ol class="ledger-contested">(.*?)</ol>', html)[1]
    assert f'<a href="/ledger/claims/1">{PERU_FIRST}</a>' in contested
    assert "Asserted by BBC; disputed by Yván Gil" in contested
    newest = re.findall(r'<a href="/ledger/claims/(\d+)#attribution-(\d+)">', html)
    assert newest == [("3", "10"), ("2", "9"), ("2", "6"), ("2", "5"), ("2", "4")]
    bars = re.findall(r'<a class="ledger-bar-name" href="([^"]+)">([^<]+)</a>', html)
    assert bars[0] == ("/ledger/attributions?outlet=Global+Times&amp;status=current", "Global Times")
    assert len(bars) == 5
    assert 'aria-label="Global Times: 1 asserts, 1 disputes"' in html
    # The tables behind the views are listed, after the rest and closed.
    assert html.index('<details class="ledger-everything">') < html.index('href="/ledger/attribution_records"')


@pytest.mark.asyncio
async def test_the_home_page_counts_again_once_the_journal_grows(sample_copy):
    ds = Datasette([str(sample_copy)])
    assert "<strong>1</strong> contested" in (await get(ds, "/")).text
    with Ledger(sample_copy) as ledger:
        ledger.add({"claim": SEVERED, "outlet": "BBC", "date": "2024-07-31", "stance": "disputes"})
    html = (await get(ds, "/")).text
    assert "<strong>2</strong> contested" in html and "<strong>9</strong> attributions" in html
    assert re.findall(r'#attribution-(\d+)">', html)[0] == "11"


@pytest.mark.asyncio
async def test_an_empty_ledgers_pages_answer(tmp_path):
    path = tmp_path / "ledger.db"
    Ledger(path, create=True).close()
    ds = Datasette([str(path)])
    html = (await get(ds, "/")).text
    assert "No claim is contested." in html and "No attribution is recorded yet." in html
    for page in (
        "/ledger",
        "/ledger/attributions",
        "/ledger/attributions?_search=Peru",
        "/ledger/claims",
        "/ledger/contested",
    ):
        await get(ds, page)


# /ledger/attributions ------------------------------------------------------------


@pytest.mark.asyncio
async def test_attributions_newest_first_with_their_default_facets(sample):
    data = await get_json(Datasette([str(sample)]), "/ledger/attributions.json?_shape=objects")
    assert [row["id"] for row in data["rows"]] == [10, 9, 6, 5, 4, 3, 2, 1]
    assert facet_counts(data, "stance") == {"asserts": 3, "disputes": 2, "reports": 2, "questions": 1}
    assert facet_counts(data, "status") == {"current": 6, "retracted": 1, "superseded": 1}
    assert facet_counts(data, "outlet") == {
        "BBC": 2,
        "Global Times": 2,
        "El Peruano": 2,
        "Peru's Business Daily": 1,
        "Telesur": 1,
    }
    assert facet_counts(data, "speaker") == {"Yván Gil": 2, "Boruarte": 1}
    assert facet_counts(data, "via") == {"Global Times": 3}
    assert facet_counts(data, "month") == {"2024-07": 6, "2024-08": 2}


@pytest.mark.asyncio
async def test_attribution_names_are_canonical_and_statuses_shown(sample):
    data = await get_json(Datasette([str(sample)]), "/ledger/attributions.json?_shape=objects")
    rows = {row["id"]: row for row in data["rows"]}
    assert (rows[2]["claimant"], rows[2]["speaker"], rows[2]["outlet"]) == ("Yván Gil", "Yván Gil", "Global Times")
    assert (rows[5]["status"], rows[6]["status"], rows[9]["status"]) == ("superseded", "retracted", "current")
    assert rows[9]["date"] == "2024-07-28"


@pytest.mark.asyncio
async def test_attributions_html_has_facets_descriptions_and_claim_links(sample):
    html = (await get(Datasette([str(sample)]), "/ledger/attributions")).text
    for column in ("stance", "status", "outlet", "speaker", "via", "month"):
        assert f'data-column="{column}"' in html and f'id="facet-{column}"' in html
    assert f'<a href="/ledger/claims/1">{PERU_FIRST}</a>' in html
    assert f'<a href="/ledger/claims/3">{SEVERED}</a>' in html
    assert 'data-column-description="Who holds the stance: the speaker when given, else the outlet."' in html


@pytest.mark.asyncio
async def test_the_attributions_page_shows_a_readers_columns_and_its_json_all_of_them(sample):
    ds = Datasette([str(sample)])
    html = (await get(ds, "/ledger/attributions")).text
    headers = re.findall(r'<th [^>]*data-column="([^"]+)"', html)
    assert headers == ["id", "claim", "claimant", "outlet", "via", "date", "stance", "status"]
    assert re.search(r'<details class="ledger-column-notes">\s*<summary>About the columns</summary>', html)
    assert '<dl class="column-descriptions">' in html.split('<details class="ledger-column-notes">')[1]
    every = [
        "id",
        "claim_id",
        "claim",
        "claimant",
        "speaker",
        "outlet",
        "via",
        "date",
        "month",
        "stance",
        "url",
        "quote",
        "document",
        "quote_start",
        "quote_end",
        "note",
        "status",
    ]
    assert "?" + "&amp;".join(f"_col={column}" for column in every) in html  # "show all columns"
    shown_all = (await get(ds, "/ledger/attributions?" + "&".join(f"_col={column}" for column in every))).text
    assert re.findall(r'<th [^>]*data-column="([^"]+)"', shown_all) == every
    # A column hidden from the reader's is taken from theirs, as Datasette's column menu expects.
    without_via = (await get(ds, "/ledger/attributions?_nocol=via")).text
    assert "via" not in re.findall(r'<th [^>]*data-column="([^"]+)"', without_via)
    data = await get_json(ds, "/ledger/attributions.json")
    assert data["columns"] == every


@pytest.mark.asyncio
async def test_search_finds_names_as_written_and_canonical_and_the_start_of_words(sample_copy):
    ds = Datasette([str(sample_copy)])

    async def found(text, view="attributions"):
        data = await get_json(ds, f"/ledger/{view}.json?" + urlencode({"_search": text}))
        return sorted(row[0] for row in data["rows"])

    assert await found("Hil") == [2]  # the start of "Hill", as written
    assert await found("Yván") == [2, 10]  # 2's speaker is written "Hill", an alias of Yván Gil
    assert await found("yvan gil") == [2, 10]  # case and accents aside, every word
    assert await found("Boru") == [3]
    assert await found("Peru") == [1, 2, 3, 5, 9, 10]  # claims, quotes, "Peru's Business Daily", "El Peruano"
    assert await found('"Peru\'s Business"') == [3]
    assert await found("Peruano reports") == []  # no attribution has both words
    assert await found("Madur", view="claims") == [2]
    # An alias recorded later is found at once: canonical names are resolved when searched.
    assert await found("Nueva Televisión") == []
    with Ledger(sample_copy) as ledger:
        ledger.alias("Telesur", of="La Nueva Televisión del Sur")
    assert await found("Nueva Televisión") == [10]
    html = (await get(ds, "/ledger/attributions?_search=Peru")).text
    assert "6 rows where search matches" in html and "Peru finds Peruvian" in html


@pytest.mark.asyncio
async def test_search_by_column_and_raw(sample):
    ds = Datasette([str(sample)])
    by_quote = await get_json(ds, "/ledger/attributions.json?_shape=objects&_search_quote=internat")
    assert [row["id"] for row in by_quote["rows"]] == [2]
    raw = await get_json(
        ds,
        "/ledger/attributions.json?"
        + urlencode({"_shape": "objects", "_searchmode": "raw", "_search": "quote: Peru*"}),
    )
    assert sorted(row["id"] for row in raw["rows"]) == [1, 2]
    await get(ds, "/ledger/attributions.json?_search_outlet=BBC", status=400)


@pytest.mark.asyncio
async def test_search_over_claims_and_quotes_finds_gonzalez(sample):
    ds = Datasette([str(sample)])
    data = await get_json(ds, "/ledger/attributions.json?_shape=objects&_search=González")
    assert sorted(row["id"] for row in data["rows"]) == [1, 2, 3]
    by_quote = await get_json(ds, "/ledger/attributions.json?_shape=objects&_search=international")
    assert [row["id"] for row in by_quote["rows"]] == [2]
    html = (await get(ds, "/ledger/attributions?_search=González")).text
    assert "3 rows where search matches" in html


@pytest.mark.asyncio
async def test_a_stance_facet_selects_only_that_stance(sample):
    data = await get_json(Datasette([str(sample)]), "/ledger/attributions.json?_shape=objects&stance=disputes")
    assert sorted(row["id"] for row in data["rows"]) == [2, 6]


# /ledger/claims and /ledger/claims/ID ---------------------------------------------


@pytest.mark.asyncio
async def test_claims_with_counts_over_current_attributions_and_a_contested_facet(sample):
    ds = Datasette([str(sample)])
    data = await get_json(ds, "/ledger/claims.json?_shape=objects")
    rows = {row["id"]: row for row in data["rows"]}
    assert rows[1] == {
        "id": 1,
        "text": PERU_FIRST,
        "first_seen": "2024-07-30",
        "first_outlet": "BBC",
        "attributions": 3,
        "asserts": 1,
        "reports": 0,
        "questions": 1,
        "disputes": 1,
        "contested": 1,
    }
    assert (rows[2]["attributions"], rows[2]["disputes"], rows[2]["contested"]) == (2, 0, 0)
    assert facet_counts(data, "contested") == {0: 2, 1: 1}
    search = await get_json(ds, "/ledger/claims.json?_shape=objects&_search=Maduro")
    assert [row["id"] for row in search["rows"]] == [2]
    html = (await get(ds, "/ledger/claims")).text
    assert f'<a href="/ledger/claims/2">{MADURO_WON}</a>' in html and 'id="facet-contested"' in html


@pytest.mark.asyncio
async def test_a_claim_page_lists_its_attributions_in_date_order(sample):
    data = await get_json(Datasette([str(sample)]), "/ledger/claims/2.json")
    assert data["claim"]["text"] == MADURO_WON and data["claim"]["contested"] == 0
    assert [(a["id"], a["date"], a["status"]) for a in data["attributions"]] == [
        (9, "2024-07-28", "current"),
        (5, "2024-07-29", "superseded"),
        (4, "2024-08-01", "current"),
        (6, "2024-08-02", "retracted"),
    ]


SUPERSEDED_BY_9 = (
    'superseded by <a href="/ledger/claims/2#attribution-9">9</a><span class="ledger-reason">Reason: wrong date</span>'
)
RETRACTED = 'retracted<span class="ledger-reason">Reason: misread</span>'


@pytest.mark.asyncio
async def test_a_claim_page_gives_each_retraction_and_corrections_reason_and_ids(sample):
    ds = Datasette([str(sample)])
    data = await get_json(ds, "/ledger/claims/2.json")
    fields = {
        a["id"]: (a["status"], a["status_reason"], a["superseded_by"], a["corrects"], a["correction_reason"])
        for a in data["attributions"]
    }
    assert fields == {
        9: ("current", None, None, 5, "wrong date"),
        5: ("superseded", "wrong date", 9, None, None),
        4: ("current", None, None, None, None),
        6: ("retracted", "misread", None, None, None),
    }
    html = (await get(ds, "/ledger/claims/2")).text
    assert SUPERSEDED_BY_9 in html and RETRACTED in html
    assert (
        '<span class="ledger-reason">Corrects <a href="/ledger/claims/2#attribution-5">5</a>. Reason: wrong date</span>'
    ) in html
    for column in ("id", "date", "claimant", "stance", "status", "quote"):
        assert f'data-column="{column}"' in html


@pytest.mark.asyncio
async def test_the_attributions_page_gives_the_reason_and_successor_of_what_is_not_current(sample):
    html = (await get(Datasette([str(sample)]), "/ledger/attributions?status__not=current")).text
    assert SUPERSEDED_BY_9 in html and RETRACTED in html


def svg_marks(html):
    [svg] = re.findall(r'<svg class="ledger-timeline".*?</svg>', html, re.S)
    return re.findall(r'<circle class="mark" data-attribution="(\d+)"[^>]*?(fill="[^"]*")', svg)


@pytest.mark.asyncio
async def test_a_claim_page_draws_one_timeline_mark_per_attribution(sample):
    html = (await get(Datasette([str(sample)]), "/ledger/claims/2")).text
    assert MADURO_WON in html
    table_ids = re.findall(r'<tr id="attribution-(\d+)">', html)
    assert table_ids == ["9", "5", "4", "6"]
    marks = dict(svg_marks(html))
    assert sorted(marks) == sorted(table_ids)
    # Current attributions are filled with their stance's colour; the others hollow.
    assert marks["9"] == 'fill="#0072B2"' and marks["4"] == 'fill="#009E73"'
    assert marks["5"] == marks["6"] == 'fill="#fff"'
    for stance in ("asserts", "reports", "questions", "disputes", "retracted or superseded"):
        assert f">{stance}</text>" in html


@pytest.mark.asyncio
async def test_timeline_marks_go_right_with_later_dates(sample):
    html = (await get(Datasette([str(sample)]), "/ledger/claims/1")).text
    xs = {id: float(x) for id, x in re.findall(r'data-attribution="(\d+)" cx="([0-9.]+)"', html)}
    assert xs["1"] == xs["3"] < xs["2"]  # 1 and 3 on 2024-07-30, 2 on 2024-07-31


@pytest.mark.asyncio
async def test_an_unknown_claim_is_404(sample):
    ds = Datasette([str(sample)])
    await get(ds, "/ledger/claims/99", status=404)
    assert (await get_json(ds, "/ledger/claims/99.json", status=404))["ok"] is False


# Canned queries and the journal ------------------------------------------------------


@pytest.mark.asyncio
async def test_contested_lists_the_contested_claim_with_who_asserts_and_who_disputes(sample):
    ds = Datasette([str(sample)])
    rows = await get_json(ds, "/ledger/contested.json?_shape=array")
    assert [
        (row["claim_id"], row["claim"], row["attributions"], row["asserted_by"], row["disputed_by"]) for row in rows
    ] == [(1, PERU_FIRST, 3, "BBC", "Yván Gil")]
    html = (await get(ds, "/ledger/contested")).text
    assert "<title>ledger: Contested claims</title>" in html
    assert "<title>ledger: Who carried each claim first</title>" in (await get(ds, "/ledger/first_reported")).text


@pytest.mark.asyncio
async def test_contested_claims_come_most_attributions_first(tmp_path):
    path = tmp_path / "ledger.db"
    with Ledger(path, create=True) as ledger:
        for claim, outlets in ((PERU_FIRST, 2), (MADURO_WON, 4), (SEVERED, 3)):
            for n in range(outlets):
                ledger.add(
                    {
                        "claim": claim,
                        "outlet": f"Outlet {n}",
                        "date": "2024-07-30",
                        "stance": "disputes" if n == 0 else "asserts",
                    }
                )
    rows = await get_json(Datasette([str(path)]), "/ledger/contested.json?_shape=array")
    assert [(row["claim"], row["attributions"], row["disputed_by"]) for row in rows] == [
        (MADURO_WON, 4, "Outlet 0"),
        (SEVERED, 3, "Outlet 0"),
        (PERU_FIRST, 2, "Outlet 0"),
    ]
    assert rows[0]["asserted_by"] == "Outlet 1; Outlet 2; Outlet 3"


@pytest.mark.asyncio
async def test_first_reported_names_every_first_carrier(sample):
    rows = await get_json(Datasette([str(sample)]), "/ledger/first_reported.json?_shape=array")
    assert [(row["claim_id"], row["outlet"], row["date"], row["attribution_id"]) for row in rows] == [
        (2, "El Peruano", "2024-07-28", 9),
        (1, "BBC", "2024-07-30", 1),
        (1, "Peru's Business Daily", "2024-07-30", 3),
        (3, "Telesur", "2024-07-30", 10),
    ]


@pytest.mark.asyncio
async def test_outlet_stances_counts_current_attributions(sample):
    rows = await get_json(Datasette([str(sample)]), "/ledger/outlet_stances.json?_shape=array")
    counts = {row["outlet"]: (row["asserts"], row["reports"], row["questions"], row["disputes"]) for row in rows}
    assert counts == {
        "Global Times": (1, 0, 0, 1),
        "BBC": (1, 0, 0, 0),
        "El Peruano": (0, 1, 0, 0),
        "Peru's Business Daily": (0, 0, 1, 0),
        "Telesur": (1, 0, 0, 0),
    }


@pytest.mark.asyncio
async def test_relay_chains(sample):
    ds = Datasette([str(sample)])
    rows = await get_json(ds, "/ledger/relay_chains.json?_shape=array")
    assert [(row["attribution_id"], row["chain"]) for row in rows] == [
        (3, "Boruarte → Peru's Business Daily → Global Times"),
        (9, "El Peruano → Global Times"),
    ]
    assert f'<a href="/ledger/claims/1">{PERU_FIRST}</a>' in (await get(ds, "/ledger/relay_chains")).text


@pytest.mark.asyncio
async def test_the_journal_is_browsable(sample):
    ds = Datasette([str(sample)])
    data = await get_json(ds, "/ledger/journal.json?_shape=objects")
    assert [row["seq"] for row in data["rows"]] == list(range(1, 11))
    assert [row["prev_hash"] for row in data["rows"][1:]] == [row["hash"] for row in data["rows"][:-1]]
    assert "canonical JSON" in (await get(ds, "/ledger/journal")).text


# Read-only, and only for ledgers --------------------------------------------------------


@pytest.mark.asyncio
async def test_no_request_and_no_plugin_can_write(sample_copy):
    ds = Datasette([str(sample_copy)])
    with Ledger(sample_copy) as ledger:
        before = ledger.digest()
    response = await ds.client.get("/ledger.json?sql=DELETE+FROM+journal")
    assert response.status_code == 400
    with pytest.raises(sqlite3.OperationalError, match="readonly|query_only"):
        await ds.get_database("ledger").execute_write("INSERT INTO names (name, seq) VALUES ('x', 1)")
    with Ledger(sample_copy) as ledger:
        assert ledger.digest() == before
        assert ledger.verify()[0] == 10


@pytest.mark.asyncio
async def test_a_database_that_is_not_a_ledger_keeps_datasette_defaults(sample, tmp_path):
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE claims (id INTEGER PRIMARY KEY, text TEXT)")
        conn.execute("INSERT INTO claims VALUES (1, 'not a ledger')")
    conn.close()
    ds = Datasette([str(sample), str(other)])
    row = await get_json(ds, "/other/claims/1.json?_shape=objects")
    assert row["rows"] == [{"id": 1, "text": "not a ledger"}]
    table = await get_json(ds, "/other/claims.json")
    assert "contested" not in table["facet_results"]
    assert ">not a ledger</a>" not in (await get(ds, "/other/claims")).text
    await ds.get_database("other").execute_write("INSERT INTO claims VALUES (2, 'writable')")
    # Its pages are Datasette's own, the home page too when no ledger is served.
    assert "ledger-" not in (await get(ds, "/other/claims")).text
    home = (await get(Datasette([str(other)]), "/")).text
    assert "ledger-" not in home and '<a href="/other/claims"' in home


# The seed ledger -------------------------------------------------------------------------


def unaccented(text):
    """Folded as the search index folds it (unicode61 drops diacritics)."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)).casefold()


@pytest.mark.asyncio
async def test_seed_ledger_pages(seed_ledger):
    ds = Datasette([str(seed_ledger)])
    contested = await get_json(ds, "/ledger/contested.json?_shape=array")
    assert MADURO_WON in [row["claim"] for row in contested]
    search = await get_json(ds, "/ledger/attributions.json?_shape=objects&_search=González")
    assert search["rows"]
    searched = ("claim", "quote", "claimant", "outlet", "via")
    assert all("gonzalez" in unaccented(" ".join(str(row[field]) for field in searched)) for row in search["rows"])
    maduro = next(row for row in contested if row["claim"] == MADURO_WON)
    claim = await get_json(ds, f"/ledger/claims/{maduro['claim_id']}.json")
    dates = [a["date"] for a in claim["attributions"]]
    current = [a for a in claim["attributions"] if a["status"] == "current"]
    assert dates == sorted(dates) and len(current) == maduro["attributions"] < len(dates)  # the seed's mends too
    html = (await get(ds, f"/ledger/claims/{maduro['claim_id']}")).text
    assert len(svg_marks(html)) == len(dates)
