"""Each ledger's hash chain: checked once when Datasette starts, and shown with the journal's
head on the home and database pages, whose head is read anew before each of them."""

from dataclasses import dataclass, replace

from markupsafe import Markup

from ..errors import ChainBroken
from ..journal import digest
from ..verify import check_chain
from .state import ledger_names, state_of


@dataclass(frozen=True)
class ChainCheck:
    """The hash chain as checked when Datasette started, and the head seen since."""

    checked: str  # SEQ:HASH of the newest entry checked at startup
    problem: str | None  # the first break found, None when the chain verified
    head: str  # SEQ:HASH of the newest entry when last looked at


def checked_chain(conn) -> ChainCheck:
    try:
        check_chain(conn)
        problem = None
    except ChainBroken as broken:
        problem = str(broken)
    head = digest(conn)
    return ChainCheck(checked=head, problem=problem, head=head)


async def check_chains(datasette):
    # Once, not per request: the check reads every entry.
    for name in ledger_names(datasette):
        state_of(datasette).chains[name] = await datasette.get_database(name).execute_fn(checked_chain)


def refreshing_heads(datasette, app):
    """The ASGI app `app`, reading the heads of the ledgers anew before the pages that show them."""

    async def with_fresh_heads(scope, receive, send):
        if scope["type"] == "http":
            await _refresh_heads(datasette, scope["path"])
        await app(scope, receive, send)

    return with_fresh_heads


async def _refresh_heads(datasette, path):
    chains = state_of(datasette).chains
    for name in ledger_names(datasette):
        db = datasette.get_database(name)
        shown = path in (datasette.urls.instance(), datasette.urls.database(name))  # JSON omits the head
        if shown and db.is_mutable and name in chains:
            chains[name] = replace(chains[name], head=await db.execute_fn(digest))


HASH_PREFIX = 12  # hex digits of a hash shown beside its seq


def chain_html(datasette, name) -> Markup | str:
    """The journal's head and what became of the check of its hash chain. The head is shown as
    its seq and a prefix of its hash, and whole only inside the command that checks a copy,
    which may break anywhere: 64 hex digits would not fit a phone."""
    chain = state_of(datasette).chains.get(name)
    if chain is None:  # before startup, e.g. during `datasette inspect`
        return ""
    seq, _, hash_ = chain.head.partition(":")
    head = Markup('Journal of <a href="{}">{}</a>: newest entry <code>{}:{}…</code>. ').format(
        datasette.urls.database(name), name, seq, hash_[:HASH_PREFIX]
    )
    if chain.problem:
        return Markup(
            '<p class="ledger-chain ledger-chain-broken">{}<strong>The hash chain does not verify</strong>: {}.</p>'
        ).format(head, chain.problem)
    if chain.head == chain.checked:
        return Markup(
            '<p class="ledger-chain">{}The hash chain verifies: all {} entries checked when this server '
            "started. To check a copy against it: {}</p>"
        ).format(head, seq, _verify_command(chain.head))
    return Markup(
        '<p class="ledger-chain">{}The hash chain verified up to entry {} when this server started; the '
        "entries appended since are not checked here ({} checks them).</p>"
    ).format(head, chain.checked.partition(":")[0], _verify_command(chain.checked))


def _verify_command(digest_):
    return Markup(
        '<code class="ledger-digest" style="overflow-wrap: anywhere">ledger verify --digest {}</code>'
    ).format(digest_)
