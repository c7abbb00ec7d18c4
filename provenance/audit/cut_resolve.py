"""Resolving a cut's clips to the media files they use.

* An ``ExternalReference`` resolves by its path (a ``file://`` URL or a path;
  a relative path is relative to the timeline's folder). A path with a frame
  pattern (``%04d``, ``####``, ``@@@@``, ``$F4``) is an image sequence: the
  frames of the clip's source range, expanded through fileseq.
* An ``ImageSequenceReference`` resolves to the frame files of the range the
  clip uses (``target_url_for_image_number`` counts from ``start_frame``).
* A ``MissingReference`` and an offline file resolve through the ledger's
  present copies (:mod:`provenance.audit.cut_match`): by an AAF's MobID, a
  UNC path's tail, the file (or clip) name narrowed by reel and source
  timecode, or reel and source timecode alone: a video or audio file of the
  reel, else the frames of a scanned reel that cover the source range (asked
  of the ledger only for the clips nothing else found).
  :attr:`Resolved.resolved_by` says which (``path`` for media found at its path).
* A ``GeneratorReference`` (bars, black, a solid) has no media: skipped.

Everything resolved must lie inside the allowed roots (the timeline's folder
and each ``--root``), and links are never followed out of them: a path that
leaves them is refused with :class:`~provenance.errors.OutsideRoots`, naming
the clip. A file found through the ledger outside the roots is not used.
What cannot be resolved is :attr:`Resolved.unresolved`, which blocks.
"""

from __future__ import annotations

import os.path
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from fileseq.constants import PAD_STYLE_HASH1
from fileseq.filesequence import FileSequence

from provenance.audit.cut_match import (
    ClipKeys,
    Match,
    choose,
    frame_span,
    frames_of,
    is_unc,
    keys_of,
    unc_parts,
)
from provenance.audit.cut_read import PARSE_ERRORS, CutClip, check_rate
from provenance.errors import BadTimeline, OutsideRoots

if TYPE_CHECKING:
    from provenance.store import Ledger
    from provenance.store.records import MediaCandidate

PATTERN = re.compile(r"%0?\d*d|#+|@+|\$F\d*")
NO_KEYS = ClipKeys()
LEDGER_CANDIDATES = 8  # copies of one name looked at: more are named as ambiguous
# Every frame of a sequence is a file to find and judge: over five hours at 24 fps is no shot.
MAX_SEQUENCE_FRAMES = 500_000


@dataclass(frozen=True)
class Resolved:
    """What one clip's media resolved to: its files, or why it has none."""

    files: tuple[Path, ...] = ()
    media: str = ""  # what the cut names: a path, a sequence pattern, a clip name
    skipped: str | None = None  # no media to judge (a generator): a note, not a problem
    unresolved: str | None = None  # the media cannot be found: the clip blocks
    note: str | None = None  # how it was resolved, when not simply by its path
    frames: tuple[int, int] | None = None  # an image sequence: the first and last frame used
    resolved_by: str | None = None  # path, name, name+reel+tc, reel+tc, mobid or unc


@dataclass(frozen=True)
class _Wanted:
    """A clip's media before the ledger is asked: the files by path, and the names missing."""

    media: str
    paths: tuple[Path, ...]
    frames: tuple[int, int] | None = None
    missing: tuple[str, ...] = ()  # names of files not at their path: looked for in the ledger
    keys: ClipKeys = NO_KEYS  # what else the cut says of a single file's media


