"""docs/python-api.md names every public name of the package and every public method of
`Ledger`, and each of them says in a docstring what it does (sqlite-utils keeps its own
documentation whole the same way)."""

import inspect

import pytest

import ledger
from ledger import CloseClaim, ImportResult, Ledger

from .helpers import ROOT

API = (ROOT / "docs" / "python-api.md").read_text(encoding="utf-8")
METHODS = sorted(name for name, _ in inspect.getmembers(Ledger, inspect.isfunction) if not name.startswith("_"))
FIELDS = [*ImportResult.__dataclass_fields__, *CloseClaim.__dataclass_fields__]


@pytest.mark.parametrize("name", ledger.__all__)
def test_every_public_name_is_documented(name):
    assert f"`{name}" in API


@pytest.mark.parametrize("name", METHODS)
def test_every_method_of_ledger_is_documented_and_has_a_docstring(name):
    assert f"| `{name}(" in API
    assert inspect.getdoc(getattr(Ledger, name)), f"Ledger.{name} has no docstring"


@pytest.mark.parametrize("name", FIELDS)
def test_every_field_of_the_results_is_documented(name):
    assert f"`{name}`" in API


@pytest.mark.parametrize("name", [name for name in ledger.__all__ if name != "__version__"])
def test_every_public_class_has_a_docstring(name):
    assert inspect.getdoc(getattr(ledger, name))
