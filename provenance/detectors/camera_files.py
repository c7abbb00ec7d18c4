"""Cameras that name themselves outside IFD0: raw headers, movie boxes, telemetry, maker notes.

:mod:`provenance.detectors.exif` reads the ``Make`` and ``Model`` of a TIFF
IFD0 (in JPEG, PNG, WebP, TIFF, DNG and TIFF-shaped raws, RW2 and ORF among
them). Many cameras keep their name elsewhere, and a file from one of them
is as positive a capture as any:

* Canon CR3: TIFF blocks in ``CMT1``/``CMT2`` boxes of a Canon ``uuid`` box;
* Fujifilm RAF, Sigma X3F, RED R3D: the format's own header;
* iPhone and Android movies: QuickTime metadata keys (``com.apple.quicktime.make``);
  cameras' and drones' movies: QuickTime user data (``©mak``, ``©mod``), or
  Sony's XAVC ``NonRealTimeMeta`` XML (``<Device modelName=...>``);
* AVCHD (``.mts``): the ``MDPM`` block in the H.264 stream;
* GoPro: the ``DVNM``/``MINF`` names in the GPMF telemetry track;
* Reconyx trail cameras: no ``Make`` at all, only their maker note.

Each becomes a ``not_genai`` item with ``tool="camera"``, as camera EXIF
does, and is judged as that is: plausible names only (JSON or a generator's
name where a camera's would be is no camera), never outweighing a generator
marker (:mod:`provenance.classify`).

Reading, measured: exifread 3.5 reads TIFF, JPEG, PNG, WebP, HEIF and JPEG
XL (and RW2, whose TIFF differs only in its magic: the EXIF detector reads
it), but finds nothing in a whole CR3, RAF, X3F or R3D file, knows neither
AVCHD nor GPMF, and leaves Reconyx maker notes undecoded. So these are read
by the bounded readers in :mod:`provenance.files.formats`
(``camera_headers``, ``camera_boxes``, ``avchd``, ``gpmf``, ``makernotes``),
and the TIFF blocks they find by :mod:`~provenance.files.formats.tiff_ifd`
(two IFDs, raw tags, no chains). On the corpus's CR3 that reads ``CMT1`` and
``CMT2`` in 0.04 ms, against 0.36 ms for exifread on the same two blocks,
and exifread names ``CMT2``'s tags as IFD0's (``Image ...``), losing the
serial number and capture time that the Exif IFD's tag numbers give here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from provenance.detectors.base import DetectorContext, damage_evidence
from provenance.detectors.exif import plausible_camera
from provenance.evidence import Evidence
from provenance.files.formats import FormatProblem
from provenance.files.formats.avchd import read_mdpm
from provenance.files.formats.bmff import BMFF_MEMO, BmffInfo, read_bmff
from provenance.files.formats.camera_boxes import (
    canon_tiff_blocks,
    gpmf_payloads,
    quicktime_keys,
    sony_device,
    user_data_names,
)
from provenance.files.formats.camera_headers import read_r3d, read_raf, read_x3f
from provenance.files.formats.gpmf import read_gpmf_names
from provenance.files.formats.makernotes import read_maker_note
from provenance.files.formats.tiff_ifd import (
    MAKE,
    MAKER_NOTE,
    MODEL,
    TiffTags,
    decode_text,
    read_tiff,
)

Found = dict[str, str]
"""A camera's names by role: ``make``, ``model``, ``serial``, ``software``, ``captured``..."""

SERIAL_TAGS = (0xA431, 0xC62F)  # BodySerialNumber, DNG CameraSerialNumber
CAPTURED_TAG = 0x9003  # DateTimeOriginal
SOFTWARE_TAG = 0x0131
QUICKTIME_KEYS = {
    "com.apple.quicktime.make": "make",
    "com.apple.quicktime.model": "model",
    "com.apple.quicktime.software": "software",
    "com.apple.quicktime.creationdate": "captured",
    "com.android.manufacturer": "make",
    "com.android.model": "model",
}


def _tiff_fields(tags: TiffTags) -> Found:
    """Make, model, software, serial and capture time from IFD0 and the Exif IFD."""
    wanted = {MAKE: "make", MODEL: "model", SOFTWARE_TAG: "software", CAPTURED_TAG: "captured"}
    wanted |= {tag: "serial" for tag in SERIAL_TAGS}
    found: Found = {}
    for tag, role in wanted.items():
        raw = tags.find(tag)
        if raw is not None and (text := decode_text(raw).strip()):
            found.setdefault(role, text[:128])
    return found


def cr3_camera(path: Path, info: BmffInfo) -> Found:
    """A CR3's names: ``CMT1`` is IFD0 (make, model), ``CMT2`` the Exif IFD (serial, time)."""
    blocks = canon_tiff_blocks(path, info)
    found: Found = {}
    for name in ("CMT1", "CMT2"):
        if name in blocks:
            tags = read_tiff(blocks[name])
            tags.exif = tags.exif or tags.ifd0  # CMT2 *is* the Exif IFD, stored as a TIFF's IFD0
            found = _tiff_fields(tags) | found
    return found


def raf_camera(path: Path) -> Found:
    """A RAF's model from its header, completed by its preview's EXIF."""
    header = read_raf(path)
    if not header.exif:
        return header.fields
    exif = _tiff_fields(read_tiff(header.exif))
    # The preview's EXIF is the camera's full record; without a model there, the header's stands.
    return header.fields | exif if "model" in exif else exif | header.fields


def x3f_camera(path: Path) -> Found:
    """An X3F's make, model and serial from its property list."""
    return read_x3f(path).fields


def r3d_camera(path: Path) -> Found:
    """An R3D's model and serial: the format itself is RED's."""
    found = read_r3d(path).fields
    return {"make": "RED", **found} if "model" in found else {}


