"""Finding a clip's offline media among the ledger's assets, and saying how it was found.

A clip whose media is not at its path (or that names none: a
``MissingReference``) is looked for among the copies the ledger knows are
present, by what the cut says of it (:class:`ClipKeys`):

1. ``mobid``: an AAF names its media by MobID (the master mob's and the file
   source mob's UMIDs, in the clip's and its reference's ``AAF`` metadata);
   an MXF's material package UMID is recorded at ingest;
2. ``unc``: a ``file://server/share/...`` or ``\\\\server\\share\\...`` path
   is mapped to the copy whose path ends in the longest run of its folders;
3. ``name``: the file name (or clip name), and where the cut gives a reel,
   narrowed to the copies whose reel is that reel and whose timecode range
   ``[tc_start, tc_start + tc_length)`` holds the clip's source range
   (``name+reel+tc``); a copy the ledger knows no timecode for (recorded
   before timecodes were) is kept on its name alone;
4. ``reel+tc``: the reel and source range alone, where no name is known;
5. ``reel+tc`` for frames: where no video or audio file fits, the frames of a
   scanned reel (DPX, EXR: one asset a frame, each with its reel and its own
   timecode) whose timecodes cover the clip's source range, asked of the
   ledger apart (:func:`frames_of`): every frame of the range must be there.

Two different contents that fit equally are *ambiguous*: unresolved (the
clip blocks), and the reason names them; never a silent pick. For frames,
that is two different frames at one position of the range (two scans of a
reel). Copies of one content are the same media and are all judged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from provenance.ingest.identity import umid_hex
from provenance.likeness.timecode import Clock

if TYPE_CHECKING:
    from provenance.store.records import MediaCandidate

SLACK = 0.5 / 24  # half a frame: timecode seconds are rounded on both sides
REEL_KEYS = frozenset({"reel", "reel_name", "reelname", "tape", "tape_name", "tapename"})
MOB_KEYS = frozenset({"mobid", "sourceid", "source_mob_id", "master_mob_id"})
SHOWN = 4  # candidates named in an ambiguity
COPIES = 8  # copies of one frame judged: more are the same content again


@dataclass(frozen=True)
class ClipKeys:
    """What a cut says of a clip's media, beyond its path."""

    names: tuple[str, ...] = ()
    reel: str | None = None
    start: float = 0.0  # the source range, seconds on the timecode clock
    end: float = 0.0
    fps: int = 24  # the source range's nominal rate: a frame of a scanned reel is 1/fps
    mobids: tuple[str, ...] = ()
    unc: tuple[str, ...] = ()  # a UNC path's parts after server and share


@dataclass(frozen=True)
class Match:
    """Which copies a clip resolved to, how (``by``), or why it did not."""

    paths: tuple[str, ...] = ()
    by: str | None = None
    unresolved: str | None = None
    note: str = ""
    sequence: bool = False  # frames of a reel, in order: every one of them is used


def keys_of(item: Any, source: Any, names: Sequence[str], unc: str | None = None) -> ClipKeys:
    """The keys of an OTIO clip ``item`` using ``source`` (its source range)."""
    ref = item.media_reference
    metadata = [item.metadata, ref.metadata if ref is not None else {}]
    start, end = clock_seconds(source)
    return ClipKeys(
        tuple(n for n in names if n),
        _first(metadata, REEL_KEYS),
        start,
        end,
        max(1, round(float(source.duration.rate))),
        tuple(dict.fromkeys(u for u in map(umid_hex, _all(metadata, MOB_KEYS)) if u)),
        unc_parts(unc) if unc else (),
    )


def clock_seconds(span: Any) -> tuple[float, float]:
    """A source range in seconds on its timecode clock (frames at the nominal rate)."""
    rate = float(span.duration.rate)
    nominal = max(1, round(rate))
    first = float(span.start_time.rescaled_to(rate).value)
    return first / nominal, (first + float(span.duration.value)) / nominal


