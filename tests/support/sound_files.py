"""FLAC and Ogg files built by code, sound and damaged, with tags a detector reads.

The builders write each structure as the formats define it, checksums
included, so a sound file here is one a decoder plays (the tests check that
with PyAV) and every damaged one differs from it in one way:

* FLAC: ``fLaC``, metadata blocks (STREAMINFO, a Vorbis comment), then frames
  of CONSTANT subframes (one sample value per channel), each with its header
  CRC-8 and frame CRC-16;
* Ogg Vorbis: an identification, a comment and a setup header packet, then
  audio packets, on pages with their CRC-32 (the setup and audio packets are
  placeholders: the tag reader and the page walk never decode them);
* ID3v2.4 tags written in front of a FLAC stream or of MPEG frames, as some
  taggers do (``TXXX`` frames; a footer when asked), and hostile ones: a size
  past the end, a thousand tags in a row or inside each other, garbage after.
"""

from __future__ import annotations

import struct

from provenance.files.formats.flac_frames import crc8, crc16
from provenance.files.formats.ogg import ogg_crc

RECORDER_TAGS = (b"ENCODER=Sound Devices 888", b"TITLE=sc12 tk3")
GENERATOR_TAGS = (b"ENCODER=ElevenLabs", b"TITLE=narration")
BLOCK_SAMPLES = 4096
RATE = 44100


# -- FLAC -------------------------------------------------------------------------------


def flac_block(kind: int, data: bytes, *, last: bool = False) -> bytes:
    """One metadata block: the last-block bit and type, a 24-bit length, the data."""
    return bytes([kind | (0x80 if last else 0)]) + len(data).to_bytes(3, "big") + data


def streaminfo(total_samples: int, max_frame: int = 0) -> bytes:
    """STREAMINFO of 16-bit stereo at 44.1 kHz in blocks of 4096 samples (no MD5 signature)."""
    figures = (RATE << 44) | (1 << 41) | (15 << 36) | total_samples
    sizes = (0).to_bytes(3, "big") + max_frame.to_bytes(3, "big")
    blocks = struct.pack(">HH", BLOCK_SAMPLES, BLOCK_SAMPLES)
    return blocks + sizes + figures.to_bytes(8, "big") + bytes(16)


def vorbis_comment(tags: tuple[bytes, ...], vendor: bytes = b"reference libFLAC 1.4.3") -> bytes:
    """A Vorbis comment body (little-endian lengths), as FLAC and Ogg Vorbis both carry it."""
    body = struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", len(tags))
    return body + b"".join(struct.pack("<I", len(tag)) + tag for tag in tags)


def flac_frame(number: int, value: int = 0) -> bytes:
    """A frame of 4096 samples of 16-bit stereo, both channels CONSTANT at ``value``."""
    # Sync and fixed block size; 4096 samples (code 12), 44.1 kHz (9); 2 channels, 16 bits.
    header = bytes([0xFF, 0xF8, 0xC9, 0x18, number])  # numbers below 128: one byte
    header += bytes([crc8(header)])
    subframe = b"\x00" + value.to_bytes(2, "big", signed=True)  # CONSTANT, no wasted bits
    frame = header + subframe * 2
    return frame + crc16(frame).to_bytes(2, "big")


def flac_metadata(tags: tuple[bytes, ...], frames: int) -> bytes:
    """``fLaC`` and its metadata blocks, for a stream of ``frames`` frames."""
    info = streaminfo(frames * BLOCK_SAMPLES, max_frame=len(flac_frame(0)))
    return b"fLaC" + flac_block(0, info) + flac_block(4, vorbis_comment(tags), last=True)


def flac_file(tags: tuple[bytes, ...] = RECORDER_TAGS, frames: int = 3) -> bytes:
    """A sound FLAC file."""
    audio = b"".join(flac_frame(n, 100 * n) for n in range(frames))
    return flac_metadata(tags, frames) + audio


def flac_cut_mid_frame(tags: tuple[bytes, ...] = RECORDER_TAGS) -> bytes:
    """Cut five bytes into its last frame's end (a copy stopped short)."""
    return flac_file(tags)[:-5]


def flac_garbage_after_metadata(tags: tuple[bytes, ...] = RECORDER_TAGS) -> bytes:
    """Bytes that are no frame between the metadata and the audio: where a marker can sit."""
    audio = b"".join(flac_frame(n) for n in range(3))
    hidden = b"parameters: a castle on a hill, Steps: 20, Seed: 1"
    return flac_metadata(tags, 3) + hidden + audio


def flac_garbage_after_audio(tags: tuple[bytes, ...] = RECORDER_TAGS) -> bytes:
    """Text after the last frame."""
    return flac_file(tags) + b"Made with Suno v4"


