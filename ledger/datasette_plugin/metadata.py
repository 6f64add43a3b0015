"""What Datasette publishes about a ledger: titles, column descriptions, facets, search, canned queries.

The plugin hands this to Datasette through `get_metadata` for every database holding a
journal, so `ledger serve` and `datasette ledger.db` agree. It is built once per state of the
ledgers' chains (the heads shown), and each call gets its own copy of its dicts: Datasette
merges local metadata into what a plugin returns, and fills in a table's inherited source and
license, in place, which would otherwise alter it for every later request.
"""

from markupsafe import escape

from ..records import FIELD_HELP, FIELDS, STANCES, STATUSES
from .chain import chain_html
from .state import ledger_names, state_of

LICENSE = "Apache-2.0"
LICENSE_URL = "https://www.apache.org/licenses/LICENSE-2.0"

# How a published column shows a record's field, beyond what the field holds.
SHOWN_AS = {
    "claim": "In its first recorded wording; links to the claim's page.",
    "speaker": "Under its canonical name.",
    "outlet": "Under its canonical name.",
    "via": "Under its canonical name.",
    "document": "Shown as its id in this ledger; links to the quote's place in the document's page.",
}

ATTRIBUTION_COLUMNS = {
    "id": "The attribution's id: the seq of the journal entry that recorded it.",
    "claim_id": "The claim's id (same claim: equal text after NFC, case folding, white space and a final full stop).",
    "claimant": "Who holds the stance: the speaker when given, else the outlet.",
    **{field: " ".join(filter(None, (FIELD_HELP[field], SHOWN_AS.get(field)))) for field in FIELDS},
    "month": "The date's YYYY-MM, for faceting by month.",
    "quote_start": "Where the quote starts in the document's text, in code points from 0 (a W3C Web Annotation "
    "TextPositionSelector's start); empty without a document or a quote.",
    "quote_end": "Where the quote ends in the document's text, in code points (the selector's end, exclusive).",
    "status": "; ".join(
        f"{status} ({meaning})"
        for status, meaning in zip(
            STATUSES, ("neither withdrawn nor replaced", "withdrawn", "replaced by a correction")
        )
    )
    + ".",
}

# What the attributions page shows unless the reader picks columns (`_col`, `_nocol`): the
# claimant stands for the speaker, the claim's link for its id; the rest is a click away.
READER_COLUMNS = ("id", "claim", "claimant", "outlet", "via", "date", "stance", "status")

# The attributions' columns that show a canonical name -> the column of attribution_records (and
# of the view attribution_rows) holding the id of the name as written.
NAME_ID_COLUMNS = {field: f"{field}_id" for field in ("outlet", "speaker", "via")}

ATTRIBUTION_ROWS_COLUMNS = {
    **ATTRIBUTION_COLUMNS,
    **{
        id_column: f"The id of the {field} as written in the journal entry (names.id); it may be an alias."
        for field, id_column in NAME_ID_COLUMNS.items()
    },
}

CLAIM_COLUMNS = {
    "id": "The claim's id.",
    "text": "The proposition, in its first recorded wording. Links to the claim's page with its timeline.",
    "first_seen": "The earliest date among its current attributions.",
    "first_outlet": "The outlet of its earliest current attribution.",
    "attributions": "How many current attributions it has.",
    **{stance: f"How many of its current attributions {stance} it." for stance in STANCES},
    "contested": "1 when at least one current attribution asserts it and at least one disputes it.",
}

DOCUMENT_COLUMNS = {
    "id": "The document's id: the seq of the journal entry that recorded it. Links to its page, with its text.",
    "sha256": "Hex SHA-256 of the text's UTF-8 bytes: how the journal and exports name the document.",
    "title": "Its title, when known.",
    "outlet": "The publication or channel that published it, under its canonical name.",
    "url": "Its address, when known.",
    "date": "When it was published, when known.",
    "language": "Its language as a BCP 47 tag (en, zh, pt-BR).",
    "translation_of": "The document it translates: the sha256 of a document in this ledger (linked to its page), "
    "or the address of an original not stored.",
    "translated_by": "Who translated it: a name, or machine.",
    "attributions": "How many attributions name it, current or not.",
    "length": "Its text's length in code points.",
}

