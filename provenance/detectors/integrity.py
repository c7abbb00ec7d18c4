"""Whether a file's container was read whole, and read sound.

Every other detector reads a container through a bounded reader and looks
for its markers in what was read. What the reader could *not* read is where a
marker could hide: a generator's ``parameters`` chunk after 100,000 empty
PNG chunks, a Firefly XMP packet after 4,096 comment segments. And a file
whose structure is broken (cut short, a size that runs past the end, a chain
of directories that loops) is a file nobody can vouch for. Neither may be
passed over in silence, so this detector turns them into evidence:

``not-fully-read``
    a reader reached one of its limits (a count, a size, a budget) and
    stopped before the end of the file;
``damaged``
    the container is broken: truncated, impossible sizes, loops.

Both carry the ``error`` signal and settle the verdict as ``unreadable``
unless a generator marker was found anyway (see :mod:`provenance.classify`):
the gate blocks such a file, naming the reason. The readers are the ones the
other detectors use (shared through :class:`DetectorContext`), so checking
costs no second pass for PNG, JPEG and RIFF.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Protocol

from provenance.detectors.base import DetectorContext, damage_evidence, unread_evidence
from provenance.evidence import Evidence
from provenance.files.formats import FormatProblem
from provenance.files.formats.bmff import BMFF_MEMO, is_bmff, read_bmff
from provenance.files.formats.exr_header import MAGIC as EXR_MAGIC
from provenance.files.formats.exr_header import read_exr_layout
from provenance.files.formats.flac import read_flac
from provenance.files.formats.flac_frames import MAGIC as FLAC_MAGIC
from provenance.files.formats.gif import read_gif
from provenance.files.formats.id3_lead import ID3_MAGIC, leading_id3
from provenance.files.formats.jxl import SIGNATURE as JXL_SIGNATURE
from provenance.files.formats.jxl import read_jxl
from provenance.files.formats.mpegts import could_be_ts, read_ts
from provenance.files.formats.ogg import CAPTURE as OGG_CAPTURE
from provenance.files.formats.ogg import read_ogg
from provenance.files.formats.once import walked
from provenance.files.formats.png import SIGNATURE as PNG_SIGNATURE
from provenance.files.formats.tiff_file import TIFF_MAGICS, ifd0_of, walk_ifd_chain
from provenance.files.opening import head_of, read_sized


class Findings(Protocol):
    """What every bounded reader reports besides its content."""

    problems: list[str]
    limits: list[str]


def _png(ctx: DetectorContext) -> Findings:
    return ctx.png()


def _jpeg(ctx: DetectorContext) -> Findings:
    return ctx.jpeg()


def _riff(ctx: DetectorContext) -> Findings:
    return ctx.riff()


# A movie's header: a QuickTime or MP4 movie without one cannot be played or
# read (HEIF and AVIF keep their header in ``meta`` instead).
_MOVIE_FORMATS = frozenset({"mp4", "mov", "m4a", "cr3"})


def _bmff(ctx: DetectorContext) -> Findings:
    found = ctx.memo(BMFF_MEMO, lambda: read_bmff(ctx.path))
    top = {box.type for box in found.boxes if not box.parents}
    if ctx.facts.format in _MOVIE_FORMATS and not found.problems and not top & {"moov", "moof"}:
        return replace(found, problems=["no 'moov' box: the movie's header is missing"])
    return found


def _tiff(ctx: DetectorContext) -> Findings:
    # IFD0's table as the media facts read it in this pass, if they did: not read again.
    ifd0 = walked(ifd0_of, ctx.path)
    return read_sized(ctx.path, functools.partial(walk_ifd_chain, ifd0=ifd0))


def _exr(ctx: DetectorContext) -> Findings:
    return read_sized(ctx.path, read_exr_layout)


def _gif(ctx: DetectorContext) -> Findings:
    return read_gif(ctx.path)


def _jxl(ctx: DetectorContext) -> Findings:
    return read_jxl(ctx.path)


def _flac(ctx: DetectorContext) -> Findings:
    return read_flac(ctx.path)


def _id3_led(ctx: DetectorContext) -> Findings:
    # The tags in front, then the FLAC stream behind them; MPEG audio is not walked.
    lead = leading_id3(ctx.path)
    return read_flac(ctx.path) if lead.follows == "flac" else lead


def _ogg(ctx: DetectorContext) -> Findings:
    return read_ogg(ctx.path)


def _ts(ctx: DetectorContext) -> Findings:
    return read_ts(ctx.path)


# First bytes -> the check. Matroska is left out on purpose: live recordings write clusters of
# unknown size, which its tag reader cannot skip, and that is no damage.
_CHECKS: tuple[tuple[bytes, Callable[[DetectorContext], Findings]], ...] = (
    (PNG_SIGNATURE, _png),
    (b"\xff\xd8\xff", _jpeg),
    (b"RIFF", _riff),
    *((magic, _tiff) for magic in TIFF_MAGICS),
    (EXR_MAGIC, _exr),
    (b"GIF87a", _gif),
    (b"GIF89a", _gif),
    (JXL_SIGNATURE, _jxl),
    (FLAC_MAGIC, _flac),
    (ID3_MAGIC, _id3_led),
    (OGG_CAPTURE, _ogg),
)


def reader_for(head: bytes) -> Callable[[DetectorContext], Findings] | None:
    """The check for the container the first bytes announce (None: no bounded reader for it)."""
    for prefix, check in _CHECKS:
        if head.startswith(prefix):
            return check
    if is_bmff(head):
        return _bmff
    return _ts if could_be_ts(head) else None


class IntegrityDetector:
    """Reports what the bounded readers could not read, or found broken."""

    name = "integrity"

    def detect(self, ctx: DetectorContext) -> Iterable[Evidence]:
        """``not-fully-read`` and ``damaged`` evidence; nothing for a sound, wholly read file."""
        if ctx.facts.size == 0:
            return []
        check = reader_for(head_of(ctx.path))
        if check is None:
            return []
        try:
            found = check(ctx)
        except FormatProblem as exc:
            return [damage_evidence(self.name, str(exc))]
        return [unread_evidence(self.name, text) for text in found.limits[:3]] + [
            damage_evidence(self.name, text) for text in found.problems[:3]
        ]


DETECTOR = IntegrityDetector()
