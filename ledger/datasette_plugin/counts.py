"""What is counted over a whole ledger, once per journal head, for the default facets and the
home page alike; and how counts by name id add up by canonical name."""

import contextlib
import heapq
import sqlite3
from collections import Counter, defaultdict

from datasette.database import QueryInterrupted
from datasette.utils import sqlite_timelimit

from .metadata import CONTESTED_COUNTS, NAME_ID_COLUMNS

HOME_ROWS = 5  # contested claims, and newest attributions, on the home page
HOME_OUTLETS = 10  # outlets drawn by stance


@contextlib.contextmanager
def time_limited(conn, ms, sql, params):
    """Datasette's time limit of `ms` on `conn`, and its QueryInterrupted, which Datasette's
    pages handle, when `sql` with `params` runs past it."""
    try:
        with sqlite_timelimit(conn, ms):
            yield
    except sqlite3.OperationalError as error:
        if "interrupted" in str(error):
            raise QueryInterrupted(error, sql, params) from None
        raise


def canonical_names(conn) -> dict:
    """{name id: the canonical name it resolves to}, for every name written."""
    return dict(conn.execute("SELECT id, canonical FROM entities"))


def by_canonical_name(counts_by_id, canonical) -> Counter:
    """Counts by name id, added up by the canonical name each id resolves to."""
    named = Counter()
    for name_id, count in counts_by_id.items():
        named[canonical[name_id]] += count
    return named


def head_counts(conn) -> dict:
    """What is counted over a whole ledger, once per journal head: {view: {column: Counter of
    value}} over every row of the attributions and claims views, for their facets; and for the
    home page, `first_contested` (the ids of the claims that the contested query lists first),
    `outlets` (the outlets with most current attributions, each with its Counter by stance)
    and `outlet_count`."""
    canonical = canonical_names(conn)
    attributions = {
        "stance": Counter(dict(conn.execute("SELECT stance, count(*) FROM attribution_records GROUP BY 1")))
    }
    for column, id_column in NAME_ID_COLUMNS.items():
        attributions[column] = by_canonical_name(
            dict(
                conn.execute(
                    f"SELECT {id_column}, count(*) FROM attribution_records WHERE {id_column} IS NOT NULL GROUP BY 1"
                )
            ),
            canonical,
        )
    attributions["month"] = Counter(
        dict(conn.execute("SELECT substr(date, 1, 7), count(*) FROM attribution_records GROUP BY 1"))
    )
    total, retracted, superseded, claims = conn.execute(
        "SELECT (SELECT count(*) FROM attribution_records), (SELECT count(*) FROM retractions),"
        " (SELECT count(*) FROM corrections), (SELECT count(*) FROM claim_texts)"
    ).fetchone()
    attributions["status"] = +Counter(
        {"current": total - retracted - superseded, "retracted": retracted, "superseded": superseded}
    )
    first_contested = conn.execute(
        f"SELECT claim_id, count(*) OVER () FROM ({CONTESTED_COUNTS}) ORDER BY attributions DESC, claim_id"
        f" LIMIT {HOME_ROWS}"
    ).fetchall()
    contested = first_contested[0][1] if first_contested else 0
    by_outlet = defaultdict(Counter)
    outlet_stances = conn.execute("SELECT outlet_id, stance, count(*) FROM current_records GROUP BY 1, 2")
    for outlet_id, stance, count in outlet_stances:
        by_outlet[canonical[outlet_id]][stance] += count
    return {
        "attributions": attributions,
        "claims": {"contested": +Counter({1: contested, 0: claims - contested})},
        "first_contested": [claim_id for claim_id, _ in first_contested],
        "outlets": heapq.nsmallest(HOME_OUTLETS, by_outlet.items(), key=lambda item: (-item[1].total(), item[0])),
        "outlet_count": len(by_outlet),
    }
