"""The published seed ledger in a real browser: Debian's headless Chromium, driven by
Playwright, against `ledger serve` in a subprocess on a free loopback port.

Every test takes its screenshots of the pages as tested; they replace those of
docs/datasette.md only with LEDGER_SCREENSHOTS=docs (`make screenshots`), so that a test run
leaves the checkout as it found it.
"""
import json
import os
import re
import urllib.request
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import sync_playwright

from ledger.db import Ledger

from .helpers import ROOT, listening_addresses, serving
from .test_datasette import MADURO_WON, unaccented

DOCS = ROOT / "docs"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def get_json(url):
    with urllib.request.urlopen(url) as response:
        return json.load(response)


@pytest.fixture(scope="module")
def server(seed_ledger):
    with serving(seed_ledger) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"no browser at {CHROMIUM}: `sh scripts/install-chromium` (run by `make test`) installs Debian's")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A page that fails the test if it asks for anything beyond the machine."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
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


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory):
    """Where the screenshots go: docs/ when asked for, else a temporary directory."""
    return DOCS if os.environ.get("LEDGER_SCREENSHOTS") == "docs" else tmp_path_factory.mktemp("screenshots")


def screenshot(page, path, full_page=False):
    # Without the footer, whose query timings would change the file on every run.
    page.add_style_tag(content="footer.ft { visibility: hidden; }")
    page.screenshot(path=path, full_page=full_page)


def screenshot_of_the_rows(page, path):
    """A screenshot from the row count down: search, facets and the first rows, below the column notes."""
    page.locator("h3").first.evaluate("heading => heading.scrollIntoView()")
    screenshot(page, path)


@pytest.mark.browser
def test_the_disputes_facet_shows_only_disputing_rows(page, server, screenshots):
    page.goto(server + "/ledger/attributions")
    screenshot_of_the_rows(page, screenshots / "attributions.png")
    disputes = page.locator("#facet-stance li", has=page.locator("a", has_text=re.compile("^disputes$")))
    expected = int(disputes.inner_text().split()[-1])
    assert expected > 0
    disputes.locator("a").click()
    page.wait_for_url(re.compile(r"stance=disputes"))
    stances = page.locator("table.rows-and-columns td.col-stance").all_inner_texts()
    assert stances == ["disputes"] * expected


@pytest.mark.browser
def test_searching_a_name_finds_it_in_claims_and_quotes(page, server):
    page.goto(server + "/ledger/attributions")
    page.fill("input#_search", "González")
    page.press("input#_search", "Enter")
    page.wait_for_url(re.compile(r"_search=Gonz"))
    rows = page.locator("table.rows-and-columns tbody tr")
    assert rows.count() > 0
    for row in rows.all():
        text = row.locator("td.col-claim").inner_text() + " " + row.locator("td.col-quote").inner_text()
        assert "gonzalez" in unaccented(text)


@pytest.mark.browser
def test_a_contested_claim_opens_on_its_page_with_its_timeline(page, server, screenshots):
    page.goto(server + "/ledger/contested")
    screenshot(page, screenshots / "contested.png")
    page.locator("td.col-claim a", has_text=MADURO_WON).click()
    page.wait_for_url(re.compile(r"/ledger/claims/[0-9]+$"))
    timeline = page.locator("svg.ledger-timeline")
    assert timeline.is_visible()
    rows = page.locator("table.ledger-claim-attributions tbody tr")
    assert rows.count() >= 2
    assert timeline.locator("circle.mark").count() == rows.count()
    stances = set(rows.locator("td.col-stance").all_inner_texts())
    assert {"asserts", "disputes"} <= stances
    dates = rows.locator("td.col-date").all_inner_texts()
    assert dates == sorted(dates)
    screenshot(page, screenshots / "claim.png", full_page=True)


@pytest.mark.browser
def test_claims_page_with_its_contested_facet(page, server, screenshots):
    page.goto(server + "/ledger/claims")
    assert page.locator("#facet-contested").is_visible()
    link = page.locator("td.col-text a").first
    assert re.search(r"/ledger/claims/[0-9]+$", link.get_attribute("href"))
    screenshot_of_the_rows(page, screenshots / "claims.png")


@pytest.mark.browser
def test_the_home_page_shows_the_head_digest(page, server, seed_ledger):
    with Ledger(seed_ledger) as ledger:
        digest = ledger.digest()
    page.goto(server + "/")
    chain = page.locator("p.ledger-chain")
    assert digest in chain.inner_text()
    assert "The hash chain verifies" in chain.inner_text()


@pytest.mark.slow
def test_serve_immutable_on_loopback_with_its_settings(seed_ledger):
    with serving(seed_ledger, "--immutable") as base:
        assert listening_addresses(urlsplit(base).port) == {"127.0.0.1"}
        assert get_json(base + "/-/databases.json")[0]["is_mutable"] is False
        settings = get_json(base + "/-/settings.json")
        assert (settings["facet_time_limit_ms"], settings["sql_time_limit_ms"], settings["suggest_facets"]) == (
            1000, 3000, False)
        assert get_json(base + "/ledger/contested.json?_shape=array")
