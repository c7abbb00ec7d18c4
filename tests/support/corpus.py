"""Access to the labelled third-party corpus in ``../shared/corpus``.

The corpus is never copied into the repository; tests that need it skip
cleanly where the folder is absent.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
MANIFEST = CORPUS / "MANIFEST.tsv"


@dataclass(frozen=True)
class CorpusFile:
    """One labelled file: path, label (genai/not_genai/unknown/corrupt), tool, evidence notes."""

    path: Path
    label: str
    tool: str
    evidence: str

    @property
    def id(self) -> str:
        """A short test id."""
        return self.path.name


def corpus_files() -> list[CorpusFile]:
    """Every labelled file, or an empty list where the corpus is absent."""
    if not MANIFEST.is_file():
        return []
    with MANIFEST.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream, delimiter="\t"))
    return [CorpusFile(CORPUS / r["file"], r["label"], r["tool"], r["evidence"]) for r in rows]
