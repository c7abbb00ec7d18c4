"""What a file is: its media kind, format, MIME type and cheap facts.

Kinds are told by the file's first bytes (magic numbers), falling back to the
extension, because extensions lie in pipelines (a ``.png`` renamed ``.tif`` is
common) and never by decoding pixels. Image dimensions come from the header:
the project's bounded walks for JPEG, PNG and TIFF (walked once per pass for
the detectors too), Pillow's lazy open for the other formats; audio duration
from the container header (mutagen).

A file whose container cannot be parsed at all gets ``problem`` set; the
classifier turns that into the ``unreadable`` verdict unless a detector still
found something.
"""

from __future__ import annotations

import mimetypes
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import mutagen
from PIL import Image, UnidentifiedImageError

from provenance.files.formats import FormatProblem
from provenance.files.formats.flac import flac_start, read_flac
from provenance.files.formats.id3_lead import ID3_MAGIC, StreamFrom, leading_id3
from provenance.files.formats.jpeg import read_jpeg
from provenance.files.formats.ogg import read_ogg
from provenance.files.formats.png import read_png
from provenance.files.formats.riff import read_riff
from provenance.files.formats.tiff_file import ifd0_of
from provenance.files.opening import NotRegularFile, head_of, open_regular
from provenance.files.pillow import pillow_reading
from provenance.vocab import MediaKind

TIFF_WIDTH, TIFF_HEIGHT = 256, 257

# Formats Pillow cannot open: their dimensions are not read here.
_NO_PILLOW = frozenset({"exr", "dpx", "raw", "cr3", "raf", "x3f", "heif", "avif", "psd", "jxl"})


@dataclass(frozen=True)
class MediaFacts:
    """Header-level facts about a file. ``problem`` is set when unparseable."""

    size: int
    kind: MediaKind
    mime: str
    format: str | None = None
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    problem: str | None = None

    @property
    def readable(self) -> bool:
        """False when the container could not be parsed."""
        return self.problem is None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "size": self.size,
            "kind": self.kind,
            "mime": self.mime,
            "format": self.format,
            "width": self.width,
            "height": self.height,
            "duration": self.duration,
            "problem": self.problem,
        }


@dataclass(frozen=True)
class _Format:
    name: str
    kind: MediaKind
    mime: str


_EXTENSIONS: dict[str, _Format] = {
    ".exr": _Format("exr", "image", "image/x-exr"),
    ".dpx": _Format("dpx", "image", "image/x-dpx"),
    ".dng": _Format("raw", "image", "image/x-adobe-dng"),
    ".arw": _Format("raw", "image", "image/x-sony-arw"),
    ".cr2": _Format("raw", "image", "image/x-canon-cr2"),
    ".cr3": _Format("cr3", "image", "image/x-canon-cr3"),
    ".rw2": _Format("raw", "image", "image/x-panasonic-rw2"),
    ".orf": _Format("raw", "image", "image/x-olympus-orf"),
    ".raf": _Format("raf", "image", "image/x-fuji-raf"),
    ".x3f": _Format("x3f", "image", "image/x-sigma-x3f"),
    ".r3d": _Format("r3d", "video", "video/x-red-r3d"),
    ".mts": _Format("mts", "video", "video/mp2t"),
    ".m2ts": _Format("mts", "video", "video/mp2t"),
    ".nef": _Format("raw", "image", "image/x-nikon-nef"),
    ".heic": _Format("heif", "image", "image/heic"),
    ".avif": _Format("avif", "image", "image/avif"),
    ".jxl": _Format("jxl", "image", "image/jxl"),
    ".mxf": _Format("mxf", "video", "application/mxf"),
    ".mov": _Format("mov", "video", "video/quicktime"),
    ".mp4": _Format("mp4", "video", "video/mp4"),
    ".m4a": _Format("m4a", "audio", "audio/mp4"),
    ".wav": _Format("wav", "audio", "audio/wav"),
    ".c2pa": _Format("c2pa", "other", "application/c2pa"),
    ".xmp": _Format("xmp", "other", "application/rdf+xml"),
}


