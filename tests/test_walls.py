"""The walls between the package's rooms, kept by a test over the import graph.

The house plan (CONTRIBUTING.md) gives each package one job. These walls keep
them apart, and are checked here on the source, with :mod:`ast`, so that no
wall rests on discipline:

1. ``store/`` imports nothing of the domain, no click and no watchdog, and
   never prints;
2. only ``cli/`` prints, exits or configures logging;
3. only ``watchers/`` imports watchdog;
4. ``detectors/`` never import the store, nor anything that uses it;
5. no cycles, between rooms or between modules, counting imports made inside
   functions (which hide cycles from the interpreter, not from a reader).

Every checker runs on a copy of the package with one module that breaks its
wall, so each is shown to fail.
"""

from __future__ import annotations

import ast
import functools
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "provenance"

# What the store may import of provenance: shared mechanisms and plain vocabularies.
STORE_MAY_IMPORT = (
    "provenance.store", "provenance.errors", "provenance.util", "provenance.vocab",
    "provenance.evidence",
)  # fmt: skip
# What detectors may import of provenance: what a file is, and how evidence is told.
DETECTORS_MAY_IMPORT = (
    "provenance.detectors", "provenance.files", "provenance.errors", "provenance.util",
    "provenance.vocab", "provenance.evidence", "provenance.tools", "provenance.settings",
)  # fmt: skip
# Calls that print, exit or configure logging: the command line's business only.
CLI_ONLY_CALLS = {
    "print", "sys.exit", "exit", "quit", "os._exit", "click.echo", "click.secho",
    "logging.basicConfig", "logging.config.dictConfig", "logging.config.fileConfig",
}  # fmt: skip


@dataclass(frozen=True)
class Import:
    """One import statement: who imports what, and whether only type checkers see it."""

    module: str
    target: str
    line: int
    typing_only: bool


def module_name(root: Path, path: Path) -> str:
    """The dotted name of a source file under the package folder ``root``."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def sources(root: Path) -> Iterator[tuple[str, str]]:
    """Every module of the package and its source (migrations excepted: Alembic loads them by
    path). What is read of a source is kept by its text: the tests that break a wall read a
    copy of the package whose other 500 modules are the package's own."""
    for path in sorted(root.rglob("*.py")):
        if "migrations" not in path.parts:
            yield module_name(root, path), path.read_text(encoding="utf-8")


def _typing_blocks(tree: ast.Module) -> set[int]:
    """Line numbers inside ``if TYPE_CHECKING:`` blocks."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def imports(root: Path) -> list[Import]:
    """Every import in the package, absolute, with the names imported from a package."""
    return [Import(name, *found) for name, text in sources(root) for found in _imports_in(text)]


@functools.lru_cache(maxsize=4096)
def _imports_in(text: str) -> tuple[tuple[str, int, bool], ...]:
    """Each import of a module's source: its target, line, and whether for type checking only."""
    tree = ast.parse(text)
    typing_lines = _typing_blocks(tree)
    return tuple(
        (target, node.lineno, node.lineno in typing_lines)
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for target in _targets(node)
    )


