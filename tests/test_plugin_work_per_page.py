"""What the plugin computes to serve a page: its metadata once per journal head (Datasette asks
for it dozens of times a page), the name narrowing once per request (the filter and the facets
both ask for it), and which databases are ledgers again only when Datasette's databases change."""

import shutil

import pytest
from datasette.app import Datasette
from datasette.database import Database

from ledger.datasette_plugin import metadata, narrowing
from ledger.datasette_plugin.state import ledger_names
from ledger.db import Ledger

from .test_datasette import SEVERED, get, sample, sample_copy  # noqa: F401 (fixtures)


def counted(monkeypatch, module, name):
    """Replace module.name with a wrapper that counts its calls; returns the list of calls."""
    calls = []
    function = getattr(module, name)

    def counting(*args, **kwargs):
        calls.append(args)
        return function(*args, **kwargs)

    monkeypatch.setattr(module, name, counting)
    return calls


@pytest.mark.asyncio
async def test_one_attributions_page_builds_the_metadata_once_per_journal_head(sample_copy, monkeypatch):
    ds = Datasette([str(sample_copy)])
    await ds.invoke_startup()
    built = counted(monkeypatch, metadata, "instance_metadata")
    await get(ds, "/ledger/attributions")
    assert len(built) == 1
    await get(ds, "/ledger/attributions")
    assert len(built) == 1
    with Ledger(sample_copy) as ledger:
        ledger.add({"claim": SEVERED, "outlet": "BBC", "date": "2024-07-31", "stance": "reports"})
    assert "newest entry <code>11:" in (await get(ds, "/")).text  # the home page shows the new head
    assert len(built) == 2
    await get(ds, "/ledger/attributions")
    assert len(built) == 2


@pytest.mark.asyncio
async def test_what_datasette_fills_in_does_not_reach_the_metadata_of_later_requests(sample):
    ds = Datasette([str(sample)])
    first = (await get(ds, "/-/metadata.json")).json()
    for page in ("/ledger", "/ledger/attributions", "/ledger/claims", "/ledger/contested", "/ledger/journal"):
        await get(ds, page)  # Datasette adds the inherited source and license to a database's and a table's
    assert (await get(ds, "/-/metadata.json")).json() == first
    assert "source" not in first["databases"]["ledger"]["tables"]["attributions"]


@pytest.mark.asyncio
async def test_a_filtered_attributions_page_narrows_its_names_once(sample, monkeypatch):
    ds = Datasette([str(sample)])
    await ds.invoke_startup()
    narrowed = counted(monkeypatch, narrowing, "narrowing_of")
    data = (await get(ds, "/ledger/attributions.json?outlet=Global+Times&_facet=stance")).json()
    assert len(data["rows"]) == 2
    assert len(narrowed) == 1


@pytest.mark.asyncio
async def test_a_ledger_added_while_served_is_found(sample, tmp_path):
    ds = Datasette([str(sample)])
    assert ledger_names(ds) == ("ledger",)
    second = tmp_path / "second.db"
    shutil.copy(sample, second)
    ds.add_database(Database(ds, path=str(second)), name="second")
    assert ledger_names(ds) == ("ledger", "second")
    assert set((await get(ds, "/-/metadata.json")).json()["databases"]) == {"ledger", "second"}
    ds.remove_database("second")
    assert ledger_names(ds) == ("ledger",)
    assert set((await get(ds, "/-/metadata.json")).json()["databases"]) == {"ledger"}
