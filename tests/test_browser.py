"""The published seed ledger in a real browser: Debian's headless Chromium, driven by
Playwright, against `ledger serve` in a subprocess on a free loopback port, as a desktop
(1366x900) and as a phone (390x844) shows it: every browser test runs at both.

Every test takes its screenshots of the pages as tested (`NAME.png`, and `NAME-phone.png` on
the phone); they replace those of docs/ only with LEDGER_SCREENSHOTS=docs (`make screenshots`),
so that a test run leaves the checkout as it found it.
"""

import json
import os
import re
import urllib.request
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import sync_playwright

from ledger.db import Ledger

from ledger.datasette_plugin.metadata import READER_COLUMNS

from .helpers import ROOT, listening_addresses, serving
from .test_datasette import MADURO_WON, build_sample

DOCS = ROOT / "docs"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


def get_json(url):
    with urllib.request.urlopen(url) as response:
        return json.load(response)


@pytest.fixture(scope="module")
def server(seed_ledger):
    with serving(seed_ledger) as base:
        yield base


@pytest.fixture(scope="module")
def sample_server(tmp_path_factory):
    """The sample ledger of test_datasette, which has a retraction, a correction and an alias."""
    path = tmp_path_factory.mktemp("sample") / "ledger.db"
    build_sample(path)
    with serving(path) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"no browser at {CHROMIUM}: `sh scripts/install-chromium` (run by `make test`) installs Debian's")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(params=VIEWPORTS)
def page(browser, request):
    """A page at one of the VIEWPORTS that fails the test if it asks for anything beyond the machine."""
    context = browser.new_context(viewport=VIEWPORTS[request.param])
    outside = []

    def only_loopback(route):
        if urlsplit(route.request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_loopback)
    yield context.new_page()
    context.close()
    assert outside == [], f"requests left the machine: {outside}"


def on_phone(page):
    return page.viewport_size == VIEWPORTS["phone"]


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory):
    """Where the screenshots go: docs/ when asked for, else a temporary directory."""
    return DOCS if os.environ.get("LEDGER_SCREENSHOTS") == "docs" else tmp_path_factory.mktemp("screenshots")


def screenshot(page, directory, name, full_page=False):
    """NAME.png, or NAME-phone.png on the phone."""
    # Without the footer, whose query timings would change the file on every run.
    page.add_style_tag(content="footer.ft { visibility: hidden; }")
    page.screenshot(path=directory / f"{name}{'-phone' if on_phone(page) else ''}.png", full_page=full_page)


def rows(page, table="table.rows-and-columns"):
    return page.locator(f"{table} tbody tr")


def cell_texts(page, column):
    return page.locator(f"table.rows-and-columns tbody td.col-{column}").all_inner_texts()


def header_columns(page):
    return page.locator("table.rows-and-columns th").evaluate_all("headers => headers.map(th => th.dataset.column)")


def search(page, text):
    page.fill("input#_search", text)
    page.press("input#_search", "Enter")
    page.wait_for_url(re.compile(r"_search="))


# Every page fits the screen -----------------------------------------------------------

PAGES = [
    "/",
    "/ledger",
    "/ledger/attributions",
    "/ledger/attributions?_search=Peru",
    "/ledger/claims",
    "/ledger/contested",
    "/ledger/first_reported",
    "/ledger/outlet_stances",
    "/ledger/relay_chains",
    "/ledger/journal",
    "/ledger/journal/1",
    "/ledger/names",
]


@pytest.mark.browser
def test_no_page_is_wider_than_the_screen(page, server, sample_server):
    contested = get_json(server + "/ledger/contested.json?_shape=array")[0]["claim_id"]
    pages = [server + path for path in [*PAGES, f"/ledger/claims/{contested}"]]
    pages += [sample_server + path for path in ("/ledger/claims/2", "/ledger/attributions?status__not=current")]
    for url in pages:
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"], url
    page.goto(server + "/ledger/attributions")
    page.get_by_role("link", name="show all columns").click()
    page.wait_for_url(re.compile(r"_col="))
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


# The home page --------------------------------------------------------------------------


