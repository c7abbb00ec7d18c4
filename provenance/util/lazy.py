"""Package names that load on first use (PEP 562).

Every command pays for what ``import provenance`` and the package
``__init__`` modules import. With SQLAlchemy, the detectors and the daemon
behind them that is most of a second, so the packages that front them name
their exports here instead of importing them: ``provenance scan`` can then
start hashing while the ledger's modules still load.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports each name from its home module when first asked."""

    def load(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(home), name)

    return load
