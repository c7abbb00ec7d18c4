"""Markers back to the editor: the audited cut, with a marker on every clip to look at.

``provenance audit CUT --markers OUT`` writes the timeline that was read,
with a red marker on every blocked clip and a yellow one on every warned
clip, named with the verdict and the first reason, spanning the part of the
clip the cut shows. The adapter is chosen by ``OUT``'s suffix, so an
``.otio`` cut may come back as an EDL and the other way round: OTIO, FCP XML
and FCPXML carry the markers as markers, and an EDL as ``* LOC:`` locator
comments the NLE imports as markers.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import opentimelineio as otio

from provenance.audit.cut_read import PARSE_ERRORS, CutClip
from provenance.audit.cut_report import ClipResult
from provenance.audit.timelines import ADAPTERS
from provenance.errors import InvalidValue, OutputNotWritable
from provenance.util.names import on_one_line

COLOURS = {"block": otio.schema.MarkerColor.RED, "warn": otio.schema.MarkerColor.YELLOW}
NAME_LENGTH = 120  # NLEs show a marker's name on one line
WRITABLE = (".otio", ".edl", ".xml", ".fcpxml")


def check_markers_path(out: Path) -> None:
    """Refuse, before the audit runs, a markers file no adapter writes."""
    if out.suffix.lower() not in WRITABLE:
        raise InvalidValue(
            f"cannot write markers as {out.suffix or 'a file without a suffix'}",
            where=out,
            fix=f"name the markers file with one of {', '.join(WRITABLE)}",
        )


def marker_name(result: ClipResult) -> str:
    """``BLOCK: comp/shot010_comp_v003.1003.png: carries generator markers ...``."""
    reason = result.reasons[0] if result.reasons else result.verdict
    return f"{result.verdict.upper()}: {reason}"[:NAME_LENGTH]


def add_markers(clips: Sequence[tuple[CutClip, ClipResult]]) -> int:
    """Put a marker on every blocked or warned clip; how many were added."""
    added = 0
    for clip, result in clips:
        if result.verdict not in COLOURS:
            continue
        marker = otio.schema.Marker(
            name=marker_name(result),
            marked_range=clip.item.trimmed_range(),
            color=COLOURS[result.verdict],
            metadata={"provenance": {"verdict": result.verdict, "reasons": list(result.reasons)}},
        )
        clip.item.markers.append(marker)
        added += 1
    return added


def write_markers(timeline: Any, clips: Sequence[tuple[CutClip, ClipResult]], out: Path) -> int:
    """Write ``timeline`` with markers on its blocked and warned clips to ``out``."""
    check_markers_path(out)
    added = add_markers(clips)
    suffix = out.suffix.lower()
    if suffix == ".xml":
        _with_available_ranges(clips)
    if suffix == ".edl":
        _one_line_texts(timeline)
    try:
        otio.adapters.write_to_file(timeline, str(out), ADAPTERS[suffix])
    except OSError as exc:
        raise OutputNotWritable(
            f"cannot write the markers ({exc.strerror or exc})",
            where=out,
            fix="choose a folder you can write to",
        ) from exc
    except PARSE_ERRORS as exc:
        raise OutputNotWritable(
            f"cannot write the cut as {suffix} ({exc})",
            where=out,
            fix="write the markers as .otio, which holds every kind of clip",
        ) from exc
    return added


def _with_available_ranges(clips: Sequence[tuple[CutClip, ClipResult]]) -> None:
    # FCP XML names each file's extent; an EDL's references have none, so the
    # extent a clip uses stands in for it.
    for clip, _ in clips:
        ref = clip.item.media_reference
        if ref.available_range is None and ref.schema_name() == "ExternalReference":
            ref.available_range = clip.item.source_range


def _one_line_texts(timeline: Any) -> None:
    # An EDL is lines: a clip name, path or reason with a line break in it
    # would write lines of its own, events and comments the NLE then reads.
    timeline.name = on_one_line(timeline.name or "")
    for item in timeline.find_children():
        item.name = on_one_line(item.name or "")
        for marker in getattr(item, "markers", ()):
            marker.name = on_one_line(marker.name or "")
        ref = getattr(item, "media_reference", None)
        if ref is not None and ref.schema_name() == "ExternalReference":
            ref.target_url = on_one_line(ref.target_url or "")
        cmx = item.metadata.get("cmx_3600")
        if cmx is not None and isinstance(cmx.get("reel"), str):
            cmx["reel"] = on_one_line(cmx["reel"])
