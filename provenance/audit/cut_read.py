"""Reading an editorial timeline (a cut) into the clips an audit judges.

A cut is read through OpenTimelineIO and its adapter packages: ``.otio``
and ``.otioz`` natively, CMX 3600 ``.edl``, Final Cut 7 / Premiere ``.xml``,
``.fcpxml`` and, where ``otio-aaf-adapter`` is installed, ``.aaf``. Each
clip becomes a :class:`CutClip`: the track it sits on, where it is in the
cut (its *record* range, in the timeline's own timecode) and which part of
its media it uses (its *source* range, transition handles included, since a
dissolve shows frames beyond the cut point).

Every clip is checked before anything is resolved: a frame rate outside
1-1000 fps, a negative or non-finite range, or a clip longer than
:data:`MAX_CLIP_FRAMES` is refused with :class:`~provenance.errors.BadTimeline`
naming the clip, as is a timeline the adapter cannot parse (an EDL's
overlapping events are refused by the adapter itself).
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import opentimelineio as otio

from provenance.audit import cut_aaf
from provenance.audit.json_depth import json_depth
from provenance.audit.timelines import ADAPTERS
from provenance.errors import BadTimeline, UnreadableFile
from provenance.files.opening import read_regular

EDL_RATE = 24.0  # an EDL does not state its rate; CMX 3600 lists are read at 24 fps
MIN_RATE, MAX_RATE = 1.0, 1000.0
MAX_CLIP_FRAMES = 10_000_000  # over 11 hours at 240 fps: a longer clip is a broken file
MAX_TIMELINE_BYTES = 64 * 1024 * 1024  # a cut of thousands of clips is a few megabytes
MAX_OTIOZ_BYTES = 4 * 1024**3  # what an .otioz bundle may unpack to
# A cut nests a few dozen levels; OTIO's recursive parser crashes some tens of thousands deep.
MAX_JSON_DEPTH = 1000
BUNDLE_CONTENT = "content.otio"  # the timeline inside an .otioz bundle
# What the adapters raise on input they cannot parse: they are third-party
# parsers, and a hostile file must end as one clear error, never a traceback.
PARSE_ERRORS = (
    otio.exceptions.OTIOError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    ET.ParseError,
    RecursionError,
    zipfile.BadZipFile,
    OverflowError,
    ZeroDivisionError,  # the FCPXML adapter divides by a frameDuration of 0/24s or 1/0s
)


@dataclass(frozen=True)
class CutClip:
    """One clip of a cut: its track, its place in the cut and the part of its media it uses.

    ``record`` and ``source`` are OpenTimelineIO ``TimeRange`` values (the
    record range in the timeline's timecode, global start included); ``item``
    is the OTIO clip itself, where markers are added for the editor.
    """

    track: str  # "V1", "A2": kind and level, as an NLE names them
    kind: str  # "video", "audio" or another track kind
    level: int  # 1 for the lowest track of its kind; higher tracks cover lower ones
    name: str
    record: Any
    source: Any
    item: Any

    @property
    def rate(self) -> float:
        """The frame rate of the cut's record timecode."""
        return float(self.record.start_time.rate)

    def where(self) -> str:
        """``clip 'sh010' on V1 at 01:00:04:00``: how errors and notes name the clip."""
        return f"clip {self.name!r} on {self.track} at {timecode(self.record.start_time)}"


def read_timeline(path: Path, extract_to: Path | None = None, edl_rate: float = EDL_RATE) -> Any:
    """The one OTIO ``Timeline`` in the file; ``extract_to`` receives an ``.otioz``'s media.

    An EDL states no frame rate: it is read at ``edl_rate``, taken as the
    timecode rate it stands for (:func:`timecode_rate`: 29.97 is 30000/1001).
    """
    suffix = path.suffix.lower()
    _check_size(path.stat().st_size, "timeline", path)
    if suffix == ".otioz":
        _check_bundle(path)
    elif suffix == ".otio":
        _check_depth(_read_bytes(path), path)
    check_rate(edl_rate, "--edl-rate")
    extra: dict[str, object] = {"rate": timecode_rate(edl_rate)} if suffix == ".edl" else {}
    if suffix == ".otioz" and extract_to is not None:
        extra["extract_to_directory"] = str(extract_to)
    refused = PARSE_ERRORS + (cut_aaf.read_errors() if suffix == ".aaf" else ())
    try:
        read = _read(path, suffix, extra)
    except refused as exc:
        raise BadTimeline(
            f"cannot read the timeline ({_first_line(exc)})",
            where=path,
            fix=_fix_for(suffix, exc),
        ) from exc
    except (OSError, UnicodeError) as exc:
        raise UnreadableFile(f"cannot read the timeline ({exc})", where=path) from exc
    return _one_timeline(read, path)


def _read(path: Path, suffix: str, extra: dict[str, object]) -> Any:
    if suffix != ".aaf":
        return otio.adapters.read_from_file(str(path), ADAPTERS[suffix], **extra)
    document = cut_aaf.aaf_as_json(path)  # pyaaf2 runs in a guarded worker
    _check_depth(document.encode(), path)
    return otio.adapters.read_from_string(document, "otio_json")


def _fix_for(suffix: str, exc: BaseException) -> str:
    if suffix == ".aaf":
        return cut_aaf.FIX
    if suffix == ".edl" and any(w in str(exc).lower() for w in ("rate", "timecode", "frame")):
        return (
            "an EDL states no frame rate: give the cut's with --edl-rate (drop-frame"
            " timecode, written with ';', is --edl-rate 29.97), or export the cut again"
        )
    return "export the cut again from the editing system, or check the file is whole"


def timecode_rate(rate: float) -> float:
    """``rate`` as OpenTimelineIO's timecode takes it: 29.97 is 30000/1001, and so on.

    OTIO reads and writes timecode only at its exact NTSC rates, so the
    29.97, 23.976 or 59.94 a person types (``--edl-rate``) would refuse every
    NTSC list. A rate within a thousandth of a frame a second of one is taken
    as that one; any other is left as it is.
    """
    nearest = float(otio.opentime.RationalTime.nearest_smpte_timecode_rate(rate))
    return nearest if abs(nearest - rate) < 1e-3 else rate


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]