def sniff(head: bytes, suffix: str) -> _Format:
    """Tell the format from the first bytes, then from the extension."""
    found = _sniff_magic(head, suffix)
    if found is not None:
        return found
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    mime = mimetypes.types_map.get(suffix, "application/octet-stream")
    major = mime.split("/", 1)[0]
    kind: MediaKind = major if major in ("image", "video", "audio") else "other"  # type: ignore[assignment]
    if mime == "application/pdf":
        kind = "document"
    return _Format(suffix.lstrip(".") or "unknown", kind, mime)


_FLAC = _Format("flac", "audio", "audio/flac")


def sniff_file(path: Path) -> _Format:
    """Tell a file's format by :func:`sniff`, looking past ID3v2 tags written in front of it.

    A file starting with ``ID3`` is an MP3 unless a FLAC stream follows the
    tags (:func:`~provenance.files.formats.id3_lead.leading_id3`); one where
    neither follows stays an MP3, and the integrity detector reports the damage.
    """
    head = head_of(path)
    fmt = sniff(head, path.suffix.lower())
    if head.startswith(ID3_MAGIC) and leading_id3(path).follows == "flac":
        return _FLAC
    return fmt


_MAGIC: tuple[tuple[bytes, _Format], ...] = (
    (b"\x89PNG\r\n\x1a\n", _Format("png", "image", "image/png")),
    (b"\xff\xd8\xff", _Format("jpeg", "image", "image/jpeg")),
    (b"GIF87a", _Format("gif", "image", "image/gif")),
    (b"GIF89a", _Format("gif", "image", "image/gif")),
    (b"\x76\x2f\x31\x01", _Format("exr", "image", "image/x-exr")),
    (b"SDPX", _Format("dpx", "image", "image/x-dpx")),
    (b"XPDS", _Format("dpx", "image", "image/x-dpx")),
    (b"8BPS", _Format("psd", "image", "image/vnd.adobe.photoshop")),
    (b"BM", _Format("bmp", "image", "image/bmp")),
    (b"\x06\x0e\x2b\x34\x02\x05\x01\x01\x0d\x01\x02", _Format("mxf", "video", "application/mxf")),
    (b"\x1a\x45\xdf\xa3", _Format("mkv", "video", "video/x-matroska")),
    (b"ID3", _Format("mp3", "audio", "audio/mpeg")),
    (b"fLaC", _FLAC),
    (b"OggS", _Format("ogg", "audio", "audio/ogg")),
    (b"%PDF", _Format("pdf", "document", "application/pdf")),
    (b"\x00\x00\x00\x0cJXL \r\n\x87\n", _Format("jxl", "image", "image/jxl")),
    (b"\xff\x0a", _Format("jxl", "image", "image/jxl")),
    (b"FUJIFILMCCD-RAW ", _Format("raf", "image", "image/x-fuji-raf")),
    (b"FOVb", _Format("x3f", "image", "image/x-sigma-x3f")),
    # Camera raws that are TIFF but for their magic number.
    (b"IIU\x00", _Format("raw", "image", "image/x-panasonic-rw2")),
    (b"IIRO", _Format("raw", "image", "image/x-olympus-orf")),
    (b"IIRS", _Format("raw", "image", "image/x-olympus-orf")),
    (b"MMOR", _Format("raw", "image", "image/x-olympus-orf")),
)

_TIFF = _Format("tiff", "image", "image/tiff")


def _sniff_magic(head: bytes, suffix: str) -> _Format | None:
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        # DNG and most camera raw formats are TIFF containers.
        return _EXTENSIONS[suffix] if suffix in (".dng", ".arw", ".cr2", ".nef") else _TIFF
    if head[:4] == b"RIFF":
        return _sniff_riff(head[8:12])
    if head[4:8] == b"ftyp":
        return _sniff_bmff(head[8:12])
    if head[:2] == b"\xff\xfb" or head[:2] == b"\xff\xf3" or head[:2] == b"\xff\xf2":
        return _Format("mp3", "audio", "audio/mpeg")
    for magic, fmt in _MAGIC:
        if head.startswith(magic):
            return fmt
    return None


def _sniff_riff(form: bytes) -> _Format | None:
    return {
        b"WEBP": _Format("webp", "image", "image/webp"),
        b"WAVE": _Format("wav", "audio", "audio/wav"),
        b"AVI ": _Format("avi", "video", "video/x-msvideo"),
    }.get(form)


