"""What the aliases make of names: the projection rows of an alias entry (schema.sql, name_groups
and group_canonicals).

The names joined by current aliases make trees; each tree's root, the one name with no alias,
is the canonical name of all of them. A tree of more than one name is a group. An alias of a
root joins its tree to another: the names of the smaller tree move to the larger's group
(each name moves only into a group at least twice as large as the one it leaves, so a name
moves at most log2 n times), and the group's canonical name becomes the other tree's root.
An alias that replaces a name's older alias moves the name with the names under it.
"""


def record_alias(conn, seq, name_id, of_id):
    """The rows that alias entry `seq` (`name_id` is another name of `of_id`, its row in
    name_aliases already written) adds to name_groups and group_canonicals."""
    of_group = _group(conn, of_id)
    canonical = of_group[1] if of_group else of_id
    own_group = _group(conn, name_id)
    if not _had_alias(conn, name_id, seq):  # name_id was a root: its tree joins of_id's
        _join(conn, seq, (name_id, own_group), (of_id, of_group), canonical)
    elif own_group[0] != (of_group and of_group[0]):  # moved to another tree, with the names under it
        moved = _names_under(conn, name_id)
        group_id, old_canonical, size = own_group
        conn.execute(_CANONICAL, (seq, group_id, old_canonical, size - len(moved)))
        if of_group is None:
            _write(conn, seq, [*moved, of_id], seq, canonical, len(moved) + 1)
        else:
            _write(conn, seq, moved, of_group[0], canonical, of_group[2] + len(moved))
    # else: moved within its tree, whose root, every name's canonical name, stays


def _join(conn, seq, tree, other, canonical):
    """Join `tree` to `other`, each (a name, its group or None), under `canonical`."""
    (name, group), (other_name, other_group) = tree, other
    size, other_size = (group[2] if group else 1), (other_group[2] if other_group else 1)
    if group is None and other_group is None:
        _write(conn, seq, [name, other_name], seq, canonical, 2)
    elif other_group is None or (group is not None and size > other_size):  # a group may hold one name alone
        _write(conn, seq, _members(conn, other_group, other_name), group[0], canonical, size + other_size)
    else:
        _write(conn, seq, _members(conn, group, name), other_group[0], canonical, size + other_size)


def _write(conn, seq, names, group_id, canonical, size):
    conn.executemany(
        "INSERT INTO name_groups (seq, name_id, group_id) VALUES (?, ?, ?)",
        [(seq, name, group_id) for name in sorted(names)],
    )
    conn.execute(_CANONICAL, (seq, group_id, canonical, size))


_CANONICAL = "INSERT INTO group_canonicals (seq, group_id, canonical_id, size) VALUES (?, ?, ?, ?)"


def _group(conn, name_id):
    """(group id, canonical name id, size) of the group of `name_id`, or None if it is alone."""
    return conn.execute(
        """SELECT m.group_id, c.canonical_id, c.size FROM name_groups AS m
           JOIN group_canonicals AS c ON c.group_id = m.group_id
           WHERE m.name_id = ? ORDER BY m.seq DESC, c.seq DESC LIMIT 1""",
        (name_id,),
    ).fetchone()


def _members(conn, group, name):
    """The names in `group`, or `name` alone if it is None."""
    if group is None:
        return [name]
    return [
        member
        for (member,) in conn.execute(
            """SELECT m.name_id FROM name_groups AS m WHERE m.group_id = ?
               AND m.seq = (SELECT max(seq) FROM name_groups WHERE name_id = m.name_id)""",
            (group[0],),
        )
    ]


def _had_alias(conn, name_id, seq):
    return conn.execute("SELECT 1 FROM name_aliases WHERE name_id = ? AND seq < ?", (name_id, seq)).fetchone()


def _names_under(conn, name_id):
    """`name_id` and every name whose chain of current aliases runs through it."""
    found, reached = set(), {name_id}
    while reached:
        name = reached.pop()
        found.add(name)
        reached.update(
            aliased
            for (aliased,) in conn.execute(
                """SELECT a.name_id FROM name_aliases AS a WHERE a.of_id = ?
                   AND a.seq = (SELECT max(seq) FROM name_aliases WHERE name_id = a.name_id)""",
                (name,),
            )
        )
    return found