def _check_bundle(path: Path) -> None:
    # otioz unpacks with zipfile: its total is bounded before it is opened.
    try:
        with zipfile.ZipFile(path) as bundle:
            total = sum(i.file_size for i in bundle.infolist())
            content = _bundle_content(bundle, path)
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
        raise BadTimeline(f"not a readable .otioz bundle ({exc})", where=path) from exc
    if total > MAX_OTIOZ_BYTES:
        raise BadTimeline(
            f".otioz bundle unpacks to {total:,} bytes",
            where=path,
            fix="unpack it yourself and audit the .otio inside",
        )
    _check_depth(content, path)


def _bundle_content(bundle: zipfile.ZipFile, path: Path) -> bytes:
    """The bundle's timeline, its size checked before it is unpacked."""
    try:
        size = bundle.getinfo(BUNDLE_CONTENT).file_size
    except KeyError as exc:
        raise BadTimeline(f".otioz bundle holds no {BUNDLE_CONTENT}", where=path) from exc
    _check_size(size, "the bundle's timeline", path)
    with bundle.open(BUNDLE_CONTENT) as member:
        # The sizes in the directory are the bundle's word: read no more than allowed.
        return member.read(MAX_TIMELINE_BYTES + 1)


def _check_size(size: int, what: str, path: Path) -> None:
    if size > MAX_TIMELINE_BYTES:
        raise BadTimeline(
            f"{what} of {size:,} bytes is larger than any cut ({MAX_TIMELINE_BYTES:,})",
            where=path,
            fix="check that this is the editorial timeline",
        )


