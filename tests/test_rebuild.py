"""The journal is the truth: replaying it into a new file rebuilds identical projections."""

import sqlite3

from ledger.db import Ledger
from ledger.projections import PROJECTION_TABLES, rebuild

from .helpers import SAMPLE

VIEWS = ("entities", "attributions", "claims")


def dump(path, table):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
    finally:
        conn.close()


def test_rebuilt_tables_equal_the_originals(tmp_path):
    original = tmp_path / "original.db"
    with Ledger(original, create=True) as ledger:
        first, _ = ledger.add({**SAMPLE, "speaker": "Hill", "via": "Global Times", "quote": "first"})
        second, _ = ledger.add(
            {
                **SAMPLE,
                "claim": "peru WAS the first country to recognize edmundo gonzález as president-elect of venezuela",
                "outlet": "Gestión",
                "stance": "disputes",
            }
        )
        ledger.add({**SAMPLE, "claim": "Another claim.", "outlet": "teleSUR"})
        ledger.alias("Hill", "Gil")
        ledger.alias("Gil", "Yván Gil")
        ledger.alias("Hill", "Yván Gil")
        ledger.retract(first, "misread")
        ledger.correct(second, "outlet", {"outlet": "El Peruano"})
        ledger.fact_checker("Chequeado")
    copy = tmp_path / "copy.db"
    assert rebuild(original, copy) == 9
    for table in (*PROJECTION_TABLES, "journal", *VIEWS):
        assert dump(copy, table) == dump(original, table), table
    assert dump(copy, "attribution_search") == dump(original, "attribution_search")
    with Ledger(copy) as ledger:
        assert ledger.verify()[0] == 9


def test_search_indexes_merge_eight_segments_at_a_time_in_a_new_and_a_rebuilt_ledger(tmp_path):
    """schema.sql's setting of the search indexes, which a large import depends on for its speed."""
    original, copy = tmp_path / "original.db", tmp_path / "copy.db"
    with Ledger(original, create=True) as ledger:
        ledger.add(SAMPLE)
    rebuild(original, copy)
    for path in (original, copy):
        conn = sqlite3.connect(path)
        for table in ("attribution_search", "claim_search"):
            assert conn.execute(f"SELECT v FROM {table}_config WHERE k = 'automerge'").fetchone() == (8,), (path, table)
        conn.close()
