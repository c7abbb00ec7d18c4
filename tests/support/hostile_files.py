"""Hostile and damaged files, built by code: no bomb is ever committed.

Each builder returns the file's bytes (``scale`` shrinks the costly ones for
fast tests; the bench builds them at full size). :data:`HOSTILE` lists them
all with what the gate must do, for the bench and the end-to-end tests.
They are the inputs of issue 14 that are single files:

* markers past a reader's limit (100,000 empty PNG chunks before A1111's
  ``parameters``, 4,096 JPEG comments before Firefly's XMP);
* corrupt files a header check lets through (EXRs cut short, with chunk
  offsets out of bounds, absurd or negative data windows, garbage after the
  magic; a truncated PNG declaring a 2 GB text chunk; a TIFF whose IFDs loop;
  a WAV declaring a 4 GB RIFF; an MP4 box claiming 2^63 bytes);
* costly inputs (20 MB of JPEG fill bytes, an ID3 compressed-frame bomb, a
  PNG of many zTXt bombs);
* a valid 12-bit JPEG, which must not be called unreadable.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
EXR_MAGIC = b"\x76\x2f\x31\x01"
A1111_PARAMETERS = (
    "a castle on a hill\nNegative prompt: blurry\n"
    "Steps: 20, Sampler: Euler a, Seed: 1, Model: sdxl, Version: v1.10.1"
)
FIREFLY_XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF'
    b' xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"'
    b' xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="Adobe Firefly"'
    b" Iptc4xmpExt:DigitalSourceType="
    b'"http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"/>'
    b"</rdf:RDF></x:xmpmeta>"
)


# -- PNG ------------------------------------------------------------------------------


def png_chunk(ctype: bytes, payload: bytes) -> bytes:
    """One PNG chunk with its CRC."""
    crc = struct.pack(">I", zlib.crc32(ctype + payload))
    return struct.pack(">I", len(payload)) + ctype + payload + crc


def _png_head(side: int = 48) -> tuple[bytes, bytes]:
    """A real picture's IHDR chunk and its IDAT chunks (signature and IEND left off)."""
    buffer = io.BytesIO()
    Image.linear_gradient("L").resize((side, side)).convert("RGB").save(buffer, "PNG")
    data = buffer.getvalue()
    ihdr_end = 8 + 25
    return data[8:ihdr_end], data[ihdr_end:-12]


def png_with(before_idat: bytes = b"", after_idat: bytes = b"") -> bytes:
    """A real 48x48 PNG with extra chunks before and after its image data."""
    ihdr, idat = _png_head()
    return PNG_SIGNATURE + ihdr + before_idat + idat + after_idat + png_chunk(b"IEND", b"")


def png_markers_past_chunk_limit(empty_chunks: int = 100_000) -> bytes:
    """An A1111 PNG whose ``parameters`` chunk comes after many empty private chunks."""
    padding = png_chunk(b"pvTz", b"") * empty_chunks
    return png_with(padding, png_chunk(b"tEXt", b"parameters\x00" + A1111_PARAMETERS.encode()))


def png_many_data_chunks(chunks: int = 262_145) -> bytes:
    """A PNG of empty IDAT chunks, one more than the reader counts."""
    return png_with(png_chunk(b"IDAT", b"") * chunks)


def png_ztxt_bombs(chunks: int = 64, expands_to: int = 32 * 1024 * 1024) -> bytes:
    """A PNG of zTXt chunks that each inflate to ``expands_to`` bytes (2 MB -> 2 GB)."""
    bomb = zlib.compress(b"a" * expands_to, 9)
    chunk = png_chunk(b"zTXt", b"comment\x00\x00" + bomb)
    return png_with(chunk * chunks)


def png_truncated_huge_text() -> bytes:
    """A PNG cut short inside a tEXt chunk that declares 2 GB."""
    ihdr, _ = _png_head()
    return PNG_SIGNATURE + ihdr + struct.pack(">I", 2**31) + b"tEXt" + b"parameters\x00a prompt"


def camera_exif() -> bytes:
    """A camera's EXIF block (its TIFF structure, no ``Exif`` prefix): Make and Model."""
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Canon", "Canon EOS R5"
    return exif.tobytes()[len(b"Exif\x00\x00") :]


def png_camera_hiding_parameters() -> bytes:
    """A camera PNG whose A1111 ``parameters`` hide behind a chunk that runs past the end.

    After the image data comes a chunk whose type is no chunk name and whose
    length (1 MiB) is more than is left: a reader walking by lengths stops
    there, swallowing the ``parameters`` chunk behind it, while a decoder
    (Pillow) stops at the name with the picture whole.
    """
    overrun = struct.pack(">I", 1 << 20) + b"\x00\x01\x02\x03"
    parameters = png_chunk(b"tEXt", b"parameters\x00" + A1111_PARAMETERS.encode())
    return png_with(png_chunk(b"eXIf", camera_exif()), overrun + parameters)


