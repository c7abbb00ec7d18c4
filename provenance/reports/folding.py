"""Folding the warnings that say only "provenance unknown", so blocked files stand out.

A package of 200 plates with no camera metadata would list 200 identical
warnings around the two files that block. The terminal and Markdown views
keep a row for every file that blocks or warns for a reason of its own, and
fold the rest into one line per folder: "plates/: 198 files of unknown
provenance". JSON, JUnit, SARIF and HTML keep every file.
"""

from __future__ import annotations

import posixpath
from collections import Counter
from collections.abc import Sequence

from provenance.audit.report import FileResult
from provenance.rules.policy import UNKNOWN_PROVENANCE

IN_LEDGER_AS_UNKNOWN = "in the ledger as unknown"


def only_unknown(result: FileResult) -> bool:
    """A warning whose only reason is that nothing says where the file came from."""
    if result.verdict != "warn" or result.match.kind not in (None, "ledger"):
        return False
    return all(r in (UNKNOWN_PROVENANCE, IN_LEDGER_AS_UNKNOWN) for r in result.reasons)


def fold_unknown(results: Sequence[FileResult]) -> tuple[list[FileResult], list[str]]:
    """The results to list one by one, and one line per folder for the folded warnings."""
    kept = [r for r in results if not only_unknown(r)]
    folders = Counter(posixpath.dirname(r.path) for r in results if only_unknown(r))
    lines = [
        f"{f'{folder}/' if folder else 'top folder'}: {count} file{'s' if count != 1 else ''}"
        " of unknown provenance (warn)"
        for folder, count in sorted(folders.items())
    ]
    return kept, lines
