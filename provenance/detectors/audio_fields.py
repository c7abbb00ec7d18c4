"""Text fields of audio files, gathered per container, labelled by what they are.

Every field becomes an :class:`AudioField`: where it was found (``ID3 TSSE``,
``RIFF INFO ISFT``, ``BWF bext originator``...), its text, and its *role*:

``software``
    names the program or device that wrote the file (ID3 ``TSSE``/``TENC``,
    RIFF ``ISFT``, Vorbis ``ENCODER``, MP4 ``©too``, the ``bext`` originator
    and the ``T=`` parts of its coding history).
``comment``
    free text (ID3 ``COMM``/``TXXX``, RIFF ``ICMT``, ``bext`` description,
    Vorbis ``COMMENT``): a generator named here is weaker evidence.
``camera_make`` / ``camera_model``
    the RIFF ``LIST/exif`` chunk that cameras write into the WAV files of
    their voice memos and movies (``ecor`` maker, ``emdl`` model).
``production``
    iXML production-sound metadata (project, scene, take, tape).

Broadcast WAV's ``bext`` chunk (EBU Tech 3285) is a fixed layout: description
(256 bytes), originator (32), originator reference (32), date (10), time (8),
time reference (8), version (2), UMID (64), loudness (10), reserved (180),
then the free-form coding history.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal

import mutagen

from provenance.files.formats import FormatProblem
from provenance.files.formats.flac import flac_start
from provenance.files.formats.id3 import read_id3_stream
from provenance.files.formats.id3_lead import ID3_MAGIC, StreamFrom, leading_id3
from provenance.files.formats.riff import RiffInfo, read_riff
from provenance.files.formats.xmp import simple_elements
from provenance.files.media import walk_stopped
from provenance.files.opening import head_of, open_regular

Role = Literal["software", "comment", "camera_make", "camera_model", "production"]

MAX_TEXT = 1024
BEXT_HISTORY_OFFSET = 602

_ID3_ROLES: Mapping[str, Role] = {
    "TSSE": "software",
    "TENC": "software",
    "COMM": "comment",
    "TXXX": "comment",
}
_INFO_ROLES: Mapping[str, Role] = {"ISFT": "software", "ICMT": "comment", "ISBJ": "comment"}
_EXIF_ROLES: Mapping[str, Role] = {"ecor": "camera_make", "emdl": "camera_model"}
_TAG_ROLES: Mapping[str, Role] = {
    "encoder": "software",
    "encodedby": "software",
    "encoded_by": "software",
    "software": "software",
    "encodingtool": "software",
    "©too": "software",
    "©enc": "software",
    "comment": "comment",
    "description": "comment",
    "©cmt": "comment",
    "desc": "comment",
    "©des": "comment",
}
_IXML_KEYS = frozenset({"PROJECT", "SCENE", "TAKE", "TAPE", "NOTE"})
_DESCRIPTION_KEYS = re.compile(r"^[a-z]?(SCENE|TAKE|TAPE|PROJECT)=([^\n]{1,64})$", re.MULTILINE)


@dataclass(frozen=True)
class AudioField:
    """One text field: where it came from, its role, its text."""

    where: str
    role: Role
    text: str


def _clean(value: bytes | str) -> str:
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    return text.replace("\x00", " ").strip()[:MAX_TEXT]


@dataclass
class Gathered:
    """The fields of one file, and the damage met while reading them."""

    fields: list[AudioField] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def riff_fields(path: Path) -> Gathered:
    """Fields of a WAV/AVI file: INFO, exif, bext, iXML and an embedded ID3 tag."""
    info = read_riff(path)
    found = Gathered()  # the container's own damage is the integrity check's to report
    found.fields += _list_fields(info, "INFO", _INFO_ROLES, "RIFF INFO")
    found.fields += _list_fields(info, "exif", _EXIF_ROLES, "RIFF exif")
    bext = info.first("bext")
    if bext:
        found.fields += bext_fields(bext)
    ixml = info.first("iXML")
    if ixml:
        found.fields += ixml_fields(ixml)
    for cid in ("id3 ", "ID3 "):
        tag = info.first(cid)
        if tag:
            found.fields += id3_fields(io.BytesIO(tag), "WAV ID3", found.problems)
    return found


def _list_fields(
    info: RiffInfo, list_type: str, roles: Mapping[str, Role], where: str
) -> Iterator[AudioField]:
    for chunk in info.list_items(list_type):
        role = roles.get(chunk.cid)
        if role is not None and chunk.payload:
            text = _clean(chunk.payload)
            if text:
                yield AudioField(f"{where} {chunk.cid}", role, text)


def bext_fields(data: bytes) -> list[AudioField]:
    """The description, originator and coding-history devices of a ``bext`` chunk.

    Recorders also write the take's production data into the description as
    ``KEY=value`` lines, the key behind a one-letter vendor prefix
    (``sSCENE=A101``, ``sTAKE=3`` from Sound Devices, ``gTAPE`` from
    Metacorder): those become production fields like iXML's.
    """
    description = _clean(data[:256])
    found = [
        AudioField("BWF bext description", "comment", description),
        AudioField("BWF bext originator", "software", _clean(data[256:288])),
    ]
    for key, value in _DESCRIPTION_KEYS.findall(description.replace("\r", "\n")):
        found.append(AudioField(f"BWF bext {key.upper()}", "production", value.strip()))
    for line in _clean(data[BEXT_HISTORY_OFFSET : BEXT_HISTORY_OFFSET + 4096]).splitlines():
        for part in line.split(","):
            key, _, value = part.strip().partition("=")
            if key.strip().upper() == "T" and value.strip():
                found.append(AudioField("BWF bext coding history", "software", value.strip()))
    return [f for f in found if f.text]


def ixml_fields(data: bytes) -> list[AudioField]:
    """Production fields of an iXML chunk (project, scene, take, tape, note)."""
    elements = simple_elements(data, lambda name: name.upper() in _IXML_KEYS)
    return [
        AudioField(f"iXML {name.upper()}", "production", _clean(text))
        for name, text in elements[:16]
    ]


def id3_fields(stream: BinaryIO, where: str, problems: list[str]) -> list[AudioField]:
    """Software and comment frames of the ID3v2 tag here; damage goes to ``problems``."""
    tag = read_id3_stream(stream, frozenset(_ID3_ROLES))
    problems.extend(f"{where}: {problem}" for problem in tag.problems)
    found: list[AudioField] = []
    for frame in tag.frames[:64]:
        text = " ".join(t for t in (frame.description, frame.text) if t)
        if text:
            found.append(
                AudioField(f"{where} {frame.frame_id}", _ID3_ROLES[frame.frame_id], _clean(text))
            )
    return found


def mp3_fields(path: Path) -> Gathered:
    """Fields of the ID3v2 tags at the start of an MP3 file."""
    found = Gathered()
    found.fields = leading_id3_fields(path, found.problems)
    return found


def leading_id3_fields(path: Path, problems: list[str]) -> list[AudioField]:
    """Software and comment frames of each ID3v2 tag at the start of the file (MP3 or FLAC)."""
    if not head_of(path).startswith(ID3_MAGIC):
        return []
    found: list[AudioField] = []
    with open_regular(path) as stream:
        for offset in leading_id3(path).tags:
            stream.seek(offset)
            try:
                found += id3_fields(stream, "ID3", problems)
            except FormatProblem as exc:  # an unknown version, a size over the limit
                problems.append(f"ID3: {exc}")
                break
    return found


def flac_fields(path: Path) -> Gathered:
    """Fields of a FLAC file's ID3 tags in front and its Vorbis comments.

    The comments are not read when the walk stopped at a limit (mutagen
    walks every block).
    """
    from mutagen.flac import FLAC  # noqa: PLC0415 - lazy, as mutagen's other format modules

    found = Gathered()
    found.fields = leading_id3_fields(path, found.problems)
    if walk_stopped("flac", path):
        return found
    with open_regular(path) as stream:
        tagged = _tag_fields(mutagen.File(StreamFrom(stream, flac_start(path)), options=[FLAC]))
    found.fields += tagged.fields
    return found


def ogg_fields(path: Path) -> Gathered:
    """Fields of an Ogg file's comment headers, unless its walk stopped at a limit."""
    return Gathered() if walk_stopped("ogg", path) else mutagen_fields(path)


def mutagen_fields(path: Path) -> Gathered:
    """Fields of Ogg Vorbis comments and MP4 atoms, read with mutagen."""
    with open_regular(path) as stream:
        return _tag_fields(mutagen.File(stream))


def _tag_fields(audio: object) -> Gathered:
    tags = getattr(audio, "tags", None)
    found = Gathered()
    if tags is None or not hasattr(tags, "items"):
        return found
    for key, value in list(tags.items())[:256]:
        role = _TAG_ROLES.get(str(key).lower())
        for item in (value if isinstance(value, list) else [value])[:8]:
            if role is not None and isinstance(item, str) and item.strip():
                found.fields.append(AudioField(f"tag {key}", role, _clean(item)))
    return found