def flac_block_past_end(tags: tuple[bytes, ...] = RECORDER_TAGS) -> bytes:
    """A picture block after the comment declaring 16 MB, in a file of a few hundred bytes."""
    info = flac_block(0, streaminfo(3 * BLOCK_SAMPLES))
    comment = flac_block(4, vorbis_comment(tags))
    picture = bytes([0x86]) + (0xFFFFFF).to_bytes(3, "big") + b"\0" * 64
    return b"fLaC" + info + comment + picture


def flac_many_blocks(blocks: int = 4_000_000, tags: tuple[bytes, ...] = GENERATOR_TAGS) -> bytes:
    """Millions of empty padding blocks before the comment (mutagen walks them all: 16 s)."""
    padding = flac_block(1, b"") * blocks
    info = flac_block(0, streaminfo(BLOCK_SAMPLES))
    return b"fLaC" + info + padding + flac_block(4, vorbis_comment(tags), last=True)


def flac_without_audio(tags: tuple[bytes, ...] = RECORDER_TAGS) -> bytes:
    """The metadata of three frames, and none of them."""
    return flac_metadata(tags, 3)


# -- ID3v2 tags in front ------------------------------------------------------------------


def syncsafe(value: int) -> bytes:
    """A 28-bit integer stored 7 bits per byte."""
    return bytes((value >> shift) & 0x7F for shift in (21, 14, 7, 0))


def id3_header(size: int, *, flags: int = 0, magic: bytes = b"ID3") -> bytes:
    """An ID3v2.4 tag header (``magic`` ``3DI`` for its footer) declaring ``size`` bytes."""
    return magic + bytes([4, 0, flags]) + syncsafe(size)


def id3_txxx(description: str, text: str) -> bytes:
    """A v2.4 ``TXXX`` frame (UTF-8): a description and its text."""
    payload = b"\x03" + description.encode() + b"\x00" + text.encode()
    return b"TXXX" + syncsafe(len(payload)) + b"\x00\x00" + payload


def id3_tag(*frames: bytes, padding: int = 0, footer: bool = False) -> bytes:
    """An ID3v2.4 tag holding ``frames`` and ``padding`` zero bytes, with its footer if asked."""
    body = b"".join(frames) + bytes(padding)
    flags = 0x10 if footer else 0
    end = id3_header(len(body), flags=flags, magic=b"3DI") if footer else b""
    return id3_header(len(body), flags=flags) + body + end


TAGGER_FRAME = id3_txxx("comment", "tagged by a library manager")


def flac_behind_id3(
    tags: tuple[bytes, ...] = GENERATOR_TAGS, *, footer: bool = False, frame: bytes = TAGGER_FRAME
) -> bytes:
    """A sound FLAC file with an ID3v2 tag written in front of its ``fLaC``."""
    return id3_tag(frame, padding=64, footer=footer) + flac_file(tags)


def mpeg_frames(count: int = 4) -> bytes:
    """Silent MPEG-1 layer III frames (128 kbit/s, 44.1 kHz: 417 bytes each)."""
    return (b"\xff\xfb\x90\x00" + bytes(413)) * count


def mp3_behind_id3(frame: bytes = TAGGER_FRAME, *, gap: int = 0) -> bytes:
    """An MP3: an ID3v2 tag, ``gap`` zero bytes outside it, then MPEG frames."""
    return id3_tag(frame) + bytes(gap) + mpeg_frames()


def id3_past_end(tags: tuple[bytes, ...] = GENERATOR_TAGS) -> bytes:
    """A tag declaring 200 MB in front of a FLAC file of a few hundred bytes."""
    return id3_header(200 * 1024 * 1024) + TAGGER_FRAME + flac_file(tags)


def id3_in_a_row(count: int = 1000, tags: tuple[bytes, ...] = GENERATOR_TAGS) -> bytes:
    """``count`` empty ID3 tags one after another, then a FLAC file."""
    return id3_header(0) * count + flac_file(tags)


def id3_nested(count: int = 1000, tags: tuple[bytes, ...] = GENERATOR_TAGS) -> bytes:
    """``count`` ID3 tags each holding the rest of the file, the FLAC file innermost."""
    data = flac_file(tags)
    for _ in range(count):
        data = id3_header(len(data)) + data
    return data


def id3_then_garbage(tags: tuple[bytes, ...] = GENERATOR_TAGS) -> bytes:
    """Bytes that are neither MPEG nor FLAC between the tag and a FLAC file."""
    return id3_tag(TAGGER_FRAME) + b"Made with Suno v4" + flac_file(tags)


def id3_then_flac_frames(tags: tuple[bytes, ...] = GENERATOR_TAGS) -> bytes:
    """A tag whose size swallows the ``fLaC`` metadata: FLAC frames, whose sync reads as MPEG's."""
    hidden = flac_metadata(tags, 3)
    audio = b"".join(flac_frame(n, 100 * n) for n in range(3))
    return id3_header(len(hidden) + 64) + bytes(64) + hidden + audio