@pytest.mark.browser
def test_the_home_page_is_a_front_door(page, server, seed_ledger, screenshots):
    with Ledger(seed_ledger) as ledger:
        digest = ledger.digest()
    attributions = get_json(server + "/ledger/attributions.json")["filtered_table_rows_count"]
    page.goto(server + "/")
    screenshot(page, screenshots, "home", full_page=True)
    counts = page.locator("ul.ledger-counts")
    assert f"{attributions}\nattributions" in counts.inner_text()
    for name, path in [
        ("Attributions", "/ledger/attributions"),
        ("claims", "/ledger/claims"),
        ("contested claims", "/ledger/contested"),
        ("the journal", "/ledger/journal"),
        ("each outlet's stances", "/ledger/outlet_stances"),
    ]:
        link = page.locator("nav.ledger-links").get_by_role("link", name=name, exact=True)
        assert link.is_visible() and link.get_attribute("href") == path
    contested = page.locator("ol.ledger-contested li", has_text=MADURO_WON)
    who = "Asserted by Global Times; disputed by Javier González-Olaechea"
    assert who in contested.inner_text()
    assert page.locator("ol.ledger-newest li").count() == 5
    bars = page.locator("ol.ledger-bars li")
    assert bars.count() > 1 and bars.first.locator(".ledger-bar span").first.is_visible()
    chain = page.locator("p.ledger-chain")
    assert "The hash chain verifies" in chain.inner_text() and digest in chain.inner_text()
    # The tables behind the projections are a click away, not in front.
    internal = page.get_by_role("link", name="attribution_records", exact=True)
    assert not internal.is_visible()
    page.get_by_text("Every database, table and view").click()
    assert internal.is_visible()
    contested.get_by_role("link", name=MADURO_WON).click()
    page.wait_for_url(re.compile(r"/ledger/claims/[0-9]+$"))


# The attributions -------------------------------------------------------------------------


@pytest.mark.browser
def test_the_attributions_show_a_readers_columns_with_the_notes_a_click_away(page, server, screenshots):
    page.goto(server + "/ledger/attributions")
    screenshot(page, screenshots, "attributions")
    notes = page.locator("details.ledger-column-notes dl")
    assert not notes.is_visible()
    page.get_by_text("About the columns").click()
    assert notes.is_visible() and "Who holds the stance" in notes.inner_text()
    assert header_columns(page) == list(READER_COLUMNS)
    if on_phone(page):  # each row a card, each cell labelled by its column
        labels = (
            rows(page)
            .first.locator("td")
            .evaluate_all("cells => cells.map(cell => getComputedStyle(cell, '::before').content)")
        )
        assert labels == [f'"{column}"' for column in READER_COLUMNS]
    page.get_by_role("link", name="show all columns").click()
    page.wait_for_url(re.compile(r"_col="))
    shown = {"speaker", "url", "quote", "document", "quote_start", "quote_end", "note", "claim_id", "month"}
    assert shown <= set(header_columns(page))


@pytest.mark.browser
def test_the_disputes_facet_shows_only_disputing_rows(page, server):
    page.goto(server + "/ledger/attributions")
    disputes = page.locator("#facet-stance li", has=page.locator("a", has_text=re.compile("^disputes$")))
    expected = int(disputes.inner_text().split()[-1])
    assert expected > 0
    disputes.locator("a").click()
    page.wait_for_url(re.compile(r"stance=disputes"))
    assert cell_texts(page, "stance") == ["disputes"] * expected


@pytest.mark.browser
def test_a_search_for_the_start_of_a_name_finds_its_rows(page, server):
    page.goto(server + "/ledger/attributions")
    assert "Peru finds Peruvian" in page.locator("p.ledger-search-help").inner_text()
    search(page, "Borua")  # the start of "Boruarte", as the Global Times wrote Dina Boluarte
    assert set(cell_texts(page, "claimant")) == {"Dina Boluarte"}
    boluarte = len(cell_texts(page, "claimant"))
    search(page, "Boluar")  # the start of her name, canonical
    assert cell_texts(page, "claimant") == ["Dina Boluarte"] * boluarte
    search(page, "Peru")  # finds the Peruvian government, written "Peru", where no text says Peru
    maduro = page.locator("table.rows-and-columns tbody tr", has=page.get_by_role("link", name=MADURO_WON))
    assert "Peruvian government" in maduro.locator("td.col-claimant").all_inner_texts()


# A claim's page ------------------------------------------------------------------------------


