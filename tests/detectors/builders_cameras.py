"""Camera files built from the formats' specifications, for kinds with no sibling in the corpus.

Nothing here is a copy of a real file: each builder writes the smallest file
its format's documentation describes (Canon CR3 ``CMT`` boxes, Fujifilm RAF
and Sigma X3F and RED R3D headers, QuickTime metadata keys, GoPro's GPMF
KLV in a ``gpmd`` track, AVCHD's ``MDPM`` SEI in BDAV packets, Reconyx maker
notes, Panasonic RW2's TIFF with magic 0x55).
"""

from __future__ import annotations

import struct
from collections.abc import Mapping

from tests.detectors.builders_metadata import box, jpeg_bytes

CANON_UUID = bytes.fromhex("85c0b687820f11e08111f4ce462b6a48")
MDPM_UUID = bytes.fromhex("17ee8c60f84d11d98cd60800200c9a66")

TiffValue = str | bytes


def tiff(
    ifd0: Mapping[int, TiffValue],
    exif: Mapping[int, TiffValue] | None = None,
    magic: bytes = b"II*\x00",
) -> bytes:
    """A little-endian TIFF block: IFD0 (and an Exif IFD), ASCII for str, UNDEFINED for bytes."""
    entries = dict(ifd0)
    if exif is not None:
        entries[0x8769] = b""  # placeholder: the pointer is filled in below
    head = 8
    ifd0_size = 2 + 12 * len(entries) + 4
    exif_at = head + ifd0_size
    exif_size = 2 + 12 * len(exif or {}) + 4 if exif is not None else 0
    data_at = exif_at + exif_size
    blob = bytearray()

    def table(tags: Mapping[int, TiffValue]) -> bytes:
        nonlocal blob
        out = struct.pack("<H", len(tags))
        for tag in sorted(tags):
            if tag == 0x8769 and exif is not None:
                out += struct.pack("<HHII", tag, 4, 1, exif_at)
                continue
            value = tags[tag]
            raw = value.encode() + b"\x00" if isinstance(value, str) else value
            kind = 2 if isinstance(value, str) else 7
            if len(raw) <= 4:
                out += struct.pack("<HHI", tag, kind, len(raw)) + raw.ljust(4, b"\x00")
            else:
                out += struct.pack("<HHII", tag, kind, len(raw), data_at + len(blob))
                blob += raw + b"\x00" * (len(raw) % 2)
        return out + b"\x00\x00\x00\x00"

    body = table(entries) + (table(exif) if exif is not None else b"")
    return magic + struct.pack("<I", head) + body + bytes(blob)


def cr3_bytes(make: str, model: str, serial: str = "") -> bytes:
    """A Canon CR3: ``crx `` brand, ``moov/uuid`` with CMT1 (IFD0) and CMT2 (Exif IFD)."""
    cmt1 = box(b"CMT1", tiff({0x010F: make, 0x0110: model}))
    cmt2 = box(b"CMT2", tiff({0xA431: serial, 0x9003: "2024:05:01 10:00:00"}))
    canon = box(b"uuid", box(b"CNCV", b"CanonCR3_001/00.09.00/00.00.00") + cmt1 + cmt2, CANON_UUID)
    movie = box(b"moov", canon + box(b"mvhd", b"\x00" * 100))
    return box(b"ftyp", b"crx \x00\x00\x00\x01crx isom") + movie + box(b"mdat", b"\x00" * 64)


def raf_bytes(model: str, exif: bytes | None) -> bytes:
    """A Fujifilm RAF: header with the model name, then an embedded JPEG preview."""
    preview = jpeg_bytes(exif=b"Exif\x00\x00" + exif) if exif is not None else jpeg_bytes()
    header = b"FUJIFILMCCD-RAW 0201FF383501" + model.encode().ljust(32, b"\x00")
    header = header.ljust(0x54, b"\x00")
    return header + struct.pack(">II", 0x5C, len(preview)) + preview


