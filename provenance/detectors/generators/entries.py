"""Every piece of text a generator may have left in a file's headers, as *entries*.

Generators write the same information in different places per container:

* PNG: ``tEXt``/``zTXt``/``iTXt`` chunks, keyed (``parameters``, ``prompt``,
  ``workflow``, ``invokeai_metadata``, ``Comment``...), before or after the
  image data; sometimes an ``eXIf`` chunk; XMP in ``iTXt XML:com.adobe.xmp``.
* JPEG: EXIF in ``APP1`` (``UserComment``, ``ImageDescription``, ``Make``,
  ``Model``, ``Software``), XMP in ``APP1``, ``COM`` comment segments.
* WebP: RIFF ``EXIF`` and ``XMP `` chunks.

:func:`entries_from_png`, :func:`entries_from_jpeg` and
:func:`entries_from_riff` flatten all of that into one list of
:class:`Entry` (key, text, where it was found), so the tool matchers in this
package look up ``parameters`` or ``UserComment`` without caring about the
container. Three conventions are unfolded on the way, so one matcher serves
every container:

* ``Make``/``Model``/``ImageDescription`` values of the form ``key:{json}``
  (ComfyUI's WebP saver writes ``workflow:{...}`` and ``prompt:{...}``;
  third-party savers ``Prompt: {...}``/``Workflow: {...}``) become entries
  named by their prefix;
* a JSON object in ``UserComment``/``Comment`` whose keys are PNG text keywords
  (NovelAI's WebP ``{"Comment": ..., "Software": ...}``, ComfyUI savers'
  ``{"prompt": ..., "workflow": ...}``) becomes one entry per key;
* ``tEXt`` is Latin-1 by the PNG spec, but several tools write UTF-8 bytes
  there; text that is valid UTF-8 is re-read as UTF-8.

Everything is bounded: at most :data:`MAX_ENTRIES` entries, each at most
:data:`MAX_TEXT` characters, JSON parsed only up to :data:`MAX_JSON`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from provenance.files.formats import FormatProblem
from provenance.files.formats.jpeg import JpegInfo
from provenance.files.formats.png import PngInfo
from provenance.files.formats.riff import RiffInfo
from provenance.files.formats.tiff_ifd import (
    ARTIST,
    DOCUMENT_NAME,
    IMAGE_DESCRIPTION,
    MAKE,
    MAKER_NOTE,
    MODEL,
    SOFTWARE,
    USER_COMMENT,
    decode_text,
    decode_user_comment,
    read_tiff,
)

MAX_ENTRIES = 512
MAX_TEXT = 8 * 1024 * 1024
MAX_JSON = 8 * 1024 * 1024
XMP_KEYWORD = "XML:com.adobe.xmp"

# EXIF tags read as plain text, by the names entries use for them.
_EXIF_TEXT_TAGS: dict[int, str] = {
    IMAGE_DESCRIPTION: "ImageDescription",
    MAKE: "Make",
    MODEL: "Model",
    SOFTWARE: "Software",
    ARTIST: "Artist",
    DOCUMENT_NAME: "DocumentName",
    MAKER_NOTE: "MakerNote",
}
# Tags ComfyUI-style savers fill with "key:{json}".
_PREFIXED_TAGS = frozenset({"ImageDescription", "Make", "Model", "DocumentName"})
_PREFIXED = re.compile(r"^\s*([A-Za-z][\w -]{0,40}?)\s*:\s*(?=[{\[])")

# PNG keywords only generators write.
GENERATOR_KEYWORDS = frozenset(
    {"parameters", "prompt", "workflow", "invokeai_metadata", "invokeai_graph",
     "invokeai_workflow", "sd-metadata", "Dream", "generation_data", "smproj", "parameters-json",
     "fooocus_scheme"}
)  # fmt: skip
# PNG keywords that, found as keys of a JSON object in a comment, mean the object
# is a container of PNG-style entries rather than one tool's parameters.
ENTRY_KEYWORDS = GENERATOR_KEYWORDS | {
    "Comment", "Description", "Software", "Source", "Title", "Generation time",
}  # fmt: skip
# Keys only generators write JSON under (folded), and keys anyone may fill that generators
# fill with JSON holding their words (NovelAI's Comment, ComfyUI video savers' comment).
GRAPH_KEYS = frozenset(
    {key.lower() for key in GENERATOR_KEYWORDS} | {"imagemetahub_data", "sui_image_params"}
)
SHARED_KEYS = frozenset({"comment", "usercomment", "description", "imagedescription"})
_GRAPH_WORDS = re.compile(r'"(?:prompt|workflow|class_type|nodes|sampler|steps|seed)"')


@dataclass(frozen=True)
class Entry:
    """A piece of header text: its key, the text, and a human description of where it sits."""

    key: str
    text: str
    where: str


@dataclass
class Entries:
    """The entries of one file, with cached JSON parsing."""

    items: list[Entry] = field(default_factory=list)
    cut: dict[str, int] = field(default_factory=dict)  # where texts over MAX_TEXT were cut: size
    unread: list[str] = field(default_factory=list)  # places that hold entries and did not parse
    _json: dict[int, Any] = field(default_factory=dict, repr=False)

    def add(self, key: str, text: str, where: str) -> None:
        """Append an entry, within the count and size limits."""
        if len(text) > MAX_TEXT:
            self.cut[where] = len(text)
        text = text[:MAX_TEXT].strip("\x00")
        if len(self.items) < MAX_ENTRIES and text:
            self.items.append(Entry(key, text, where))

    def unread_graphs(self) -> Iterator[Entry]:
        """Entries that would hold a generator's JSON and do not parse (broken, cut short, or
        over :data:`MAX_JSON`): under a generator's own key (:data:`GRAPH_KEYS`), or under a
        shared one (``Comment``, ``Description``) with a generator's words in the text."""
        for item in self.items:
            if item.text.lstrip()[:1] not in ("{", "[") or item.where in self.cut:
                continue
            key = item.key.lower()
            ours = key in GRAPH_KEYS or (key in SHARED_KEYS and _GRAPH_WORDS.search(item.text))
            if ours and self.json(item) is None:
                yield item

    def get(self, key: str, *, fold: bool = False) -> Entry | None:
        """The first entry with this key (case-insensitively when ``fold``)."""
        wanted = key.lower() if fold else key
        for item in self.items:
            if (item.key.lower() if fold else item.key) == wanted:
                return item
        return None

    def text(self, key: str) -> str | None:
        """The text of the first entry with this key."""
        item = self.get(key)
        return item.text if item else None

    def json(self, item: Entry | None) -> Any:
        """The entry's text parsed as JSON, or None when it is not JSON."""
        if item is None:
            return None
        slot = id(item)
        if slot not in self._json:
            self._json[slot] = load_json(item.text)
        return self._json[slot]

    def json_object(self, key: str, *, fold: bool = False) -> dict[str, Any] | None:
        """The first entry with this key, parsed as a JSON object."""
        value = self.json(self.get(key, fold=fold))
        return value if isinstance(value, dict) else None

    def json_objects(self) -> Iterator[tuple[Entry, dict[str, Any]]]:
        """Every entry whose text is a JSON object, with the object."""
        for item in list(self.items):
            if item.text.lstrip()[:1] == "{":
                value = self.json(item)
                if isinstance(value, dict):
                    yield item, value

    def __bool__(self) -> bool:
        return bool(self.items)


