"""Where each container keeps its XMP packet, and how to get it out, within limits.

Each reader returns the raw packet bytes found (none, one, or a standard and
an extended packet) and reads only the chunk, segment, tag or box that holds
them. Formats without a reader here are scanned: the first
:data:`SCAN_HEAD_BYTES` and last :data:`SCAN_TAIL_BYTES` of the file are
searched for an ``<x:xmpmeta>`` element, which finds the packets of GIF, PSD,
PDF (uncompressed metadata streams), MP3 ``PRIV`` frames and most HEIF files.

A place whose name was damaged (a JPEG ``APP1`` identifier, a PNG text
keyword, a RIFF chunk id, a BMFF ``uuid`` type) is recognised by what it
holds, looking only in places no reader names and in bytes the walk holds
already (a BMFF box's first bytes apart): a whole packet is read from
where it lies, and what is left of one cut short or damaged is handed on as
it is, which the XMP detector reports as markers unread. ImageMagick's
``Raw profile type xmp`` text (the profile in hex) is read as well.

XMP may be written in UTF-16 or UTF-32 as well as UTF-8 (a reader that
takes a place whole decodes it: :func:`~provenance.files.formats.xmp.packet_codec`);
where a packet is found by its opening, the opening is looked for in each
of the five encodings.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from provenance.files.formats import FormatProblem
from provenance.files.formats.bmff import (
    XMP_UUID,
    Box,
    read_bmff,
    read_head,
    read_payload,
    unnamed_heads,
)
from provenance.files.formats.heif_items import read_heif_items
from provenance.files.formats.jpeg import (
    EXIF_ID,
    XMP_EXT_ID,
    XMP_ID,
    XMP_OPENING,
    JpegInfo,
    read_jpeg,
)
from provenance.files.formats.png import (
    MAX_CHUNK_BYTES,
    TextChunk,
    chunk_index,
    decode_text,
    read_png,
)
from provenance.files.formats.riff import read_riff
from provenance.files.formats.tiff_file import XMP_TAG, ifd0_of, read_value
from provenance.files.formats.xmp import MAX_PACKET_BYTES, decode_packet
from provenance.files.opening import open_regular

PNG_XMP_KEYWORD = b"XML:com.adobe.xmp\x00"
SCAN_HEAD_BYTES = 4 * 1024 * 1024
SCAN_TAIL_BYTES = 1024 * 1024
MAX_SCANNED_PACKETS = 4
MAX_JPEG_HEADER_SCAN = 64 * 1024 * 1024
UNNAMED_BOX_BYTES = 64 * 1024  # read of a BMFF box of an unknown type that opens like XMP
UNNAMED_BUDGET = MAX_PACKET_BYTES  # read whole of such boxes, in all, before cutting at the above
MAX_NAMED_BOXES = 8  # BMFF XMP boxes (uuid, udta/XMP_, a track's udta/XMP_, xml ) read whole
# Where a BMFF ``xml `` box may hold XMP: in a ``meta`` box (the file's, the movie's, a
# track's, in user data or not), or at the top level.
XML_PLACES = (
    "xml ",
    "meta/xml ",
    "moov/meta/xml ",
    "moov/udta/meta/xml ",
    "moov/trak/meta/xml ",
    "moov/trak/udta/meta/xml ",
)

# The same in a HEIF/AVIF file, whose ``meta`` box is the file's.
HEIF_XML_PLACES = ("xml ", "meta/xml ")

_CODECS = ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
# A packet's opening and closing elements, in each encoding XMP may be written in.
PACKET_BOUNDS = tuple(
    (f"<x:{name}".encode(codec), f"</x:{name}>".encode(codec))
    for codec in _CODECS
    for name in ("xmpmeta", "xapmeta")
)
_STARTS = ("<?xpacket", "<x:xmpmeta", "<x:xapmeta")  # how an XMP place's content begins
# What stays recognisable of a packet whose opening was damaged as well as its place's name.
_REMAINS = (
    b"<rdf:RDF",
    b"adobe:ns:meta/",
    b"W5M0MpCehiHzreSzNTczkc9d",  # the xpacket id
    b"http://ns.adobe.com/xap/1.0/",
    b"http://iptc.org/std/Iptc4xmpExt/",
    b"http://cv.iptc.org/newscodes/digitalsourcetype/",
)
_NAMED_APP1 = (EXIF_ID[:5], XMP_ID, XMP_EXT_ID)  # EXIF's second NUL is not always one
_PNG_XMP_NAME = PNG_XMP_KEYWORD[:-1].decode()
_TEXT_OPENING = XMP_OPENING.decode()
PNG_RAW_PROFILE = "raw profile type xmp"  # ImageMagick's keyword, compared in lower case


def _jpeg(path: Path) -> list[bytes]:
    info = read_jpeg(path)
    packets = [p for p in (*info.standard_xmp, info.extended_xmp) if p]
    return packets + _stray_jpeg_packets(path, info) + _damaged_app1(info)


def _damaged_app1(info: JpegInfo) -> list[bytes]:
    """APP1 segments of no known identifier holding what is left of a packet with no opening.

    An identifier and an ``<x:xmpmeta`` opening both damaged leave no packet
    to find; the RDF and XMP namespaces left say one was there. The segment
    is handed on as it is: read if it still parses, markers unread if not.
    """
    return [
        data
        for data in info.app(0xE1)
        if not data.startswith(_NAMED_APP1)
        and _next_opening(data, 0)[0] < 0  # a packet the stray look reads
        and any(remain in data for remain in _REMAINS)
    ]


def _stray_jpeg_packets(path: Path, info: JpegInfo) -> list[bytes]:
    """Packets in a JPEG's header outside its XMP segments.

    A segment whose ``http://ns.adobe.com/xap/1.0/`` identifier was damaged,
    or one swallowed by the segment before it (a length too long, the rest
    skipped as garbage), still holds its packet: it is read from where it
    lies, and one cut short is handed on as it is (malformed: markers unread).
    """
    if not (info.stray_xmp or info.skipped or info.problems or info.limits):
        return []  # every header byte is in a segment, and none but XMP's holds a packet
    if info.header_end > MAX_JPEG_HEADER_SCAN:
        raise FormatProblem(f"JPEG header over {MAX_JPEG_HEADER_SCAN} bytes not searched for XMP")
    with open_regular(path) as stream:
        header = bytearray(stream.read(info.header_end))
    for start, end in info.xmp_spans():
        header[start:end] = bytes(end - start)
    return _in_place(bytes(header))


def _in_place(data: bytes) -> list[bytes]:
    """The packets in a place found by its content: whole ones, then one cut short as it is."""
    found, start = _packets_from(data)
    # An opening left over: a packet cut short (or one past the count), unreadable as it is.
    return found + ([data[start : start + MAX_PACKET_BYTES]] if start >= 0 else [])


def _png(path: Path) -> list[bytes]:
    return _png_xmp_chunk(path) + _png_texts(path)


def _png_xmp_chunk(path: Path) -> list[bytes]:
    refs, _problems, _limits = chunk_index(path)
    if not any(ref.ctype == b"iTXt" for ref in refs):
        return []  # most PNGs: nothing to open the file again for
    with open_regular(path) as stream:
        for ref in refs:
            if ref.ctype != b"iTXt" or ref.length > MAX_CHUNK_BYTES:
                continue
            stream.seek(ref.offset)
            if stream.read(len(PNG_XMP_KEYWORD)) == PNG_XMP_KEYWORD:
                stream.seek(ref.offset)
                return [decode_text(b"iTXt", stream.read(ref.length)).text.encode("utf-8")]
    return []


def _png_texts(path: Path) -> list[bytes]:
    """Packets in PNG text chunks other than the ``XML:com.adobe.xmp`` one :func:`_png` reads.

    A keyword damaged by one byte leaves a text chunk of another name
    holding the packet; ImageMagick keeps XMP, hex-encoded, in a ``Raw
    profile type xmp`` chunk. The texts are the ones the walk decoded.
    """
    found: list[bytes] = []
    for chunk in read_png(path).texts:
        if chunk.keyword.lower() == PNG_RAW_PROFILE:
            found.append(_raw_profile(chunk.text))
        elif _TEXT_OPENING in chunk.text and not _named_png(chunk):
            found += _in_place(chunk.text.encode("utf-8" if chunk.chunk == "iTXt" else "latin-1"))
    return found


def _named_png(chunk: TextChunk) -> bool:
    return chunk.chunk == "iTXt" and chunk.keyword == _PNG_XMP_NAME


def _raw_profile(text: str) -> bytes:
    """An ImageMagick raw profile: a newline, the type, the length, then the bytes in hex.

    One that does not decode to its length is handed on as it is (no XML in
    it: markers unread).
    """
    parts = text.split(None, 2)
    try:
        data = bytes.fromhex(parts[2])  # hex lines; fromhex skips the whitespace
        whole = len(data) == int(parts[1])
    except (IndexError, ValueError):
        whole = False
    return data if whole else text.encode("latin-1", "replace")


def _riff(path: Path) -> list[bytes]:
    info = read_riff(path)
    named = [p for p in (info.first("XMP "), info.first("_PMX")) if p]
    return named + [
        packet for chunk in info.unnamed() for packet in _in_place(chunk.payload or b"")
    ]


def _tiff(path: Path) -> list[bytes]:
    entry = ifd0_of(path).entries.get(XMP_TAG)
    if entry is None:
        return []
    with open_regular(path) as stream:
        return [read_value(stream, entry, MAX_PACKET_BYTES)]


def _bmff(path: Path) -> list[bytes]:
    return _named_boxes(path) + _unnamed_boxes(path)


def _named_boxes(path: Path) -> list[bytes]:
    """The packets of the boxes that hold XMP by name: a ``uuid`` box of the XMP type
    at the top level, ``XMP_`` in the movie's user data and in each track's, and the
    XMP packets of ``xml `` boxes (:data:`XML_PLACES`, :func:`_xml_box_packets`).

    Every one is read (a decoy packet first hides nothing), at most
    :data:`MAX_NAMED_BOXES` of at most :data:`MAX_PACKET_BYTES` each, twice
    that in all; a file past either is not read (FormatProblem).
    """
    info = read_bmff(path)
    boxes = [
        *info.find("uuid", XMP_UUID),
        *info.find("moov/udta/XMP_"),
        *info.find("moov/trak/udta/XMP_"),
    ]
    return _read_named(path, boxes, [box for place in XML_PLACES for box in info.find(place)])


def _read_named(path: Path, boxes: list[Box], xml: list[Box]) -> list[bytes]:
    """The packets of XMP ``boxes`` and of ``xml `` boxes, bounded as :func:`_named_boxes`
    says."""
    everything = boxes + xml
    total = sum(b.payload_size for b in everything)
    if len(everything) > MAX_NAMED_BOXES or total > 2 * MAX_PACKET_BYTES:
        raise FormatProblem(f"{len(everything)} XMP or XML boxes, too many or too large to read")
    return [read_payload(path, box, MAX_PACKET_BYTES) for box in boxes] + [
        packet
        for box in xml
        for packet in _xml_box_packets(read_payload(path, box, MAX_PACKET_BYTES))
    ]


def _xml_box_packets(payload: bytes) -> list[bytes]:
    """The XMP packets of an ``xml `` box's payload (none when its XML is not XMP).

    ISO/IEC 14496-12's ``XMLBox`` is a full box: four bytes of version and
    flags, then an XML document in UTF-8 or UTF-16, in a ``meta`` box (some
    tools write one at the top level too). It may hold XMP, or XML of
    another kind (Sony's ``NonRealTimeMeta`` in XAVC files, MPEG-7): only
    packets found by their opening are taken, a packet cut short as it is,
    and what is left of one whose opening was damaged (markers unread).
    """
    data = payload[4:] if payload[:4] == bytes(4) else payload
    packets = _in_place(data)
    return packets or ([data] if any(remain in data for remain in _REMAINS) else [])


def _unnamed_boxes(path: Path) -> list[bytes]:
    """Packets in boxes of unknown types in metadata places that open like an XMP box.

    The places are the top level (``uuid`` boxes of unknown extended types
    and boxes of unknown types) and ``moov/udta`` and ``moov/meta``. A box
    whose type lost a byte at the top level may have been a ``uuid`` box:
    its payload then opens with the 16 bytes of its extended type. Such
    boxes are read whole while :data:`UNNAMED_BUDGET` bytes last, and past
    it only their first :data:`UNNAMED_BOX_BYTES`: a packet running past
    them is cut short there (markers unread).
    """
    found: list[bytes] = []
    budget = UNNAMED_BUDGET
    for box, head in unnamed_heads(path).heads:
        if _opens_like_xmp(head) or (not box.parents and _opens_like_xmp(head[16:])):
            data = read_head(path, box, max(UNNAMED_BOX_BYTES, min(box.payload_size, budget)))
            budget -= len(data)
            found += _in_place(data) or [data]
    return found


def _opens_like_xmp(head: bytes) -> bool:
    """Whether a place's first bytes open an XMP packet, in any of its encodings."""
    blank = "\ufeff \t\r\n\x00"
    utf8 = head.decode("utf-8", "replace").lstrip(blank)  # a NUL or two first, then UTF-8
    return any(text.startswith(_STARTS) for text in (utf8, decode_packet(head).lstrip(blank)))


def _heif(path: Path) -> list[bytes]:
    """A HEIF/AVIF file's XMP items, where its item table says they lie, then the scan's finds.

    The table is followed, as the generator detector does: an item past the
    windows a scan reads (a large file's middle) is read all the same, and so
    is an ``xml `` box in the file's ``meta`` box or at the top level
    (:data:`HEIF_XML_PLACES`).
    """
    items = read_heif_items(path).xmp
    xml = [box for place in HEIF_XML_PLACES for box in read_bmff(path).find(place)]
    found = items + _read_named(path, [], xml)
    return found + [p for p in _scan(path) if not any(p in item for item in found)]


def _scan(path: Path) -> list[bytes]:
    return scan_for_packets(path, path.stat().st_size)


def _xmp_file(path: Path) -> list[bytes]:
    return [read_sidecar(path)]


def read_sidecar(path: Path) -> bytes:
    """A whole ``.xmp`` file; raises FormatProblem when it is over the packet limit."""
    with open_regular(path) as stream:
        data = stream.read(MAX_PACKET_BYTES + 1)
    if len(data) > MAX_PACKET_BYTES:
        raise FormatProblem(f"{path.name} is larger than {MAX_PACKET_BYTES} bytes")
    return data


def scan_for_packets(path: Path, size: int) -> list[bytes]:
    """Packets found in the head and tail of a file of any format."""
    with open_regular(path) as stream:
        head = stream.read(SCAN_HEAD_BYTES)
        tail = b""
        if size > SCAN_HEAD_BYTES:
            stream.seek(max(SCAN_HEAD_BYTES, size - SCAN_TAIL_BYTES))
            tail = stream.read(SCAN_TAIL_BYTES)
    return (_scanned(head) + _scanned(tail))[:MAX_SCANNED_PACKETS]


def _scanned(data: bytes) -> list[bytes]:
    """The whole packets in a window, then one it cuts short, as it is (markers unread).

    Unlike :func:`_in_place`, an opening past :data:`MAX_SCANNED_PACKETS`
    whole packets is not handed on: a PDF carries a packet per image.
    """
    found, start = _packets_from(data)
    if len(found) >= MAX_SCANNED_PACKETS or start < 0:
        return found
    return [*found, data[start : start + MAX_PACKET_BYTES]]


def _packets_in(data: bytes) -> list[bytes]:
    return _packets_from(data)[0]


def _packets_from(data: bytes) -> tuple[list[bytes], int]:
    """Whole packets in ``data`` (at most :data:`MAX_SCANNED_PACKETS`), and the opening left.

    The opening left (-1: none) is one never closed, or the next past the count.
    """
    # bytes.find, not a regex: linear time even on hostile data full of openings.
    found: list[bytes] = []
    openings = _Openings(data)
    start, closing = openings.after(0)
    while start >= 0 and len(found) < MAX_SCANNED_PACKETS:
        end = data.find(closing, start)
        if end < 0:
            break
        found.append(data[start : end + len(closing)])
        start, closing = openings.after(end + len(closing))
    return found, start


def _next_opening(data: bytes | bytearray, position: int) -> tuple[int, bytes]:
    """Where the next packet opens (-1: none), and the closing that ends it, in its encoding."""
    return _Openings(data).after(position)


class _Openings:
    """The packet openings of ``data``, in any of the five encodings, found by one search.

    Every encoding's opening has a ``<`` byte followed by ``x:x`` (UTF-8),
    ``\0x\0:\0x`` (UTF-16) or ``\0\0\0x\0\0\0:\0\0\0x`` (UTF-32), then the
    rest of ``xmpmeta`` or ``xapmeta`` in the same width: one regular
    expression that begins with the ``<`` finds them all (:data:`_OPENING`),
    and which opening it is (the big-endian ones begin with the NULs before
    the ``<``) is read from the match and the bytes before it. A little-endian
    opening is matched without the NULs it ends with: a packet that was not
    in that encoding does not decode.

    Searching for the ten openings one by one with ``bytes.find`` cost 35
    times more on data full of zeros (5 MiB: 144 against 4 ms), where the
    search for a needle holding NULs degrades. A search is made once per
    packet found, from where the last one ended, so the scan stays linear on
    hostile data.
    """

    def __init__(self, data: bytes | bytearray) -> None:
        self.data = data

    def after(self, position: int) -> tuple[int, bytes]:
        """The first opening at or after ``position`` ((-1, b"") when none), and its closing."""
        hit = _OPENING.search(self.data, position)
        at = -1 if hit is None else hit.start()
        for start in (at - 3, at - 1, at) if at >= 0 else ():  # UTF-32BE, UTF-16BE, the rest
            for opening, closing in PACKET_BOUNDS:
                if start >= position and self.data.startswith(opening.rstrip(b"\0"), start):
                    return start, closing
        return -1, b""  # (a match always opens a packet at its "<" at least)


def _opening_pattern() -> re.Pattern[bytes]:
    """What follows the ``<`` of each opening in :data:`PACKET_BOUNDS`, less the NULs it ends
    with (a big-endian opening's and its little-endian twin's are then one), after a ``<``."""
    tails = {opening[opening.index(b"<") + 1 :].rstrip(b"\0") for opening, _ in PACKET_BOUNDS}
    return re.compile(b"<(?:" + b"|".join(re.escape(tail) for tail in sorted(tails)) + b")")


_OPENING = _opening_pattern()


_READERS: dict[str, Callable[[Path], list[bytes]]] = {
    "jpeg": _jpeg,
    "png": _png,
    "webp": _riff,
    "wav": _riff,
    "avi": _riff,
    "tiff": _tiff,
    "raw": _tiff,
    "mp4": _bmff,
    "mov": _bmff,
    "m4a": _bmff,
    "heif": _heif,
    "avif": _heif,
    "xmp": _xmp_file,
}

# Formats whose containers hold no XMP worth a scan (pixels, samples, text).
_NO_SCAN = frozenset({"exr", "dpx", "bmp", "flac", "ogg", "mkv", "c2pa", "json", "txt"})


def find_packets(path: Path, fmt: str | None, size: int) -> list[bytes]:
    """The raw XMP packets of a file (empty when none); raises FormatProblem on a bad container."""
    reader = _READERS.get(fmt or "")
    if reader is not None:
        return reader(path)
    if fmt in _NO_SCAN or size == 0:
        return []
    return scan_for_packets(path, size)
