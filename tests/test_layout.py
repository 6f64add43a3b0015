"""The package's layout shows its flow, record -> journal -> projections -> published: each
module imports only from the layers below it, no module runs to more than about 400 lines,
and the library imports where Linux's fcntl and termios do not exist."""

import ast
import subprocess
import sys

import pytest

from .helpers import ROOT

PACKAGE = ROOT / "ledger"
# From the bottom up; a module may import from the layers before its own, and from its own
# package's modules listed before it in the same layer.
LAYERS = [
    ["errors"],
    ["records"],
    ["documents"],
    ["entries"],
    ["database"],
    ["journal"],
    ["migration"],
    ["aliases"],
    ["held_documents"],
    ["given_ids"],
    ["projections"],
    ["verify.payloads", "verify.journal", "verify.anchors", "verify.tables", "verify"],
    [
        "formats.base",
        "formats.text",
        "formats.ratings",
        "formats.claimreview",
        "formats.journal",
        "formats.documents",
        "formats.worker",
        "formats.parquet",
        "formats",
    ],
    ["close_claims"],
    ["replay"],
    ["reading"],
    ["db"],
    [
        "suggest.words",
        "suggest.reader",
        "suggest.polnear",
        "suggest.train",
        "suggest.proposals",
        "suggest",
        "suggest.evaluate",
    ],
    ["__init__"],
    ["cli.common", "cli.documents", "cli.reading", "cli.suggest", "cli"],
    [
        f"datasette_plugin.{name}"
        for name in (
            "state",
            "chain",
            "read_only",
            "metadata",
            "counts",
            "narrowing",
            "search",
            "page_queries",
            "facets",
            "page_count",
            "search_rows",
            "cells",
            "timeline",
            "marks",
            "front_door",
            "pages",
        )
    ]
    + ["datasette_plugin"],
]
ORDER = {module: (layer, place) for layer, modules in enumerate(LAYERS) for place, module in enumerate(modules)}
LONGEST = 420


def module_name(path):
    name = ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
    return name.removesuffix(".__init__") if name != "__init__" else name


def modules():
    return sorted(PACKAGE.rglob("*.py"))


def imported(path):
    """The package's modules that `path` imports."""
    name = module_name(path)
    package = name.split(".")[:-1] if path.name != "__init__.py" else name.split(".")
    if name == "__init__":
        package = []
    elif path.name == "__init__.py":
        package = name.split(".")
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - (node.level - 1)]
            if node.module:
                found.add(".".join([*base, node.module]))
            else:  # from . import a, b
                found.update(".".join([*base, alias.name]) for alias in node.names)
    return found


@pytest.mark.parametrize("path", modules(), ids=lambda path: module_name(path))
def test_a_module_imports_only_from_the_layers_below_it(path):
    name = module_name(path)
    assert name in ORDER, f"{name} has no place in LAYERS"
    for other in imported(path):
        assert other in ORDER, f"{name} imports {other}, which has no place in LAYERS"
        assert ORDER[other] < ORDER[name], f"{name} imports {other}, which is not below it"


@pytest.mark.parametrize("path", modules(), ids=lambda path: str(path.relative_to(PACKAGE)))
def test_no_module_is_too_long_to_read_through(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= LONGEST


def test_the_library_imports_without_fcntl_or_termios():
    code = (
        "import sys; sys.modules['fcntl'] = None; sys.modules['termios'] = None\n"
        "from ledger import Ledger; import ledger.cli"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
