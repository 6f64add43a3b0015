"""Figure 7: documents. Importing 100,000 attributions whose quotes are anchored in 2,000
documents, against importing the same records without `document` into the same ledger
(target: at most 1.3 times); and adding a 1 MB document as a whole process (target: under 1 s).

The documents are made from the generated records themselves: each record with a quote goes
to one of 2,000 documents, fifty records after fifty as an import of a desk's articles would
hold them, and each document's text is its records' quotes, a paragraph each, between
sentences of its own. Taking turns, as every figure does.
"""

import hashlib
import json
import random
import shutil

import common

DOCUMENTS = 2_000
SIZE = 100_000
DIRECTORY = common.DATA / "documents"


def build():
    """The files of the figure, made once: documents.jsonl, the records with and without
    `document`, a ledger holding the documents, and a 1 MB text."""
    DIRECTORY.mkdir(parents=True, exist_ok=True)
    records = [json.loads(line) for line in common.records_file(SIZE).open(encoding="utf-8")]
    quoted = [record for record in records if "quote" in record]
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
    with (DIRECTORY / "documents.jsonl").open("w", encoding="utf-8") as out:
        for number, text in enumerate(texts):
            out.write(json.dumps({"text": text, "outlet": f"Outlet {number % 50}"}, ensure_ascii=False) + "\n")
    for name, keep in (("anchored", True), ("plain", False)):
        with (DIRECTORY / f"records-{name}.jsonl").open("w", encoding="utf-8") as out:
            for record in records:
                written = record if keep else {key: value for key, value in record.items() if key != "document"}
                out.write(json.dumps(written, ensure_ascii=False) + "\n")
    common.remove_database(DIRECTORY / "documents.db")
    common.measure(
        [
            common.LEDGER,
            "--db",
            str(DIRECTORY / "documents.db"),
            "import",
            "--format",
            "documents",
            str(DIRECTORY / "documents.jsonl"),
        ]
    )
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
    common.save("documents", rows, timed)


if __name__ == "__main__":
    main()