JOURNAL_COLUMNS = {
    "seq": "1, 2, 3 ... with no gaps; an attribution's id is the seq of its entry.",
    "payload": "The entry as canonical JSON: keys sorted, no white space, UTF-8, NFC.",
    "prev_hash": "The hash of entry seq - 1 (64 zeros for entry 1).",
    "hash": "Lower-case hex SHA-256 of the UTF-8 bytes of prev_hash + newline + payload.",
    "prev_digest": "prev_hash as the 32 bytes stored (prev_hash is computed from them).",
    "digest": "hash as the 32 bytes stored (hash is computed from them).",
}

ATTRIBUTION_FACETS = ["stance", "status", "outlet", "speaker", "via", "month"]

# The views that the plugin searches (`search.search_filters`) rather than Datasette,
# so that a word finds the longer words it begins and an attribution is found by its names:
# view -> (its full-text table, whose rowids are the view's `id`; whether names are searched).
ATTRIBUTION_VIEWS = ("attributions", "current_attributions", "attribution_rows")  # one row per attribution
SEARCHES = {**{view: ("attribution_search", True) for view in ATTRIBUTION_VIEWS}, "claims": ("claim_search", False)}
_SEARCH_HOW = (
    "A word also finds the longer words that begin with it: Peru finds Peruvian. Case and accents "
    'do not matter. Every word must be found; "words in double quotes" must be found together.'
)
SEARCH_HELP = {  # by whether names are searched
    True: "Search looks in claims, quotes and names, as written and canonical. " + _SEARCH_HOW,
    False: "Search looks in the claims' texts. " + _SEARCH_HOW,
}

_STANCE_COUNTS = ",\n  ".join(f"sum(stance = '{stance}') AS {stance}" for stance in STANCES)

# The contested claims and how many current attributions each has, in one pass over the current
# attributions in table order: `+claim_id` keeps SQLite from reading them in claim order through
# an index, a seek per row.
CONTESTED_COUNTS = """SELECT claim_id, count(*) AS attributions
  FROM current_records
  GROUP BY +claim_id
  HAVING max(stance = 'asserts') AND max(stance = 'disputes')"""


def claimants_sql(stance):
    """SQL for the distinct claimants (canonical) of the current attributions of `claims.id` with
    `stance`, joined by `; ` (a name may hold a comma)."""
    return f"""(SELECT group_concat(claimant, '; ') FROM (
    SELECT DISTINCT claimant FROM current_attributions
    WHERE claim_id = claims.id AND stance = '{stance}' ORDER BY claimant))"""


QUERIES = {
    "contested": {
        "title": "Contested claims",
        "description": "Claims that at least one current attribution asserts and another disputes, most attributions "
        "first, with who asserts and who disputes them (names canonical).",
        # The claims view and the claimants are read only for the rows shown, in the order of the
        # subquery, which is the outer loop; ordering the outer query instead would compute every row first.
        "sql": f"""SELECT claims.id AS claim_id, claims.text AS claim,
  {claimants_sql("asserts")} AS asserted_by,
  {claimants_sql("disputes")} AS disputed_by,
  claims.attributions, claims.asserts, claims.reports, claims.questions, claims.disputes,
  claims.first_seen, claims.first_outlet
FROM (
  {CONTESTED_COUNTS}
  ORDER BY attributions DESC, claim_id
) AS contested
JOIN claims ON claims.id = contested.claim_id""",
        "hide_sql": True,
    },
    "first_reported": {
        "title": "Who carried each claim first",
        "description": "For each claim, its earliest current attributions (all of them when several share the first "
        "moment; dates with an offset compared in UTC, a day alone as its first moment).",
        "sql": """SELECT claim_id, claim, date, claimant, outlet, via, stance, id AS attribution_id
FROM (
  SELECT *, rank() OVER (PARTITION BY claim_id ORDER BY unixepoch(date)) AS position
  FROM current_attributions
)
WHERE position = 1
ORDER BY unixepoch(date), claim_id, attribution_id""",
        "hide_sql": True,
    },
    "outlet_stances": {
        "title": "Each outlet's stances",
        "description": "Per outlet (canonical name), its current attributions counted by stance.",
        "sql": f"""SELECT outlet, count(*) AS attributions,
  {_STANCE_COUNTS}
FROM current_attributions
GROUP BY outlet
ORDER BY attributions DESC, outlet""",
        "hide_sql": True,
    },
    "relay_chains": {
        "title": "Relay chains",
        "description": "Current attributions found through another publication: claimant → outlet → via, "
        "for each claim.",
        "sql": """SELECT claim_id, claim,
  CASE WHEN speaker IS NULL THEN outlet ELSE speaker || ' → ' || outlet END || ' → ' || via AS chain,
  speaker, outlet, via, date, stance, id AS attribution_id
FROM current_attributions
WHERE via IS NOT NULL
ORDER BY claim_id, date, attribution_id""",
        "hide_sql": True,
    },
}