def unc_parts(url: str) -> tuple[str, ...]:
    """The folders and name of a UNC path or ``file://server/...`` URL, after server and share."""
    if url.startswith(("\\\\", "//")):
        parts = [p for p in re.split(r"[\\/]+", url) if p]
        return tuple(parts[2:])
    parsed = urlparse(url)
    parts = [p for p in unquote(parsed.path).split("/") if p]
    return tuple(parts[1:])


def is_unc(url: str) -> bool:
    """A path on another machine: ``\\\\server\\share\\...`` or ``file://server/...``."""
    if url.startswith(("\\\\", "//")):
        return True
    parsed = urlparse(url)
    return parsed.scheme == "file" and parsed.netloc not in ("", "localhost")


def _walk(metadata: object, depth: int = 0) -> Iterable[tuple[str, object]]:
    items = getattr(metadata, "items", None)
    if depth > 3 or not callable(items):
        return
    for key, value in items():
        yield str(key), value
        yield from _walk(value, depth + 1)


def _all(metadata: Iterable[object], keys: frozenset[str]) -> list[object]:
    return [v for m in metadata for k, v in _walk(m) if k.lower() in keys]


def _first(metadata: Iterable[object], keys: frozenset[str]) -> str | None:
    found = [str(v).strip() for v in _all(metadata, keys) if isinstance(v, str) and v.strip()]
    return found[0] if found else None


def choose(keys: ClipKeys, candidates: Sequence[MediaCandidate]) -> Match | None:
    """The copies the clip uses, by the first way that finds any; None where none does."""
    for way in (_by_mobid, _by_unc, _by_name, _by_reel):
        found = way(keys, candidates)
        if found is not None:
            return found
    return None


def _by_mobid(keys: ClipKeys, candidates: Sequence[MediaCandidate]) -> Match | None:
    hits = [c for c in candidates if c.umid and c.umid in keys.mobids]
    return _one(hits, "mobid", "its MobID") if hits else None


def _by_unc(keys: ClipKeys, candidates: Sequence[MediaCandidate]) -> Match | None:
    if len(keys.unc) < 2:
        return None
    scored = [(_shared_tail(c.path, keys.unc), c) for c in candidates]
    best = max((s for s, _ in scored), default=0)
    if best < 2:  # the file name alone is no more than a match by name
        return None
    return _one([c for s, c in scored if s == best], "unc", "the tail of its UNC path")


def _shared_tail(path: str, parts: tuple[str, ...]) -> int:
    mine = path.split("/")
    count = 0
    while count < min(len(mine), len(parts)) and mine[-1 - count] == parts[-1 - count]:
        count += 1
    return count


def _by_name(keys: ClipKeys, candidates: Sequence[MediaCandidate]) -> Match | None:
    named = [c for c in candidates if c.path.rpartition("/")[2] in keys.names]
    if not named:
        return None
    if keys.reel is None:
        return _all_copies(named, "name", "by file name")
    fits = [c for c in named if _fits(keys, c)]
    if fits:
        return _one(fits, "name+reel+tc", "by file name, reel and source timecode")
    unknown = [c for c in named if c.tc_start is None or c.reel is None]
    if unknown:
        note = "by file name (the ledger has no reel or timecode for it)"
        return _all_copies(unknown, "name", note)
    return Match(unresolved=(
        f"media offline; the ledger's {_names(named)} by that name are not reel {keys.reel}"
        f" at the clip's source timecode (unresolved media blocks: relink it)"))  # fmt: skip


def _by_reel(keys: ClipKeys, candidates: Sequence[MediaCandidate]) -> Match | None:
    if keys.reel is None:
        return None
    fits = [c for c in candidates if _fits(keys, c)]
    return _one(fits, "reel+tc", "by reel and source timecode") if fits else None


def frame_span(keys: ClipKeys) -> tuple[str, float, float] | None:
    """(reel, from, to): the timecodes, in seconds, that the frames covering the clip start at."""
    if keys.reel is None or keys.end <= keys.start:
        return None
    return keys.reel, keys.start - SLACK, keys.end - SLACK


