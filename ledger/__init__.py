"""ledger: a source-attribution fact ledger in a SHA-256 hash-chained SQLite journal.

    from ledger import Ledger
    with Ledger("ledger.db", create=True) as ledger:
        seq, new = ledger.add({"claim": "...", "outlet": "BBC", "date": "2024-07-30", "stance": "reports"})

The flow, a module a step: `records` (what an entry is, and its validation), `journal` (its
canonical JSON and the hash chain, appending), `projections` (the tables derived from it),
`verify` (every check), `db` (the `Ledger`, the one way in), `formats` (files in and out),
`cli` (the command) and `datasette_plugin` (what is published).
"""

from .errors import ChainBroken, ImportRefused, LedgerError, Refused

# Imported when first asked for, not with the package: a process that needs one module of it
# (each of `verify`'s journal readers) would otherwise import the whole library first.
_LIBRARY = {"Ledger": "db", "ImportResult": "db", "CloseClaim": "close_claims"}


def __getattr__(name):
    if name in _LIBRARY:
        import importlib

        return getattr(importlib.import_module(f".{_LIBRARY[name]}", __name__), name)
    # The version is read from the installed package's metadata only when asked: importing
    # importlib.metadata would slow every command's start.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("ledger")
        except PackageNotFoundError:  # a checkout that is not installed
            return "unknown"
    raise AttributeError(f"module 'ledger' has no attribute {name!r}")


__all__ = [
    "Ledger",
    "ImportResult",
    "CloseClaim",
    "LedgerError",
    "Refused",
    "ImportRefused",
    "ChainBroken",
    "__version__",
]
