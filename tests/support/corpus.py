"""Access to the labelled third-party corpus in ``../shared/corpus``.

The corpus is never copied into the repository; tests that need it skip
cleanly where the folder is absent. Its files are listed in two manifests of
the same columns: ``MANIFEST.tsv`` (the first 102) and ``MANIFEST2.tsv`` (48
more: camera raws, camera identity in unusual places, production sound,
generated video, fuzzed files from other projects); a manifest that is absent
is skipped on its own.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
MANIFEST = CORPUS / "MANIFEST.tsv"
MANIFEST2 = CORPUS / "MANIFEST2.tsv"
MANIFESTS = (MANIFEST, MANIFEST2)

# Files known to be classified wrong still, each with why: their tests are
# strict expected failures, so a fix makes the run say XPASS and fail until
# the entry is removed here. None today.
PENDING: Mapping[str, str] = {}  # file id -> why it is expected to fail still


@dataclass(frozen=True)
class CorpusFile:
    """One labelled file: path, label (genai/not_genai/unknown/corrupt), tool, evidence notes."""

    path: Path
    label: str
    tool: str
    evidence: str
    manifest: str = MANIFEST.name

    @property
    def id(self) -> str:
        """A short test id."""
        return self.path.name


def corpus_files(manifests: Iterable[Path] = MANIFESTS) -> list[CorpusFile]:
    """Every labelled file of the manifests present (an empty list where the corpus is absent)."""
    files: list[CorpusFile] = []
    for manifest in manifests:
        if not manifest.is_file():
            continue
        with manifest.open(encoding="utf-8", newline="") as stream:
            rows = list(csv.DictReader(stream, delimiter="\t"))
        files += [
            CorpusFile(CORPUS / r["file"], r["label"], r["tool"], r["evidence"], manifest.name)
            for r in rows
        ]
    return files


def corpus_params(files: Iterable[CorpusFile], pending: bool = True) -> list[Any]:
    """``pytest.param`` per file; with ``pending``, :data:`PENDING` ones are strict xfails.

    ``pending=False`` is for tests those files pass already (no false alarm on them).
    """
    return [
        pytest.param(f, id=f.id, marks=pytest.mark.xfail(strict=True, reason=PENDING[f.id]))
        if pending and f.id in PENDING
        else pytest.param(f, id=f.id)
        for f in files
    ]
