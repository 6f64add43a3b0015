"""`ledger suggest` as a whole process, as a person runs it (docs/suggest.md):

    .venv/bin/python benchmarks/suggest_speed.py        # BENCH_RUNS runs each (default 3)

the seed article (target: under 2 s median), a 1 MB document (target: under 30 s), and a
10,000,000-character document, the longest a document may be (run once: its time and peak
memory, which must stay bounded). The long documents are news-like sentences, some of them
attributions, drawn at random with a fixed seed, a paragraph of four at a time; the second
is one line, with no paragraph break at all. Prints the figures as a Markdown table."""

import random
import statistics
import subprocess

import common

DIRECTORY = common.DATA / "suggest"
SENTENCES = [
    "Mayor Ana Lopez said that the budget had been balanced for the first time in a decade.",
    "“We will not raise taxes next year,” the senator told reporters on Tuesday.",
    "The weather was fine and the market opened at nine.",
    "According to officials, the bridge will reopen next month.",
    "The Daily Planet reported that the council would meet again in June.",
    "Prices rose by three percent in the last quarter, the report showed.",
    "The minister denied that the budget had been cut.",
]


def text_of(length, paragraphs=True):
    chosen, size, pieces = random.Random(7), 0, []
    while size < length:
        piece = " ".join(chosen.choice(SENTENCES) for _ in range(4))
        pieces.append(piece)
        size += len(piece) + 2
    return ("\n\n" if paragraphs else " ").join(pieces)[:length].rsplit(" ", 1)[0] + "\n"


def build():
    DIRECTORY.mkdir(parents=True, exist_ok=True)
    seed = DIRECTORY / "seed.db"
    if not seed.exists():
        subprocess.run(["sh", str(common.ROOT / "seeds" / "build"), str(seed), common.LEDGER], check=True)
    documents = DIRECTORY / "documents.db"
    if not documents.exists():
        for name, length, paragraphs in (("one-megabyte", 1_000_000, True), ("ten-million", 10_000_000, False)):
            path = DIRECTORY / f"{name}.txt"
            path.write_text(text_of(length, paragraphs), encoding="utf-8")
            subprocess.run(
                [common.LEDGER, "--db", str(documents), "document", "add", str(path), "--outlet", "Example Times"],
                check=True,
                capture_output=True,
            )
    return seed, documents


def main():
    seed, documents = build()
    runs = common.runs()
    figures = [
        ("seed article (2,647 characters)", seed, "1", runs, 2.0),
        ("1 MB document", documents, "1", runs, 30.0),
        ("10,000,000-character document, one line", documents, "2", 1, None),
    ]
    print("| document | runs | median wall | peak memory | target |")
    print("|---|---|---|---|---|")
    for label, db, document, count, target in figures:
        measured = [common.measure([common.LEDGER, "--db", str(db), "suggest", document]) for _ in range(count)]
        wall = statistics.median(run.wall for run in measured)
        peak = max(run.max_rss_kib for run in measured) / 1024
        verdict = f"under {target:g} s: {'pass' if wall < target else 'FAIL'}" if target else "bounded memory"
        print(f"| {label} | {count} | {wall:.2f} s | {peak:.0f} MiB | {verdict} |")


if __name__ == "__main__":
    main()