def _read_bytes(path: Path) -> bytes:
    try:
        return read_regular(path, MAX_TIMELINE_BYTES)
    except OSError as exc:
        raise UnreadableFile(f"cannot read the timeline ({exc})", where=path) from exc


def _check_depth(document: bytes, path: Path) -> None:
    """Refuse JSON nested deeper than any cut, before OTIO's recursive parser sees it."""
    depth = json_depth(document)
    if depth > MAX_JSON_DEPTH:
        raise BadTimeline(
            f"the timeline's JSON nests {depth:,} levels deep (a cut nests a few dozen;"
            f" more than {MAX_JSON_DEPTH:,} is refused)",
            where=path,
            fix="export the cut again from the editing system",
        )


def _one_timeline(read: Any, path: Path) -> Any:
    if isinstance(read, otio.schema.Timeline):
        return read
    collection = isinstance(read, otio.schema.SerializableCollection)
    found = list(read.find_children(descended_from_type=otio.schema.Timeline)) if collection else []
    if len(found) != 1:
        raise BadTimeline(
            f"the file holds {len(found)} timelines, not one",
            where=path,
            fix="export the one cut to audit as its own file",
        )
    return found[0]


def clips_of(timeline: Any, path: Path) -> list[CutClip]:
    """Every clip of the cut, track by track (lowest video track first), each checked."""
    start = timeline.global_start_time
    if start is not None:
        _check_start(start, path)
    clips: list[CutClip] = []
    for track, label, level in _tracks(timeline):
        place = _Placement(timeline.tracks, track, path)
        clips += [_cut_clip(place, item, label, level, start, path) for item in _items(track)]
    return clips


class _Placement:
    """Where a track's items sit in the cut: the track's layout, computed once.

    Asking OTIO for each clip's range in the stack walks the whole track each
    time; a cut of thousands of clips is placed in one walk instead.
    """

    def __init__(self, stack: Any, track: Any, path: Path) -> None:
        self.stack, self.track = stack, track
        try:
            self.layout = track.range_of_all_children()
            zero = otio.opentime.RationalTime(0, 24)
            # A track's own source range (an EDL's record start) moves it in the stack.
            self.origin = track.transformed_time(zero, stack) - zero
        except PARSE_ERRORS as exc:
            raise BadTimeline(f"track {track.name!r} cannot be laid out ({_first_line(exc)})",
                              where=path, fix="export the cut again") from exc  # fmt: skip

    def record(self, item: Any) -> Any:
        """The item's range in the stack's time."""
        if item.parent() is not self.track:  # inside a nested stack or track
            return item.transformed_time_range(item.trimmed_range(), self.stack)
        span = self.layout[item]
        return otio.opentime.TimeRange(span.start_time + self.origin, span.duration)


def _tracks(timeline: Any) -> Iterator[tuple[Any, str, int]]:
    counts: dict[str, int] = {}
    for track in timeline.tracks:
        kind = str(track.kind)
        counts[kind] = level = counts.get(kind, 0) + 1
        yield track, f"{kind[:1].upper() or 'T'}{level}", level


def _items(track: Any) -> Iterator[Any]:
    # Gaps and transitions are not clips, but a negative gap makes items overlap.
    for item in track.find_children(shallow_search=False):
        if isinstance(item, otio.schema.Clip):
            yield item
        elif _negative_gap(item):
            raise BadTimeline(
                f"a gap of negative length on track {track.name!r}",
                fix="negative gaps make clips overlap; export the cut again",
            )


def _negative_gap(item: Any) -> bool:
    span = item.source_range if isinstance(item, otio.schema.Gap) else None
    return span is not None and span.duration.value < 0


