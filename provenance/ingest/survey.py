"""``provenance classify``: classification of files and trees, with no ledger write.

The same detectors and the same verdict as ``scan``, the daemon and the
audit, for a person who wants to know what a file is before it goes anywhere.
Files that cannot be read at all come back ``unreadable`` with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from provenance.classify import Classification
from provenance.detectors.base import error_evidence
from provenance.errors import UnreadableFile
from provenance.files.walk import Skipped, walk
from provenance.ingest.guarded import read_content
from provenance.settings import Settings


@dataclass(frozen=True)
class PathClassification:
    """One file and what made it."""

    path: Path
    result: Classification

    def to_dict(self) -> dict[str, object]:
        """``path``, ``verdict``, ``tool``, ``confidence``, ``evidence`` and ``prompt``."""
        return {"path": str(self.path), **self.result.to_dict()}


def classify_paths(paths: Iterable[Path], settings: Settings) -> list[PathClassification]:
    """Classify every file below ``paths``, in walk order, in parallel."""
    files: list[Path] = []
    rows: list[PathClassification] = []
    for item in walk(paths, settings):
        if isinstance(item, Skipped):
            why = error_evidence("walk", item.reason)
            rows.append(
                PathClassification(item.path, Classification("unreadable", None, None, (why,)))
            )
        else:
            files.append(item)
    with ThreadPoolExecutor(settings.effective_workers(), thread_name_prefix="classify") as pool:
        results = pool.map(lambda p: _classify(p, settings), files)
        rows += [PathClassification(p, r) for p, r in zip(files, results, strict=True)]
    return sorted(rows, key=lambda row: str(row.path))


def _classify(path: Path, settings: Settings) -> Classification:
    # In a guarded worker, within the settings' time and memory budgets.
    try:
        return read_content(path, settings)[1]
    except UnreadableFile as exc:
        return Classification("unreadable", None, None, (error_evidence("open", exc.what),))
