"""Camera EXIF: who captured the image, and which software last saved it.

EXIF is the TIFF-structured metadata cameras write: ``Make`` and ``Model``
(the camera), ``BodySerialNumber``, ``DateTimeOriginal`` (capture time),
exposure settings, and ``Software`` (firmware, or the editor that last saved
the file). Camera ``Make`` + ``Model`` is positive, medium evidence of a
capture (strong with exposure data); it is easily copied, so it never
outweighs a generator marker — :mod:`provenance.classify` sees to that.
``Software`` naming an editor (GIMP, Photoshop, Lightroom) is neutral: it says
who saved the file, not where its content came from.

Generators misuse these tags: ComfyUI's WebP saver writes ``Make =
"workflow:{...}"`` and ``Model = "prompt:{...}"``. Values that do not look
like a camera's name (JSON, long text, a generator's name) are not called a
camera here; the generator detectors read the JSON. A hosted generator's
*name* in ``Make``, ``Model`` or ``Software`` (``Make = "Midjourney"``,
``Model = "Amazon Titan Image Generator"``) is a generator marker of its
own: medium ``genai`` evidence naming the tool, and never a camera.

Savers disagree on where tags go: some write ``Make``/``Model``/``Software``
in the Exif sub-IFD instead of IFD0; they are read from either.

The EXIF block is cut out of the container by this project's own bounded
walkers (JPEG ``APP1``, PNG ``eXIf``, WebP ``EXIF``) and only then given to
exifread, which is run with ``details=False`` (no maker notes, no sub-IFD
chains) on a stream with a read budget, so a hostile TIFF cannot make it read
or loop without end.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO

import exifread

from provenance.detectors.base import DetectorContext
from provenance.detectors.exif_blocks import BudgetStream, exif_stream
from provenance.detectors.software_names import match_software
from provenance.evidence import Evidence
from provenance.vocab import Confidence

MAX_NAME = 64

# exifread warns of each field it cannot decode ("Possibly corrupted field"):
# the detectors judge a damaged file themselves, and say why, once.
logging.getLogger("exifread").setLevel(logging.ERROR)
_TAGS = {
    "make": "Image Make",
    "model": "Image Model",
    "software": "Image Software",
    "serial": "EXIF BodySerialNumber",
    "captured": "EXIF DateTimeOriginal",
    "lens": "EXIF LensModel",
    "exposure": "EXIF ExposureTime",
    "f_number": "EXIF FNumber",
    "iso": "EXIF ISOSpeedRatings",
}
# IFD0 tags some savers write in the Exif sub-IFD instead (exifread's name there).
_SUB_IFD = {"make": "EXIF Make", "model": "EXIF Model", "software": "EXIF Software"}
_NAME_TAGS = ("make", "model", "software")
_MISUSED = re.compile(r"^\s*(workflow|prompt|parameters|negative)\s*:", re.IGNORECASE)


def read_exif_tags(stream: BinaryIO) -> dict[str, str]:
    """The tags of :data:`_TAGS` that are present, as stripped text."""
    tags: Mapping[str, Any] = exifread.process_file(
        BudgetStream(stream),  # type: ignore[arg-type]  # exifread only reads, seeks and tells
        details=False,
        extract_thumbnail=False,
        strict=False,
        auto_seek=True,
    )
    found: dict[str, str] = {}
    for key, name in _TAGS.items():
        tag = tags.get(name) or tags.get(_SUB_IFD.get(key, ""))
        if tag is not None:
            text = _text(tag)
            if text:
                found[key] = text
    return found


def _text(tag: Any) -> str:
    values = getattr(tag, "values", None)
    text = values if isinstance(values, str) else str(tag)
    return text.replace("\x00", "").strip()[:1024]


def plausible_camera(make: str | None, model: str | None) -> bool:
    """True when Make and Model read like a device's name, not text a generator put there."""
    if not make or not model:
        return False
    for value in (make, model):
        if len(value) > MAX_NAME or _MISUSED.match(value) or any(c in value for c in "{}[]\n\r\t"):
            return False
        found = match_software(value)
        if found is not None and found.kind in ("generator", "generator_vendor"):
            return False
    return True


def generator_named(tags: dict[str, str]) -> tuple[str, str, str] | None:
    """(tag, value, tool) for the first of Make, Model, Software naming a generator by its name.

    Text a generator parked there (JSON, ``prompt:{...}``) is the generator
    detectors' to read, not a name.
    """
    for tag in _NAME_TAGS:
        value = tags.get(tag)
        if not value or _MISUSED.match(value) or any(c in value for c in "{}[]"):
            continue
        found = match_software(value)
        if found is not None and found.kind == "generator" and found.tool:
            return tag, value, found.tool
    return None


class ExifDetector:
    """Camera Make/Model (capture evidence) and Software (editing evidence) from EXIF."""

    name = "exif"

    def detect(self, ctx: DetectorContext) -> Iterator[Evidence]:
        """Yield camera and software evidence from the file's EXIF block."""
        opened = exif_stream(ctx.path, ctx.facts.format)
        if opened is None:
            return
        with opened as stream:
            tags = read_exif_tags(stream)
        named = generator_named(tags)
        if named is not None:
            yield self._generator(*named)
        camera = plausible_camera(tags.get("make"), tags.get("model"))
        if camera:
            yield self._camera(tags)
        software = self._software(tags["software"], camera) if tags.get("software") else None
        if software is not None:
            yield software

    def _generator(self, tag: str, value: str, tool: str) -> Evidence:
        return Evidence(
            detector=self.name,
            kind="exif-generator-name",
            detail=f"EXIF {tag.capitalize()} names a generator: '{value[:200]}' (not a camera)",
            signal="genai",
            tool=tool,
            confidence="medium",  # unsigned, and easily written
            fields={tag: value[:200]},
        )

    def _camera(self, tags: dict[str, str]) -> Evidence:
        make, model = tags["make"], tags["model"]
        name = model if model.lower().startswith(make.lower()) else f"{make} {model}"
        exposed = "exposure" in tags and ("f_number" in tags or "iso" in tags)
        confidence: Confidence = "strong" if exposed and "captured" in tags else "medium"
        when = f", captured {tags['captured']}" if "captured" in tags else ""
        kept = ("make", "model", "serial", "captured", "lens", "software")
        fields: dict[str, str] = {k: tags[k] for k in kept if k in tags}
        return Evidence(
            detector=self.name,
            kind="camera-exif",
            detail=f"EXIF names the camera: {name}{when}",
            signal="not_genai",
            tool="camera",
            confidence=confidence,
            fields=fields,
        )

    def _software(self, software: str, camera: bool) -> Evidence | None:
        found = match_software(software)
        if found is not None and found.kind in ("generator", "generator_vendor"):
            return None  # reported as a generator's name (generator_named), not as software
        if found is None and camera:
            return None  # the camera's firmware version: kept in the camera item's fields
        kind = "editing software" if found is not None and found.kind == "editor" else "software"
        return Evidence(
            detector=self.name,
            kind="exif-software",
            detail=f"EXIF Software: saved with {kind} '{software[:200]}' "
            "(not where the content came from)",
            tool=found.tool if found is not None else None,
            fields={"software": software[:200]},
        )


def exif_tags_of(path: Path, fmt: str | None) -> dict[str, str]:
    """Read the tags this detector uses from a file (for tests and tools)."""
    opened = exif_stream(path, fmt)
    if opened is None:
        return {}
    with opened as stream:
        return read_exif_tags(stream)


DETECTOR = ExifDetector()