def raw_camera_with_a_broken_magic() -> bytes:
    """A camera's TIFF-structured raw (to be named ``.cr2``) whose magic's last byte is flipped.

    The EXIF reader reads it all the same; the XMP detector, asking for a
    TIFF, raises: one detector did not finish looking.
    """
    tiff = bytearray(camera_exif())
    tiff[3] ^= 0x04  # MM\x00* becomes MM\x00. (II*\x00 would become II*\x04)
    return bytes(tiff)


# -- JPEG -----------------------------------------------------------------------------


def png_undecodable_pixels() -> bytes:
    """A PNG whose chunks are sound but whose image data is not zlib: only decoding tells."""
    ihdr, _ = _png_head()
    return (
        PNG_SIGNATURE + ihdr + png_chunk(b"IDAT", b"not zlib at all" * 8) + png_chunk(b"IEND", b"")
    )


def _jpeg_picture() -> bytes:
    buffer = io.BytesIO()
    Image.linear_gradient("L").resize((48, 48)).convert("RGB").save(buffer, "JPEG")
    return buffer.getvalue()


def jpeg_segment(marker: int, payload: bytes) -> bytes:
    """One JPEG marker segment."""
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def jpeg_markers_past_segment_limit(comments: int = 4096) -> bytes:
    """A Firefly JPEG whose XMP comes after many comment segments."""
    picture = _jpeg_picture()
    xmp = jpeg_segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + FIREFLY_XMP)
    return picture[:2] + jpeg_segment(0xFE, b"x") * comments + xmp + picture[2:]


def jpeg_camera_hiding_xmp() -> bytes:
    """A camera JPEG whose Firefly XMP hides behind a comment longer than what is left."""
    picture = _jpeg_picture()
    exif = jpeg_segment(0xE1, b"Exif\x00\x00" + camera_exif())
    overrun = struct.pack(">BBH", 0xFF, 0xFE, 0xFFFF)  # the whole file is under 64 KiB
    xmp = jpeg_segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + FIREFLY_XMP)
    return picture[:2] + exif + overrun + xmp + picture[2:]


def jpeg_camera_with_unreadable_xmp() -> bytes:
    """A camera JPEG whose Firefly XMP packet carries a DOCTYPE, which the XMP reader refuses."""
    picture = _jpeg_picture()
    exif = jpeg_segment(0xE1, b"Exif\x00\x00" + camera_exif())
    packet = b'<!DOCTYPE x [<!ENTITY a "b">]>' + FIREFLY_XMP
    xmp = jpeg_segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + packet)
    return picture[:2] + exif + xmp + picture[2:]


def jpeg_segment_repeated(data: bytes, marker: int) -> bytes:
    """``data`` (a JPEG) with its first segment of ``marker`` written twice in a row."""
    at = 2
    while data[at + 1] != marker:
        at += 2 + struct.unpack(">H", data[at + 2 : at + 4])[0]
    end = at + 2 + struct.unpack(">H", data[at + 2 : at + 4])[0]
    return data[:end] + data[at:end] + data[end:]


def jpeg_fill_bytes(megabytes: float = 20) -> bytes:
    """A JPEG start followed by nothing but 0xFF fill bytes."""
    return b"\xff\xd8" + b"\xff" * int(megabytes * 1024 * 1024)


def jpeg_12bit(blocks_down: int = 8, blocks_across: int = 10) -> bytes:
    """A valid 12-bit greyscale JPEG (extended sequential, SOF1), one grey level per 8x8 block.

    Every block holds only its DC coefficient, so the Huffman tables are
    tiny: DC categories 0-15 as 5-bit codes, and one AC code (end of block).
    """
    head = b"\xff\xd8" + jpeg_segment(0xDB, b"\x00" + b"\x01" * 64)
    frame = struct.pack(">BHHB", 12, blocks_down * 8, blocks_across * 8, 1) + b"\x01\x11\x00"
    dc_table = b"\x00" + bytes([0, 0, 0, 0, 16] + [0] * 11) + bytes(range(16))
    ac_table = b"\x10" + bytes([1] + [0] * 15) + b"\x00"
    head += jpeg_segment(0xC1, frame) + jpeg_segment(0xC4, dc_table)
    head += jpeg_segment(0xC4, ac_table) + jpeg_segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
    levels = [
        (x * 251 + y * 397) % 3900 + 100 for y in range(blocks_down) for x in range(blocks_across)
    ]
    return head + _entropy_coded(levels) + b"\xff\xd9"


