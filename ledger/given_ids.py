"""What a Projector made, held compactly: the ids it gave to names and claims (`GivenIds`) and
the payloads of the attributions it wrote (`WrittenPayloads`)."""

import hashlib
import sqlite3

from rbloom import Bloom


class GivenIds:
    """The keys (names, or claim keys) one Projector gave ids to, with their ids: every one,
    so that a key met again after the Projector's cache let it go is found without the
    connection that waits for a batch being written. Each key is held as a 16-byte BLAKE2b
    digest (two keys sharing one is beyond any practical chance) in a table of an in-memory
    database: about 30 bytes a key, a fraction of what a dict of the keys would take."""

    def __init__(self, expected, first):
        # Most keys asked about were not made here: the filter answers for them without SQL.
        self.bloom = Bloom(expected, 0.01)
        self.db = None  # made with the first key: most Projectors append a few entries
        # Ids are given in order and added in order: every id from `first` up to this one
        # (exclusive) is held, and only a key with a larger id needs adding.
        self.held_below = first

    def add(self, pairs):
        """Hold each (key, id) of `pairs`; a key held already stays."""
        if not pairs:
            return
        if self.db is None:
            self.db = sqlite3.connect(":memory:", isolation_level=None)
            self.db.execute("CREATE TABLE made (digest BLOB PRIMARY KEY, id INTEGER NOT NULL) WITHOUT ROWID")
            # Never committed, as nothing outlives the Projector: in a transaction held open,
            # inserts take half the time of inserts that are each a transaction of their own.
            self.db.execute("BEGIN")
        self.bloom.update(key for key, _ in pairs)
        self.db.executemany("INSERT OR IGNORE INTO made VALUES (?, ?)", [(_digest(key), id_) for key, id_ in pairs])
        self.held_below = max(self.held_below, max(id_ for _, id_ in pairs) + 1)

    def get(self, key):
        """The id given to `key`, or None."""
        if key not in self.bloom:
            return None
        row = self.db.execute("SELECT id FROM made WHERE digest = ?", (_digest(key),)).fetchone()
        return row[0] if row else None

    def close(self):
        if self.db is not None:
            self.db.close()


def _digest(key):
    return hashlib.blake2b(key.encode(), digest_size=16).digest()


class WrittenPayloads:
    """The payload of every attribution one Projector wrote, added a batch at a time: a set
    while few, then a Bloom filter in fixed memory, which never misses a member and takes
    one it does not hold for a member at most MISTAKEN of the time."""

    # Each payload mistaken is looked up by claim, and an import into an empty journal then
    # makes that index at once rather than at its end: an import of ten million records met
    # six such payloads at 1e-5; 1e-7 takes 11 MiB more.
    MISTAKEN = 1e-7

    def __init__(self, exact_up_to, expected):
        self.exact_up_to, self.expected = exact_up_to, expected
        self._hold(set())

    def update(self, payloads):
        # Made by every Projector, the filter's 40 MiB would cost a single `ledger add` more
        # than the rest of it: a set until the payloads are many.
        if isinstance(self.payloads, set) and len(self.payloads) + len(payloads) > self.exact_up_to:
            held = self.payloads
            self._hold(Bloom(self.expected, self.MISTAKEN))
            self.payloads.update(held)
        self.payloads.update(payloads)

    def _hold(self, payloads):
        # `holds(payload)`, asked of every record an import reads, is the set's or the filter's own.
        self.payloads, self.holds = payloads, payloads.__contains__
