"""Entries from the newer containers: video tags, GIF, HEIF/AVIF and JPEG XL.

The same generator text turns up in containers beyond PNG, JPEG and WebP
(:mod:`~provenance.detectors.generators.entries`):

* **MP4/MOV and Matroska/WebM tags** (ComfyUI's VideoHelperSuite *Video
  Combine*): the ``comment`` tag holding ``{"prompt": "<API graph>",
  "workflow": {...}}``; newer versions write ``prompt`` and ``workflow`` as
  tags of their own (MP4 ``keys``/``mdta`` items, Matroska ``PROMPT`` /
  ``WORKFLOW`` simple tags, upper-cased by ffmpeg);
* **GIF** comment extensions (savers passing Pillow's ``comment=``) and the
  XMP application extension;
* **HEIF/AVIF** ``Exif`` and XMP items, **JPEG XL** ``Exif`` and ``xml ``
  boxes: EXIF tags as in a JPEG, and XMP properties named ``prompt``,
  ``workflow`` or ``parameters`` (in whatever namespace a saver chose), plus
  ``exif:UserComment``, ``dc:description`` and ``tiff:ImageDescription``.

XMP packets of every container (PNG, JPEG and WebP too) are searched for
those properties by :func:`with_xmp_properties`. Animated PNG needs nothing
more: its text chunks are a PNG's.

Each function turns one container's text into :class:`Entries`, named as the
PNG keywords the matchers know (``prompt``, ``workflow``, ``Comment``,
``UserComment``...), so the tool matchers serve every container unchanged.
"""

from __future__ import annotations

from provenance.detectors.generators.entries import (
    Entries,
    add_exif,
    bytes_text,
    expand_json_containers,
)
from provenance.files.formats import FormatProblem
from provenance.files.formats.ebml import MatroskaTags
from provenance.files.formats.gif import GifInfo
from provenance.files.formats.mp4_tags import Mp4Tag
from provenance.files.formats.xmp import parse_xmp

# Tag names (folded to lower case) -> the entry key the matchers look for.
_TAG_KEYS = {
    "prompt": "prompt",
    "workflow": "workflow",
    "parameters": "parameters",
    "comment": "Comment",
    "description": "Description",
    "software": "Software",
}
MAX_XMP_SCAN = 4 * 1024 * 1024
_MAY_HOLD = ("prompt", "workflow", "parameters", "usercomment")
# XMP properties (by local name) that carry generator text.
_XMP_KEYS = {
    "prompt": "prompt",
    "workflow": "workflow",
    "parameters": "parameters",
    "UserComment": "UserComment",
    "description": "Description",
    "ImageDescription": "ImageDescription",
}


def entries_from_tags(tags: list[tuple[str, str, str]]) -> Entries:
    """Entries from container tags given as (name, text, where)."""
    entries = Entries()
    for name, text, where in tags:
        key = _TAG_KEYS.get(name.lower())
        if key is not None:
            entries.add(key, text, f"{where} tag '{name}'")
    expand_json_containers(entries)
    return entries


def mp4_tag_triples(tags: list[Mp4Tag]) -> list[tuple[str, str, str]]:
    """MP4 tags as (name, text, where)."""
    return [(tag.name, tag.text, f"MP4 {tag.where}") for tag in tags]


def matroska_tag_triples(found: MatroskaTags) -> list[tuple[str, str, str]]:
    """Matroska tags as (name, text, where)."""
    return [(name, text, "Matroska Tags") for name, text in found.tags]


def entries_from_gif(info: GifInfo) -> Entries:
    """Entries from a GIF's comment extensions and XMP packet."""
    entries = Entries()
    for comment in info.comments:
        entries.add("Comment", bytes_text(comment), "GIF comment extension")
    for packet in info.xmp:
        add_xmp(entries, packet, "GIF XMP application extension")
    expand_json_containers(entries)
    return entries


def entries_from_items(exif: list[bytes], xmp: list[bytes], where: str) -> Entries:
    """Entries from the EXIF blocks and XMP packets of a HEIF/AVIF or JPEG XL file."""
    entries = Entries()
    for block in exif:
        add_exif(entries, block, f"{where} Exif")
    for packet in xmp:
        add_xmp(entries, packet, f"{where} XMP")
    expand_json_containers(entries)
    return entries


def add_xmp(entries: Entries, packet: bytes, where: str) -> None:
    """The packet itself, as an entry keyed ``XMP``."""
    entries.add("XMP", bytes_text(packet), where)


def with_xmp_properties(entries: Entries) -> Entries:
    """Add the generator properties of every ``XMP`` entry as entries of their own.

    Only packets that mention one of the property names are parsed: a
    camera's or an editor's packet costs a substring search.
    """
    added = False
    for item in [i for i in entries.items if i.key == "XMP"]:
        # Lower-case and substring search: ten times cheaper than a regex on a camera's packet.
        folded = item.text[:MAX_XMP_SCAN].lower()
        if not any(word in folded for word in _MAY_HOLD):
            continue
        try:
            properties = parse_xmp(item.text).properties
        except FormatProblem:
            continue
        for prop in properties:
            key = _XMP_KEYS.get(prop.name) or _XMP_KEYS.get(prop.name.lower())
            if key is not None:
                entries.add(key, prop.value, f"{item.where} property '{prop.name}'")
                added = True
    if added:
        expand_json_containers(entries)
    return entries
