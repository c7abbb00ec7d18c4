"""Stand-ins for deferred-stage workers that fail on the named files, as a passing trouble does.

A worker killed or out of memory, a share gone away: the step's answer is an
``error`` for those files, and the real one for the others. Tests clear
:attr:`failing` once the trouble has passed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from provenance.errors import UnreadableFile
from provenance.likeness.describe import Described, describe_files
from provenance.likeness.master import Lookup, MasterScan


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
