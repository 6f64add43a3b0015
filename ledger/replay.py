"""Replaying a journal written by `ledger export --format journal` into an empty ledger:
the same entries, hash for hash, each held to what the ledger's own commands would have
accepted at that point (`Ledger.replay_journal`)."""

from . import verify
from .errors import ImportRefused, LedgerError, Refused
from .formats.journal import journal_entry
from .journal import GENESIS_HASH
from .records import record_of


def replay_journal(ledger, items, source="-"):
    """Append the entries of a journal written by `ledger export --format journal`
    (`formats.base.Item`s whose records are its lines) into this empty ledger, each exactly
    as recorded, so that the two journals are identical, entry for entry and hash for
    hash; all or nothing. Every entry must extend the one before, hash to its `hash`,
    and be what this package would have written (canonical JSON of a valid entry, which
    the ledger would have accepted where it stands). Returns the number of entries."""
    problems, lines = [], {}  # lines: the line of each entry, by seq

    def refuse_if_any(error_type, *_):
        if error_type is not None:
            return
        if not problems:  # where every index is in place again, before COMMIT
            repeated = verify.first_repeated_record(ledger.conn)
            if repeated:
                problems.append(
                    f"{source}:{lines[repeated[0]]}: attribution: repeats attribution {repeated[1]} field for field"
                )
        if problems:
            raise ImportRefused(problems)

    with ledger._importing() as (appender, stack):
        if appender.seq:
            raise LedgerError(
                f"{source}: a journal is replayed only into an empty ledger; {ledger.path} holds {appender.seq} entries"
            )
        stack.push(refuse_if_any)
        stated_hash = GENESIS_HASH
        for item in items:
            entry, found = (
                (None, item.problems) if item.problems else journal_entry(item.record, len(lines) + 1, stated_hash)
            )
            if not found and not problems:  # once refused, the replay only keeps checking lines
                found = _replay_problems(ledger, appender, entry, item.record["payload"])
            problems += [f"{source}:{item.line}: {field}: {reason}" for field, reason in found]
            if item.record is not None and isinstance(item.record.get("hash"), str):
                stated_hash = item.record["hash"]
            lines[len(lines) + 1] = item.line
        appender.flush()
    return appender.seq


def _replay_problems(ledger, appender, entry, payload):
    """Append one entry of a replayed journal, or the (field, reason) problems that
    refuse it: what the ledger's own commands would have refused at that point."""
    kind = entry["type"]
    if kind != "attribution":
        appender.flush()  # what is checked below reads SQL
    try:
        if kind in ("retraction", "correction"):
            old = ledger._current_record(entry["target"], "retracted" if kind == "retraction" else "corrected")
            if kind == "correction" and record_of(entry) == old:
                return [("correction", f"changes nothing in attribution {entry['target']}")]
        elif kind == "alias" and ledger._alias_in_place(entry["name"], entry["of"]):
            return [("alias", f"{entry['name']!r} is already an alias of {entry['of']!r}")]
        elif kind == "fact_checker" and ledger._is_fact_checker(entry["name"]):
            return [("fact_checker", f"{entry['name']!r} is already a fact-checker")]
        appender.append(entry, payload.encode())
    except Refused as refused:
        return refused.problems
    return []
