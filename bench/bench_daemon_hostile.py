#!/usr/bin/env python3
"""Benchmark: the watch daemon's memory over a hostile set, against the 1 GB target (issue 14).

Starts ``provenance watch`` (a subprocess, default settings but a one-second
heartbeat, fresh SQLite ledger) on an empty folder, waits until it is idle,
then drops in a hostile set made here (moved in, so each file arrives whole):

* an MP4 of ``--boxes`` C2PA ``uuid`` boxes (default 200,000, 4.8 MB), on
  which the C2PA SDK is quadratic (197 s unguarded): it must be stopped at
  the detector budget and recorded unreadable for that reason;
* a FIFO and a link to ``/dev/zero`` (a reader would wait, or read, forever);
* three generated PNGs (A1111 parameters) under names that are not UTF-8
  (pictures with structure: they get local features, so every other
  picture is then searched for them, the big ones too);
* ``--big`` big but legal RGBA PNGs just under Pillow's pixel guard
  (89.3 million pixels each), which cost up to 827 MB per worker to read;
* a PNG claiming 200,000 x 200,000 pixels (a decompression bomb);
* every input of the single-file catalogue (``tests/support/hostile_files.py``:
  readers' limits, broken EXRs, loops, lying sizes, inflation bombs, a 12-bit
  JPEG) and a JPEG of 200 MB of fill bytes, each of whose verdicts is checked
  against the one ``classify`` must give.

Every 0.1 s (as it polls the ledger) it samples the resident memory (VmRSS) of the daemon and of all
its descendants (the guarded workers, the fingerprint workers and their
fork server), until every regular file of the set is in the ledger and the
daemon is idle again, and every picture has its fingerprint row. It
prints the peak of the sum against the 1 GB target (it counts the pages the
workers share with their fork server once per process, so it overstates;
the proportional set size, PSS, which does not, is printed too), the
daemon's own peak, the largest worker, and what the ledger recorded for
each file.

    python bench/bench_daemon_hostile.py              # ~1-2 min on 2 cores
    python bench/bench_daemon_hostile.py --record     # also append to bench/RESULTS.md
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from bench_scan import machine  # noqa: E402
from bench_watch import Daemon, wait_until  # noqa: E402
from PIL import Image  # noqa: E402

from provenance.store import AssetRecord, Ledger  # noqa: E402
from provenance.store.identity import current_host  # noqa: E402
from provenance.util.names import shown  # noqa: E402
from tests.support import hostile_files  # noqa: E402
from tests.support.hostile import big_png, c2pa_uuid_mp4, non_utf8_path  # noqa: E402
from tests.support.studio import generated_png  # noqa: E402

RESULTS = HERE / "RESULTS.md"
TARGET_MIB = 1024
PNG_BOMB_SIDE = 200_000


@dataclass
class Peak:
    """The highest resident memory seen, in KiB: the whole tree, and the daemon alone."""

    tree: int = 0
    shared: int = 0  # the same, proportional (PSS): pages shared by several processes split
    daemon: int = 0
    processes: int = 0
    each: dict[str, int] = field(default_factory=dict)  # the largest process of each kind

    def take(self, pid: int) -> None:
        """One sample of the daemon and every descendant."""
        pids = [pid, *descendants(pid)]
        sizes = [rss_kib(p) for p in pids]
        self.tree = max(self.tree, sum(sizes))
        self.shared = max(self.shared, sum(pss_kib(p) for p in pids))
        self.daemon = max(self.daemon, sizes[0])
        self.processes = max(self.processes, len(pids))
        for p, size in zip(pids[1:], sizes[1:], strict=True):
            kind = kind_of(p)
            self.each[kind] = max(self.each.get(kind, 0), size)

    def largest(self) -> list[tuple[str, int]]:
        """The largest process of each kind, by kind."""
        return sorted(self.each.items())


def kind_of(pid: int) -> str:
    """What a descendant of the daemon is: a worker (forked by the fork server), or a helper."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        command = Path(f"/proc/{parent}/cmdline").read_bytes()
    except (OSError, ValueError, IndexError):
        return "gone"
    return "worker" if b"forkserver" in command else "fork server or resource tracker"


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children of each of its threads, recursively)."""
    found: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found += [child, *descendants(child)]
    return found


def rss_kib(pid: int) -> int:
    """VmRSS of one process in KiB (0 once it is gone)."""
    return _kib(f"/proc/{pid}/status", "VmRSS:")


def pss_kib(pid: int) -> int:
    """Proportional set size of one process in KiB (0 once it is gone)."""
    return _kib(f"/proc/{pid}/smaps_rollup", "Pss:")


def _kib(path: str, key: str) -> int:
    try:
        text = Path(path).read_text()
    except OSError:
        return 0
    return next((int(x.split()[1]) for x in text.splitlines() if x.startswith(key)), 0)


def make_set(stage: Path, boxes: int, big: int) -> list[Path]:
    """The regular files of the hostile set, written into ``stage``."""
    stage.mkdir()
    made = [c2pa_uuid_mp4(stage / "c2pa-boxes.mp4", boxes)]
    for seed in range(3):
        made.append(generated_png(stage / f"gen{seed}.png", seed).rename(
            non_utf8_path(stage, f"-{seed}.png")))  # fmt: skip
    side = int((Image.MAX_IMAGE_PIXELS or 89_478_485) ** 0.5) - 50
    for n in range(big):
        made.append(big_png(stage / f"big{n}.png", side + n, side))
    made.append(_claiming(big_png(stage / "bomb.png", 64, 1), PNG_BOMB_SIDE))
    for case in CATALOGUE:
        (stage / case.name).write_bytes(case.build())
        made.append(stage / case.name)
    return made


CATALOGUE = (
    *hostile_files.HOSTILE,
    hostile_files.Hostile(
        "jpeg_200mb_fill.jpg", lambda: hostile_files.jpeg_fill_bytes(200), "unreadable", 7
    ),
)
EXPECTED = {case.name: case.verdict for case in CATALOGUE}


def _claiming(path: Path, side: int) -> Path:
    # A small PNG whose header is rewritten to claim side x side pixels (the CRC
    # is left wrong: a bomb need not be polite).
    data = bytearray(path.read_bytes())
    data[16:24] = side.to_bytes(4, "big") * 2
    path.write_bytes(bytes(data))
    return path


def drop(made: list[Path], root: Path) -> list[Path]:
    """Move the set into the watched folder, then add the FIFO and the /dev/zero link."""
    moved = []
    for path in made:
        target = Path(os.fsdecode(os.fsencode(root) + b"/" + os.fsencode(path.name)))
        shutil.move(path, target)
        moved.append(target)
    os.mkfifo(root / "pipe.png")
    (root / "zero.png").symlink_to("/dev/zero")
    return moved


def run(boxes: int, big: int) -> list[str]:
    """The whole measurement; returns the figures, one per line."""
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as tmp:
        work = Path(tmp)
        root, config = work / "watched", work / "provenance.toml"
        root.mkdir()
        config.write_text("watch_heartbeat = 1\n")
        db = f"sqlite:///{work / 'ledger.sqlite3'}"
        made = make_set(work / "stage", boxes, big)
        daemon = Daemon(root, db, config)
        try:
            return _measure(daemon, db, root, made)
        finally:
            daemon.stop()


def _measure(daemon: Daemon, db: str, root: Path, made: list[Path]) -> list[str]:
    peak = Peak()
    ledger = Ledger(db)
    pid = daemon.process.pid
    wait_until(lambda: daemon.idle(ledger), 120, "the daemon to start")
    started = time.monotonic()
    files = {str(p) for p in drop(made, root)}
    host = current_host()

    def done() -> bool:
        peak.take(pid)
        return files <= set(ledger.locations.under(str(root), host)) and daemon.idle(ledger)

    wait_until(done, 900, "every file recorded and the daemon idle")
    recorded = time.monotonic() - started

    def fingerprinted() -> bool:  # the pass that follows the rows decodes every picture
        peak.take(pid)
        return not _unfingerprinted(db, files, host)

    try:
        wait_until(fingerprinted, 600, "every picture fingerprinted")
    except SystemExit as exc:
        raise SystemExit(f"{exc}: still none for {_unfingerprinted(db, files, host)}") from exc
    return _figures(peak, recorded, ledger, sorted(files), host)


def _unfingerprinted(db: str, files: set[str], host: str) -> list[str]:
    """The pictures of the set that have no fingerprint row yet."""
    with Ledger(db) as fresh:  # a new connection each time: never an old snapshot
        pictures = _pictures(fresh, files, host)
        return [s[:12] for s in pictures if not fresh.fingerprints.status_of(s)]


def _pictures(ledger: Ledger, files: set[str], host: str) -> list[str]:
    found = [ledger.assets.at(path, host) for path in files]
    # An unreadable picture's failed decode is not stored (the daemon retries
    # it later, see likeness/retry.py): only the others get a row to wait for.
    return [
        a.sha256
        for a in found
        if a is not None and a.kind == "image" and a.problem is None and a.verdict != "unreadable"
    ]


def _figures(peak: Peak, seconds: float, ledger: Ledger, files: list[str], host: str) -> list[str]:
    verdict = "under" if peak.tree / 1024 < TARGET_MIB else "OVER"
    lines = [
        f"machine: {machine()}",
        f"hostile set recorded in {seconds:.1f} s; daemon alive",
        f"peak RSS, daemon and all its processes (summed, up to {peak.processes}): "
        f"{peak.tree / 1024:.0f} MiB ({verdict} the {TARGET_MIB} MiB target)",
        f"peak PSS of the same (shared pages counted once): {peak.shared / 1024:.0f} MiB",
        f"peak RSS, the daemon process alone: {peak.daemon / 1024:.0f} MiB",
        *(f"peak RSS of one {kind}: {kib / 1024:.0f} MiB" for kind, kib in peak.largest()),
    ]
    for path in files:
        asset = ledger.assets.at(path, host)
        what: str = "not recorded" if asset is None else asset.verdict
        if asset is not None and asset.problem:
            what += f" ({asset.problem})"
        lines.append(f"{shown(Path(path).name)}: {what}{_check(Path(path).name, asset)}")
    return lines


def _check(name: str, asset: AssetRecord | None) -> str:
    """For an input of the catalogue: whether the daemon recorded what classify must say."""
    expected = EXPECTED.get(name)
    if expected is None:
        return ""
    verdict = asset.verdict if asset is not None else None
    return " [as classify says]" if verdict == expected else f" [WRONG: classify says {expected}]"


def main() -> None:
    """Run, print, and with --record append the figures to bench/RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boxes", type=int, default=200_000, help="C2PA uuid boxes in the MP4")
    parser.add_argument("--big", type=int, default=3, help="pictures just under the pixel guard")
    parser.add_argument("--record", action="store_true", help="append to bench/RESULTS.md")
    args = parser.parse_args()
    lines = run(args.boxes, args.big)
    print("\n".join(lines))
    if args.record:
        record(lines, args)


def record(lines: list[str], args: argparse.Namespace) -> None:
    """Append the figures under a heading of their own (never overwriting other sections)."""
    command = f"python bench/bench_daemon_hostile.py --boxes {args.boxes} --big {args.big}"
    body = "\n".join(f"- {line}" for line in lines)
    when = time.strftime("%Y-%m-%d")
    with RESULTS.open("a", encoding="utf-8") as stream:
        stream.write(
            f"\n## The watch daemon over a hostile set ({when})\n\n`{command}`\n\n{body}\n"
        )


if __name__ == "__main__":
    main()