def _targets(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.module and not node.level:
        # `from provenance.likeness import video` imports the module provenance.likeness.video
        return [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
    return []


def _under(name: str, prefixes: tuple[str, ...] | str) -> bool:
    prefixes = (prefixes,) if isinstance(prefixes, str) else prefixes
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def wall_breaches(root: Path) -> list[str]:
    """Every import that crosses a wall, as ``module:line imports target (why)``."""
    breaches: dict[tuple[str, int], str] = {}
    for imp in imports(root):
        why = _breach(imp, _under(imp.target, "provenance"))
        if why:  # one breach a statement, naming what it imports from
            breaches.setdefault((imp.module, imp.line), f"{imp.target} ({why})")
    return [f"{module}:{line} imports {what}" for (module, line), what in sorted(breaches.items())]


def _breach(imp: Import, own: bool) -> str | None:
    outside = imp.target.split(".")[0]
    if outside == "watchdog" and not _under(imp.module, "provenance.watchers"):
        return "only watchers/ imports watchdog"
    if _under(imp.module, "provenance.store"):
        if outside in ("click", "watchdog", "rich"):
            return "the store imports no user interface or watcher"
        if own and not _under(imp.target, STORE_MAY_IMPORT):
            return "the store imports nothing of the domain"
    if (
        _under(imp.module, "provenance.detectors")
        and own
        and not _under(imp.target, DETECTORS_MAY_IMPORT)
    ):
        return "detectors take a path and return evidence; they never reach the ledger"
    return None


def cli_only_calls(root: Path) -> list[str]:
    """Calls outside ``cli/`` that print, exit or configure logging."""
    return [
        f"{name}:{line} calls {call}"
        for name, text in sources(root)
        if not _under(name, "provenance.cli")
        for line, call in _cli_only_calls_in(text)
    ]


@functools.lru_cache(maxsize=4096)
def _cli_only_calls_in(text: str) -> tuple[tuple[int, str], ...]:
    """Each call of a module's source that only the CLI may make: its line and what it calls."""
    calls = (node for node in ast.walk(ast.parse(text)) if isinstance(node, ast.Call))
    return tuple(
        (node.lineno, ast.unparse(node.func))
        for node in calls
        if ast.unparse(node.func) in CLI_ONLY_CALLS
    )


def room(name: str) -> str:
    """The room a module belongs to: its package below provenance, or itself at the top."""
    parts = name.split(".")
    return ".".join(parts[:2])


def cycles(root: Path, of: str) -> list[list[str]]:
    """Import cycles at runtime between rooms (``of="rooms"``) or modules (``of="modules"``)."""
    modules = {name for name, _ in sources(root)}
    graph: dict[str, set[str]] = {}
    for imp in imports(root):
        if imp.typing_only or imp.target not in modules or imp.target == imp.module:
            continue
        if _under(imp.module, imp.target):  # a module of a package runs its __init__ first
            continue
        a, b = (room(imp.module), room(imp.target)) if of == "rooms" else (imp.module, imp.target)
        if a != b:
            graph.setdefault(a, set()).add(b)
    return _find_cycles(graph)


def _find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one node (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while stack[-1] != node:
                component.append(stack.pop())
            component.append(stack.pop())
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_crosses_a_wall() -> None:
    assert wall_breaches(PACKAGE) == []


def test_only_the_cli_prints_exits_or_configures_logging() -> None:
    assert cli_only_calls(PACKAGE) == []


def test_no_cycles_between_rooms() -> None:
    assert cycles(PACKAGE, "rooms") == []


def test_no_cycles_between_modules() -> None:
    assert cycles(PACKAGE, "modules") == []


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of the package to break walls in."""
    target = tmp_path / "provenance"
    shutil.copytree(PACKAGE, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


BREACHES = {
    "store/bad.py": ("import click\n", "the store imports no user interface"),
    "store/worse.py": ("from provenance.rules import policy\n", "nothing of the domain"),
    "store/typed.py": (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from provenance.audit import run\n",
        "nothing of the domain",
    ),
    "ingest/watching.py": ("import watchdog.events\n", "only watchers/ imports watchdog"),
    "detectors/ledger.py": ("from provenance.store import Ledger\n", "never reach the ledger"),
}


@pytest.mark.parametrize("where", sorted(BREACHES))
def test_a_module_that_breaks_a_wall_fails_the_check(copy: Path, where: str) -> None:
    source, why = BREACHES[where]
    (copy / where).write_text(source, encoding="utf-8")
    breaches = wall_breaches(copy)
    assert len(breaches) == 1 and why in breaches[0]
    assert breaches[0].startswith("provenance." + where.removesuffix(".py").replace("/", "."))


def test_printing_outside_the_cli_fails_the_check(copy: Path) -> None:
    (copy / "likeness" / "loud.py").write_text("import sys\nprint(1)\nsys.exit(2)\n")
    assert cli_only_calls(copy) == [
        "provenance.likeness.loud:2 calls print",
        "provenance.likeness.loud:3 calls sys.exit",
    ]


def test_a_cycle_hidden_in_a_function_fails_the_check(copy: Path) -> None:
    (copy / "files" / "loop.py").write_text(
        "def late() -> None:\n    from provenance.audit import loop\n"
    )
    (copy / "audit" / "loop.py").write_text("from provenance.files import loop\n")
    assert any({"provenance.audit", "provenance.files"} <= set(c) for c in cycles(copy, "rooms"))
    assert ["provenance.audit.loop", "provenance.files.loop"] in cycles(copy, "modules")
    assert cycles(PACKAGE, "rooms") == []