def movie_camera(path: Path, info: BmffInfo) -> Found:
    """A movie's QuickTime make/model keys, else the name in its GoPro telemetry."""
    keys = quicktime_keys(path, info)
    found = {QUICKTIME_KEYS[k]: v for k, v in keys.items() if k in QUICKTIME_KEYS and v}
    if _is_computer(found):
        return {}  # a screen recording names the computer: what it shows came from anywhere
    if "model" in found:
        return {"source": "QuickTime metadata keys", **found}
    for source, read in _MOVIE_PLACES:
        named = read(path, info)
        if "model" in named and not _is_computer(named):
            return {"source": source, **named}
    for payload in gpmf_payloads(path, info):
        names = read_gpmf_names(payload).names
        model = names.get("model") or names.get("device", "")
        if model and model.lower() != "camera":
            named = {"make": "GoPro", "model": model, **_only(names, "serial", "firmware")}
            return {"source": "GoPro GPMF telemetry", **named}
    return {}


_MOVIE_PLACES: tuple[tuple[str, Callable[[Path, BmffInfo], Found]], ...] = (
    ("QuickTime user data", user_data_names),
    ("Sony XAVC metadata", sony_device),
)


def _is_computer(found: Found) -> bool:
    """True when the keys name a computer (``Mac15,9``, ``MacBookPro18,1``, macOS), not a camera."""
    model, software = found.get("model", "").lower(), found.get("software", "").lower()
    return model.startswith(("mac", "imac")) or software.startswith(("macos", "mac os"))


def _only(names: dict[str, str], *roles: str) -> Found:
    return {("software" if r == "firmware" else r): names[r] for r in roles if r in names}


def avchd_camera(path: Path) -> Found:
    """An AVCHD stream's maker and model from its ``MDPM`` block."""
    found = read_mdpm(path)
    return {"make": found.make, "model": found.model} if found and found.make else {}


def jpeg_maker_note_camera(ctx: DetectorContext) -> Found:
    """A JPEG without IFD0 make whose maker note names the camera (Reconyx trail cameras)."""
    exif = ctx.jpeg().exif
    if not exif:
        return {}
    tags = read_tiff(exif)
    note = tags.exif.get(MAKER_NOTE)
    if tags.ifd0.get(MAKE) is not None or note is None:
        return {}  # a camera with a make is the EXIF detector's
    camera = read_maker_note(note.data)
    if camera is None:
        return {}
    found = _tiff_fields(tags) | {"make": camera.make, "model": camera.model}
    return found | ({"serial": camera.serial} if camera.serial else {})


def _by_path(read: Callable[[Path], Found]) -> Callable[[DetectorContext], Found]:
    return lambda ctx: read(ctx.path)


def _by_boxes(read: Callable[[Path, BmffInfo], Found]) -> Callable[[DetectorContext], Found]:
    # The box walk is shared with the integrity detector through the context's memo.
    return lambda ctx: read(ctx.path, ctx.memo(BMFF_MEMO, lambda: read_bmff(ctx.path)))


_BY_PATH: dict[str, tuple[str, str, Callable[[DetectorContext], Found]]] = {
    "cr3": ("camera-cr3", "Canon CR3 metadata boxes", _by_boxes(cr3_camera)),
    "raf": ("camera-raw-header", "Fujifilm RAF header", _by_path(raf_camera)),
    "x3f": ("camera-raw-header", "Sigma X3F property list", _by_path(x3f_camera)),
    "r3d": ("camera-raw-header", "RED R3D header", _by_path(r3d_camera)),
    "mp4": ("camera-movie", "movie metadata", _by_boxes(movie_camera)),
    "mov": ("camera-movie", "movie metadata", _by_boxes(movie_camera)),
    "mts": ("camera-avchd", "AVCHD stream (H.264 MDPM)", _by_path(avchd_camera)),
}
_READERS = {"jpeg": ("camera-maker-note", "EXIF maker note", jpeg_maker_note_camera), **_BY_PATH}
_OWN_HEADERS = frozenset({"raf", "x3f", "r3d"})


class CameraFilesDetector:
    """Camera names kept outside IFD0 EXIF: raw headers, movie boxes, telemetry, maker notes."""

    name = "camera_files"

    def detect(self, ctx: DetectorContext) -> Iterator[Evidence]:
        """Yield one camera item when the file's own structures name a plausible camera."""
        fmt = ctx.facts.format or ""
        if fmt not in _READERS:
            return
        kind, where, read = _READERS[fmt]
        try:
            found = read(ctx)
        except FormatProblem as exc:
            # BMFF, TIFF and JPEG damage is the integrity detector's (it walks them too);
            # these headers have no other reader to report them.
            if fmt in _OWN_HEADERS:
                yield damage_evidence(self.name, f"{where}: {exc}")
            return
        if plausible_camera(found.get("make"), found.get("model")):
            yield camera_evidence(self.name, kind, found.get("source", where), found)


def camera_evidence(detector: str, kind: str, where: str, found: Found) -> Evidence:
    """The ``not_genai`` item for a camera named in ``where``."""
    make, model = found["make"], found["model"]
    name = model if model.lower().startswith(make.lower()) else f"{make} {model}"
    serial = f" (serial {found['serial']})" if found.get("serial") else ""
    kept = ("make", "model", "serial", "captured", "software")
    return Evidence(
        detector=detector,
        kind=kind,
        detail=f"{where} names the camera: {name}{serial}",
        signal="not_genai",
        tool="camera",
        confidence="medium",
        fields={k: found[k][:200] for k in kept if found.get(k)},
    )


DETECTOR = CameraFilesDetector()