def database_metadata(database_url, chain_html):
    """Metadata for the ledger at `database_url`; `chain_html` tells of its hash chain."""
    url = escape(database_url)
    return {
        "description_html": (
            f'<p>Start with the <a href="{url}/attributions">attributions</a> (facets and search), '
            f'the <a href="{url}/claims">claims</a> (each with its timeline) '
            f'or the <a href="{url}/contested">contested claims</a>.</p>'
        )
        + chain_html,
        "source": "its hash-chained journal",
        "source_url": f"{database_url}/journal",
        "license": LICENSE,
        "license_url": LICENSE_URL,
        "tables": {
            "attributions": {
                "description": "One row per attribution, current or not, newest first; names shown canonical.",
                "columns": ATTRIBUTION_COLUMNS,
                "facets": [{"counted": column} for column in ATTRIBUTION_FACETS],
                "sort_desc": "id",
            },
            "attribution_rows": {
                "description": "The attributions with the ids of their names as written (see names), "
                "by which facets are counted.",
                "columns": ATTRIBUTION_ROWS_COLUMNS,
                "sort_desc": "id",
            },
            "current_attributions": {
                "description": "The attributions that are neither retracted nor superseded.",
                "columns": ATTRIBUTION_COLUMNS,
                "sort_desc": "id",
            },
            "claims": {
                "description": "One row per claim, with counts over its current attributions.",
                "columns": CLAIM_COLUMNS,
                "facets": [{"counted": "contested"}],
                "sort": "id",
            },
            "documents": {
                "description": "The texts in which attributions are read, oldest first; each id links to the "
                "document's page, its text with every anchored quote highlighted.",
                "columns": DOCUMENT_COLUMNS,
                "facets": ["outlet", "language"],
                "sort": "id",
            },
            "journal": {
                "description": "The append-only, SHA-256 hash-chained journal: every other table is a "
                "projection of it.",
                "columns": JOURNAL_COLUMNS,
            },
            "names": {"label_column": "name"},
            "claim_texts": {"label_column": "text"},
        },
        "queries": QUERIES,
    }


def instance_metadata(ledgers):
    """Metadata for a Datasette serving `ledgers`: database name -> (database URL, chain_html)."""
    metadata = {
        "title": "Source-attribution ledger",
        # The home page's template shows each ledger's hash chain with the rest of what it holds.
        "description_html": "<p>Who said what, where and when, with what stance, and who disputes it: "
        "every attribution is an entry in a SHA-256 hash-chained journal.</p>",
        "license": LICENSE,
        "license_url": LICENSE_URL,
        "databases": {name: database_metadata(*ledger) for name, ledger in ledgers.items()},
    }
    if len(ledgers) == 1:  # table pages inherit only the instance's source, so name the one journal
        [(database_url, _)] = ledgers.values()
        metadata.update(source="the ledger's hash-chained journal", source_url=f"{database_url}/journal")
    return metadata


def ledger_metadata(datasette) -> dict | None:
    """The metadata of a Datasette serving ledgers, None when it serves none: built again only
    once a ledger's chain shows another head, and copied for each call."""
    state = state_of(datasette)
    chains = tuple((name, state.chains.get(name)) for name in ledger_names(datasette))
    if not chains:
        return None
    if state.metadata is None or state.metadata[0] != chains:
        ledgers = {name: (datasette.urls.database(name), str(chain_html(datasette, name))) for name, _ in chains}
        state.metadata = (chains, instance_metadata(ledgers))
    return _own_copy(state.metadata[1])


def _own_copy(metadata):
    """A copy of `metadata` with dicts and lists of its own, sharing their strings."""
    copied = metadata.copy()
    for key, value in metadata.items():
        if isinstance(value, dict):
            copied[key] = _own_copy(value)
        elif isinstance(value, list):
            copied[key] = [_own_copy(item) if isinstance(item, dict) else item for item in value]
    return copied
