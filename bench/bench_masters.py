#!/usr/bin/env python3
"""Benchmark: auditing masters for generated material inside them (issue 13).

Builds, with the ``ffmpeg`` command (Debian's package), a ``--minutes``-long
1080p master twice, as ProRes 422 (MOV) and as H.264 (MP4), from a moving
test picture (``testsrc2``, grain added) into which generated stills are cut
at known times: held whole, composited at half the frame's width, flopped,
and punched in by 10 %; each for one to two seconds. The stills (960x540
textured pictures carrying A1111 parameters) are scanned into a fresh SQLite
ledger first, as a studio would, so their fingerprints and local features
are in it.

Then, alternately and ``--repeat`` times each, it runs the baseline
``ffmpeg -i MASTER -f null -`` (decoding every frame, on both cores) and
``provenance audit`` of a package holding the master, and prints the median
of each and their ratio (target: the audit takes no longer than the
decode). It also prints what the audit found against what was cut in:
recall, boundary errors (target within 0.5 s) and segments that match
nothing (target none).

    python bench/bench_masters.py                 # 10-minute masters
    python bench/bench_masters.py --minutes 2     # quicker; the ratio barely moves
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from PIL import Image
from PIL.PngImagePlugin import PngInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.reframing import textured

CACHE = Path(os.environ.get("PROVENANCE_BENCH_CACHE", "/tmp/provenance-bench-corpus")) / "masters"
A1111 = "a matte painting\nSteps: 20, Sampler: Euler a, Seed: {seed}, Model: sdxl"
STILL_SIZE = (960, 540)


@dataclass(frozen=True)
class Insert:
    """A generated still cut into the master: which, when, for how long, and how reframed."""

    still: int
    start: float
    seconds: float
    how: str  # a key of REFRAME


KINDS = (
    ("whole", 2.0), ("composite_half", 1.0), ("flop", 1.5), ("punch_in", 1.0),
    ("letterbox", 1.5), ("composite_fifth", 2.0), ("turned_180", 1.0),
)  # fmt: skip
REFRAME = {
    "whole": ("scale=1920:1080", 0, 0),
    "composite_half": ("scale=960:540", 700, 300),  # half the width, off-centre
    "flop": ("hflip,scale=1920:1080", 0, 0),
    "punch_in": ("crop=iw*0.8:ih*0.8,scale=1920:1080", 0, 0),  # 10 % off every side
    "letterbox": ("scale=1920:804,pad=1920:1080:0:138", 0, 0),  # 2.39:1 in a 16:9 frame
    "composite_fifth": ("scale=858:483", 160, 520),  # a fifth of the frame's area
    "turned_180": ("hflip,vflip,scale=1920:1080", 0, 0),
}


def inserts(minutes: float) -> list[Insert]:
    """An insert every 15 seconds or so, kinds in turn, spread over the master."""
    count = max(len(KINDS), round(4 * minutes))
    span = minutes * 60 / (count + 1)
    return [
        Insert(i, round(span * (i + 1), 1), KINDS[i % len(KINDS)][1], KINDS[i % len(KINDS)][0])
        for i in range(count)
    ]


def make_stills(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = folder / f"matte_{i:02d}.png"
        if not path.exists():
            info = PngInfo()
            info.add_text("parameters", A1111.format(seed=i))
            rgb = (np.clip(textured(500 + i, STILL_SIZE), 0, 1) * 255).astype(np.uint8)
            Image.fromarray(rgb).save(path, pnginfo=info)
        paths.append(path)
    return paths


def filter_graph(cuts: list[Insert]) -> str:
    """Overlay each still, reframed, over the moving background while its insert lasts."""
    chains = ["[0:v]noise=alls=6:allf=t,format=yuv420p[base0]"]
    for n, cut in enumerate(cuts):
        reframe, x, y = REFRAME[cut.how]
        # The still's input lasts only as long as its insert and starts at it: a still
        # looped over the whole master would be scaled on every frame of it.
        chains.append(f"[{n + 1}:v]{reframe},setpts=PTS-STARTPTS+{cut.start}/TB[c{n}]")
        enable = f"between(t,{cut.start},{cut.start + cut.seconds - 0.001})"
        chains.append(
            f"[base{n}][c{n}]overlay={x}:{y}:eof_action=pass:enable='{enable}'[base{n + 1}]"
        )
    return ";".join(chains)


def build_master(path: Path, codec: list[str], minutes: float, stills: list[Path]) -> Path:
    """The master at ``path`` (kept there: a later run reuses it), assembled from pieces.

    Rendering ten minutes of 1080p took 40 minutes and more on the shared
    machine, nearly all of it encoding. So only the stretch around each insert
    (in whole seconds) is rendered; the background
    between inserts is one rendered piece per gap length, reused; and the
    pieces, each starting with a key frame, are joined by stream copy (FFmpeg's
    concat demuxer). The master decodes as a rendered one would: every frame
    is a full 1080p frame of the codec, and the background still moves from
    one sample to the next, so no sample is skipped as a held picture. Only the
    background's clock restarts at each piece, and a long-GOP master has a key
    frame at each piece (every 2 to 13 seconds) rather than every 250 frames.
    """
    if path.exists():
        return path
    started = time.monotonic()
    pieces = path.parent / f"pieces_{path.stem}"
    pieces.mkdir(exist_ok=True)
    joined = [render_piece(pieces, codec, path.suffix, stills, span) for span in layout(minutes)]
    listing = pieces / "concat.txt"
    listing.write_text("".join(f"file '{p}'\n" for p in joined))
    tmp = path.with_suffix(".part" + path.suffix)
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "concat", "-safe", "0", "-i",
                    str(listing), "-c", "copy", "-timecode", "01:00:00:00", str(tmp)],
                   check=True)  # fmt: skip
    tmp.rename(path)
    shutil.rmtree(pieces)
    print(f"  built {path.name} in {time.monotonic() - started:.0f} s", flush=True)
    return path


@dataclass(frozen=True)
class Span:
    """A piece of the master: ``seconds`` long (whole seconds), with ``cut`` in it or none."""

    seconds: int
    cut: Insert | None = None


def layout(minutes: float) -> list[Span]:
    """The master as pieces: background, a piece around each insert, background, ..."""
    spans, at = [], 0
    for cut in inserts(minutes):
        first, last = math.floor(cut.start), math.ceil(cut.start + cut.seconds)
        if first > at:
            spans.append(Span(first - at))
        # the insert's time within its piece
        spans.append(Span(last - first, replace(cut, start=round(cut.start - first, 3))))
        at = last
    end = round(minutes * 60)
    if end > at:
        spans.append(Span(end - at))
    return spans


def render_piece(folder: Path, codec: list[str], suffix: str, stills: list[Path],
                 span: Span) -> Path:  # fmt: skip
    """Render one piece (a background piece of each length once) and give its path."""
    cut = span.cut
    name = f"bg_{span.seconds}" if cut is None else f"cut_{cut.still:03d}"
    path = folder / f"{name}{suffix}"
    if path.exists():
        return path
    command = ["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
               f"testsrc2=size=1920x1080:rate=24:duration={span.seconds}"]  # fmt: skip
    cuts = [] if cut is None else [cut]
    for one in cuts:
        command += ["-loop", "1", "-framerate", "24", "-t", str(one.seconds), "-i",
                    str(stills[one.still])]  # fmt: skip
    command += ["-filter_complex", filter_graph(cuts), "-map", f"[base{len(cuts)}]",
                "-t", str(span.seconds), *codec, str(path)]  # fmt: skip
    subprocess.run(command, check=True)
    return path


CODECS = {
    # FFmpeg's faster ProRes encoder (prores_aw); profile 2 is ProRes 422.
    "prores": (["-c:v", "prores", "-profile:v", "2", "-pix_fmt", "yuv422p10le"], ".mov"),
    "h264": (["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p"],
             ".mp4"),
}  # fmt: skip


def timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Run ``command``: its wall time, its CPU time (user + system, all threads), its output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{command[:3]} failed ({done.returncode}): {done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def found_segments(report: str, name: str) -> list[dict[str, object]]:
    files = {f["path"]: f for f in json.loads(report)["files"]}
    return list(files[name]["segments"])


def score(segments: list[dict[str, object]], cuts: list[Insert]) -> tuple[int, float, int]:
    """(inserts found, worst boundary error in seconds, segments matching no insert)."""
    hit, worst, stray = 0, 0.0, 0
    for seg in segments:
        start, end = float(str(seg["start"])), float(str(seg["end"]))
        near = [c for c in cuts if start < c.start + c.seconds and end > c.start]
        stray += not near
    for cut in cuts:
        mine = [s for s in segments
                if float(str(s["start"])) < cut.start + cut.seconds
                and float(str(s["end"])) > cut.start]  # fmt: skip
        if mine:
            hit += 1
            errors = (abs(float(str(mine[0]["start"])) - cut.start),
                      abs(float(str(mine[-1]["end"])) - (cut.start + cut.seconds)))  # fmt: skip
            worst = max(worst, *errors)
    return hit, worst, stray


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--codecs", default="prores,h264")
    args = parser.parse_args()
    if shutil.which("ffmpeg") is None:
        raise SystemExit("needs the ffmpeg command: apt-get install ffmpeg")
    cuts = inserts(args.minutes)
    stills = make_stills(CACHE / "stills", len(cuts))
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores;"
          f" {args.minutes:g}-minute 1080p masters, {len(cuts)} inserts")  # fmt: skip
    exe = Path(sys.executable).with_name("provenance")
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{tmp}/ledger.sqlite3"
        env = {**os.environ, "PROVENANCE_DB": db}
        subprocess.run([str(exe), "scan", str(CACHE / "stills")], check=True, env=env,
                       capture_output=True)  # fmt: skip
        for name in args.codecs.split(","):
            codec, suffix = CODECS[name]
            master = build_master(CACHE / f"master_{args.minutes:g}min_{name}{suffix}", codec,
                                  args.minutes, stills)  # fmt: skip
            package = Path(tmp) / f"pkg_{name}"
            package.mkdir()
            # The audit refuses links that leave the package: a hard link is the file itself.
            os.link(master, package / master.name)
            run_pair(exe, master, package, env, args.repeat, cuts)
    return 0


def run_pair(
    exe: Path, master: Path, package: Path, env: dict[str, str], repeat: int, cuts: list[Insert]
) -> None:
    baseline, contender, report = [], [], ""
    base_cpu, cont_cpu = [], []
    decode = ["ffmpeg", "-loglevel", "error", "-i", str(master), "-f", "null", "-"]
    audit = [str(exe), "audit", str(package), "--format", "json", "--no-record"]
    for _ in range(repeat):
        wall, cpu, _out = timed(decode)
        baseline.append(wall)
        base_cpu.append(cpu)
        wall, cpu, report = timed(audit, env)
        contender.append(wall)
        cont_cpu.append(cpu)
        print(f"  ffmpeg {baseline[-1]:.1f} s ({base_cpu[-1]:.1f} s CPU), audit"
              f" {contender[-1]:.1f} s ({cont_cpu[-1]:.1f} s CPU); load"
              f" {os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip
    b, c = statistics.median(baseline), statistics.median(contender)
    bc, cc = statistics.median(base_cpu), statistics.median(cont_cpu)
    hit, worst, stray = score(found_segments(report, master.name), cuts)
    size = master.stat().st_size / 1e9
    print(
        f"{master.name} ({size:.1f} GB): ffmpeg -f null {b:.1f} s, audit {c:.1f} s,"
        f" ratio {c / b:.2f} (target <= 1.00); found {hit}/{len(cuts)} inserts,"
        f" worst boundary {worst:.2f} s (target <= 0.5), stray segments {stray} (target 0);"
        f" CPU: ffmpeg {bc:.1f} s, audit {cc:.1f} s, ratio {cc / bc:.2f}",
        flush=True,
    )
    runs = ", ".join(f"{t:.1f}" for t in baseline), ", ".join(f"{t:.1f}" for t in contender)
    print(f"  runs: ffmpeg {runs[0]}; audit {runs[1]}")
    for cut in cuts:
        mine = [s for s in found_segments(report, master.name)
                if float(str(s["start"])) < cut.start + cut.seconds
                and float(str(s["end"])) > cut.start]  # fmt: skip
        got = ", ".join(f"{s['start']}-{s['end']} {s['kind']}" for s in mine) or "MISSED"
        print(f"  {cut.how:16} {cut.start:7.1f}-{cut.start + cut.seconds:7.1f}: {got}", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
