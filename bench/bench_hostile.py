#!/usr/bin/env python3
"""Benchmark: every hostile single-file input of issue 14, classified and audited, within bounds.

Each input is built by ``tests/support/hostile_files.py`` (no bomb is ever
committed), written alone into a package folder, and run through
``provenance classify --json FILE`` and ``provenance audit --format json
--no-record PACKAGE``, each in a process of its own, against a ledger that
holds one generated picture (so the audit's near-match stage decodes every
picture it can). Per run it prints the wall time and the peak RSS of the
process tree (the largest ``VmHWM`` of any process in it, workers included,
polled every 10 ms from ``/proc``: ``wait4`` and ``/usr/bin/time`` miss the
audit's decoding workers, and a forked child's counter starts at its
parent's size; Linux only),
against the targets of issue 14: **<= 5 s and <= 512 MB per file on 2
cores**; and it checks that both outputs parse as JSON (strict UTF-8), that
classify gives the verdict the catalogue expects and that the audit blocks
(exit 1) exactly the files that must block. A clean PNG is run the same way,
in the same run, as the baseline (process start and imports).

    python bench/bench_hostile.py [--only NAME ...] [--others] [--cli OTHER/cli.py]

``--cli`` runs another checkout's launcher instead (an earlier commit, for a
before-and-after table; unpack one with ``git archive COMMIT | tar -x -C DIR``).

Damaged and hostile sound (FLAC, Ogg, and FLAC behind ID3v2 tags: ``tests/support/sound_files.py``)
is run too, as item 0: it is not of issue 14, but held to the same targets.

``--others`` adds inputs of issue 14 that other parts of the work fix (the
C2PA SDK on 100,000 ``uuid`` boxes, item 6; a picture just under the pixel
guard, item 11): measured, not counted against this bench's verdict.
"""

from __future__ import annotations

import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_scan import machine  # noqa: E402

from tests.support import hostile_files as hostile  # noqa: E402
from tests.support import sound_files as sound  # noqa: E402
from tests.support.studio import generated_png  # noqa: E402

MAX_SECONDS = 5.0
MAX_MB = 512
TIMEOUT = 120.0
CLI = [sys.executable, str(ROOT / "cli.py")]
POLL = 0.01  # seconds between two looks at the process tree


@dataclass(frozen=True)
class Run:
    """One command on one input: seconds, peak RSS (MB), exit code, output parsed or why not."""

    seconds: float
    peak_mb: float
    code: int | None  # None: killed at the timeout
    output: object
    json_error: str | None

    @property
    def within(self) -> bool:
        """Inside both targets."""
        return self.code is not None and self.seconds <= MAX_SECONDS and self.peak_mb <= MAX_MB


def measured(args: list[str], env: dict[str, str]) -> Run:
    """Run a command, stdout to a file; its wall time and the peak RSS of its process tree."""
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.DEVNULL, env=env)
        peak_kb = _watch(process)
        seconds = time.perf_counter() - started
        out.seek(0)
        raw = out.read()
    output, error = _parsed(raw)
    code = None if process.returncode == -9 else process.returncode
    return Run(seconds, peak_kb / 1024, code, output, error)


def _watch(process: subprocess.Popen[bytes]) -> int:
    """Poll the tree's high-water marks until the process ends (killed at the timeout)."""
    peaks: dict[int, int] = {}
    deadline = time.monotonic() + TIMEOUT
    while process.poll() is None:
        for pid in _tree(process.pid):
            peaks[pid] = max(peaks.get(pid, 0), _high_water_kb(pid))
        if time.monotonic() > deadline:
            process.kill()
            process.wait()
        time.sleep(POLL)
    return max(peaks.values(), default=0)


