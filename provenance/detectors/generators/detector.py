"""The two registered generator detectors.

``generator_metadata``
    Reads a file's headers (never its pixels or frames) into entries -- PNG
    and APNG, JPEG, WebP, GIF, HEIF/AVIF, JPEG XL, and the tags of MP4/MOV
    and Matroska/WebM video -- and reports the first tool matcher that
    recognises them, as one strong
    ``genai`` evidence item naming the tool, with the prompt and settings.
``generator_stealth``
    Only for lossless images that can hold stealth bits (8-bit RGB/RGBA PNG,
    lossless WebP, WebP with an alpha plane) *and* carry no other generator
    marker: decodes the few pixel columns holding the stealth signature and
    payload.

A container whose reader fails yields nothing where the integrity detector
runs the same reader on the same bytes and reports the damage (PNG, JPEG,
WebP, GIF, JPEG XL; a HEIF item table that does not parse fails the EXIF
and XMP detectors, which read the same items). Where nothing else sees the
damage -- an MP4 item list the box walk holds whole, Matroska tags, which
no integrity check walks -- the place is said unread, and the gate blocks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from PIL import Image

from provenance.detectors.base import (
    DetectorContext,
    markers_unread_evidence,
    unread_evidence,
)
from provenance.detectors.generators.containers import (
    entries_from_gif,
    entries_from_items,
    entries_from_tags,
    matroska_tag_triples,
    mp4_tag_triples,
    with_xmp_properties,
)
from provenance.detectors.generators.entries import (
    MAX_JSON,
    MAX_TEXT,
    Entries,
    entries_from_jpeg,
    entries_from_png,
    entries_from_riff,
)
from provenance.detectors.generators.identify import identify
from provenance.detectors.generators.pixels import PillowColumns, PixelSource, PngColumns
from provenance.detectors.generators.stealth import Mode, read_stealth, stealth_finding
from provenance.evidence import Evidence
from provenance.files.formats import FormatProblem
from provenance.files.formats.ebml import read_matroska_tags
from provenance.files.formats.gif import read_gif
from provenance.files.formats.heif_items import read_heif_items
from provenance.files.formats.jpeg import read_jpeg
from provenance.files.formats.jxl import read_jxl
from provenance.files.formats.mp4_tags import read_mp4_tags
from provenance.files.formats.png import PngInfo, read_png
from provenance.files.formats.riff import RiffInfo, read_riff

# What Pillow or zlib may raise on a damaged image while pixels are read.
PIXEL_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    ValueError,
    EOFError,
    FormatProblem,
    Image.DecompressionBombError,
    Image.DecompressionBombWarning,
)


def read_entries(path: Path, fmt: str | None) -> Entries:
    """A file's header entries; empty for formats generators do not write, or broken files."""
    reader = _READERS.get(fmt or "")
    try:
        return with_xmp_properties(reader(path)) if reader is not None else Entries()
    except FormatProblem:
        return Entries()


def _heif(path: Path) -> Entries:
    items = read_heif_items(path)
    return entries_from_items(items.exif, items.xmp, "HEIF item")


def _mp4(path: Path) -> Entries:
    """An MP4's tags. An item list that does not parse (an item's size damaged) is where a
    ComfyUI graph would be, and the box walk found nothing wrong: it is said unread."""
    try:
        return entries_from_tags(mp4_tag_triples(read_mp4_tags(path)))
    except FormatProblem as exc:
        return Entries(unread=[f"MP4 item list (ilst) could not be read: {exc}"])


def _matroska(path: Path) -> Entries:
    """A Matroska/WebM file's tags, and what of the file the walk could not read.

    The integrity detector does not walk Matroska, so a ``Tags`` element the
    walk could not reach or parse -- behind a size that runs past the end
    (a cluster's child's too), its own size damaged, an unknown size on an
    element other than a Segment or a Cluster, past the tag count or the
    element budget -- is said unread here: a ComfyUI graph in its
    ``COMMENT`` would be there. Segments and clusters of unknown size, which
    live recordings write, are no damage: the walk goes through them to the
    end of the file, so tags after them are read like any others.
    """
    try:
        found = read_matroska_tags(path)
    except FormatProblem as exc:
        return Entries(unread=[f"Matroska/WebM header could not be read: {exc}"])
    entries = entries_from_tags(matroska_tag_triples(found))
    missed = (*found.problems, *found.limits)
    entries.unread += [f"Matroska/WebM tags may be unread: {text}" for text in missed]
    return entries