@pytest.mark.browser
def test_a_contested_claims_page_labels_every_cell_and_draws_its_timeline(page, server, screenshots):
    page.goto(server + "/ledger/contested")
    page.locator("td.col-claim a", has_text=MADURO_WON).click()
    page.wait_for_url(re.compile(r"/ledger/claims/[0-9]+$"))
    screenshot(page, screenshots, "claim", full_page=True)
    table = "table.ledger-claim-attributions"
    headers = [header.strip() for header in page.locator(f"{table} th").all_inner_texts()]
    for row in rows(page, table).all():
        cells = row.locator("td")
        assert cells.count() == len(headers)
        for cell, header in zip(cells.all(), headers):
            label = cell.evaluate("cell => getComputedStyle(cell, '::before').content")
            # On a phone each cell is labelled by its column's name; on a desktop the header above is.
            assert label == (f'"{header}"' if on_phone(page) else "none")
            assert cell.get_attribute("data-column") == header
    attributions = rows(page, table).count()
    assert {"asserts", "disputes"} <= set(page.locator(f"{table} td.col-stance").all_inner_texts())
    dates = page.locator(f"{table} td.col-date").all_inner_texts()
    assert dates == sorted(dates)
    drawing, listed = page.locator("svg.ledger-timeline"), page.locator("ol.ledger-timeline-list")
    if on_phone(page):
        # A list, each attribution named in words no smaller than the page's.
        assert listed.is_visible() and not drawing.is_visible()
        items = listed.locator("li")
        assert items.count() == attributions
        claimants = page.locator(f"{table} td.col-claimant").all_inner_texts()
        assert [item.locator("a").inner_text() for item in items.all()] == claimants
        assert all(float(item.evaluate("item => getComputedStyle(item).fontSize")[:-2]) >= 14 for item in items.all())
    else:
        assert drawing.is_visible() and not listed.is_visible()
        assert drawing.locator("circle.mark").count() == attributions
        assert drawing.locator("text.tick-label").first.bounding_box()["height"] >= 12


@pytest.mark.browser
def test_retractions_and_corrections_show_their_reasons_and_successors(page, sample_server):
    page.goto(sample_server + "/ledger/claims/2")
    status = page.locator("tr#attribution-5 td.col-status")
    assert "superseded by 9" in status.inner_text() and "Reason: wrong date" in status.inner_text()
    assert "retracted" in page.locator("tr#attribution-6 td.col-status").inner_text()
    assert "Reason: misread" in page.locator("tr#attribution-6 td.col-status").inner_text()
    assert "Corrects 5. Reason: wrong date" in page.locator("tr#attribution-9 td.col-status").inner_text()
    status.get_by_role("link", name="9").click()
    page.wait_for_url(re.compile(r"#attribution-9$"))
    assert page.locator("tr#attribution-9").evaluate("row => row.matches(':target')")
    page.goto(sample_server + "/ledger/attributions?status__not=current")
    statuses = cell_texts(page, "status")
    assert len(statuses) == 2
    assert any("superseded by 9" in text and "Reason: wrong date" in text for text in statuses)
    assert any(text.startswith("retracted") and "Reason: misread" in text for text in statuses)


# The contested claims and the claims ----------------------------------------------------------


@pytest.mark.browser
def test_the_contested_claims_say_who_asserts_and_who_disputes(page, server, screenshots):
    page.goto(server + "/ledger/contested")
    screenshot(page, screenshots, "contested")
    assert page.title() == "ledger: Contested claims"
    maduro = page.locator("table.rows-and-columns tbody tr", has=page.get_by_role("link", name=MADURO_WON))
    assert maduro.locator("td.col-asserted_by").inner_text() == "Global Times"
    assert maduro.locator("td.col-disputed_by").inner_text() == "Javier González-Olaechea"


@pytest.mark.browser
def test_claims_page_with_its_contested_facet(page, server, screenshots):
    page.goto(server + "/ledger/claims")
    assert page.locator("#facet-contested").is_visible()
    link = page.locator("td.col-text a").first
    assert re.search(r"/ledger/claims/[0-9]+$", link.get_attribute("href"))
    screenshot(page, screenshots, "claims")


@pytest.mark.slow
def test_serve_immutable_on_loopback_with_its_settings(seed_ledger):
    with serving(seed_ledger, "--immutable") as base:
        assert listening_addresses(urlsplit(base).port) == {"127.0.0.1"}
        assert get_json(base + "/-/databases.json")[0]["is_mutable"] is False
        settings = get_json(base + "/-/settings.json")
        assert (settings["facet_time_limit_ms"], settings["sql_time_limit_ms"], settings["suggest_facets"]) == (
            1000,
            3000,
            False,
        )
        assert get_json(base + "/ledger/contested.json?_shape=array")