def frames_of(keys: ClipKeys, frames: Sequence[MediaCandidate]) -> Match | None:
    """The frames of the clip's reel that cover its source range, in order; None if none do.

    A frame is at position ``round(tc_start * fps)`` of the clip's clock. A
    position with no frame leaves the clip unresolved (naming the first
    missing timecodes); one with two different frames is ambiguous.
    """
    at = _positions(keys, frames)
    if not at:
        return None
    first, count = _frame_range(keys)
    for n in sorted(at):
        if len({c.sha256 for c in at[n]}) > 1:
            where = f"by reel {keys.reel} at frame {_tc(first + n, keys.fps)}"
            return _one(at[n], "reel+tc", where)
    lost = [n for n in range(count) if n not in at]
    if lost:
        shown = ", ".join(_tc(first + n, keys.fps) for n in lost[:3])
        more = f" and {len(lost) - 3} more" if len(lost) > 3 else ""
        return Match(unresolved=(
            f"media offline; the ledger's frames of reel {keys.reel} cover {count - len(lost)}"
            f" of the clip's {count} frames (none at {shown}{more}; unresolved media blocks:"
            " relink it, or scan the missing frames)"))  # fmt: skip
    paths = tuple(p for n in range(count) for p in sorted({c.path for c in at[n]})[:COPIES])
    note = (f"offline at its path; resolved through the ledger by reel and the timecode of"
            f" each frame ({count} frames of reel {keys.reel}, {len(paths)} present files,"
            " all judged)")  # fmt: skip
    return Match(paths, "reel+tc", note=note, sequence=True)


def _frame_range(keys: ClipKeys) -> tuple[int, int]:
    """The clip's first frame on its clock, and how many frames its source range holds."""
    return round(keys.start * keys.fps), round((keys.end - keys.start) * keys.fps)


def _positions(keys: ClipKeys, frames: Sequence[MediaCandidate]) -> dict[int, list[MediaCandidate]]:
    first, count = _frame_range(keys)
    reel = (keys.reel or "").casefold()
    at: dict[int, list[MediaCandidate]] = {}
    for c in frames:
        if c.reel is None or c.tc_start is None or c.reel.casefold() != reel:
            continue
        if c.tc_rate is not None and max(1, round(c.tc_rate)) != keys.fps:
            continue  # another clock: its frames are not this clip's
        n = round(c.tc_start * keys.fps) - first
        if 0 <= n < count:
            at.setdefault(n, []).append(c)
    return at


def _tc(frame: int, fps: int) -> str:
    return Clock(fps, False, 0).at(frame / fps, fps)


def _fits(keys: ClipKeys, c: MediaCandidate) -> bool:
    if c.reel is None or c.tc_start is None or c.tc_length is None:
        return False
    if c.reel.casefold() != (keys.reel or "").casefold():
        return False
    return c.tc_start - SLACK <= keys.start and keys.end <= c.tc_start + c.tc_length + SLACK


def _one(hits: Sequence[MediaCandidate], by: str, how: str) -> Match:
    contents = sorted({c.sha256 for c in hits})
    if len(contents) > 1:
        return Match(unresolved=(
            f"ambiguous: {len(contents)} different media fit {how} equally: {_names(hits)}"
            " (unresolved media blocks: relink the clip to the right one)"))  # fmt: skip
    return _all_copies(hits, by, f"by {how}" if not how.startswith("by") else how)


def _all_copies(hits: Sequence[MediaCandidate], by: str, how: str) -> Match:
    paths = tuple(sorted({c.path for c in hits}))
    copies = f"{len(paths)} present cop{'y' if len(paths) == 1 else 'ies'}, all judged"
    return Match(
        paths, by, note=f"offline at its path; resolved through the ledger {how} ({copies})"
    )


def _names(hits: Sequence[MediaCandidate]) -> str:
    shown = sorted({f"{c.path} ({c.sha256[:12]})" for c in hits})
    more = f" and {len(shown) - SHOWN} more" if len(shown) > SHOWN else ""
    return ", ".join(shown[:SHOWN]) + more
