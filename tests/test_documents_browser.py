"""Documents in a real browser, as tests/test_browser.py drives it (its fixtures: Debian's headless
Chromium at a desktop's 1366x900 and a phone's 390x844, nothing asked of any other machine): from
an attribution to its quote highlighted in its document, and back, and no document page wider
than the screen. The ledger is test_documents_site's: the seed article with the seed
attributions read in it, and a hostile document.

Nothing waits for a time: each step waits for the page it goes to (its URL, once loaded), and
`serving` for the server's line saying it listens. The screenshots (`document-page.png`, and
`-phone`) replace those of docs/ only with LEDGER_SCREENSHOTS=docs.
"""

import re

import pytest

from .helpers import serving
from .test_browser import browser, get_json, on_phone, page, screenshot, screenshots  # noqa: F401 (fixtures)
from .test_datasette import MADURO_WON
from .test_documents_site import HOSTILE, build_documented

CAPTION = (
    "On July 29, 2024, local time, in Caracas, Venezuela, the current President Maduro won the 2024 "
    "presidential election in Venezuela. (Visual China)"
)


@pytest.fixture(scope="module")
def documented(tmp_path_factory):
    return build_documented(tmp_path_factory.mktemp("documented") / "ledger.db")


@pytest.fixture(scope="module")
def server(documented):
    with serving(documented.path) as base:
        yield base


def caption_attribution(server):
    """The Global Times' caption, which asserts that Maduro won: its id and its claim's."""
    rows = get_json(server + "/ledger/attributions.json?_shape=array&_size=max")
    [row] = [row for row in rows if row["claim"] == MADURO_WON and row["quote"] == CAPTION]
    return row["id"], row["claim_id"]


def in_viewport(page, selector):
    """Whether the element is drawn, with a background, at least partly within the window."""
    return page.locator(selector).evaluate(
        """element => {
            const box = element.getBoundingClientRect();
            return box.width > 0 && box.height > 0 && box.bottom > 0 && box.top < window.innerHeight
                && getComputedStyle(element).backgroundColor !== 'rgba(0, 0, 0, 0)';
        }"""
    )


def scrolls_sideways(page):
    return page.evaluate("document.documentElement.scrollWidth") > page.viewport_size["width"]


@pytest.mark.browser
def test_from_an_attribution_to_its_quote_in_the_document_and_back(page, server, documented, screenshots):
    attribution, claim = caption_attribution(server)
    page.goto(f"{server}/ledger/claims/{claim}")
    row = page.locator(f"tr#attribution-{attribution}")
    row.locator("td.col-quote a").click()
    page.wait_for_url(re.compile(rf"/ledger/documents/{documented.seed}#a-{attribution}$"))
    mark = f"mark#a-{attribution}"
    assert page.locator(mark).evaluate("mark => mark.matches(':target')")
    assert page.locator(mark).is_visible() and in_viewport(page, mark)
    assert page.locator(mark).inner_text() == CAPTION + str(attribution)  # the passage, then its number
    assert not scrolls_sideways(page)
    screenshot(page, screenshots, "document-page")
    # The passage links back to the attribution, on its claim's page.
    page.locator(mark).get_by_role("link", name=CAPTION).click()
    page.wait_for_url(re.compile(rf"/ledger/claims/{claim}#attribution-{attribution}$"))
    assert row.evaluate("row => row.matches(':target')") and in_viewport(page, f"tr#attribution-{attribution}")


@pytest.mark.browser
def test_from_the_attributions_document_column_to_the_quote_and_back_by_its_number(page, server, documented):
    attribution, claim = caption_attribution(server)
    page.goto(f"{server}/ledger/attributions?_col=id&_col=claim&_col=document&_col=quote_start&id={attribution}")
    page.locator("td.col-document a").click()
    page.wait_for_url(re.compile(rf"/ledger/documents/{documented.seed}#a-{attribution}$"))
    assert in_viewport(page, f"mark#a-{attribution}")
    page.locator(f"mark#a-{attribution} a.ledger-ref").click()
    page.wait_for_url(re.compile(rf"/ledger/claims/{claim}#attribution-{attribution}$"))
    assert page.locator(f"tr#attribution-{attribution}").evaluate("row => row.matches(':target')")


@pytest.mark.browser
def test_a_hostile_document_shows_its_markup_as_text_and_fits_the_screen(page, server, documented):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{server}/ledger/documents/{documented.hostile}")
    text = page.locator("div.ledger-document-text")
    # The text shown, less the attributions' numbers after their passages, is the document's.
    shown = text.evaluate(
        """text => {
            const copy = text.cloneNode(true);
            copy.querySelectorAll('a.ledger-ref').forEach(number => number.remove());
            return copy.textContent;
        }"""
    )
    assert shown == HOSTILE and dialogs == []
    # Passages that overlap are each marked, inside one another.
    gamma = documented.passages["gamma"]
    assert page.locator(f"mark#a-{gamma}").is_visible()
    assert page.locator(f"mark#a-{gamma}").evaluate("mark => mark.parentElement.closest('mark') !== null")
    # A word of 300 letters breaks at the screen's edge rather than widening the page.
    assert text.evaluate("text => text.scrollWidth <= text.clientWidth")
    assert not scrolls_sideways(page)


@pytest.mark.browser
def test_no_documents_page_is_wider_than_the_screen(page, server, documented):
    for path in (
        "/ledger/documents",
        *(f"/ledger/documents/{document}" for document in (documented.seed, documented.hostile, documented.elsewhere)),
        "/ledger/documents/nothing",
    ):
        page.goto(server + path)
        assert not scrolls_sideways(page), path
    page.goto(server + "/ledger/documents")
    if on_phone(page):  # each document a card, its digest within it
        digest = page.locator("table.rows-and-columns tbody td.col-sha256").first
        assert digest.evaluate("cell => cell.scrollWidth <= cell.clientWidth")
    page.get_by_role("link", name=str(documented.seed), exact=True).click()
    page.wait_for_url(re.compile(rf"/ledger/documents/{documented.seed}$"))
    assert page.locator("h1").inner_text().startswith(f"Document {documented.seed}: ")
