"""What Datasette publishes of documents (CONTRACT section 6), through Datasette's own test client:
the documents listing, a page per document with its whole text escaped and every anchored quote
marked, the attributions' document and offsets, and the links between them.

The ledger read here is the seed article as document 1 with the seed attributions read in it,
and a hostile document: markup, ampersands and quotes in its text, title and outlet, and
passages that overlap, nest and coincide.
"""

import json
import re
import sqlite3
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from datasette.app import Datasette
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import Ledger
from ledger.datasette_plugin.marks import Passage, marked_html
from ledger.documents import anchor, document_text, sha256_of

from .helpers import ROOT
from .test_datasette import get, get_json

SEEDS = ROOT / "seeds"
SEED_TEXT = document_text((SEEDS / "global-times-venezuela-peru.txt").read_bytes())
HEADLINE = json.loads((SEEDS / "global-times-venezuela-peru.meta.json").read_text())["headline"]
HOSTILE_TITLE = '<script>alert("title")</script> & "Co"'
HOSTILE_OUTLET = 'El <i>Diario</i> & "Co"'
HOSTILE = (
    'Une <script>alert("x")</script> & "guillemets" l\'apostrophe.\n'
    "\n"
    "Alpha beta gamma delta epsilon.\n"
    "Zeta eta theta.\n"
    "\n" + "Mot" * 100 + "\nFin."
)
# The hostile document's passages: name -> (quote as recorded, the passage it anchors).
PASSAGES = {
    "script": ('<script>alert("x")</script>', '<script>alert("x")</script>'),
    "guillemets": ("“guillemets”", '"guillemets"'),  # typographic marks, as typed
    "alpha": ("Alpha beta gamma", "Alpha beta gamma"),
    "alpha again": ("Alpha beta gamma", "Alpha beta gamma"),  # the same passage: two marks, one inside the other
    "beta": ("beta gamma delta", "beta gamma delta"),  # overlaps both, ends beyond them
    "gamma": ("gamma", "gamma"),  # inside all three
    "line break": ("epsilon. Zeta", "epsilon.\nZeta"),  # white space folded
    "retracted": ("Zeta eta theta.", "Zeta eta theta."),
}


@dataclass
class Documented:
    path: object
    seed: int  # the seed article's id
    hostile: int  # a document translating it
    elsewhere: int  # a translation of an original not stored
    seeded: list  # the seed attributions, each anchored in the seed article
    passages: dict  # name in PASSAGES -> the attribution anchored in the hostile document
    unquoted: int  # an attribution naming the hostile document without a quote
    plain: int  # an attribution naming no document


def build_documented(path):
    with Ledger(path, create=True) as ledger:
        [(seed, _)] = ledger.add_documents(
            [
                (
                    SEED_TEXT,
                    {
                        "outlet": "Global Times",
                        "title": HEADLINE,
                        "date": "2024-08-01",
                        "language": "en",
                        "translated_by": "machine",
                    },
                )
            ]
        )
        lines = (SEEDS / "attributions.jsonl").read_text(encoding="utf-8").splitlines()
        seeded = [ledger.add({**json.loads(line), "document": str(seed)})[0] for line in lines]
        for line in (SEEDS / "aliases.tsv").read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                ledger.alias(*line.split("\t"))
        [(hostile, _), (elsewhere, _)] = ledger.add_documents(
            [
                (
                    HOSTILE,
                    {
                        "outlet": HOSTILE_OUTLET,
                        "title": HOSTILE_TITLE,
                        "language": "fr",
                        "translation_of": sha256_of(SEED_TEXT),
                        "translated_by": "<b>nobody</b>",
                    },
                ),
                (
                    "Perú rompe relaciones con Venezuela.",
                    {
                        "outlet": "BBC",
                        "language": "es",
                        "translation_of": "https://www.bbc.com/mundo/original",
                        "url": "https://www.bbc.com/mundo/articles/example",
                    },
                ),
            ]
        )
        record = {"claim": "Une <b>claim</b> & more.", "date": "2024-08-02", "stance": "reports"}
        passages = {
            name: ledger.add({**record, "outlet": f"Outlet {name}", "document": str(hostile), "quote": quote})[0]
            for name, (quote, _) in PASSAGES.items()
        }
        ledger.retract(passages["retracted"], "misread")
        unquoted = ledger.add({**record, "outlet": "Outlet unquoted", "document": str(hostile)})[0]
        plain = ledger.add({**record, "outlet": "Outlet plain"})[0]
    return Documented(path, seed, hostile, elsewhere, seeded, passages, unquoted, plain)


