"""Reading a ledger back without SQL: one attribution, the claims, a full-text search, and
the newest journal entries (CONTRACT.md section 2). `Ledger` has these as methods."""

import json
import re

from .errors import LedgerError
from .records import LARGEST_ID, record_of


class Reading:
    """The reading methods of `Ledger` (its `conn` is the ledger's connection)."""

    def show(self, attribution: int) -> dict:
        """Attribution `attribution`: its record as written, its names canonical, its status,
        claim, document and anchor, and what retracted or superseded it, or what it corrects.
        Raises LedgerError if the ledger holds no such attribution."""
        row = None
        if 1 <= attribution <= LARGEST_ID:
            row = self.conn.execute(
                """SELECT r.id, r.claim_id, r.claim, r.claimant, r.speaker, r.outlet, r.via, r.status, j.payload
                   FROM attribution_rows AS r JOIN journal AS j ON j.seq = r.id WHERE r.id = ?""",
                (attribution,),
            ).fetchone()
        if row is None:
            raise LedgerError(f"attribution {attribution} is not in this ledger")
        seq, claim_id, claim, claimant, speaker, outlet, via, status, payload = row
        entry = json.loads(payload)
        shown = {
            "id": seq,
            "status": status,
            **record_of(entry),
            "claim_id": claim_id,
            "claim_as_first_recorded": claim,
            "canonical": {"claimant": claimant, "speaker": speaker, "outlet": outlet, "via": via},
            "recorded_at": entry["recorded_at"],
        }
        anchored = self.conn.execute(
            "SELECT document_id, quote_start, quote_end FROM anchors WHERE seq = ?", (seq,)
        ).fetchone()
        if anchored:
            shown["document_id"], shown["quote_start"], shown["quote_end"] = anchored
        for key, query in _FATES.items():
            found = self.conn.execute(query, (seq,)).fetchone()
            if found:
                shown[key] = {"id": found[0], "reason": found[1]}
        return shown

    def claims(self, contested: bool = False, search: str | None = None, limit: int | None = None) -> list[dict]:
        """The claims with their counts of current attributions by stance, most attributions
        first; only the contested ones, or those whose words match `search` (full text)."""
        where, parameters = [], []
        if contested:
            where.append("contested")
        if search is not None:
            where.append("id IN (SELECT rowid FROM claim_search WHERE claim_search MATCH ?)")
            parameters.append(match_expression(search))
        rows = self.conn.execute(
            f"""SELECT {", ".join(_CLAIM_COLUMNS)} FROM claims {"WHERE " + " AND ".join(where) if where else ""}
                ORDER BY attributions DESC, id LIMIT ?""",
            (*parameters, -1 if limit is None else limit),
        )
        return [dict(zip(_CLAIM_COLUMNS, row)) for row in rows]

    def search(self, text: str, limit: int | None = None) -> list[dict]:
        """The attributions whose claim or quote matches the words of `text` (full text, a word
        also finding the longer words it begins), best first (bm25); then those whose outlet,
        speaker or via holds `text` (as written or canonical, any case), newest first."""
        columns = ", ".join(f"r.{column}" for column in _SEARCHED_COLUMNS)
        rows = self.conn.execute(
            f"""SELECT {columns} FROM attribution_search AS s JOIN attributions AS r ON r.id = s.rowid
                WHERE attribution_search MATCH ? ORDER BY bm25(attribution_search), r.id""",
            (match_expression(text),),
        ).fetchall()
        found = {row[0] for row in rows}
        names = "(SELECT id FROM entities WHERE instr(lower(name), lower(?1)) OR instr(lower(canonical), lower(?1)))"
        rows += [
            row
            for row in self.conn.execute(
                f"""SELECT {columns} FROM attribution_rows AS r
                    WHERE r.outlet_id IN {names} OR r.speaker_id IN {names} OR r.via_id IN {names}
                    ORDER BY r.id DESC""",
                (text.strip(),),
            )
            if row[0] not in found
        ]
        return [dict(zip(_SEARCHED_COLUMNS, row)) for row in rows[:limit]]

    def log(self, limit: int | None = 20) -> list[dict]:
        """The newest journal entries, newest first: seq, type, recorded_at, the first 12
        digits of the hash, and a one-line summary."""
        rows = self.conn.execute(
            "SELECT seq, hash, payload FROM journal ORDER BY seq DESC LIMIT ?", (-1 if limit is None else limit,)
        )
        logged = []
        for seq, digest, payload in rows:
            entry = json.loads(payload)
            logged.append(
                {
                    "seq": seq,
                    "type": entry["type"],
                    "recorded_at": entry["recorded_at"],
                    "hash": digest[:12],
                    "summary": summary(entry),
                }
            )
        return logged


_FATES = {
    "retracted_by": "SELECT seq, reason FROM retractions WHERE target = ?",
    "superseded_by": "SELECT seq, reason FROM corrections WHERE target = ?",
    "corrects": "SELECT target, reason FROM corrections WHERE seq = ?",
}
_CLAIM_COLUMNS = (
    "id",
    "text",
    "attributions",
    "asserts",
    "reports",
    "questions",
    "disputes",
    "contested",
    "first_seen",
    "first_outlet",
)
_SEARCHED_COLUMNS = ("id", "claim", "claimant", "outlet", "via", "date", "stance", "status", "quote")
_WORD = re.compile(r"[^\W_]+")


def match_expression(text):
    """An FTS5 query for the words of `text`: each a prefix, all required; what a person types
    is never read as FTS5's own syntax."""
    words = _WORD.findall(text)
    if not words:
        raise LedgerError(f"{text!r} has no word to search for")
    return " ".join(f'"{word}"*' for word in words)


def summary(entry):
    """One line that says what a journal entry records."""
    kind = entry["type"]
    if kind in ("attribution", "correction"):
        claimant = entry.get("speaker") or entry["outlet"]
        said = f"{claimant} {entry['stance']}: {entry['claim']}"
        return f"corrects {entry['target']} ({entry['reason']}): {said}" if kind == "correction" else said
    if kind == "retraction":
        return f"retracts {entry['target']}: {entry['reason']}"
    if kind == "alias":
        return f"{entry['name']} is {entry['of']}"
    if kind == "fact_checker":
        return f"{entry['name']} is a fact-checker"
    title = entry.get("title") or entry["text"].strip().split("\n", 1)[0]
    return f"document {entry['sha256'][:12]}: {title}"
