"""ledger: a source-attribution fact ledger in a SHA-256 hash-chained SQLite journal.

    from ledger import Ledger
    with Ledger("ledger.db", create=True) as ledger:
        seq, new = ledger.add({"claim": "...", "outlet": "BBC", "date": "2024-07-30", "stance": "reports"})

The flow, a module a step: `records` (what an entry is, and its validation), `journal` (its
canonical JSON and the hash chain, appending), `projections` (the tables derived from it),
`verify` (every check), `db` (the `Ledger`, the one way in), `formats` (files in and out),
`cli` (the command) and `datasette_plugin` (what is published).
"""

from importlib.metadata import PackageNotFoundError, version

from .close_claims import CloseClaim
from .db import ImportResult, Ledger
from .errors import ChainBroken, ImportRefused, LedgerError, Refused

try:
    __version__ = version("ledger")
except PackageNotFoundError:  # run from a checkout that is not installed
    __version__ = "unknown"

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
