"""What importing the audit costs: the ledger's SQLAlchemy loads only once the hashing runs.

:mod:`provenance.audit.run` opens the ledger while its hashing workers run
(see its docstring), so importing it must not load SQLAlchemy already.
"""

from __future__ import annotations

import subprocess
import sys


def loaded_after_import(module: str, watched: tuple[str, ...]) -> list[str]:
    """Which of ``watched`` a fresh interpreter has loaded after importing ``module``."""
    code = f"import sys, {module}\nprint(','.join(m for m in {watched!r} if m in sys.modules))\n"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    return [m for m in done.stdout.strip().split(",") if m]


def test_importing_the_audit_does_not_load_sqlalchemy() -> None:
    assert (
        loaded_after_import("provenance.audit.run", ("sqlalchemy", "provenance.store.ledger")) == []
    )


def test_the_check_sees_sqlalchemy_when_it_loads() -> None:
    assert loaded_after_import("provenance.store.ledger", ("sqlalchemy",)) == ["sqlalchemy"]
