"""Files of the newer containers, built byte by byte from their specifications.

HEIF/AVIF (ISO/IEC 23008-12 items: ``meta`` with ``hdlr``, ``iinf``/``infe``,
``iloc``, optional ``idat``), JPEG XL containers (ISO/IEC 18181-2 boxes), MP4
item lists (``moov/udta/meta/ilst``, and the ``keys``/``mdta`` form),
Matroska/WebM tags (EBML) and GIF extensions (comment, XMP application
extension with its magic trailer). Only the structure a metadata reader
walks is real: coded pictures are a few placeholder bytes, which is all a
reader that never decodes may see. Nothing here is committed as a file.
"""

from __future__ import annotations

import io
import json
import struct
from dataclasses import dataclass

from PIL import Image

# A ComfyUI API graph: sampler -> positive/negative encoders -> checkpoint.
GRAPH: dict[str, object] = {
    "3": {
        "class_type": "KSampler",
        "inputs": {
            "seed": 7,
            "steps": 20,
            "sampler_name": "euler",
            "positive": ["6", 0],
            "negative": ["7", 0],
            "model": ["4", 0],
        },
    },
    "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "wan2.1.safetensors"}},
    "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a red fox running in snow"}},
    "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "blurry"}},
}
WORKFLOW: dict[str, object] = {"last_node_id": 7, "nodes": [{"id": 3, "type": "KSampler"}]}
PROMPT_TEXT = "a red fox running in snow"


def vhs_comment() -> str:
    """VideoHelperSuite's comment: the API graph as a JSON *string*, the workflow as an object."""
    return json.dumps({"prompt": json.dumps(GRAPH), "workflow": WORKFLOW})


def box(kind: bytes, body: bytes) -> bytes:
    """An ISO BMFF box."""
    return struct.pack(">I4s", 8 + len(body), kind) + body


def full_box(kind: bytes, body: bytes, version: int = 0) -> bytes:
    """A full box: version and 24 flag bits, then the body."""
    return box(kind, bytes([version, 0, 0, 0]) + body)


@dataclass(frozen=True)
class Item:
    """One HEIF item: id, four-character type, content type (``mime``), data."""

    item_id: int
    kind: bytes
    data: bytes
    content_type: str = ""


def exif_item(tiff: bytes) -> bytes:
    """An ``Exif`` item's payload: a zero offset to the TIFF header, then the block."""
    return b"\x00\x00\x00\x00" + tiff


def _infe(item: Item) -> bytes:
    body = struct.pack(">HH4s", item.item_id, 0, item.kind) + b"\x00"
    if item.kind == b"mime":
        body += item.content_type.encode() + b"\x00"
    return full_box(b"infe", body, version=2)


def _iloc(items: list[Item], offsets: list[int], method: int) -> bytes:
    body = bytes([0x44, 0x00]) + struct.pack(">H", len(items))
    for item, offset in zip(items, offsets, strict=True):
        body += struct.pack(">HHHHII", item.item_id, method, 0, 1, offset, len(item.data))
    return full_box(b"iloc", body, version=1)


def heif_bytes(
    brand: bytes = b"avif", extra: list[Item] | None = None, *, in_idat: bool = False
) -> bytes:
    """A HEIF/AVIF file: a placeholder coded picture item plus ``extra`` items."""
    picture = b"av01" if brand == b"avif" else b"hvc1"
    items = [Item(1, picture, b"\x00" * 16), *(extra or [])]
    ftyp = box(b"ftyp", brand + b"\x00\x00\x00\x00mif1" + brand)
    hdlr = full_box(b"hdlr", b"\x00" * 4 + b"pict" + b"\x00" * 12 + b"\x00")
    iinf = full_box(b"iinf", struct.pack(">H", len(items)) + b"".join(map(_infe, items)))
    relative = [sum(len(i.data) for i in items[:n]) for n in range(len(items))]
    payload = b"".join(i.data for i in items)
    if in_idat:
        meta = full_box(b"meta", hdlr + iinf + _iloc(items, relative, 1) + box(b"idat", payload))
        return ftyp + meta
    placeholder = full_box(b"meta", hdlr + iinf + _iloc(items, relative, 0))
    start = len(ftyp) + len(placeholder) + 8
    meta = full_box(b"meta", hdlr + iinf + _iloc(items, [start + r for r in relative], 0))
    return ftyp + meta + box(b"mdat", payload)


JXL_SIGNATURE = b"\x00\x00\x00\x0cJXL \r\n\x87\n"


def jxl_bytes(exif: bytes | None = None, xmp: bytes | None = None, brob: bytes = b"") -> bytes:
    """A JPEG XL container: signature, ftyp, optional Exif/xml/brob boxes, a codestream box."""
    data = JXL_SIGNATURE + box(b"ftyp", b"jxl \x00\x00\x00\x00jxl ")
    data += box(b"Exif", exif_item(exif)) if exif is not None else b""
    data += box(b"xml ", xmp) if xmp is not None else b""
    data += box(b"brob", brob) if brob else b""
    return data + box(b"jxlc", b"\xff\x0a" + b"\x00" * 16)


