#!/usr/bin/env python3
"""Classify the shared corpus and write the accuracy table to docs/ACCURACY.md.

The corpus (``../shared/corpus``) holds real third-party files with labels in
``MANIFEST.tsv`` and ``MANIFEST2.tsv``. This script classifies each file in
place and tabulates, per manifest and label, how many verdicts (and, for
generated files, tools) agree.

    python docs/corpus_accuracy.py            # writes docs/ACCURACY.md
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from provenance.classify import classify_file  # noqa: E402
from provenance.settings import Settings  # noqa: E402
from provenance.tools import canonical_tool  # noqa: E402
from tests.support.corpus import PENDING, CorpusFile, corpus_files  # noqa: E402

OUT = ROOT / "docs" / "ACCURACY.md"


def judge(item: CorpusFile) -> tuple[bool, bool | None, str, float]:
    """(verdict right, tool right or None when not checked, what we said, seconds)."""
    started = time.perf_counter()
    _, result = classify_file(item.path, Settings(db="sqlite://"))
    elapsed = time.perf_counter() - started
    if item.label == "corrupt":
        contained = result.verdict == "unreadable" or any(
            e.signal == "error" for e in result.evidence
        )
        return contained, None, result.verdict, elapsed
    tool_ok = None
    if item.label == "genai":
        allowed = {canonical_tool(p) for p in item.tool.split("+")} - {None}
        tool_ok = result.tool in allowed if allowed else result.tool is not None
    return (
        result.verdict == item.label,
        tool_ok,
        f"{result.verdict} {result.tool or ''}".strip(),
        elapsed,
    )


@dataclass
class Tally:
    """One manifest's counts: files, verdicts right and tools right per label."""

    manifest: str
    totals: Counter[str] = field(default_factory=Counter)
    right: Counter[str] = field(default_factory=Counter)
    tools: Counter[str] = field(default_factory=Counter)

    def add(self, item: CorpusFile, ok: bool, tool_ok: bool | None) -> None:
        """Count one file."""
        self.totals[item.label] += 1
        self.right[item.label] += ok
        self.tools[item.label] += bool(tool_ok)

    def rows(self) -> list[str]:
        """The table of this manifest."""
        lines = [
            f"### `{self.manifest}`: {sum(self.totals.values())} files",
            "",
            "| label | files | verdict right | tool right |",
            "| --- | --- | --- | --- |",
        ]
        for label in ("genai", "not_genai", "unknown", "corrupt"):
            total = self.totals[label]
            tool = f"{self.tools[label]}/{total}" if label == "genai" else "-"
            lines.append(f"| {label} | {total} | {self.right[label]}/{total} | {tool} |")
        return [*lines, ""]


def main() -> None:
    """Classify every corpus file of every manifest and write the tables."""
    files = corpus_files()
    if not files:
        raise SystemExit("shared corpus not found (../shared/corpus)")
    tallies: dict[str, Tally] = {}
    misses: list[str] = []
    times: list[float] = []
    for item in files:
        ok, tool_ok, said, elapsed = judge(item)
        times.append(elapsed)
        tallies.setdefault(item.manifest, Tally(item.manifest)).add(item, ok, tool_ok)
        if not ok or tool_ok is False:
            pending = f" ({PENDING[item.id]})" if item.id in PENDING else ""
            misses.append(
                f"| `{item.path.name}` | {item.manifest} | {item.label} {item.tool} |"
                f" {said}{pending} |"
            )
    OUT.write_text(render(files, list(tallies.values()), misses, times))
    print(OUT.read_text())


def render(
    files: list[CorpusFile], tallies: list[Tally], misses: list[str], times: list[float]
) -> str:
    """The markdown page."""
    names = " and ".join(f"`../shared/corpus/{t.manifest}`" for t in tallies)
    lines = [
        "# Detection accuracy on the shared corpus",
        "",
        f"{len(files)} real third-party files ({names}),",
        "classified in place by `python docs/corpus_accuracy.py`.",
        "For `corrupt` files, *right* means the file came back",
        "`unreadable` or with an `error` evidence item, within the time bound.",
        "",
    ]
    for tally in tallies:
        lines += tally.rows()
    ordered = sorted(times)
    lines += [
        f"Slowest file: {ordered[-1] * 1000:.0f} ms;"
        f" median {ordered[len(ordered) // 2] * 1000:.1f} ms.",
        "",
    ]
    if misses:
        lines += [
            "## Disagreements",
            "",
            "| file | manifest | label | provenance says |",
            "| --- | --- | --- | --- |",
            *misses,
            "",
        ]
    else:
        lines += ["Every file agrees with its label.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