def load_json(text: str) -> Any:
    """Parse JSON within :data:`MAX_JSON`; None for anything that is not valid JSON."""
    if len(text) > MAX_JSON:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def entries_from_png(info: PngInfo) -> Entries:
    """Entries from a PNG's text chunks, its ``eXIf`` chunk and its XMP."""
    entries = Entries()
    for chunk in info.texts:
        text = _repair_latin1(chunk.text) if chunk.chunk != "iTXt" else chunk.text
        key = "XMP" if chunk.keyword == XMP_KEYWORD else chunk.keyword
        entries.add(key, text, f"PNG {chunk.chunk} '{chunk.keyword}'")
    exif = info.chunks.get("eXIf")
    if exif:
        add_exif(entries, exif, "PNG eXIf")
    expand_json_containers(entries)
    return entries


def entries_from_jpeg(info: JpegInfo) -> Entries:
    """Entries from a JPEG's EXIF, XMP and ``COM`` segments."""
    entries = Entries()
    if info.exif:
        add_exif(entries, info.exif, "JPEG EXIF")
    if info.xmp:
        entries.add("XMP", info.xmp.decode("utf-8", errors="replace"), "JPEG APP1 XMP")
    for comment in info.comments:
        entries.add("Comment", bytes_text(comment).strip("\x00"), "JPEG COM segment")
    expand_json_containers(entries)
    return entries


def entries_from_riff(info: RiffInfo) -> Entries:
    """Entries from a WebP's ``EXIF`` and ``XMP `` chunks."""
    entries = Entries()
    exif = info.first("EXIF")
    if exif:
        add_exif(entries, exif, "WebP EXIF")
    xmp = info.first("XMP ")
    if xmp:
        entries.add("XMP", xmp.decode("utf-8", errors="replace"), "WebP XMP chunk")
    expand_json_containers(entries)
    return entries


def add_exif(entries: Entries, block: bytes, where: str) -> None:
    """Add the generator-relevant EXIF tags of a TIFF-structured block."""
    try:
        tags = read_tiff(block)
    except FormatProblem:
        return
    comment = tags.find(USER_COMMENT)
    if comment is not None:
        entries.add(
            "UserComment", decode_user_comment(comment, tags.big_endian), f"{where} UserComment"
        )
    for tag, name in _EXIF_TEXT_TAGS.items():
        raw = tags.find(tag)
        if raw is not None:
            _add_exif_text(entries, name, decode_text(raw), f"{where} {name}")


def _add_exif_text(entries: Entries, name: str, text: str, where: str) -> None:
    entries.add(name, text, where)
    match = _PREFIXED.match(text) if name in _PREFIXED_TAGS else None
    if match:
        entries.add(match.group(1), text[match.end() :], f"{where} ('{match.group(1)}:' prefix)")


def expand_json_containers(entries: Entries) -> None:
    """Unfold comment JSON objects keyed by PNG keywords into one entry per key."""
    for item in list(entries.items):
        if item.key not in ("UserComment", "Comment") or item.text.lstrip()[:1] != "{":
            continue
        value = entries.json(item)
        if isinstance(value, dict) and ENTRY_KEYWORDS.intersection(value):
            for key, inner in value.items():
                text = inner if isinstance(inner, str) else _dump(inner)
                entries.add(str(key), text, f"{item.where} JSON '{key}'")


def _dump(value: object) -> str:
    try:
        return json.dumps(value)
    except (TypeError, ValueError, RecursionError):
        return ""


def _repair_latin1(text: str) -> str:
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def bytes_text(data: bytes) -> str:
    """UTF-8 when the bytes are valid UTF-8, else Latin-1 (which decodes anything)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")