def _cut_clip(
    place: _Placement, item: Any, label: str, level: int, start: Any, path: Path
) -> CutClip:
    name = str(item.name or "(unnamed)")
    where = f"clip {name!r} on {label}"
    try:
        source = played(item, where, path)
        record = place.record(item)
    except PARSE_ERRORS as exc:
        raise BadTimeline(
            f"{where} has no usable range ({_first_line(exc)})",
            where=path,
            fix="export the cut again",
        ) from exc
    _check_range(source, f"{where} (source)", path)
    _check_range(record, f"{where} (record)", path)
    if start is not None:
        record = otio.opentime.TimeRange(record.start_time + start, record.duration)
    return CutClip(label, str(place.track.kind).lower(), level, name, record, source, item)


def played(item: Any, where: str, path: Path) -> Any:
    """The part of its media a clip shows: its visible range, through its time effects.

    The visible range includes transition handles (a dissolve shows them). A
    speed change (``LinearTimeWarp``, an EDL's ``M2``) keeps the clip's range
    at its length in the cut: at twice the speed it plays through twice the
    media, backwards from its start when the speed is negative. A freeze
    frame shows one frame. A time effect of another kind cannot be followed
    and is refused.
    """
    span = item.visible_range()
    scalar = 1.0
    for effect in item.effects:
        if isinstance(effect, otio.schema.LinearTimeWarp):  # a FreezeFrame is one, at 0
            scalar *= float(effect.time_scalar)
        elif isinstance(effect, otio.schema.TimeEffect):
            raise BadTimeline(
                f"{where} has a time effect the audit cannot follow"
                f" ({effect.effect_name or type(effect).__name__})",
                where=path,
                fix="render the effect, or replace it with a plain speed change",
            )
    if scalar == 1.0:
        return span
    rate = span.duration.rate
    frames = max(1, math.ceil(float(span.duration.value) * abs(scalar)))  # whole frames
    through = otio.opentime.RationalTime(frames, rate)
    if scalar >= 0:
        return otio.opentime.TimeRange(span.start_time, through)
    # Backwards from its first frame: that frame and those before it.
    return otio.opentime.TimeRange(
        span.start_time - through + otio.opentime.RationalTime(1, rate), through
    )


def _check_range(span: Any, what: str, path: Path) -> None:
    rate = float(span.duration.rate)
    check_rate(rate, what)
    values = (float(span.start_time.value), float(span.duration.value))
    if not all(math.isfinite(v) for v in values) or values[0] < 0 or values[1] < 0:
        raise BadTimeline(
            f"{what} has a negative or impossible range {values}",
            where=path,
            fix="correct the clip's in and out points",
        )
    frames = span.duration.rescaled_to(rate).value
    if frames > MAX_CLIP_FRAMES:
        raise BadTimeline(
            f"{what} is {frames:,.0f} frames long",
            where=path,
            fix=f"no clip is longer than {MAX_CLIP_FRAMES:,} frames",
        )


def _check_start(start: Any, path: Path) -> None:
    """The timeline's global start: a sane rate and a finite, non-negative time."""
    check_rate(float(start.rate), f"the timeline {path.name}")
    value = float(start.value)
    if not math.isfinite(value) or value < 0:
        raise BadTimeline(
            f"the timeline's global start time is impossible ({value} frames)",
            where=path,
            fix="set the sequence's start timecode in the editing system and export again",
        )


def check_rate(rate: float | None, what: str) -> None:
    """Refuse a frame rate no cut has (``what`` names whose it is in the error)."""
    if rate is None:
        return
    if not (math.isfinite(rate) and MIN_RATE <= rate <= MAX_RATE):
        raise BadTimeline(
            f"{what} has an absurd frame rate ({rate} fps)",
            fix=f"rates between {MIN_RATE:g} and {MAX_RATE:g} fps are accepted",
        )


def timecode(time: Any) -> str:
    """SMPTE timecode of an OTIO ``RationalTime`` at its own rate (``01:00:04:00``)."""
    try:
        return str(otio.opentime.to_timecode(time, time.rate))
    except PARSE_ERRORS:
        return f"{float(time.to_seconds()):.3f}s"
