"""Aliases at any length: a cycle closed through a long chain is refused (the chain is
walked to its end, not to a fixed depth), names resolve to the end of their chain, and
`verify` checks the resolutions and finds a smuggled cycle, in one pass."""

import sqlite3

import pytest

from ledger import ChainBroken, Ledger, Refused
from ledger.verify.tables import check_resolutions

LENGTH = 1_500  # beyond the depth of 1,000 that bounded the old chain view


def canonical(conn, name):
    return conn.execute("SELECT canonical FROM entities WHERE name = ?", (name,)).fetchone()[0]


@pytest.fixture(scope="module")
def long_chain(tmp_path_factory):
    """A ledger where N0 -> N1 -> ... -> N{LENGTH}, recorded from the far end."""
    path = tmp_path_factory.mktemp("chain") / "ledger.db"
    with Ledger(path, create=True) as ledger:
        for n in reversed(range(LENGTH)):
            ledger.alias(f"N{n}", f"N{n + 1}")
    return path


def test_every_name_of_a_long_chain_resolves_to_its_end(long_chain):
    conn = sqlite3.connect(long_chain)
    assert {canonical(conn, f"N{n}") for n in range(LENGTH + 1)} == {f"N{LENGTH}"}
    conn.close()
    with Ledger(long_chain) as ledger:
        assert ledger.verify()[0] == LENGTH


def test_closing_a_cycle_through_a_long_chain_is_refused(long_chain, tmp_path):
    copy = tmp_path / "ledger.db"
    copy.write_bytes(long_chain.read_bytes())
    with Ledger(copy) as ledger:
        with pytest.raises(Refused, match="already resolves through 'N1500': the alias would make a cycle"):
            ledger.alias(f"N{LENGTH}", "N0")
        with pytest.raises(Refused, match="cycle"):
            ledger.alias("N700", "N3")  # through the middle
        # Pointing a name elsewhere in its own chain is no cycle: N3 now skips to N1000.
        ledger.alias("N3", "N1000")
        assert ledger.verify()[0] == LENGTH + 1
    conn = sqlite3.connect(copy)
    assert canonical(conn, "N0") == canonical(conn, "N3") == f"N{LENGTH}"
    conn.close()


def test_the_database_itself_refuses_a_raw_alias_that_closes_a_long_cycle(long_chain, tmp_path):
    copy = tmp_path / "ledger.db"
    copy.write_bytes(long_chain.read_bytes())
    conn = sqlite3.connect(copy)
    ids = dict(conn.execute("SELECT name, id FROM names WHERE name IN ('N0', ?)", (f"N{LENGTH}",)))
    seq = conn.execute("SELECT max(seq) + 1 FROM journal").fetchone()[0]
    with pytest.raises(sqlite3.IntegrityError, match="an alias may not make a cycle of names"):
        conn.execute(
            "INSERT INTO name_aliases (seq, name_id, of_id) VALUES (?, ?, ?)", (seq, ids[f"N{LENGTH}"], ids["N0"])
        )
    conn.close()


def test_verify_finds_a_cycle_smuggled_past_the_trigger(long_chain, tmp_path):
    copy = tmp_path / "ledger.db"
    copy.write_bytes(long_chain.read_bytes())
    conn = sqlite3.connect(copy, isolation_level=None)
    ids = dict(conn.execute("SELECT name, id FROM names WHERE name IN ('N0', ?)", (f"N{LENGTH}",)))
    seq = conn.execute("SELECT max(seq) + 1 FROM journal").fetchone()[0]
    conn.execute("DROP TRIGGER name_aliases_no_cycle")
    conn.execute("INSERT INTO name_aliases (seq, name_id, of_id) VALUES (?, ?, ?)", (seq, ids[f"N{LENGTH}"], ids["N0"]))
    with pytest.raises(ChainBroken, match=f"seq {seq}: name_aliases make a cycle of names"):
        check_resolutions(conn)
    conn.close()


def test_verify_finds_a_name_resolved_to_the_wrong_end(long_chain, tmp_path):
    copy = tmp_path / "ledger.db"
    copy.write_bytes(long_chain.read_bytes())
    conn = sqlite3.connect(copy, isolation_level=None)
    n5, n9 = (conn.execute("SELECT id FROM names WHERE name = ?", (name,)).fetchone()[0] for name in ("N5", "N9"))
    alias_seq = conn.execute("SELECT seq FROM name_aliases WHERE name_id = ?", (n5,)).fetchone()[0]
    last = conn.execute("SELECT max(seq) FROM name_aliases").fetchone()[0]
    # N5 moved alone into a group of its own, whose canonical name is N9: its row is the newest.
    conn.execute("INSERT INTO name_groups (seq, name_id, group_id) VALUES (?, ?, ?)", (last, n5, -1))
    conn.execute("INSERT INTO group_canonicals (seq, group_id, canonical_id, size) VALUES (?, ?, ?, 1)", (last, -1, n9))
    with pytest.raises(ChainBroken, match=f"seq {alias_seq}: the names' groups do not match the aliases"):
        check_resolutions(conn)
    conn.close()


def rows_of_groups(path):
    conn = sqlite3.connect(path)
    rows = conn.execute(
        "SELECT (SELECT count(*) FROM name_groups) + (SELECT count(*) FROM group_canonicals)"
    ).fetchone()
    conn.close()
    return rows[0]


@pytest.mark.parametrize("root_last", [True, False], ids=["root last", "root first"])
def test_a_chain_in_either_order_writes_rows_in_proportion_to_its_length(tmp_path, root_last):
    """Recorded root last, each alias puts the whole chain under a new root: one row for the
    group and one for the new name, where a row for every name of the chain was written."""
    path = tmp_path / "ledger.db"
    with Ledger(path, create=True) as ledger:
        for n in range(400):
            ledger.alias(f"N{n}", f"N{n + 1}") if root_last else ledger.alias(f"N{n + 1}", f"N{n}")
        assert ledger.verify()[0] == 400
    assert rows_of_groups(path) == 2 * 400 + 1


def test_trees_joined_pair_by_pair_write_rows_in_proportion_to_n_log_n(tmp_path):
    """Pairs, then pairs of pairs, ...: trees of equal size joined at every level, the worst
    for moving names, and still a name moves only into a group twice the size of its last."""
    path = tmp_path / "ledger.db"
    names, levels = 256, 8
    with Ledger(path, create=True) as ledger:
        step = 1
        while step < names:
            for first in range(0, names, 2 * step):  # the root of a block is its last name
                ledger.alias(f"N{first + step - 1}", f"N{first + 2 * step - 1}")
            step *= 2
        assert ledger.verify()[0] == names - 1
    assert rows_of_groups(path) <= names * levels + (names - 1)
    conn = sqlite3.connect(path)
    assert {canonical(conn, f"N{n}") for n in range(names)} == {f"N{names - 1}"}
    conn.close()


def test_a_tree_cut_down_to_its_root_joins_a_name_alone(tmp_path):
    """Found by the journal backup's property test: a re-pointed alias leaves its old root
    alone in a group of one, which a name with no group may then join."""
    with Ledger(tmp_path / "ledger.db", create=True) as ledger:
        ledger.alias("A", "B")  # A and B in one group
        ledger.alias("A", "C")  # A moves under C: B stays alone in its group
        ledger.alias("B", "D")  # B, a group of one, joins D, which has none
        assert ledger.verify()[0] == 3
        conn = ledger.conn
        assert {canonical(conn, name) for name in ("A", "C")} == {"C"}
        assert {canonical(conn, name) for name in ("B", "D")} == {"D"}