class Resolver:
    """Resolves clips inside ``roots``; asks the ledger once for every offline name."""

    def __init__(self, folder: Path, roots: Sequence[Path], ledger: Ledger) -> None:
        self.folder = folder.absolute()
        self.roots = tuple(dict.fromkeys(r.resolve() for r in (folder, *roots)))
        self.ledger = ledger

    def resolve_all(self, clips: Sequence[CutClip]) -> list[Resolved]:
        """Each clip's media, in order."""
        wanted = [self._wanted(c) for c in clips]
        asked = {i: w for i, w in enumerate(wanted) if isinstance(w, _Wanted) and w.missing}
        found = self._in_ledger(list(asked.values())) if asked else []
        matches = {i: choose(w.keys, found) for i, w in asked.items() if w.frames is None}
        on_reels = {i: asked[i] for i, m in matches.items() if m is None and asked[i].keys.reel}
        if on_reels:
            frames = self._frames_in_ledger(list(on_reels.values()))
            matches |= {i: frames_of(w.keys, frames) for i, w in on_reels.items()}
        return [
            w if isinstance(w, Resolved) else self._finish(w, found, matches.get(i))
            for i, w in enumerate(wanted)
        ]

    def _wanted(self, clip: CutClip) -> Resolved | _Wanted:
        ref = clip.item.media_reference
        schema = ref.schema_name()
        if schema == "GeneratorReference":
            kind = ref.generator_kind or "generator"
            return Resolved(media=f"({kind})", skipped=f"generated by the NLE ({kind}): no media")
        if schema == "ImageSequenceReference":
            return self._image_sequence(clip, ref)
        if schema == "ExternalReference":
            return self._external(clip, str(ref.target_url or ""))
        keys = keys_of(clip.item, clip.source, [clip.name])  # MissingReference: by clip name
        return _Wanted(clip.name, (), missing=(clip.name,), keys=keys)

    def _external(self, clip: CutClip, url: str) -> Resolved | _Wanted:
        if is_unc(url):  # another machine's path: found here through the ledger
            keys = keys_of(clip.item, clip.source, unc_parts(url)[-1:], unc=url)
            return _Wanted(url, (), missing=keys.names or (url,), keys=keys)
        path = self._local(clip, url)
        if path is None:
            return Resolved(media=url, unresolved=f"media is not a local file ({url})")
        if not PATTERN.search(path.name):
            found = self._checked(clip, url, [path])
            return replace(found, keys=keys_of(clip.item, clip.source, found.missing))
        first = int(clip.source.start_time.rescaled_to(clip.source.duration.rate).value)
        last = first + max(_frames(clip.source) - 1, 0)
        _check_frames(clip, last - first + 1)
        sequence = FileSequence(str(path), pad_style=PAD_STYLE_HASH1)
        paths = [Path(sequence.frame(n)) for n in range(first, last + 1)]
        return self._checked(clip, url, paths, (first, last))

    def _image_sequence(self, clip: CutClip, ref: Any) -> Resolved | _Wanted:
        first, last = _frame_range(clip, ref)
        # target_url_for_image_number counts images from start_frame, one per frame_step.
        numbers = range(
            (first - ref.start_frame) // ref.frame_step,
            (last - ref.start_frame) // ref.frame_step + 1,
        )
        _check_frames(clip, len(numbers))
        urls = [str(ref.target_url_for_image_number(n)) for n in numbers]
        paths = [self._local(clip, url) for url in urls]
        base = str(ref.target_url_base).rstrip("/")
        media = f"{base}/{ref.name_prefix}[{first}-{last}]{ref.name_suffix}"
        if any(p is None for p in paths):
            return Resolved(media=media, unresolved="image sequence is not on a local file system")
        return self._checked(clip, media, [p for p in paths if p is not None], (first, last))

    def _local(self, clip: CutClip, url: str) -> Path | None:
        parsed = urlparse(url)
        if parsed.scheme == "file":
            text = unquote(parsed.path)
        elif parsed.scheme and len(parsed.scheme) > 1:  # a one-letter scheme is a drive
            return None
        else:
            text = url
        if not text:
            return None
        return Path(text) if Path(text).is_absolute() else self.folder / text

    def _checked(
        self,
        clip: CutClip,
        media: str,
        paths: Iterable[Path],
        frames: tuple[int, int] | None = None,
    ) -> _Wanted:
        kept = [self._inside(clip, p) for p in paths]
        missing = tuple(p.name for p in kept if not _is_file(p))
        return _Wanted(media, tuple(kept), frames, missing)

    def _inside(self, clip: CutClip, path: Path) -> Path:
        """``path`` made absolute and checked against the roots, links resolved."""
        lexical = Path(_normal(path))
        if not self._under_roots(lexical):
            raise OutsideRoots(
                f"{clip.where()} uses media outside the allowed roots",
                where=lexical,
                fix="pass --root FOLDER for the folder that holds the show's media",
            )
        real = _real(lexical)
        if real is None:  # a link loop: nothing is there, so the clip is offline
            return lexical
        if real != lexical and not self._under_roots(real):
            raise OutsideRoots(
                f"{clip.where()} uses a link that leads outside the allowed roots (to {real})",
                where=lexical,
                fix="links are not followed out of the roots; pass --root for it",
            )
        return lexical

    def _under_roots(self, path: Path) -> bool:
        return any(path == r or path.is_relative_to(r) for r in self.roots)

    def _in_ledger(self, asked: Sequence[_Wanted]) -> list[MediaCandidate]:
        names = {n for w in asked for n in w.missing}
        reels = {w.keys.reel for w in asked if w.keys.reel}
        mobids = {u for w in asked for u in w.keys.mobids}
        found = self.ledger.locations.candidates(names, reels, mobids)
        return [c for c in found if self._usable(Path(c.path))]

    def _frames_in_ledger(self, asked: Sequence[_Wanted]) -> list[MediaCandidate]:
        spans = [span for span in map(frame_span, (w.keys for w in asked)) if span]
        found = self.ledger.locations.frames_on_reels(spans) if spans else []
        return [c for c in found if self._usable(Path(c.path))]

    def _usable(self, path: Path) -> bool:
        real = _real(path)
        if real is None:
            return False
        return self._under_roots(Path(_normal(path))) and self._under_roots(real) and _is_file(real)

    def _finish(
        self, wanted: _Wanted, found: Sequence[MediaCandidate], match: Match | None
    ) -> Resolved:
        if not wanted.missing:
            return Resolved(wanted.paths, wanted.media, frames=wanted.frames, resolved_by="path")
        if wanted.frames is None:
            return _matched(wanted, match)
        return _frames_by_name(wanted, _by_name(found))


