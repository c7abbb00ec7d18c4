"""Audio metadata: the software and devices that wrote a sound file.

Audio files carry no standard "generated" flag outside C2PA (which the
:mod:`provenance.detectors.c2pa` detector reads in WAV, MP3 and M4A). What
they do carry is who wrote them: an encoder or editor (ID3 ``TSSE``, RIFF
``ISFT``), a field recorder (a Broadcast WAV ``bext`` originator such as
"Sound Devices 888"), a camera (a WAV's ``LIST/exif`` maker and model), or
sometimes a generator's name (ElevenLabs, Suno, Udio) in a software or
comment field. The fields are gathered by :mod:`.audio_fields`; here each
becomes evidence:

* a generator in a software field: ``genai``, medium; in a comment, only
  after words such as "made with": weak;
* a field recorder in a software field (a Broadcast WAV ``bext`` originator
  or coding history naming Sound Devices, Zaxcom, Zoom, Metacorder...):
  ``not_genai``, medium, and strong when the same file notes the scene and
  take (in iXML, or as ``sSCENE=``/``sTAKE=`` lines of the ``bext``
  description). A location-sound take is as positive an
  origin as a camera's EXIF: the recorder says it captured the sound;
  a DAW (Pro Tools) or editor naming itself says only who saved the file;
* a camera maker and model: ``not_genai``, medium (as camera EXIF);
* editors, other software, production data alone: neutral.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

from provenance.detectors.audio_fields import (
    AudioField,
    Gathered,
    flac_fields,
    mp3_fields,
    mutagen_fields,
    ogg_fields,
    riff_fields,
)
from provenance.detectors.base import DetectorContext, damage_evidence
from provenance.detectors.exif import plausible_camera
from provenance.detectors.software_names import SoftwareMatch, match_software
from provenance.evidence import Evidence

MAX_NAMED_ITEMS = 16
_GENERATED_WITH = re.compile(
    r"\b(?:generated|created|made|produced|composed|voiced|narrated)\s+(?:with|by|using|in|on)\b",
    re.IGNORECASE,
)

_READERS: dict[str, Callable[[Path], Gathered]] = {
    "wav": riff_fields,
    "avi": riff_fields,
    "mp3": mp3_fields,
    "flac": flac_fields,
    "ogg": ogg_fields,
    "m4a": mutagen_fields,
}


class AudioDetector:
    """Software, recorder, camera and generator names in audio metadata."""

    name = "audio"

    def detect(self, ctx: DetectorContext) -> Iterator[Evidence]:
        """Yield evidence from the file's audio metadata fields."""
        reader = _READERS.get(ctx.facts.format or "")
        if reader is None:
            return
        gathered = reader(ctx.path)
        fields = gathered.fields
        # A tag frame that cannot be read is where a generator's name would be: damage, which
        # the gate does not vouch past (a container's own damage is the integrity check's).
        for problem in gathered.problems[:3]:
            yield damage_evidence(self.name, f"audio metadata: {problem}")
        yield from self._camera(fields)
        yield from self._production(fields)
        named = [e for e in map(self._named, _distinct(fields)) if e is not None]
        if _is_take(fields):
            named = [_as_take(e) for e in named]
        yield from named[:MAX_NAMED_ITEMS]

    def _named(self, item: AudioField) -> Evidence | None:
        found = _match(item)
        fields = {"field": item.where, "value": item.text[:200]}
        if found is not None and found.kind == "generator":
            return Evidence(
                self.name,
                "audio-generator",
                f"{item.where} names the generator '{found.name}': '{item.text[:120]}'",
                signal="genai",
                tool=found.tool,
                confidence="weak" if item.role == "comment" else "medium",
                fields=fields,
            )
        if found is not None and found.kind == "recorder" and item.role == "software":
            return Evidence(
                self.name,
                "audio-recorder",
                f"{item.where}: recorded on a field recorder ('{item.text[:120]}')",
                signal="not_genai",
                tool="field-recorder",
                confidence="medium",
                fields=fields,
            )
        if item.role != "software":
            return None
        what = "editing software" if found is not None and found.kind == "editor" else "software"
        return Evidence(
            self.name,
            "audio-software",
            f"{item.where}: written by {what} '{item.text[:120]}'",
            tool=found.tool if found is not None else None,
            fields=fields,
        )

    def _camera(self, fields: list[AudioField]) -> Iterator[Evidence]:
        make = next((f.text for f in fields if f.role == "camera_make"), None)
        model = next((f.text for f in fields if f.role == "camera_model"), None)
        if plausible_camera(make, model):
            yield Evidence(
                self.name,
                "camera-riff-exif",
                f"WAV exif chunk names the camera: {make} {model}",
                signal="not_genai",
                tool="camera",
                confidence="medium",
                fields={"make": make or "", "model": model or ""},
            )

    def _production(self, fields: list[AudioField]) -> Iterator[Evidence]:
        # iXML first, then the bext description's keys; each key once.
        keyed: dict[str, str] = {}
        for item in sorted(fields, key=lambda f: not f.where.startswith("iXML")):
            if item.role == "production":
                keyed.setdefault(item.where.rsplit(" ", 1)[-1].lower(), item.text)
        production = [f"{key} {text}" for key, text in keyed.items()]
        if production:
            where = "iXML" if any(f.where.startswith("iXML") for f in fields) else "bext"
            yield Evidence(
                self.name,
                "ixml" if where == "iXML" else "bext-production",
                f"{where} production sound metadata: {', '.join(production[:6])}",
                fields={where.lower(): "; ".join(production[:16])[:1000]},
            )


def _is_take(fields: list[AudioField]) -> bool:
    """True when iXML (or the ``bext`` description) names the scene and the take."""
    named = {f.where.rsplit(" ", 1)[-1] for f in fields if f.role == "production"}
    return {"SCENE", "TAKE"} <= named


def _as_take(item: Evidence) -> Evidence:
    """A recorder item made strong by the take's iXML (other items unchanged)."""
    if item.kind != "audio-recorder":
        return item
    return replace(
        item, confidence="strong", detail=f"{item.detail}, with the scene and take it noted"
    )


def _match(item: AudioField) -> SoftwareMatch | None:
    """The tool a field names; in free text only after words like "made with"."""
    if item.role != "comment":
        return match_software(item.text)
    # Lyrics and notes are full of words that are also product names ("sora", "veo", "gemini").
    phrase = _GENERATED_WITH.search(item.text)
    return match_software(item.text[phrase.end() : phrase.end() + 60]) if phrase else None


def _distinct(fields: list[AudioField]) -> list[AudioField]:
    """Software and comment fields, each text once."""
    seen: dict[str, AudioField] = {}
    for item in fields:
        if item.role in ("software", "comment"):
            seen.setdefault(item.text, item)
    return list(seen.values())


DETECTOR = AudioDetector()
