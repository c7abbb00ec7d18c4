"""The near-match report: markdown lines for the terminal and for bench/RESULTS.md."""

from __future__ import annotations

import contextlib
import datetime
import os
import platform
import re
from pathlib import Path

import numpy as np
import PIL
from nearmatch_data import Plan
from nearmatch_measure import IndexFigures, Robustness, Speed

from provenance.likeness.fingerprint import GRAD_RADIUS, MAX_DISTANCE

HEADING = "## Near match"


def machine() -> str:
    """One line describing this machine and the libraries measured."""
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    return (
        f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, "
        f"numpy {np.__version__}, Pillow {PIL.__version__}, {platform.system()}"
    )


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def _rules_table(r: Robustness) -> list[str]:
    lines = [
        "| rule | copies matched | crops 2-5 % | worst alteration | false matches "
        "vs originals | unrelated pairs within rule (rate) |",
        "|---|---|---|---|---|---|",
    ]
    for f in r.rules:
        rate = f.pairs_within / max(1, r.unrelated_pairs)
        lines.append(
            f"| {f.name} | {_pct(f.matched)} | {_pct(f.crops)} | {f.worst[0]} {_pct(f.worst[1])} "
            f"| {f.false_matches} | {f.pairs_within} ({rate:.1e}) |"
        )
    return lines


def _misses(r: Robustness) -> str:
    missed = [f for f in r.failures if f.split("/")[0] not in r.no_fingerprint]
    shown = ", ".join(missed[:10]) + (" ..." if len(missed) > 10 else "")
    return (
        f"Originals without a fingerprint: {', '.join(r.no_fingerprint) or 'none'}. "
        f"Copies of the others missed: {len(missed)}" + (f" ({shown})." if missed else ".")
    )


def _robustness(r: Robustness) -> list[str]:
    per_million = r.rules[-1].pairs_within / max(1, r.unrelated_pairs) * 1e6
    return [
        "### (a) copies matched, (b) false matches",
        "",
        f"{r.originals} originals ({r.originals - r.real_originals} synthetic in four families, "
        f"{r.real_originals} distinct real images of ../shared/corpus read in place), "
        f"{len(r.per_kind)} alterations each = {r.copies} copies; "
        f"{r.unrelated:,} unrelated pictures = {r.unrelated * r.originals:,} pairs against "
        f"the originals and {r.unrelated_pairs:,} pairs among themselves.",
        "",
        *_rules_table(r),
        "",
        "Pillow cannot open EXR or DPX, so the pHash baseline misses those copies outright.",
        f"Chosen rule over the copies of originals that have a fingerprint: "
        f"**{_pct(r.matched_fingerprintable)}** (target >= 97 %).",
        f"At the chosen rule's rate among unrelated pictures, a query against 1,000,000 "
        f"generated fingerprints meets about {per_million:.2f} false candidates.",
        f"Closest unrelated picture to any original: gradient distance {r.closest_unrelated[0]}, "
        f"total {r.closest_unrelated[1]} of 128 bits (rule: <= {GRAD_RADIUS} and "
        f"<= {MAX_DISTANCE}); 97th percentile of copy distances: {r.copy_distance_p97}.",
        _misses(r),
        "",
        "Chosen rule, by alteration (all originals):",
        "",
        "| alteration | matched |",
        "|---|---|",
        *(f"| {k} | {_pct(v)} |" for k, v in r.per_kind.items()),
    ]


def _speed(s: Speed) -> list[str]:
    best = s.baseline[0] / s.ours_pool[0]
    median = s.baseline[1] / s.ours_pool[1]
    rows = [
        ("Pillow decode + imagehash pHash, one process (baseline)", s.baseline),
        ("fingerprint_file, one process", s.ours_one_process),
        (f"fingerprint_files, {s.workers}-process pool (pool start included)", s.ours_pool),
    ]
    return [
        "### (c) fingerprint throughput",
        "",
        f"{s.files} full-HD frames ({s.megabytes:.0f} MB, page cache warm); {s.rounds} rounds, "
        f"contenders taking turns; load average {s.load_average[0]:.1f} before, "
        f"{s.load_average[1]:.1f} after (the machine is shared).",
        "",
        "| contender | best wall s | files/s | median wall s |",
        "|---|---|---|---|",
        *(f"| {name} | {t[0]:.2f} | {s.files / t[0]:.1f} | {t[1]:.2f} |" for name, t in rows),
        "",
        f"**Throughput ratio pool / baseline: {best:.2f}x best round, {median:.2f}x median** "
        "(target >= 1.6x).",
        "",
        "One process, by format (best round, per file, baseline -> ours): "
        + "; ".join(
            f"{ext} ({n}) {b / n * 1e3:.0f} ms -> {o / n * 1e3:.0f} ms"
            for ext, (n, b, o) in s.per_format.items()
        )
        + ".",
    ]


def _index(x: IndexFigures) -> list[str]:
    mean, p50, p99 = x.index_ms
    b_mean, b_p50, b_p99 = x.brute_ms
    return [
        "### (d) index",
        "",
        f"{x.size:,} random fingerprints with SHA-256 ids, loaded in chunks of 100,000 "
        f"in {x.load_seconds:.1f} s; {x.queries} queries, half near an entry, half random.",
        "",
        "| | mean ms | p50 ms | p99 ms |",
        "|---|---|---|---|",
        f"| NearMatchIndex.query (grad <= {GRAD_RADIUS}, total <= {MAX_DISTANCE}; "
        "blocks of 65,536) "
        f"| {mean:.3f} | {p50:.3f} | {p99:.3f} |",
        f"| numpy brute force, one 1M array: XOR + bitwise_count <= 12 | {b_mean:.3f} "
        f"| {b_p50:.3f} | {b_p99:.3f} |",
        "",
        f"**Index memory: {x.nbytes / 2**20:.1f} MiB** of arrays (16 B of hashes + 32 B of id "
        f"an entry; integer ids would make it 24 B); peak traced while loading, with a chunk "
        f"of 100,000 ids as Python strings in flight: "
        f"{x.peak_bytes / 2**20:.1f} MiB. "
        f"Near queries that found their entry: {_pct(x.near_found)}. Figures of the round with "
        f"the lowest p99; p99 of every round: {', '.join(f'{v:.3f}' for v in x.p99_rounds)} ms.",
    ]


def render(plan: Plan, r: Robustness, s: Speed, x: IndexFigures) -> list[str]:
    """The whole section, heading first."""
    today = datetime.date.today().isoformat()
    return [
        HEADING,
        "",
        f"`python bench/bench_fingerprint.py` on {today}; machine: {machine()}.",
        "",
        *_robustness(r),
        "",
        *_speed(s),
        "",
        *_index(x),
        "",
    ]


def write_section(path: Path, lines: list[str]) -> None:
    """Replace the "## Near match" section of ``path`` (or append it), leaving the rest as is."""
    text = path.read_text() if path.exists() else "# Benchmark results\n\n"
    section = "\n".join(lines).rstrip() + "\n"
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text, count=1)
    else:
        text = text.rstrip() + "\n\n" + section
    path.write_text(text)