def _entropy_coded(levels: list[int]) -> bytes:
    bits: list[str] = []
    previous = 0
    for level in levels:
        dc = 8 * (level - 2048)
        diff, previous = dc - previous, dc
        size = abs(diff).bit_length()
        bits.append(format(size, "05b"))
        if size:
            bits.append(format(diff if diff >= 0 else diff + (1 << size) - 1, f"0{size}b"))
        bits.append("0")  # end of block
    text = "".join(bits)
    text += "1" * (-len(text) % 8)
    raw = int(text, 2).to_bytes(len(text) // 8, "big")
    return raw.replace(b"\xff", b"\xff\x00")


# -- EXR ------------------------------------------------------------------------------


def _attribute(name: str, kind: str, value: bytes) -> bytes:
    return name.encode() + b"\x00" + kind.encode() + b"\x00" + struct.pack("<i", len(value)) + value


def exr_scanline(
    width: int = 32, height: int = 24, window: tuple[int, int, int, int] | None = None
) -> bytes:
    """An uncompressed single-part scanline EXR of half-float Y (a grey ramp)."""
    head, offsets, rows = _exr_parts(width, height, window)
    return head + b"".join(struct.pack("<Q", o) for o in offsets) + rows


def _exr_parts(
    width: int, height: int, window: tuple[int, int, int, int] | None
) -> tuple[bytes, list[int], bytes]:
    box = window or (0, 0, width - 1, height - 1)
    channels = b"Y\x00" + struct.pack("<iBBBBii", 1, 0, 0, 0, 0, 1, 1) + b"\x00"
    header = b"".join(
        (
            _attribute("channels", "chlist", channels),
            _attribute("compression", "compression", b"\x00"),
            _attribute("dataWindow", "box2i", struct.pack("<4i", *box)),
            _attribute("displayWindow", "box2i", struct.pack("<4i", 0, 0, width - 1, height - 1)),
            _attribute("lineOrder", "lineOrder", b"\x00"),
            _attribute("pixelAspectRatio", "float", struct.pack("<f", 1.0)),
            _attribute("screenWindowCenter", "v2f", struct.pack("<ff", 0, 0)),
            _attribute("screenWindowWidth", "float", struct.pack("<f", 1.0)),
        )
    )
    head = EXR_MAGIC + struct.pack("<I", 2) + header + b"\x00"
    start, line = len(head) + 8 * height, 8 + 2 * width
    rows = b"".join(
        struct.pack("<ii", y, 2 * width)
        + b"".join(struct.pack("<e", (x + y) / (width + height)) for x in range(width))
        for y in range(height)
    )
    return head, [start + y * line for y in range(height)], rows


def exr_early_eof() -> bytes:
    """An EXR cut short in its last scanline (OpenEXR's ``comp_early_eof``)."""
    return exr_scanline()[:-20]


def exr_bad_bounds() -> bytes:
    """An EXR whose last chunk offset points far past the end of the file (``comp_bad_bounds``)."""
    head, offsets, rows = _exr_parts(32, 24, None)
    offsets[-1] = 2**40
    return head + b"".join(struct.pack("<Q", o) for o in offsets) + rows


def exr_bad_chunk_leader() -> bytes:
    """A sound-looking EXR whose 5th scanline chunk names the wrong line: only decoding tells."""
    head, offsets, rows = _exr_parts(32, 24, None)
    line = 8 + 2 * 32
    broken = rows[: 4 * line] + struct.pack("<i", 999) + rows[4 * line + 4 :]
    return head + b"".join(struct.pack("<Q", o) for o in offsets) + broken


def exr_negative_window() -> bytes:
    """An EXR whose data window ends before it starts."""
    return exr_scanline(window=(10, 10, 0, 0))


def exr_absurd_window() -> bytes:
    """An EXR declaring a data window of about 2^31 x 2^31 pixels."""
    return exr_scanline(window=(-(2**30), -(2**30), 2**30, 2**30))


def exr_invalid() -> bytes:
    """EXR magic followed by garbage (``invalid.exr``)."""
    return EXR_MAGIC + struct.pack("<I", 2) + b"garbage\x00" * 8


# -- TIFF, WAV, MP4, MP3 --------------------------------------------------------------


def tiff_ifd_loop() -> bytes:
    """A 1x1 TIFF whose second IFD points back at the first."""
    buffer = io.BytesIO()
    Image.new("L", (1, 1), 128).save(buffer, "TIFF")
    data = bytearray(buffer.getvalue())
    first = struct.unpack("<I", data[4:8])[0]
    count = struct.unpack("<H", data[first : first + 2])[0]
    next_at = first + 2 + 12 * count
    data[next_at : next_at + 4] = struct.pack("<I", first)
    return bytes(data)


def wav_huge_riff() -> bytes:
    """A WAV whose RIFF header declares 4 GB while the file holds a few bytes."""
    fmt = b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, 8000, 16000, 2, 16)
    data = b"data" + struct.pack("<I", 400) + b"\x00" * 400
    return b"RIFF" + struct.pack("<I", 0xFFFFFFFF) + b"WAVE" + fmt + data