def _by_name(found: Sequence[MediaCandidate]) -> dict[str, list[Path]]:
    named: dict[str, list[Path]] = {}
    for c in sorted(found, key=lambda c: c.path):
        named.setdefault(c.path.rpartition("/")[2], []).append(Path(c.path))
    return {name: paths[:LEDGER_CANDIDATES] for name, paths in named.items()}


def _matched(wanted: _Wanted, match: Match | None) -> Resolved:
    if match is None:
        return Resolved(media=wanted.media, unresolved=_offline(list(wanted.missing)))
    if match.unresolved is not None:
        return Resolved(media=wanted.media, unresolved=match.unresolved)
    kept = match.paths if match.sequence else match.paths[:LEDGER_CANDIDATES]
    paths = tuple(Path(p) for p in kept)
    return Resolved(paths, wanted.media, note=match.note, resolved_by=match.by)


def _frames_by_name(wanted: _Wanted, found: dict[str, list[Path]]) -> Resolved:
    """An image sequence with frames offline: each missing frame found by its name."""
    lost = [n for n in wanted.missing if not found.get(n)]
    if lost:
        return Resolved(media=wanted.media, frames=wanted.frames, unresolved=_offline(lost))
    present = [p for p in wanted.paths if _is_file(p)]
    copies = [c for n in wanted.missing for c in found[n]]
    note = (
        f"offline at its path; resolved through the ledger by file name"
        f" ({len(copies)} present cop{'y' if len(copies) == 1 else 'ies'}, all judged)"
    )
    return Resolved(tuple(present + copies), wanted.media, note=note, frames=wanted.frames,
                    resolved_by="name")  # fmt: skip


def _offline(lost: Sequence[str]) -> str:
    shown = ", ".join(lost[:3]) + (f" and {len(lost) - 3} more" if len(lost) > 3 else "")
    return (
        f"media offline and not found through the ledger inside the allowed roots: {shown}"
        " (unresolved media blocks: relink it, scan it, or pass --root)"
    )


def _frame_range(clip: CutClip, ref: Any) -> tuple[int, int]:
    """The first and last frame numbers an ``ImageSequenceReference`` clip uses."""
    if ref.frame_step < 1:
        raise BadTimeline(
            f"{clip.where()} uses an image sequence with frame step {ref.frame_step}",
            fix="a sequence steps forward by one frame or more; export the cut again",
        )
    check_rate(float(ref.rate), f"the image sequence of {clip.where()}")
    try:
        first, last = ref.frame_range_for_time_range(clip.source)
    except PARSE_ERRORS as exc:
        # OTIO refuses a range outside the sequence's available frames, or a sequence with none.
        raise BadTimeline(
            f"{clip.where()} uses frames its image sequence does not have ({exc})",
            fix="correct the clip's source range or the sequence's frames; export the cut again",
        ) from exc
    return int(first), int(last)


def _check_frames(clip: CutClip, count: int) -> None:
    if count > MAX_SEQUENCE_FRAMES:
        raise BadTimeline(
            f"{clip.where()} uses {count:,} frames of an image sequence",
            fix=f"no clip uses more than {MAX_SEQUENCE_FRAMES:,} frames; export the cut again",
        )


def _frames(span: Any) -> int:
    return round(float(span.duration.value))


def _is_file(path: Path) -> bool:
    """A regular file is there; a name the system refuses (too long, say) is nothing there."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _real(path: Path) -> Path | None:
    """``path`` with its links resolved; None where they loop or the name is refused."""
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):  # Python before 3.13 raises RuntimeError on a loop
        return None


def _normal(path: Path) -> str:
    # Lexical: '..' collapsed without touching the file system, links kept.
    return os.path.normpath(path.absolute())