def _sniff_bmff(brand: bytes) -> _Format:
    if brand in (b"heic", b"heix", b"mif1", b"msf1", b"heim", b"heis"):
        return _Format("heif", "image", "image/heic")
    if brand in (b"avif", b"avis"):
        return _Format("avif", "image", "image/avif")
    if brand == b"crx ":
        return _Format("cr3", "image", "image/x-canon-cr3")
    if brand == b"qt  ":
        return _Format("mov", "video", "video/quicktime")
    if brand in (b"M4A ", b"M4B "):
        return _Format("m4a", "audio", "audio/mp4")
    return _Format("mp4", "video", "video/mp4")


def read_facts(path: Path, size: int, *, duration: bool = True) -> MediaFacts:
    """Read a file's header facts. Never raises for a damaged file.

    ``duration=False`` leaves an audio file's duration unread: it is a fact
    for the ledger, never evidence, so a pass that only wants a verdict
    (the audit's check of known files) skips mutagen's stream readers.
    """
    fmt = sniff_file(path)
    base = MediaFacts(size=size, kind=fmt.kind, mime=fmt.mime, format=fmt.name)
    if size == 0:
        return _with(base, problem="empty file")
    if fmt.kind == "image" and fmt.name not in _NO_PILLOW:
        return _image_facts(path, base)
    if fmt.kind == "audio" and duration:
        return _audio_facts(path, base)
    return base


def _with(base: MediaFacts, **changes: object) -> MediaFacts:
    data = base.to_dict() | changes
    return MediaFacts(**data)  # type: ignore[arg-type]


def _image_facts(path: Path, base: MediaFacts) -> MediaFacts:
    if base.format == "tiff" and (size := _tiff_size(path)) is not None:
        return _with(base, width=size[0], height=size[1])
    if base.format in _WALKED:
        return _walked_facts(path, base)
    return _pillow_facts(path, base)


def _pillow_facts(path: Path, base: MediaFacts) -> MediaFacts:
    try:
        with pillow_reading(), open_regular(path) as stream, Image.open(stream) as image:
            width, height = image.size
    except Image.DecompressionBombError as exc:
        return _with(base, problem=f"image too large to decode safely ({exc})")
    except Image.DecompressionBombWarning as exc:
        return _with(base, problem=f"image too large to decode safely ({exc})")
    except UnidentifiedImageError:
        # Pillow names a stream it was given by the stream; the reason names the file.
        why = f"cannot identify image file {str(path)!r}"
        return _with(base, problem=f"cannot parse {base.format} header: {why}")
    except Exception as exc:  # noqa: BLE001 - any Pillow failure means the header is unparseable
        return _with(base, problem=f"cannot parse {base.format} header: {exc}")
    return _with(base, width=width, height=height)


class _Header(Protocol):
    """What the bounded walks of JPEG and PNG tell the media facts."""

    limits: list[str]

    def fault(self) -> str | None: ...


def _jpeg_size(path: Path) -> tuple[_Header, int, int]:
    info = read_jpeg(path)
    frame = info.frame
    return info, (frame.width if frame else 0), (frame.height if frame else 0)


def _png_size(path: Path) -> tuple[_Header, int, int]:
    info = read_png(path)
    return info, info.width, info.height


# JPEG and PNG: the size and the decision "unreadable" come from the project's own bounded
# walks, which the detectors walk anyway in the same pass (provenance.files.formats.once).
_WALKED: dict[str | None, Callable[[Path], tuple[_Header, int, int]]] = {
    "jpeg": _jpeg_size,
    "png": _png_size,
}


def _walked_facts(path: Path, base: MediaFacts) -> MediaFacts:
    """A JPEG's or PNG's facts from its bounded walk; no image library opens the file.

    The file is unreadable when the walk stopped at a limit before reaching
    the image data, or found a header a decoder refuses (:meth:`fault`: a bad
    checksum, a reserved marker, no frame or IHDR, an impossible bit depth),
    or declares more pixels than can be decoded safely. Damage past the
    header (a file cut short) is the integrity detector's to report, as for
    every container. JPEGs of 12 and 16 bits are read like 8-bit ones.
    """
    try:
        info, width, height = _WALKED[base.format](path)
    except (FormatProblem, OSError) as exc:
        return _with(base, problem=f"cannot parse {base.format} header: {exc}")
    reason = info.limits[0] if info.limits else info.fault()
    if reason is not None:
        return _with(base, problem=f"cannot parse {base.format} header: {reason}")
    if width * height > (Image.MAX_IMAGE_PIXELS or width * height):
        pixels = f"{width * height} pixels, over {Image.MAX_IMAGE_PIXELS}"
        return _with(base, problem=f"image too large to decode safely ({pixels})")
    return _with(base, width=width, height=height)


