#!/usr/bin/env python3
"""Classify the shared corpus and write the accuracy table to docs/ACCURACY.md.

The corpus (``../shared/corpus``) holds real third-party files with labels in
``MANIFEST.tsv``. This script classifies each file in place and tabulates,
per label, how many verdicts (and, for generated files, tools) agree.

    python docs/corpus_accuracy.py            # writes docs/ACCURACY.md
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from provenance.classify import classify_file  # noqa: E402
from provenance.settings import Settings  # noqa: E402
from provenance.tools import canonical_tool  # noqa: E402
from tests.support.corpus import CorpusFile, corpus_files  # noqa: E402

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


def main() -> None:
    """Classify every corpus file and write the table."""
    files = corpus_files()
    if not files:
        raise SystemExit("shared corpus not found (../shared/corpus)")
    totals: Counter[str] = Counter()
    right: Counter[str] = Counter()
    tools: Counter[str] = Counter()
    misses: list[str] = []
    times: list[float] = []
    for item in files:
        ok, tool_ok, said, elapsed = judge(item)
        times.append(elapsed)
        totals[item.label] += 1
        right[item.label] += ok
        tools[item.label] += bool(tool_ok)
        if not ok or tool_ok is False:
            misses.append(f"| `{item.path.name}` | {item.label} {item.tool} | {said} |")
    OUT.write_text(render(files, totals, right, tools, misses, times))
    print(OUT.read_text())


def render(
    files: list[CorpusFile],
    totals: Counter[str],
    right: Counter[str],
    tools: Counter[str],
    misses: list[str],
    times: list[float],
) -> str:
    """The markdown page."""
    lines = [
        "# Detection accuracy on the shared corpus",
        "",
        f"{len(files)} real third-party files (`../shared/corpus/MANIFEST.tsv`),",
        "classified in place by `python docs/corpus_accuracy.py`.",
        "For `corrupt` files, *right* means the file came back",
        "`unreadable` or with an `error` evidence item, within the time bound.",
        "",
        "| label | files | verdict right | tool right |",
        "| --- | --- | --- | --- |",
    ]
    for label in ("genai", "not_genai", "unknown", "corrupt"):
        tool = f"{tools[label]}/{totals[label]}" if label == "genai" else "-"
        lines.append(f"| {label} | {totals[label]} | {right[label]}/{totals[label]} | {tool} |")
    ordered = sorted(times)
    lines += [
        "",
        f"Slowest file: {ordered[-1] * 1000:.0f} ms;"
        f" median {ordered[len(ordered) // 2] * 1000:.1f} ms.",
        "",
    ]
    if misses:
        lines += [
            "## Disagreements",
            "",
            "| file | label | provenance says |",
            "| --- | --- | --- |",
            *misses,
            "",
        ]
    else:
        lines += ["Every file agrees with its label.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
