"""Stand-ins for deferred-stage workers that fail on the named files, as a passing trouble does.

A worker killed or out of memory, a share gone away: the step's answer is an
``error`` for those files, and the real one for the others. Tests clear
:attr:`failing` once the trouble has passed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from provenance.errors import UnreadableFile
from provenance.likeness import fingerprint as fingerprint_module
from provenance.likeness.describe import Described, describe_files
from provenance.likeness.master import Lookup, MasterScan
from provenance.util import starts


def crash_fingerprinting(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Have a fingerprint worker die on the file called ``name``, as a native decoder's
    segfault kills one; the other files are fingerprinted. The pools are forked (not the
    fork server's), so that their workers inherit the patched module."""
    real = fingerprint_module.fingerprint_file

    def crashing(path: str | Path) -> fingerprint_module.FingerprintResult:
        if Path(path).name == name:
            os._exit(70)
        return real(path)

    monkeypatch.setattr(fingerprint_module, "fingerprint_file", crashing)
    fork = starts.context("fork")
    monkeypatch.setattr(
        fingerprint_module,
        "new_process_pool",
        lambda workers=None: ProcessPoolExecutor(workers, mp_context=fork),
    )


class CrashingDescriber:
    """Stands in for the describing pool: the named files fail as a killed worker does."""

    def __init__(self, *failing: Path) -> None:
        self.failing = {str(p) for p in failing}
        self.asked: list[str] = []

    def __call__(self, paths: Iterable[str], **kwargs: Any) -> Iterator[Described]:
        for path in paths:
            self.asked.append(Path(path).name)
            if path in self.failing:
                yield Described(path, "error", reason=f"the worker died on {path}")
            else:
                yield from describe_files([path], mirror=kwargs.get("mirror", False), workers=1)


class VanishingMasters:
    """Stands in for ``scan_master``: the named videos cannot be read (their share is away);
    the others are swept and show nothing generated."""

    def __init__(self, *failing: Path) -> None:
        self.failing = {str(p) for p in failing}
        self.asked: list[str] = []

    def __call__(self, path: Path, lookup: Lookup, **_: object) -> MasterScan:
        self.asked.append(path.name)
        if str(path) in self.failing:
            raise UnreadableFile("cannot read video (the share went away)", where=path)
        return MasterScan((), samples=2, swept=1.0, duration=1.0, incomplete=None, timecode=None)