def _tiff_size(path: Path) -> tuple[int, int] | None:
    """Width and height from IFD0, or None to let Pillow judge the file.

    Pillow reads every tag of a TIFF to open it, five times the cost of
    reading two: a frame sequence of uncompressed TIFFs pays that per frame.
    """
    try:
        ifd = ifd0_of(path)
    except (FormatProblem, OSError, struct.error):
        return None
    width, height = ifd.number(TIFF_WIDTH), ifd.number(TIFF_HEIGHT)
    if not width or not height or width * height > (Image.MAX_IMAGE_PIXELS or 0):
        return None
    return width, height


def _audio_facts(path: Path, base: MediaFacts) -> MediaFacts:
    # Duration is a nicety: a stream mutagen cannot sync to (odd encoders,
    # tiny test files) is not unreadable for that. Damaged tags are judged
    # by the audio detector, which reports them as error evidence.
    try:
        length = _audio_length(path, base.format)
    except NotRegularFile:
        raise  # swapped since it was hashed: the file is unreadable, not just without a duration
    except Exception:  # noqa: BLE001 - mutagen raises many unrelated types on bad input
        return base
    return _with(base, duration=float(length) if length else None)


def _audio_length(path: Path, fmt: str | None) -> float | None:
    """The duration from the stream's own headers; tags are never parsed.

    mutagen inflates compressed ID3 frames without a bound (2 MB of hostile
    frames cost gigabytes), and MP3, WAV and AIFF can carry ID3. So MP3 and
    WAV durations come from mutagen's stream-info readers, which skip the
    tags; whole-file parsers are used only for containers whose tags hold no
    compressed frames (a FLAC stream is read from its ``fLaC``, past any ID3
    tags in front); other formats
    get no duration. A WAV the bounded RIFF reader gave up on gets none
    either: mutagen would walk its chunks without a count.
    """
    # Lazy: mutagen's format modules load only for audio files.
    from mutagen import flac, mp3, mp4, oggflac, oggopus, oggvorbis, wave  # noqa: PLC0415

    if fmt == "wav" and read_riff(path).limits:
        return None  # mutagen walks every chunk, past the bounded reader's count (2M: 6 s)
    if walk_stopped(fmt, path):
        return None  # mutagen walks every FLAC block and holds an Ogg stream's headers whole
    stream_info = {"mp3": mp3.MPEGInfo, "wav": wave.WaveStreamInfo}.get(fmt or "")
    if stream_info is not None:
        with open_regular(path) as stream:
            return float(stream_info(stream).length)
    if fmt not in ("flac", "m4a", "ogg"):
        return None
    safe = [flac.FLAC, mp4.MP4, oggvorbis.OggVorbis, oggopus.OggOpus, oggflac.OggFLAC]
    start = flac_start(path) if fmt == "flac" else 0
    with open_regular(path) as stream:
        info = mutagen.File(StreamFrom(stream, start) if start else stream, options=safe)
    return getattr(getattr(info, "info", None), "length", None)


class Limited(Protocol):
    """A bounded walk's findings: the limits it stopped at."""

    limits: list[str]


_AUDIO_WALKS: dict[str, Callable[[Path], Limited]] = {"flac": read_flac, "ogg": read_ogg}


def walk_stopped(fmt: str | None, path: Path) -> bool:
    """True when the bounded walk of a FLAC or Ogg file stopped at one of its limits.

    mutagen walks every FLAC metadata block (4 million empty ones take 16 s)
    and holds an Ogg stream's headers in memory whole: it is not asked about
    a file the walk gave up on, which the integrity detector reports as not
    fully read. A file that is not the container its extension says is left
    to mutagen's own sniffing.
    """
    walk = _AUDIO_WALKS.get(fmt or "")
    if walk is None:
        return False
    try:
        return bool(walk(path).limits)
    except FormatProblem:
        return False
