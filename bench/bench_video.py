#!/usr/bin/env python3
"""Measure the video near-match rule: re-encoded copies against unrelated clips.

For each of ``--clips`` test clips (``tests/support/videos.py``: 64 frames, 160x120,
a pan across a picture with a moving disc; H.264 with a keyframe every 16
frames), writes every re-encode of ``tests.support.videos.REENCODES`` and a remux
without metadata, fingerprints them all, and reports, per alteration, how
many copies the rule of :func:`provenance.likeness.index.match_clip` matches to
their original, how many of their 8 moments match, and the largest distance
of a matching moment; then, over every pair of unrelated clips (originals and
copies of different seeds), the most moments that matched and the nearest
distance. ``--keyframes`` samples the encoder's keyframes instead (decoding
with ``skip_frame = "NONKEY"``), the alternative the rule was measured against.

    python bench/bench_video.py --clips 20
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from provenance.likeness.fingerprint import Fingerprint, fingerprint_file, fingerprint_luma  # noqa: E402
from provenance.likeness.index import NearMatchIndex, frames_needed, match_clip  # noqa: E402
from provenance.likeness.video import SAMPLES  # noqa: E402
from tests.support.videos import REENCODES, SUFFIX, clip, remux_stripped  # noqa: E402

Prints = dict[tuple[int, str], tuple[Fingerprint, ...]]


def keyframe_prints(path: Path) -> tuple[Fingerprint, ...]:
    """Fingerprints of the keyframes at or before each of the evenly spread moments."""
    import av
    import numpy as np

    found: dict[int, Fingerprint] = {}
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.codec_context.skip_frame = "NONKEY"
        assert stream.duration is not None and stream.time_base is not None
        for i in range(SAMPLES):
            container.seek(int(stream.duration * (i + 0.5) / SAMPLES), stream=stream)
            frame = next(container.decode(stream))
            grey = (frame.to_ndarray(format="gray") / 255).astype(np.float32)
            if (fp := fingerprint_luma(grey)) is not None and frame.pts is not None:
                found.setdefault(frame.pts, fp)
    return tuple(found.values())


def build(folder: Path, clips: int, keyframes: bool) -> tuple[Prints, float]:
    """Every clip, copy and remux, fingerprinted; and the seconds a file took on average."""
    prints: Prints = {}
    spent = 0.0
    for seed in range(1, clips + 1):
        paths = {"original": clip(folder / f"{seed}.mp4", seed)}
        for name, encoding in REENCODES.items():
            paths[name] = clip(folder / f"{seed}_{name}{SUFFIX.get(name, '.mp4')}", seed, encoding)
        paths["stripped"] = remux_stripped(paths["original"], folder / f"{seed}_stripped.mov")
        for name, path in paths.items():
            started = time.perf_counter()
            found = keyframe_prints(path) if keyframes else fingerprint_file(path).frames
            prints[seed, name] = found
            spent += time.perf_counter() - started
    return prints, spent / len(prints)


def index_of(prints: Prints) -> NearMatchIndex:
    """The originals, one entry per moment, by seed."""
    index = NearMatchIndex()
    index.add_fingerprints(
        (seed, fp) for (seed, name), fps in prints.items() if name == "original" for fp in fps
    )
    return index


def copies(prints: Prints, index: NearMatchIndex) -> list[str]:
    """One line per alteration: copies matched, moments matched, largest matching distance."""
    lines = []
    for name in [*REENCODES, "stripped"]:
        matched, moments, sampled, worst = 0, 0, 0, 0
        for (seed, kind), fps in prints.items():
            if kind != name:
                continue
            hit = match_clip(index, fps)
            matched += hit is not None and hit.asset == seed
            moments += sum(any(fp.matches(o) for o in prints[seed, "original"]) for fp in fps)
            sampled += len(fps)
            worst = max([worst, *(_nearest(fp, prints[seed, "original"]) for fp in fps)])
        total = sum(1 for _, kind in prints if kind == name)
        lines.append(
            f"{name:14} copies matched {matched}/{total}, moments {moments}/{sampled}, "
            f"largest moment distance {worst}"
        )
    return lines


def unrelated(prints: Prints) -> str:
    """Across clips of different seeds: the most moments alike, and the nearest distance."""
    most, nearest, pairs, false = 0, 128, 0, 0
    for (seed, _), fps in prints.items():
        for (other, name), originals in prints.items():
            if other == seed or name != "original":
                continue
            pairs += 1
            alike = sum(any(fp.matches(o) for o in originals) for fp in fps)
            most = max(most, alike)
            false += alike >= frames_needed(len(fps))
            nearest = min([nearest, *(_nearest(fp, originals) for fp in fps)])
    return f"unrelated pairs {pairs}: matched {false}, most moments alike {most}, nearest {nearest}"


def _nearest(fp: Fingerprint, others: tuple[Fingerprint, ...]) -> int:
    return min((sum(fp.distances(o)) for o in others), default=128)


def main() -> None:
    """Build, fingerprint and report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=20)
    parser.add_argument("--keyframes", action="store_true", help="sample keyframes instead")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        prints, seconds = build(Path(folder), args.clips, args.keyframes)
    index = index_of(prints)
    sampling = "keyframes" if args.keyframes else "moments"
    print(f"sampling: {sampling}, {seconds * 1000:.1f} ms a file")
    print("\n".join(copies(prints, index)))
    print(unrelated(prints))


if __name__ == "__main__":
    main()
