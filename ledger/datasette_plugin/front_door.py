"""The home page of a Datasette serving ledgers: a front door to what each ledger holds (counts,
contested claims, the newest attributions, outlets by stance drawn as bars, the journal's head)."""

import json
import urllib.parse
from functools import partial

from ..records import STANCES
from .cells import claim_url
from .chain import chain_html
from .counts import HOME_ROWS, head_counts
from .metadata import claimants_sql
from .state import ledger_names, once_per_head
from .timeline import STANCE_COLOURS


async def front_doors(datasette, request) -> dict:
    """The template variables of the home page: the front door of each ledger the reader may see."""
    doors = []
    for name in ledger_names(datasette):
        if await datasette.permission_allowed(request.actor, "view-database", name, default=True):
            doors.append(await front_door(datasette, name))
    return {"ledger_front_doors": doors}


async def front_door(datasette, name):
    """What the home page shows of one ledger: what it holds, counted once per head (head_counts),
    and its newest attributions, read anew (the newest rows by id: a seek)."""
    db = datasette.get_database(name)
    counts = await db.execute_fn(partial(once_per_head, datasette, name, head_counts))
    contested = {
        row["claim_id"]: dict(row)
        for row in await db.execute(
            f"""SELECT claims.id AS claim_id, claims.text AS claim, claims.attributions,
              {claimants_sql("asserts")} AS asserted_by, {claimants_sql("disputes")} AS disputed_by
            FROM claims WHERE claims.id IN (SELECT value FROM json_each(:ids))""",
            {"ids": json.dumps(counts["first_contested"])},
        )
    }
    newest = await db.execute(f"SELECT * FROM attributions ORDER BY id DESC LIMIT {HOME_ROWS}")
    table = partial(datasette.urls.table, name)
    widest = max((stances.total() for _, stances in counts["outlets"]), default=1)
    return {
        "name": name,
        "url": datasette.urls.database(name),
        "chain": chain_html(datasette, name),
        "statuses": counts["attributions"]["status"],
        "attributions": counts["attributions"]["status"].total(),
        "claims": counts["claims"]["contested"].total(),
        "contested": counts["claims"]["contested"][1],
        "outlet_count": counts["outlet_count"],
        "contested_claims": [contested[claim_id] for claim_id in counts["first_contested"]],
        "newest": [dict(row) for row in newest],
        "outlets": [
            {
                "name": outlet,
                "total": stances.total(),
                "url": table("attributions") + "?" + urllib.parse.urlencode({"outlet": outlet, "status": "current"}),
                "parts": [
                    {
                        "stance": stance,
                        "count": stances[stance],
                        "colour": STANCE_COLOURS[stance],
                        "width": round(100 * stances[stance] / widest, 2),
                    }
                    for stance in STANCES
                    if stances[stance]
                ],
            }
            for outlet, stances in counts["outlets"]
        ],
        "stance_colours": STANCE_COLOURS,
        "claim_url": partial(claim_url, datasette, name),
        "links": {
            "attributions": table("attributions"),
            "claims": table("claims"),
            "contested": table("contested"),
            "documents": table("documents")
            if (await db.execute("SELECT EXISTS (SELECT 1 FROM document_records)")).first()[0]
            else None,
            "journal": table("journal"),
            **{query: table(query) for query in ("first_reported", "outlet_stances", "relay_chains")},
        },
    }