def mp4_huge_box() -> bytes:
    """An MP4 whose second box claims 2^63 bytes (a 64-bit size)."""
    ftyp = struct.pack(">I4s4sI4s", 20, b"ftyp", b"isom", 0, b"isom")
    return ftyp + struct.pack(">I4sQ", 1, b"moov", 2**63) + b"\x00" * 64


def _mpeg_frames(count: int = 40) -> bytes:
    # MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, no padding: 417 bytes a frame.
    return (b"\xff\xfb\x90\x00" + b"\x00" * 413) * count


def mp3_id3_bomb(frames: int = 128, expands_to: int = 16 * 1024 * 1024) -> bytes:
    """An MP3 whose ID3v2.3 tag holds compressed frames that each inflate to ``expands_to``.

    Each ``TXXX`` frame has its own description, so a tag parser keeps them all
    (2 MB of file, 2 GB of text at the defaults).
    """
    bulk = b"a" * (expands_to - 8)
    bulk_deflated = _raw_deflate(bulk, final=True)  # compressed once, shared by every frame
    tag = b""
    for index in range(frames):
        head = b"\x00" + f"d{index:05d}".encode() + b"\x00"
        checksum = zlib.adler32(bulk, zlib.adler32(head))
        packed = b"\x78\x9c" + _raw_deflate(head, final=False) + bulk_deflated
        packed = struct.pack(">I", expands_to) + packed + struct.pack(">I", checksum)
        tag += b"TXXX" + struct.pack(">I", len(packed)) + b"\x00\x80" + packed
    size = len(tag)
    syncsafe = bytes([(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F])
    return b"ID3\x03\x00\x00" + syncsafe + tag + _mpeg_frames()


def _raw_deflate(data: bytes, *, final: bool) -> bytes:
    # A raw deflate stream flushed to a byte boundary can be followed by another one.
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush(zlib.Z_FINISH if final else zlib.Z_SYNC_FLUSH)


# -- the catalogue --------------------------------------------------------------------


Builder = Callable[[], bytes]


@dataclass(frozen=True)
class Hostile:
    """One hostile input: its file name, how it is built, and what classify must say."""

    name: str
    build: Builder
    verdict: str  # the classification it must get ("unknown" where only the audit can tell)
    item: int  # the item of issue 14 it comes from
    undecodable: bool = False  # classified as read, yet its picture does not decode

    @property
    def blocks(self) -> bool:
        """Whether the audit must block it (a ledger that holds a generated picture)."""
        return self.verdict == "unreadable" or self.undecodable


HOSTILE: tuple[Hostile, ...] = (
    Hostile("a1111_past_chunk_limit.png", png_markers_past_chunk_limit, "unreadable", 3),
    Hostile("firefly_past_segment_limit.jpg", jpeg_markers_past_segment_limit, "unreadable", 3),
    Hostile("png_many_idat_chunks.png", png_many_data_chunks, "unreadable", 3),
    Hostile("exr_early_eof.exr", exr_early_eof, "unreadable", 4),
    Hostile("exr_bad_bounds.exr", exr_bad_bounds, "unreadable", 4),
    Hostile("exr_negative_window.exr", exr_negative_window, "unreadable", 4),
    Hostile("exr_absurd_window.exr", exr_absurd_window, "unreadable", 4),
    Hostile("exr_invalid.exr", exr_invalid, "unreadable", 4),
    Hostile("png_truncated_2gb_text.png", png_truncated_huge_text, "unreadable", 4),
    Hostile("tiff_ifd_loop.tif", tiff_ifd_loop, "unreadable", 4),
    Hostile("wav_4gb_riff.wav", wav_huge_riff, "unreadable", 4),
    Hostile("mp4_2e63_box.mp4", mp4_huge_box, "unreadable", 4),
    Hostile("jpeg_20mb_fill.jpg", jpeg_fill_bytes, "unreadable", 7),
    Hostile("id3_bomb.mp3", mp3_id3_bomb, "unknown", 8),
    Hostile("png_ztxt_bombs.png", png_ztxt_bombs, "unreadable", 9),
    Hostile("jpeg_12bit.jpg", jpeg_12bit, "unknown", 15),
)