@pytest.fixture(scope="module")
def documented(tmp_path_factory):
    return build_documented(tmp_path_factory.mktemp("documented") / "ledger.db")


@pytest.fixture
def ds(documented):
    return Datasette([str(documented.path)])


class MarkedText(HTMLParser):
    """The document text of a page (div.ledger-document-text) read back from its HTML: the text
    shown (less the attributions' numbers after their passages), each mark's text, and the links;
    fails on any tag but mark and a, on tags closed out of order and on a link inside a link."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.depth, self.found = 0, False  # inside the text's div while positive; whether it was seen
        self.open = []  # the tags open inside it: (tag, attributes)
        self.text, self.ids, self.refs = [], [], {}
        self.marked = {}  # attribution -> its passage's text, from all its marks
        self.text_links = {}  # attribution of the innermost mark -> the hrefs of its runs of text
        self.feed(html)
        self.close()
        assert self.found and self.depth == 0, "no text, or its div not closed"

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.depth:
            assert tag in ("mark", "a"), tag
            assert not (tag == "a" and any(open_tag == "a" for open_tag, _ in self.open)), "a link inside a link"
            if tag == "mark" and "id" in attrs:
                self.ids.append(attrs["id"])
            self.open.append((tag, attrs))
        elif tag == "div" and "ledger-document-text" in attrs.get("class", ""):
            self.depth, self.found = 1, True

    def handle_endtag(self, tag):
        if not self.depth:
            return
        if not self.open:
            assert tag == "div"
            self.depth = 0
            return
        assert self.open.pop()[0] == tag, f"</{tag}> closes another tag"

    def handle_data(self, data):
        if not self.depth:
            return
        marks = [int(attrs["data-attribution"]) for tag, attrs in self.open if tag == "mark"]
        link = self.open[-1][1] if self.open and self.open[-1][0] == "a" else None
        if link is not None and link.get("class") == "ledger-ref":
            self.refs[int(data)] = (marks[-1], link["href"])
            return
        self.text.append(data)
        for attribution in marks:
            self.marked[attribution] = self.marked.get(attribution, "") + data
        if marks:
            self.text_links.setdefault(marks[-1], set()).add(link and link["href"])


def anchors_of(documented, document):
    """(seq, quote_start, quote_end, claim_id) of each anchored quote in `document`."""
    conn = sqlite3.connect(f"file:{documented.path}?mode=ro", uri=True)
    try:
        return conn.execute(
            """SELECT a.seq, a.quote_start, a.quote_end, r.claim_id FROM anchors AS a
               JOIN attribution_records AS r ON r.seq = a.seq
               WHERE a.document_id = ? AND a.quote_start IS NOT NULL""",
            (document,),
        ).fetchall()
    finally:
        conn.close()


# /ledger/documents ---------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_the_documents_are_listed_with_their_facets_and_without_their_texts(ds, documented):
    data = await get_json(ds, "/ledger/documents.json?_shape=objects")
    contract = ["id", "sha256", "title", "outlet", "url", "date", "language", "translation_of", "translated_by"]
    assert data["columns"] == [*contract, "attributions", "length"]  # no text
    rows = {row["id"]: row for row in data["rows"]}
    assert list(rows) == [documented.seed, documented.hostile, documented.elsewhere]
    assert rows[documented.seed]["attributions"] == len(documented.seeded)
    assert rows[documented.hostile]["attributions"] == len(PASSAGES) + 1
    assert rows[documented.hostile]["translation_of"] == sha256_of(SEED_TEXT)
    facets = {name: {r["value"]: r["count"] for r in facet["results"]} for name, facet in data["facet_results"].items()}
    assert facets == {
        "outlet": {"Global Times": 1, HOSTILE_OUTLET: 1, "BBC": 1},
        "language": {"en": 1, "fr": 1, "es": 1},
    }
    html = (await get(ds, "/ledger/documents")).text
    assert 'id="facet-outlet"' in html and 'id="facet-language"' in html
    for words in ("Global Times Comprehensive Report", "Alpha beta gamma", "MotMot", "Perú rompe"):  # no text
        assert words not in html
    assert "About the columns" in html


@pytest.mark.asyncio
async def test_each_document_links_to_its_page_and_a_stored_original_is_linked(ds, documented):
    html = (await get(ds, "/ledger/documents")).text
    for document in (documented.seed, documented.hostile, documented.elsewhere):
        assert f'<a href="/ledger/documents/{document}">{document}</a>' in html
    assert f'<a href="/ledger/documents/{documented.seed}">{sha256_of(SEED_TEXT)}</a>' in html
    # An original not stored is an address, linked as Datasette links any.
    assert '<a href="https://www.bbc.com/mundo/original">' in html
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert "<i>Diario</i>" not in html


@pytest.mark.asyncio
async def test_the_home_page_links_to_the_documents(ds):
    assert 'href="/ledger/documents"' in (await get(ds, "/")).text


# /ledger/documents/ID ---------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_documents_page_shows_its_metadata_escaped(ds, documented):
    html = (await get(ds, f"/ledger/documents/{documented.hostile}")).text
    assert "<script>alert" not in html and "<i>Diario</i>" not in html and "<b>nobody</b>" not in html
    assert (
        "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt; &amp; &#34;Co&#34;" in html
    )  # the title, in h1 and title
    assert f"<h1>Document {documented.hostile}: &lt;script&gt;" in html
    assert "El &lt;i&gt;Diario&lt;/i&gt; &amp; &#34;Co&#34;" in html and "&lt;b&gt;nobody&lt;/b&gt;" in html
    # The original it translates is stored: linked to its page.
    assert f'<a href="/ledger/documents/{documented.seed}">{sha256_of(SEED_TEXT)}</a>' in html
    seed_page = (await get(ds, f"/ledger/documents/{documented.seed}")).text
    assert f'<a href="/ledger/documents/{documented.hostile}">document {documented.hostile}</a>' in seed_page
    assert f"<h1>Document {documented.seed}: {HEADLINE}</h1>" in seed_page
    elsewhere = (await get(ds, f"/ledger/documents/{documented.elsewhere}")).text
    assert '<a href="https://www.bbc.com/mundo/original" rel="nofollow">' in elsewhere


@pytest.mark.asyncio
@pytest.mark.parametrize("which", ["seed", "hostile"])
async def test_a_documents_page_shows_its_whole_text_escaped_with_every_quote_marked(ds, documented, which):
    document = getattr(documented, which)
    text = SEED_TEXT if which == "seed" else HOSTILE
    html = (await get(ds, f"/ledger/documents/{document}")).text
    shown = MarkedText(html)
    assert "".join(shown.text) == text  # whole, every character as written, line breaks too
    assert 'class="ledger-document-text"' in html and "white-space: pre-wrap" in html
    anchors = anchors_of(documented, document)
    assert sorted(shown.ids) == sorted(f"a-{seq}" for seq, *_ in anchors)  # each mark once
    for seq, start, end, claim_id in anchors:
        assert shown.marked[seq] == text[start:end]
        # Its number after it links to the attribution, on the claim's page.
        assert shown.refs[seq] == (seq, f"/ledger/claims/{claim_id}#attribution-{seq}")
    if which == "hostile":
        assert "<script>alert" not in html
        assert {name: shown.marked[seq] for name, seq in documented.passages.items()} == {
            name: passage for name, (_, passage) in PASSAGES.items()
        }


@pytest.mark.asyncio
async def test_overlapping_passages_nest_their_marks_and_link_each_run_of_text_once(ds, documented):
    html = (await get(ds, f"/ledger/documents/{documented.hostile}")).text
    shown = MarkedText(html)
    alpha, again, beta, gamma = (documented.passages[name] for name in ("alpha", "alpha again", "beta", "gamma"))
    # The same passage twice: two marks, one inside the other, with a number each.
    assert re.search(rf'<mark id="a-{alpha}"[^>]*><mark id="a-{again}"[^>]*>', html)
    assert shown.refs[alpha][0] == alpha and shown.refs[again][0] == again
    # "beta gamma delta" starts inside them and ends beyond: closed with them, opened again after.
    assert f'<mark class="ledger-quote ledger-continued" data-attribution="{beta}"' in html
    # Each run of text links to the attribution of the innermost mark around it.
    claims = {seq: claim for seq, _, _, claim in anchors_of(documented, documented.hostile)}
    for seq in (again, beta, gamma):
        assert shown.text_links[seq] == {f"/ledger/claims/{claims[seq]}#attribution-{seq}"}
    assert alpha not in shown.text_links  # wholly inside `again`: its number alone links to it
    retracted = documented.passages["retracted"]
    assert re.search(rf'<mark id="a-{retracted}" class="ledger-quote ledger-not-current"', html)


@pytest.mark.asyncio
async def test_a_documents_json_gives_its_text_and_anchors_in_text_order(ds, documented):
    data = await get_json(ds, f"/ledger/documents/{documented.hostile}.json")
    assert data["database"] == "ledger" and data["text"] == HOSTILE
    assert data["document"]["id"] == documented.hostile and data["document"]["title"] == HOSTILE_TITLE
    anchored = [a for a in data["anchors"] if a["quote_start"] is not None]
    assert [a["quote_start"] for a in anchored] == sorted(a["quote_start"] for a in anchored)
    assert all(HOSTILE[a["quote_start"] : a["quote_end"]] == a["exact"] for a in anchored)
    assert data["anchors"][-1]["attribution"] == documented.unquoted and data["anchors"][-1]["quote_start"] is None


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "path, reason",
    [
        ("/ledger/documents/99", "Document 99 is not in ledger"),
        ("/ledger/documents/0", "Document 0 is not in ledger"),
        ("/ledger/documents/abc", "Document &#39;abc&#39; is not in ledger: an id is a whole number"),
        ("/ledger/documents/1.5", "Document &#39;1.5&#39; is not in ledger"),
        ("/ledger/documents/-1", "Document &#39;-1&#39; is not in ledger"),
        ("/ledger/documents/99999999999999999999", "Document &#39;99999999999999999999&#39; is not in ledger"),
        ("/ledger/documents/" + "9" * 5000, "Document &#39;" + "9" * 60 + "…&#39; is not in ledger"),
        # Datasette sends /ledger/documents/%3Cscript%3E here.
        ("/ledger/documents/~3Cscript~3E", "Document &#39;&lt;script&gt;&#39; is not in ledger"),
    ],
)
async def test_an_unknown_or_malformed_document_id_is_404_with_the_reason(ds, path, reason):
    assert reason in (await get(ds, path, status=404)).text
    data = await get_json(ds, path + ".json", status=404)
    assert data["ok"] is False and "is not in ledger" in data["error"]


@pytest.mark.asyncio
async def test_a_documents_page_answers_get_and_head_alone(ds, documented):
    assert (await ds.client.head(f"/ledger/documents/{documented.seed}")).status_code == 200
    for method in ("post", "put", "delete"):
        response = await getattr(ds.client, method)(f"/ledger/documents/{documented.seed}")
        assert response.status_code == 405


# The attributions' document and offsets, and the links to the passages --------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize("view", ["attributions", "attribution_rows", "current_attributions"])
async def test_the_attributions_give_their_document_and_the_quotes_offsets(ds, documented, view):
    data = await get_json(ds, f"/ledger/{view}.json?_shape=objects&_size=max")
    columns = data["columns"]
    assert columns[columns.index("quote") + 1 : columns.index("quote") + 4] == ["document", "quote_start", "quote_end"]
    rows = {row["id"]: row for row in data["rows"]}
    texts = {documented.seed: SEED_TEXT, documented.hostile: HOSTILE}
    anchored = [row for row in rows.values() if row["quote_start"] is not None]
    assert len(anchored) == len(documented.seeded) + len(PASSAGES) - (view == "current_attributions")
    for row in anchored:  # where the ledger's own matching finds the quote
        found = anchor(texts[row["document"]], row["quote"])
        assert (row["quote_start"], row["quote_end"]) == (found.start, found.end)
    assert (rows[documented.unquoted]["document"], rows[documented.unquoted]["quote_start"]) == (
        documented.hostile,
        None,
    )
    assert (rows[documented.plain]["document"], rows[documented.plain]["quote_end"]) == (None, None)


@pytest.mark.asyncio
async def test_an_attributions_document_links_to_its_quotes_place(ds, documented):
    html = (await get(ds, "/ledger/attributions?_col=id&_col=document&_col=quote_start&_size=max")).text
    gamma = documented.passages["gamma"]
    assert f'<a href="/ledger/documents/{documented.hostile}#a-{gamma}">{documented.hostile}</a>' in html
    # Without a quote, to the document's page; without a document, nothing.
    assert f'<a href="/ledger/documents/{documented.hostile}">{documented.hostile}</a>' in html
    assert html.count(f'<a href="/ledger/documents/{documented.hostile}">') == 1
    notes = (await get(ds, "/ledger/attributions")).text
    assert "links to the quote&#39;s place in the document&#39;s page" in notes and "TextPositionSelector" in notes
    assert "document, quote_start, quote_end" in notes  # left out of the reader's columns, a click away


@pytest.mark.asyncio
async def test_a_claims_page_links_every_quote_to_its_place_in_its_document(ds, documented):
    rows = {
        row["id"]: row for row in (await get_json(ds, "/ledger/attributions.json?_shape=objects&_size=max"))["rows"]
    }
    claims = {}
    for seq in documented.seeded:
        claims.setdefault(rows[seq]["claim_id"], []).append(seq)
    for claim, seqs in claims.items():
        html = (await get(ds, f"/ledger/claims/{claim}")).text
        for seq in seqs:
            row = re.search(rf'<tr id="attribution-{seq}">(.*?)</tr>', html, re.S)[1]
            assert f'<a href="/ledger/documents/{documented.seed}#a-{seq}">' in row
        data = await get_json(ds, f"/ledger/claims/{claim}.json")
        assert all(a["document"] == documented.seed and a["quote_start"] is not None for a in data["attributions"])
    html = (await get(ds, f"/ledger/claims/{rows[documented.unquoted]['claim_id']}")).text
    unquoted = re.search(rf'<tr id="attribution-{documented.unquoted}">(.*?)</tr>', html, re.S)[1]
    assert f'<a href="/ledger/documents/{documented.hostile}">document {documented.hostile}</a>' in unquoted
    assert "&lt;b&gt;claim&lt;/b&gt;" in html and "<b>claim</b>" not in html


# The marking itself -----------------------------------------------------------------------------------


def shown_of(text, passages):
    return MarkedText(f'<div class="ledger-document-text">{marked_html(text, passages)}</div>')


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="ab <>&\"'\n", min_size=1, max_size=40),
    st.lists(st.tuples(st.integers(0, 40), st.integers(1, 12)), max_size=8),
)
def test_any_passages_give_nested_escaped_marks_around_exactly_their_text(text, spans):
    passages = [
        Passage(seq, start, min(start + length, len(text)), f"/c#{seq}", f'"{seq}" <&>', seq % 2 == 0)
        for seq, (start, length) in enumerate(spans, 1)
        if start < len(text)
    ]
    shown = shown_of(text, passages)
    assert "".join(shown.text) == text
    assert sorted(shown.ids) == sorted(f"a-{p.attribution}" for p in passages)
    for passage in passages:
        assert shown.marked[passage.attribution] == text[passage.start : passage.end]
        assert shown.refs[passage.attribution] == (passage.attribution, passage.href)


def test_a_passage_beyond_the_text_is_left_out():
    shown = shown_of("short <text>", [Passage(1, 0, 5, "/c#1", "", True), Passage(2, 3, 99, "/c#2", "", True)])
    assert shown.ids == ["a-1"] and "".join(shown.text) == "short <text>"


@pytest.mark.asyncio
async def test_a_megabyte_document_with_a_thousand_anchors_is_marked_whole(tmp_path):
    filler = 'Lorem <ipsum> & "dolor" sit amet, consectetur adipiscing elit. ' * 15
    text = "".join(f"Statement number {n} was made here. {filler}\n\n" for n in range(1000))
    text += "x" * (1_000_000 - len(text))
    records = tmp_path / "records.jsonl"
    records.write_text(
        "".join(
            json.dumps(
                {
                    "claim": f"Claim {n % 50}.",
                    "outlet": f"Outlet {n % 7}",
                    "date": "2024-08-01",
                    "stance": "reports",
                    "document": "1",
                    "quote": f"Statement number {n} was made here.",
                }
            )
            + "\n"
            for n in range(1000)
        )
    )
    path = tmp_path / "ledger.db"
    with Ledger(path, create=True) as ledger:
        ledger.add_documents([(text, {"outlet": "Global Times"})])
        ledger.import_file(records)
    html = (await get(Datasette([str(path)]), "/ledger/documents/1")).text
    shown = MarkedText(html)
    assert "".join(shown.text) == text and len(shown.ids) == 1000
    assert shown.marked[2] == "Statement number 0 was made here."