def _tree(root: int) -> list[int]:
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        try:
            todo += [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except OSError:
            continue
    return found


def _high_water_kb(pid: int) -> int:
    # VmHWM: the process's peak resident set since its exec (a fork's copy is not counted).
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _parsed(raw: bytes) -> tuple[object, str | None]:
    try:
        return json.loads(raw.decode("utf-8")), None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, f"{type(exc).__name__}: {str(exc)[:60]}"


def under_pixel_guard() -> bytes:
    """An RGB PNG of 9,400 x 9,400 pixels (88 M: just under Pillow's bomb guard), item 11."""
    row = b"\x00" + bytes(range(256)) * 110 + bytes(40)
    raw = zlib.compress(row * 9400, 6)
    ihdr = struct.pack(">IIBBBBB", 9400, 9400, 8, 2, 0, 0, 0)
    chunks = hostile.png_chunk(b"IHDR", ihdr) + hostile.png_chunk(b"IDAT", raw)
    return hostile.PNG_SIGNATURE + chunks + hostile.png_chunk(b"IEND", b"")


def c2pa_uuid_boxes(count: int = 100_000) -> bytes:
    """An MP4 of many empty C2PA ``uuid`` boxes, item 6 (past the box limit at 100,000)."""
    ftyp = struct.pack(">I4s4sI4s", 20, b"ftyp", b"isom", 0, b"isom")
    box = struct.pack(">I4s", 24, b"uuid") + bytes.fromhex("d8fec3d61b0e483c92975828877ec481")
    return ftyp + box * count


EXTRA: tuple[hostile.Hostile, ...] = (
    hostile.Hostile("jpeg_200mb_fill.jpg", lambda: hostile.jpeg_fill_bytes(200), "unreadable", 7),
)
SOUND: tuple[hostile.Hostile, ...] = (
    hostile.Hostile("flac_4m_blocks.flac", sound.flac_many_blocks, "unreadable", 0),
    # 140,000 pages of 255 bytes continue the comment packet past the 32 MiB header limit.
    hostile.Hostile(
        "ogg_36mb_headers.ogg", lambda: sound.ogg_huge_headers(140_000), "unreadable", 0
    ),
    hostile.Hostile("flac_cut.flac", lambda: sound.flac_cut_mid_frame(()), "unreadable", 0),
    hostile.Hostile(
        "flac_hiding.flac", lambda: sound.flac_garbage_after_metadata(()), "unreadable", 0
    ),
    hostile.Hostile("ogg_hiding.ogg", lambda: sound.ogg_garbage_after_headers(()), "unreadable", 0),
    hostile.Hostile("id3_past_end.flac", sound.id3_past_end, "unreadable", 0),
    hostile.Hostile("id3_1000_in_a_row.flac", sound.id3_in_a_row, "unreadable", 0),
    hostile.Hostile("id3_1000_nested.flac", sound.id3_nested, "unreadable", 0),
    hostile.Hostile("id3_then_garbage.flac", sound.id3_then_garbage, "unreadable", 0),
)
OTHERS: tuple[hostile.Hostile, ...] = (
    hostile.Hostile("c2pa_100k_uuid_boxes.mp4", c2pa_uuid_boxes, "unreadable", 6),
    hostile.Hostile(
        "c2pa_9999_uuid_boxes.mp4", lambda: c2pa_uuid_boxes(9_998), "unknown", 6, undecodable=True
    ),
    hostile.Hostile("png_under_pixel_guard.png", under_pixel_guard, "unknown", 11),
)


def ledger(work: Path, cli: list[str]) -> dict[str, str]:
    """A fresh SQLite ledger holding one generated picture; the environment that points at it."""
    env = dict(os.environ, PROVENANCE_DB=f"sqlite:///{work / 'ledger.sqlite3'}")
    generated = generated_png(work / "generated" / "gen.png", 7)
    for command in (["init"], ["scan", str(generated.parent)]):
        subprocess.run([*cli, *command], env=env, check=True, capture_output=True)
    listed = subprocess.run([*cli, "ls", "--json"], env=env, check=True, capture_output=True)
    assert json.loads(listed.stdout)["assets"], "the generated picture must be in the ledger"
    return env


def one(case: hostile.Hostile, work: Path, env: dict[str, str], cli: list[str]) -> tuple[Run, Run]:
    """Classify and audit one input, alone in its package."""
    package = work / "packages" / case.name
    package.mkdir(parents=True)
    path = package / case.name
    path.write_bytes(case.build())
    classified = measured([*cli, "classify", "--json", str(path)], env)
    audited = measured([*cli, "audit", "--format", "json", "--no-record", str(package)], env)
    path.unlink()  # the 200 MB inputs need not outlive their runs
    return classified, audited


def verdict_of(run: Run) -> str:
    """The verdict classify printed for the one file, or what went wrong."""
    files = run.output.get("files") if isinstance(run.output, dict) else None
    if isinstance(files, list) and files:
        return str(files[0].get("verdict"))
    return "no output" if run.json_error is None else "bad JSON"


def row(case: hostile.Hostile, classified: Run, audited: Run) -> tuple[str, bool]:
    """The table row, and whether the input met every check."""
    verdict = verdict_of(classified)
    blocks_right = audited.code == (1 if case.blocks else 0)
    ok = (
        classified.within and audited.within and verdict == case.verdict and blocks_right
        and classified.json_error is None and audited.json_error is None
    )  # fmt: skip
    cells = (
        f"{case.name} ({case.item})",
        f"{classified.seconds:.2f}",
        f"{classified.peak_mb:.0f}",
        f"{audited.seconds:.2f}",
        f"{audited.peak_mb:.0f}",
        verdict,
        str(audited.code),
        "yes" if classified.json_error is None and audited.json_error is None else "NO",
        "yes" if ok else "NO",
    )
    return "| " + " | ".join(cells) + " |", ok


def main() -> None:
    """Build, run and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="input names to run (default: all)")
    parser.add_argument("--others", action="store_true", help="add inputs of other items (6, 11)")
    parser.add_argument("--cli", type=Path, help="another checkout's cli.py (default: this one)")
    args = parser.parse_args()
    cli = [sys.executable, str(args.cli)] if args.cli else CLI
    cases = [*hostile.HOSTILE, *EXTRA, *SOUND, *(OTHERS if args.others else ())]
    cases = [c for c in cases if not args.only or c.name in args.only]
    clean = hostile.Hostile("clean.png (baseline)", hostile.png_with, "unknown", 0)
    print(f"machine: {machine()}")
    print(f"targets: <= {MAX_SECONDS:.0f} s and <= {MAX_MB} MB per file, valid JSON\n")
    print("| input (item) | classify s | classify MB | audit s | audit MB | verdict | audit exit "
          "| JSON ok | all ok |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    failed = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = ledger(work, cli)
        for case in [clean, *cases]:
            line, ok = row(case, *one(case, work, env, cli))
            print(line, flush=True)
            if not ok and case not in OTHERS:
                failed.append(case.name)
    print(f"\n{len(cases) + 1 - len(failed)} of {len(cases) + 1} inputs within every target")
    if failed:
        print("failed: " + ", ".join(failed))


if __name__ == "__main__":
    main()