def _jxl(path: Path) -> Entries:
    info = read_jxl(path)
    return entries_from_items(info.exif, info.xmp, "JPEG XL box")


_READERS: dict[str, Callable[[Path], Entries]] = {
    "png": lambda path: entries_from_png(read_png(path)),
    "jpeg": lambda path: entries_from_jpeg(read_jpeg(path)),
    "webp": lambda path: entries_from_riff(read_riff(path)),
    "gif": lambda path: entries_from_gif(read_gif(path)),
    "heif": _heif,
    "avif": _heif,
    "jxl": _jxl,
    "mp4": _mp4,
    "mov": _mp4,
    "mkv": _matroska,
    "webm": _matroska,  # a WebM told by its name: its EBML signature was damaged
}


class GeneratorMetadataDetector:
    """Generator parameters and graphs in PNG text chunks, EXIF, XMP and comments."""

    name = "generator_metadata"

    def detect(self, ctx: DetectorContext) -> Iterator[Evidence]:
        """Yield one evidence item for the generator the headers name, if any; else what of
        the headers could not be read where a generator's graph would be."""
        entries = read_entries(ctx.path, ctx.facts.format)
        finding = identify(entries)
        if finding is not None:
            yield finding.evidence(self.name)
            return
        yield from self._unread(entries)

    def _unread(self, entries: Entries) -> Iterator[Evidence]:
        # A ComfyUI workflow over the size limit, or a graph a byte of damage broke, names
        # no tool here, but it is where the tool is named: the gate must not vouch past it.
        for where, size in list(entries.cut.items())[:3]:
            yield unread_evidence(
                self.name, f"{where}: {size:,} characters, over the {MAX_TEXT:,} read"
            )
        for where in entries.unread[:3]:
            yield markers_unread_evidence(self.name, where)
        for item in list(entries.unread_graphs())[:3]:
            yield markers_unread_evidence(
                self.name,
                f"{item.where} holds a '{item.key}' text that opens as JSON and cannot be read"
                f" (damaged, cut short, or over {MAX_JSON:,} characters): a generator's graph"
                " would be there",
            )


class StealthDetector:
    """Generator parameters hidden in pixel low bits (stealth pnginfo)."""

    name = "generator_stealth"

    def detect(self, ctx: DetectorContext) -> Iterator[Evidence]:
        """Yield evidence for a stealth signature in an eligible, otherwise unmarked image."""
        try:
            candidate = _candidate(ctx.path, ctx.facts.format)
            payload = read_stealth(*candidate) if candidate else None
        except PIXEL_ERRORS:
            return
        if payload is not None:
            yield stealth_finding(payload).evidence(self.name)


def _candidate(path: Path, fmt: str | None) -> tuple[PixelSource, tuple[Mode, ...]] | None:
    if fmt == "png":
        return _png_candidate(path, read_png(path))
    if fmt == "webp":
        return _webp_candidate(path, read_riff(path))
    return None


def _png_candidate(path: Path, info: PngInfo) -> tuple[PixelSource, tuple[Mode, ...]] | None:
    if info.color_type not in (2, 6) or info.bit_depth != 8 or identify(entries_from_png(info)):
        return None
    source: PixelSource = PillowColumns(path) if info.interlace else PngColumns(path, info)
    return source, _modes(source.channels)


def _webp_candidate(path: Path, info: RiffInfo) -> tuple[PixelSource, tuple[Mode, ...]] | None:
    ids = {chunk.cid for chunk in info.chunks}
    if "ANIM" in ids or not ids & {"VP8L", "ALPH"} or identify(entries_from_riff(info)):
        return None
    source = PillowColumns(path)
    # Lossy colour (VP8) keeps no low bits; its ALPH plane is lossless by default.
    return source, _modes(source.channels) if "VP8L" in ids else ("alpha",)


def _modes(channels: int) -> tuple[Mode, ...]:
    return ("alpha", "rgb") if channels == 4 else ("rgb",)


METADATA_DETECTOR = GeneratorMetadataDetector()
STEALTH_DETECTOR = StealthDetector()

__all__ = ["METADATA_DETECTOR", "STEALTH_DETECTOR", "read_entries"]
