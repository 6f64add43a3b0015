"""Figure 7: documents. Importing 100,000 attributions whose quotes are anchored in 2,000
documents, against importing the same records without `document` into the same ledger
(target: at most 1.3 times); adding a 1 MB document as a whole process (target: under 1 s);
the published pages of the seed article and of a 1 MB document with 1,000 anchored quotes
(page_timing.py's fetch; target: under 200 ms median); and, when BENCH_SIZES holds 1,000,000,
`verify` of a ledger of 1,000,000 attributions of which 100,000 are anchored, against the
floor's import of the same records (target: under 0.25).

The documents are made from the generated records themselves: each record with a quote goes
to one of 2,000 documents, fifty records after fifty as an import of a desk's articles would
hold them, and each document's text is its records' quotes, a paragraph each, between
sentences of its own. Taking turns, as every figure does.
"""

import hashlib
import json
import random
import shutil
import statistics
import subprocess

import common
import datasette_pages
import verify_speed
from datasette_pages import page_timing

DOCUMENTS = 2_000
SIZE = 100_000
DIRECTORY = common.DATA / "documents"


def anchored(records, anchors):
    """The texts of DOCUMENTS documents holding the quotes of the first `anchors` quoted
    records, fifty records after fifty; those records are given their `document`."""
    quoted = [record for record in records if "quote" in record][:anchors]
    per_document = -(-len(quoted) // DOCUMENTS)
    texts = []
    for start in range(0, len(quoted), per_document):
        paragraphs = [f"Report {start // per_document} on the events of the week."]
        paragraphs += [f"{record['quote']}, the report says." for record in quoted[start : start + per_document]]
        text = "\n\n".join(paragraphs) + "\n"
        sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
        for record in quoted[start : start + per_document]:
            record["document"] = sha256
        texts.append(text)
    return texts


def write_documents(texts, path):
    with path.open("w", encoding="utf-8") as out:
        for number, text in enumerate(texts):
            out.write(json.dumps({"text": text, "outlet": f"Outlet {number % 50}"}, ensure_ascii=False) + "\n")


def import_documents(documents, target):
    common.remove_database(target)
    common.measure([common.LEDGER, "--db", str(target), "import", "--format", "documents", str(documents)])


def build():
    """The files of the figure, made once: documents.jsonl, the records with and without
    `document`, a ledger holding the documents, and a 1 MB text."""
    DIRECTORY.mkdir(parents=True, exist_ok=True)
    records = [json.loads(line) for line in common.records_file(SIZE).open(encoding="utf-8")]
    write_documents(anchored(records, len(records)), DIRECTORY / "documents.jsonl")
    for name, keep in (("anchored", True), ("plain", False)):
        with (DIRECTORY / f"records-{name}.jsonl").open("w", encoding="utf-8") as out:
            for record in records:
                written = record if keep else {key: value for key, value in record.items() if key != "document"}
                out.write(json.dumps(written, ensure_ascii=False) + "\n")
    import_documents(DIRECTORY / "documents.jsonl", DIRECTORY / "documents.db")
    words = random.Random(7).choices(
        ["report", "said", "the", "government", "Perú", "relations", "—", "“quoted”"], k=170_000
    )
    (DIRECTORY / "one-megabyte.txt").write_text(" ".join(words) + "\n", encoding="utf-8")


def import_into_copy(records):
    def run(round_number):
        target = DIRECTORY / f"import-{round_number}.db"
        common.remove_database(target)
        shutil.copy(DIRECTORY / "documents.db", target)
        return common.measure([common.LEDGER, "--db", str(target), "import", str(DIRECTORY / records)])

    return run


def add_megabyte(round_number):
    target = DIRECTORY / "megabyte.db"
    common.remove_database(target)
    return common.measure([common.LEDGER, "--db", str(target), "document", "add", str(DIRECTORY / "one-megabyte.txt")])


def main():
    build()
    timed = common.interleaved(
        {
            "anchored": import_into_copy("records-anchored.jsonl"),
            "plain": import_into_copy("records-plain.jsonl"),
            "megabyte": add_megabyte,
        },
        common.runs(),
    )
    rows = [
        common.row(
            "documents",
            SIZE,
            f"`ledger import`, quotes anchored in {DOCUMENTS:,} documents, wall",
            common.median(timed["anchored"]),
            "the same records without `document`",
            common.median(timed["plain"]),
            "s",
            "≤ 1.3",
            1.3,
        ),
        common.row(
            "documents",
            1,
            "`ledger document add` of a 1 MB text, whole process, wall",
            common.median(timed["megabyte"]),
            "one second",
            1.0,
            "s",
            "< 1 s",
            1.0,
            strictly=True,
        ),
    ]
    rows += document_pages(timed)
    if 1_000_000 in common.sizes():
        rows.append(verify_with_anchors(timed))
    common.save("documents", rows, timed)


def verify_with_anchors(timed, size=1_000_000, anchors=100_000):
    """`verify` of `size` attributions, `anchors` of them anchored, against the floor's import."""
    ledger, stamp = DIRECTORY / f"anchored-{size}.db", DIRECTORY / f"anchored-{size}.built-by"
    if not (ledger.exists() and stamp.exists() and stamp.read_text() == common.code_fingerprint()):
        records = [json.loads(line) for line in common.records_file(size).open(encoding="utf-8")]
        write_documents(anchored(records, anchors), DIRECTORY / f"documents-{size}.jsonl")
        with (DIRECTORY / f"records-{size}.jsonl").open("w", encoding="utf-8") as out:
            out.writelines(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
        import_documents(DIRECTORY / f"documents-{size}.jsonl", ledger)
        common.measure([common.LEDGER, "--db", str(ledger), "import", str(DIRECTORY / f"records-{size}.jsonl")])
        stamp.write_text(common.code_fingerprint())
    timed.update(verify_speed.timed_against_floor(ledger, size))
    return verify_speed.verify_row(
        "documents", size, f"`ledger verify`, {anchors:,} attributions anchored, wall", timed
    )


PAGE_FETCHES = 7


def document_pages(timed):
    """The page of the seed article (document 1 of the seed ledger) and of a 1 MB document with
    1,000 anchored quotes added to it, each fetched PAGE_FETCHES times after a warm-up."""
    ledger = DIRECTORY / "pages" / "ledger.db"  # published as /ledger
    ledger.parent.mkdir(exist_ok=True)
    common.remove_database(ledger)
    subprocess.run(
        ["sh", str(common.ROOT / "seeds" / "build"), str(ledger), common.LEDGER], check=True, capture_output=True
    )
    added = subprocess.run(
        [common.LEDGER, "--db", str(ledger), "document", "add", str(DIRECTORY / "one-megabyte.txt")],
        check=True,
        capture_output=True,
        text=True,
    )
    megabyte = added.stdout.strip()
    words = (DIRECTORY / "one-megabyte.txt").read_text(encoding="utf-8").split()
    with (DIRECTORY / "page-anchors.jsonl").open("w", encoding="utf-8") as out:
        for number in range(1_000):
            quote = " ".join(words[number * 160 : number * 160 + 8])
            record = {"claim": f"Claim {number}.", "outlet": "The Wire", "date": "2024-08-01", "stance": "reports"}
            out.write(json.dumps({**record, "document": megabyte, "quote": quote}, ensure_ascii=False) + "\n")
    common.measure([common.LEDGER, "--db", str(ledger), "import", str(DIRECTORY / "page-anchors.jsonl")])
    server = datasette_pages.Server(ledger)
    rows = []
    try:
        server.wait()
        pages = (("the seed article", "/ledger/documents/1"), ("1 MB, 1,000 quotes", f"/ledger/documents/{megabyte}"))
        for name, path in pages:
            page_timing.fetch(server.base + path)
            fetches = [page_timing.fetch(server.base + path) for _ in range(PAGE_FETCHES)]
            assert {status for _, status, _ in fetches} == {200}, path
            timed[f"page {name}"] = [ms for ms, _, _ in fetches]
            rows.append(
                common.row(
                    "documents",
                    1,
                    f"page of a document: {name}, median of {PAGE_FETCHES}",
                    statistics.median(ms for ms, _, _ in fetches),
                    "200 ms",
                    200.0,
                    "ms",
                    "< 200 ms",
                    1.0,
                    strictly=True,
                )
            )
    finally:
        server.stop()
    return rows


if __name__ == "__main__":
    main()