def _ilst_item(kind: bytes, text: str) -> bytes:
    return box(kind, box(b"data", struct.pack(">II", 1, 0) + text.encode()))


def mp4_bytes(tags: list[tuple[str, str]], *, keyed: bool = False) -> bytes:
    """An MP4 whose ``moov`` holds the tags: ``udta/meta/ilst`` by four-character code
    (``©cmt``...), or with ``keyed`` a ``meta`` of ``keys`` (``mdta``) and an indexed ``ilst``."""
    ftyp = box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2mp41")
    mvhd = full_box(b"mvhd", b"\x00" * 96)
    if keyed:
        hdlr = full_box(b"hdlr", b"\x00" * 4 + b"mdta" + b"\x00" * 13)
        keys = struct.pack(">I", len(tags)) + b"".join(
            struct.pack(">I4s", 8 + len(name.encode()), b"mdta") + name.encode() for name, _ in tags
        )
        ilst = b"".join(
            _ilst_item(struct.pack(">I", n + 1), text) for n, (_, text) in enumerate(tags)
        )
        meta = full_box(b"meta", hdlr + full_box(b"keys", keys) + box(b"ilst", ilst))
        return ftyp + box(b"moov", mvhd + meta) + box(b"mdat", b"\x00" * 32)
    hdlr = full_box(b"hdlr", b"\x00" * 4 + b"mdirappl" + b"\x00" * 9)
    ilst = b"".join(_ilst_item(name.encode("latin-1"), text) for name, text in tags)
    udta = box(b"udta", full_box(b"meta", hdlr + box(b"ilst", ilst)))
    return ftyp + box(b"moov", mvhd + udta) + box(b"mdat", b"\x00" * 32)


def ebml_element(element_id: int, body: bytes) -> bytes:
    """An EBML element with an 8-byte size."""
    ident = element_id.to_bytes((element_id.bit_length() + 7) // 8, "big")
    return ident + b"\x01" + len(body).to_bytes(7, "big") + body


def matroska_tags_element(tags: list[tuple[str, str]]) -> bytes:
    """A ``Tags`` element: one ``Tag`` (empty ``Targets``) holding a ``SimpleTag`` per pair."""
    simple = b"".join(
        ebml_element(
            0x67C8, ebml_element(0x45A3, name.encode()) + ebml_element(0x4487, text.encode())
        )
        for name, text in tags
    )
    return ebml_element(0x1254C367, ebml_element(0x7373, ebml_element(0x63C0, b"") + simple))


def matroska_bytes(tags: list[tuple[str, str]], *, tags_last: bool = True) -> bytes:
    """A WebM file: EBML header, and a segment with Info, a Cluster and Tags (after or before)."""
    header = ebml_element(0x1A45DFA3, ebml_element(0x4282, b"webm"))
    tag_block = matroska_tags_element(tags)
    info = ebml_element(0x1549A966, ebml_element(0x4D80, b"Lavf61.7.100"))
    cluster = ebml_element(0x1F43B675, ebml_element(0xE7, b"\x00") + b"\xa3\x88" + b"\x00" * 8)
    children = info + (cluster + tag_block if tags_last else tag_block + cluster)
    return header + ebml_element(0x18538067, children)


XMP_MAGIC_TRAILER = b"\x01" + bytes(range(255, -1, -1)) + b"\x00"


def gif_bytes(comment: bytes | None = None, xmp: bytes | None = None, frames: int = 3) -> bytes:
    """An animated GIF (Pillow) with a comment extension and/or an XMP application extension."""
    pictures = [Image.new("RGB", (8, 8), (40 * n % 256, 0, 0)) for n in range(frames)]
    out = io.BytesIO()
    extra = {"comment": comment} if comment is not None else {}
    pictures[0].save(out, "GIF", save_all=True, append_images=pictures[1:], loop=0, **extra)
    data = out.getvalue()
    if xmp is None:
        return data
    flags = data[10]
    start = 13 + (3 * (2 << (flags & 7)) if flags & 0x80 else 0)
    extension = b"\x21\xff\x0bXMP DataXMP" + xmp + XMP_MAGIC_TRAILER
    return data[:start] + extension + data[start:]


def xmp_packet(properties: dict[str, str], namespace: str = "https://comfy.org/ns/1.0/") -> bytes:
    """An XMP packet whose rdf:Description holds the given elements (prefix ``c``)."""
    body = "".join(f"<c:{name}>{_escape(value)}</c:{name}>" for name, value in properties.items())
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f'<rdf:Description rdf:about="" xmlns:c="{namespace}">{body}</rdf:Description>'
        '</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    ).encode()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