def x3f_bytes(properties: Mapping[str, str]) -> bytes:
    """A Sigma X3F: ``FOVb`` header, a ``SECp`` property list and the ``SECd`` directory."""
    text, offsets = b"", []
    for name, value in properties.items():
        name_at = len(text) // 2
        text += (name + "\x00").encode("utf-16-le")
        value_at = len(text) // 2
        text += (value + "\x00").encode("utf-16-le")
        offsets.append(struct.pack("<II", name_at, value_at))
    prop = b"SECp" + struct.pack("<IIIII", 0x20000, len(properties), 0, 0, len(text) // 2)
    prop += b"".join(offsets) + text
    header = b"FOVb" + struct.pack("<I", 0x20003) + b"\x00" * 248
    directory_at = len(header) + len(prop)
    directory = b"SECd" + struct.pack("<II", 0x20000, 1)
    directory += struct.pack("<II4s", len(header), len(prop), b"PROP")
    return header + prop + directory + struct.pack("<I", directory_at)


def red_record(tag: int, value: str) -> bytes:
    """One RED directory record: int16u length, int16u tag (format 1: string), the value."""
    raw = value.encode() + b"\x00"
    return struct.pack(">HH", 4 + len(raw), tag) + raw


def r3d_bytes(model: str, serial: str) -> bytes:
    """A RED2 R3D header block: one ``rdi`` record, then a RED directory."""
    records = red_record(0x1000, "01:00:00:00") + red_record(0x1006, serial)
    records += red_record(0x1071, model)
    head = b"RED2" + b"\x05\x10R2\x0c\x01\x0c\x00" + b"\x00" * 48  # up to 0x40
    head += b"\x01\x00\x00\x01" + b"rdi\x01" + b"\x00" * 20  # one 0x18-byte rdi record
    body = head + struct.pack(">H", len(records)) + records
    return struct.pack(">I", 4 + len(body)) + body


def quicktime_keys_box(values: Mapping[str, str]) -> bytes:
    """``meta`` (QuickTime: no version/flags) with ``hdlr mdta``, ``keys`` and ``ilst``."""
    keys = struct.pack(">II", 0, len(values)) + b"".join(
        struct.pack(">I", 8 + len(k)) + b"mdta" + k.encode() for k in values
    )
    items = b"".join(
        box(
            struct.pack(">I", index), box(b"data", b"\x00\x00\x00\x01\x00\x00\x00\x00" + v.encode())
        )
        for index, v in enumerate(values.values(), start=1)
    )
    handler = box(b"hdlr", b"\x00" * 8 + b"mdta" + b"\x00" * 13)
    return box(b"meta", handler + box(b"keys", keys) + box(b"ilst", items))


def mov_bytes(values: Mapping[str, str]) -> bytes:
    """A QuickTime movie whose make and model are only in its metadata keys."""
    movie = box(b"moov", box(b"mvhd", b"\x00" * 100) + quicktime_keys_box(values))
    return box(b"ftyp", b"qt  \x00\x00\x00\x00qt  ") + movie + box(b"mdat", b"\x00" * 32)


def klv(key: bytes, kind: bytes, value: bytes, size: int = 1) -> bytes:
    """One GPMF item: key, type, structure size, repeat, value padded to 32 bits."""
    repeat = len(value) // size
    return struct.pack(">4scBH", key, kind, size, repeat) + value + b"\x00" * (-len(value) % 4)


def gpmf_device(names: Mapping[bytes, str]) -> bytes:
    """A ``DEVC`` nest holding the given string items and one accelerometer sample."""
    items = b"".join(klv(key, b"c", text.encode()) for key, text in names.items())
    items += klv(b"STRM", b"\x00", klv(b"ACCL", b"s", b"\x00\x01\x00\x02\x00\x03", 6))
    return klv(b"DEVC", b"\x00", items)


def gopro_mp4(names: Mapping[bytes, str]) -> bytes:
    """An MP4 whose only camera name is in the first sample of its ``gpmd`` track."""
    sample = gpmf_device(names)
    ftyp = box(b"ftyp", b"mp41\x00\x00\x00\x00mp41")
    entry = struct.pack(">I4s", 16, b"gpmd") + b"\x00" * 8
    stsd = box(b"stsd", struct.pack(">II", 0, 1) + entry)
    stsz = box(b"stsz", struct.pack(">III", 0, len(sample), 1))

    def movie(offset: int) -> bytes:
        stco = box(b"stco", struct.pack(">III", 0, 1, offset))
        stbl = box(b"stbl", stsd + stsz + stco)
        handler = box(b"hdlr", b"\x00" * 8 + b"meta" + b"\x00" * 12 + b"GoPro MET\x00")
        track = box(b"trak", box(b"mdia", handler + box(b"minf", stbl)))
        return box(b"moov", box(b"mvhd", b"\x00" * 100) + track)

    head = ftyp + movie(0)
    offset = len(head) + 8  # the sample sits at the start of the mdat payload
    return ftyp + movie(offset) + box(b"mdat", sample)


def mdpm_sei(make_code: int, model: str) -> bytes:
    """An H.264 SEI NAL (user data unregistered) with an ``MDPM`` block, emulation-escaped."""
    entries = [bytes([0x18]) + b"\x00\x00\x00\x00"]  # a date entry: zeros to escape
    entries.append(bytes([0xE0]) + struct.pack(">H", make_code) + b"\x31\x00")
    name = model.encode().ljust(4 * ((len(model) + 3) // 4), b"\x00")
    entries += [bytes([0xE4 + k]) + name[4 * k : 4 * k + 4] for k in range(len(name) // 4)]
    payload = MDPM_UUID + b"MDPM" + bytes([len(entries)]) + b"".join(entries)
    escaped = payload.replace(b"\x00\x00", b"\x00\x00\x03")
    return b"\x00\x00\x00\x01\x06\x05" + bytes([len(payload)]) + escaped + b"\x80"


def m2ts_bytes(make_code: int, model: str, packets: int = 4) -> bytes:
    """A BDAV (M2TS) stream: 192-byte packets, the SEI in the first video packet's payload."""
    out = b""
    for index in range(packets):
        payload = mdpm_sei(make_code, model) if index == 1 else b""
        header = b"\x00\x00\x00\x00" + b"\x47\x41\x011" + payload
        out += header.ljust(192, b"\xff")
    return out


def reconyx_jpeg(layout: str, serial: str) -> bytes:
    """A trail camera's JPEG: no Make or Model in IFD0, its identity in the maker note."""
    if layout == "hyperfire":
        note = b"\x01\xf1\x03\x00" + b"\x00" * 0x26 + serial.encode("utf-16-le").ljust(30, b"\x00")
    elif layout == "ultrafire":
        note = b"RECONYXUF\x00".ljust(0x4B, b"\x00") + serial.encode().ljust(15, b"\x00")
    else:
        note = b"RECONYXH2\x00".ljust(0x7E, b"\x00") + serial.encode("utf-16-le").ljust(30, b"\x00")
    block = tiff({0x0131: "3.2.1"}, {0x927C: note.ljust(256, b"\x00")})
    return jpeg_bytes(exif=b"Exif\x00\x00" + block)


def rw2_bytes(make: str, model: str) -> bytes:
    """A Panasonic RW2: TIFF directories behind the magic 0x55 instead of 42."""
    return tiff({0x010F: make, 0x0110: model}, magic=b"IIU\x00")


def user_data_text(kind: bytes, text: str) -> bytes:
    """A QuickTime user data text atom: 16-bit length, 16-bit language, the text."""
    raw = text.encode()
    return box(kind, struct.pack(">HH", len(raw), 0x55C4) + raw)


def udta_movie(make: str, model: str) -> bytes:
    """A movie naming its camera in ``moov/udta`` (``©mak``, ``©mod``), as DJI and Panasonic do."""
    udta = box(b"udta", user_data_text(b"\xa9mak", make) + user_data_text(b"\xa9mod", model))
    movie = box(b"moov", box(b"mvhd", b"\x00" * 100) + udta)
    return box(b"ftyp", b"mp42\x00\x00\x00\x00mp42isom") + movie + box(b"mdat", b"\x00" * 32)


def sony_xavc_mp4(model: str, serial: str) -> bytes:
    """An XAVC S movie: Sony's NonRealTimeMeta XML in an ISO ``meta`` box's ``xml `` child."""
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<NonRealTimeMeta xmlns="urn:schemas-professionalDisc:nonRealTimeMeta:ver.2.20">'
        f'<Device manufacturer="Sony" modelName="{model}" serialNo="{serial}"/>'
        "</NonRealTimeMeta>"
    ).encode()
    handler = box(b"hdlr", b"\x00" * 8 + b"meta" + b"\x00" * 13)
    meta = box(b"meta", b"\x00\x00\x00\x00" + handler + box(b"xml ", b"\x00\x00\x00\x00" + xml))
    movie = box(b"moov", box(b"mvhd", b"\x00" * 100) + meta)
    return box(b"ftyp", b"XAVC\x00\x00\x00\x00XAVCmp42") + movie + box(b"mdat", b"\x00" * 32)
