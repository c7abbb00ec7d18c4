"""The tests' layout: helpers come from plain modules, never from a test module or a conftest."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent


def _is_forbidden(dotted: str) -> bool:
    """Whether a dotted module name is a test module or a conftest."""
    return any(part.startswith("test_") or part == "conftest" for part in dotted.split("."))


def forbidden_imports(source: str) -> list[str]:
    """``"line N: statement"`` for each import of a ``test_*`` module or of a conftest."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            modules = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        if any(_is_forbidden(module) for module in modules):
            found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


def test_no_test_imports_from_a_test_module_or_a_conftest() -> None:
    broken = {
        str(path.relative_to(TESTS)): problems
        for path in sorted(TESTS.rglob("*.py"))
        if (problems := forbidden_imports(path.read_text(encoding="utf-8")))
    }
    assert not broken, f"move these helpers into tests/support/ or a plain module: {broken}"


@pytest.mark.parametrize(
    "source",
    [
        "from tests.ingest.test_scan import png",
        "from tests.watchers.conftest import wait_for",
        "import tests.conftest",
        "from .conftest import Studio",
        "from . import test_losses",
        "from tests.detectors import conftest",
        "def helper():\n    from tests.test_quality import ROOT\n",
    ],
)
def test_the_checker_finds_each_forbidden_import(source: str) -> None:
    assert forbidden_imports(source)


@pytest.mark.parametrize(
    "source",
    [
        "from tests.support.files import png",
        "from tests.watchers.daemons import running",
        "import pytest",
        "from . import daemons",
        "from tests.detectors.builders_generators import chunk",
    ],
)
def test_the_checker_allows_plain_modules(source: str) -> None:
    assert forbidden_imports(source) == []
