"""What the ledger raises: every error a script may catch, in one place."""


class LedgerError(Exception):
    """A failure the command line reports with exit status 1."""


class ChainBroken(LedgerError):
    """`verify` found a problem; the message starts with `seq N:` or names a table or trigger."""


class Refused(LedgerError):
    """Data the ledger will not record; `problems` lists (field, reason) pairs."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("; ".join(f"{field}: {reason}" for field, reason in self.problems))


class ImportRefused(LedgerError):
    """An import with bad records: nothing was written; `problems` are `FILE:LINE: field: reason` lines."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__("\n".join(problems))
