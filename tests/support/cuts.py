"""Cuts made by test code: OTIO timelines of clips over files a test writes, and the CLI run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import opentimelineio as otio
from click.testing import CliRunner, Result

from provenance.cli import cli

RATE = 24
RT = otio.opentime.RationalTime


def span(start: float, frames: float, rate: float = RATE) -> Any:
    """A TimeRange of ``frames`` from ``start``, at ``rate``."""
    return otio.opentime.TimeRange(RT(start, rate), RT(frames, rate))


def external(name: str, url: str, frames: int = 12, start: int = 0) -> Any:
    """A clip of one file (or a frame pattern) by path."""
    ref = otio.schema.ExternalReference(target_url=url)
    return otio.schema.Clip(name=name, media_reference=ref, source_range=span(start, frames))


def sequence(name: str, folder: str, prefix: str, used: tuple[int, int], first: int = 1001,
             count: int = 3) -> Any:  # fmt: skip
    """A clip of an image sequence ``prefix.NNNN.png`` whose frames start at ``first``.

    ``used`` is (offset from the first frame, frames used), in media time.
    """
    ref = otio.schema.ImageSequenceReference(
        target_url_base=folder, name_prefix=prefix + ".", name_suffix=".png",
        start_frame=first, frame_zero_padding=4, rate=RATE,
        available_range=span(0, count),
    )  # fmt: skip
    return otio.schema.Clip(name=name, media_reference=ref, source_range=span(*used))


def generator(name: str, kind: str = "black", frames: int = 12) -> Any:
    """A clip the NLE makes (bars, black): no media."""
    ref = otio.schema.GeneratorReference(generator_kind=kind)
    return otio.schema.Clip(name=name, media_reference=ref, source_range=span(0, frames))


def missing(name: str, frames: int = 12) -> Any:
    """A clip whose media the NLE lost: only its name is left."""
    ref = otio.schema.MissingReference()
    return otio.schema.Clip(name=name, media_reference=ref, source_range=span(0, frames))


def gap(frames: int) -> Any:
    """Empty track time."""
    return otio.schema.Gap(source_range=span(0, frames))


def cut(path: Path, *tracks: list[Any]) -> Path:
    """Write a timeline of video tracks (lowest first) to ``path``; return it."""
    timeline = otio.schema.Timeline(name="test cut", global_start_time=RT(86400, RATE))
    for number, items in enumerate(tracks, 1):
        track = otio.schema.Track(name=f"V{number}", kind=otio.schema.TrackKind.Video)
        for item in items:
            track.append(item)
        timeline.tracks.append(track)
    path.parent.mkdir(parents=True, exist_ok=True)
    otio.adapters.write_to_file(timeline, str(path))
    return path


def audit(db: str, *args: str) -> Result:
    """``provenance audit ARGS`` against the ledger ``db``."""
    return CliRunner().invoke(cli, ["audit", *args, "--db", db])


def clips(result: Result) -> dict[str, dict[str, Any]]:
    """The clip rows of a JSON report, by clip name."""
    report = json.loads(result.stdout)
    return {c["clip"]: c for c in report["clips"]}


def markers_of(path: Path) -> dict[str, list[str]]:
    """Clip name -> the colours of its markers, as OTIO reads the file back."""
    extra = {"rate": RATE} if path.suffix == ".edl" else {}
    timeline = otio.adapters.read_from_file(str(path), **extra)
    return {
        clip.name.strip(): [str(m.color) for m in clip.markers]
        for clip in timeline.find_clips()
        if clip.markers
    }