def id3_in_front_of(data: bytes) -> bytes:
    """``data`` (a damaged FLAC file, say) behind an ID3v2 tag."""
    return id3_tag(TAGGER_FRAME, padding=16) + data


# -- Ogg --------------------------------------------------------------------------------


def ogg_page(
    packets: list[bytes],
    sequence: int,
    *,
    serial: int = 0x5EED,
    flags: int = 0,
    granule: int = 0,
) -> bytes:
    """One page holding whole ``packets`` (each under 64 KB), its CRC-32 computed."""
    lacing = b""
    for packet in packets:
        lacing += b"\xff" * (len(packet) // 255) + bytes([len(packet) % 255])
    header = struct.pack("<4sBBqIIIB", b"OggS", 0, flags, granule, serial, sequence, 0, len(lacing))
    page = header + lacing + b"".join(packets)
    return page[:22] + struct.pack("<I", ogg_crc(page)) + page[26:]


def vorbis_headers(tags: tuple[bytes, ...]) -> list[bytes]:
    """The identification, comment and setup packets of a Vorbis stream."""
    ident = b"\x01vorbis" + struct.pack("<IBIiiiBB", 0, 2, RATE, 0, 128_000, 0, 0xB8, 1)
    comment = b"\x03vorbis" + vorbis_comment(tags, b"Xiph.Org libVorbis I 20200704") + b"\x01"
    return [ident, comment, b"\x05vorbis" + b"\0" * 32]


def ogg_file(tags: tuple[bytes, ...] = RECORDER_TAGS, audio_pages: int = 4) -> bytes:
    """A Vorbis stream: headers on two pages, then audio pages, the last marked as the end."""
    ident, comment, setup = vorbis_headers(tags)
    pages = [ogg_page([ident], 0, flags=0x02), ogg_page([comment, setup], 1)]
    for n in range(audio_pages):
        last = n == audio_pages - 1
        flags = 0x04 if last else 0
        pages.append(ogg_page([bytes([n]) * 300], 2 + n, flags=flags, granule=1024 * (n + 1)))
    return b"".join(pages)


def ogg_cut_mid_page(tags: tuple[bytes, ...] = RECORDER_TAGS) -> bytes:
    """Cut inside its last page."""
    return ogg_file(tags)[:-40]


def ogg_garbage_after_headers(tags: tuple[bytes, ...] = RECORDER_TAGS) -> bytes:
    """Bytes that are no page between the header pages and the audio."""
    data = ogg_file(tags)
    headers_end = _page_end(data, _page_end(data, 0))
    return data[:headers_end] + b"Made with Suno v4" + data[headers_end:]


def ogg_page_past_end(tags: tuple[bytes, ...] = RECORDER_TAGS) -> bytes:
    """A last page whose lacing table declares more body than the file holds."""
    data = ogg_file(tags, audio_pages=1)
    return data + struct.pack("<4sBBqIIIB", b"OggS", 0, 0, 2048, 0x5EED, 3, 0, 4) + b"\xff" * 4


def ogg_missing_page(tags: tuple[bytes, ...] = RECORDER_TAGS) -> bytes:
    """One audio page taken out (the sequence numbers skip one)."""
    data = ogg_file(tags)
    start = _page_end(data, _page_end(data, _page_end(data, 0)))
    return data[:start] + data[_page_end(data, start) :]


def ogg_flipped_comment(tags: tuple[bytes, ...] = RECORDER_TAGS) -> bytes:
    """A byte of the comment header changed after the page was written (its CRC fails)."""
    data = bytearray(ogg_file(tags))
    data[data.index(b"Sound Devices")] ^= 0x20
    return bytes(data)


def ogg_huge_headers(pages: int = 400) -> bytes:
    """A comment packet continued over ``pages`` pages of 255 bytes, which a tag reader holds whole.

    Tests lower the walk's header limit rather than build the 32 MB it takes.
    """
    ident, comment, _ = vorbis_headers(GENERATOR_TAGS)
    out = [ogg_page([ident], 0, flags=0x02), ogg_page([comment], 1)]
    for n in range(pages):
        # A 255-byte segment continues the packet on the next page; granule -1: none ends here.
        header = struct.pack("<4sBBqIIIB", b"OggS", 0, 0x01, -1, 0x5EED, 2 + n, 0, 1)
        page = header + b"\xff" + b"\0" * 255
        out.append(page[:22] + struct.pack("<I", ogg_crc(page)) + page[26:])
    return b"".join(out)


def _page_end(data: bytes, start: int) -> int:
    count = data[start + 26]
    lacing = data[start + 27 : start + 27 + count]
    return start + 27 + count + sum(lacing)
