"""Small media files with chosen metadata, built in tests (no corpus needed).

JPEG segments, PNG chunks, RIFF chunks, BMFF boxes, ID3 tags and XMP
packets are written byte by byte, so each test states exactly what the file
holds. C2PA manifests are signed with a throwaway certificate chain made here
(a root CA and a leaf with the e-mail-protection EKU the C2PA SDK accepts).
"""

from __future__ import annotations

import datetime
import io
import json
import struct
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image

if TYPE_CHECKING:
    from cryptography import x509

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"


def jpeg_bytes(size: tuple[int, int] = (8, 8), exif: bytes | None = None) -> bytes:
    """A small JPEG, optionally with an EXIF block (Pillow writes it as APP1)."""
    buffer = io.BytesIO()
    image = Image.new("RGB", size, (200, 80, 40))
    if exif is not None:
        image.save(buffer, "JPEG", exif=exif)
    else:
        image.save(buffer, "JPEG")
    return buffer.getvalue()


def insert_segment(jpeg: bytes, marker: int, payload: bytes) -> bytes:
    """The JPEG with one more marker segment right after SOI."""
    segment = bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload
    return jpeg[:2] + segment + jpeg[2:]


def jpeg_with_xmp(packet: str) -> bytes:
    """A JPEG carrying an XMP packet in APP1."""
    return insert_segment(jpeg_bytes(), 0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + packet.encode())


def xmp_packet(properties: str = "", attributes: str = "") -> str:
    """An XMP packet with the usual namespaces; ``properties`` are child elements."""
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
        'xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" '
        'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        f"{attributes}>{properties}</rdf:Description></rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    )


def dst(tail: str, scheme: str = "http") -> str:
    """An ``Iptc4xmpExt:DigitalSourceType`` element for a vocabulary tail."""
    uri = IPTC.replace("http", scheme, 1) + tail
    return f"<Iptc4xmpExt:DigitalSourceType>{uri}</Iptc4xmpExt:DigitalSourceType>"


def png_bytes(chunks: tuple[tuple[bytes, bytes], ...] = (), mode: str = "RGB") -> bytes:
    """A small PNG with extra chunks inserted before IEND."""
    buffer = io.BytesIO()
    Image.new(mode, (4, 4)).save(buffer, "PNG")
    data = buffer.getvalue()
    extra = b"".join(png_chunk(ctype, payload) for ctype, payload in chunks)
    return data[:-12] + extra + data[-12:]


def png_chunk(ctype: bytes, payload: bytes) -> bytes:
    """One PNG chunk with its CRC."""
    crc = zlib.crc32(ctype + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + ctype + payload + struct.pack(">I", crc)


def itxt(keyword: str, text: str) -> bytes:
    """An uncompressed iTXt payload."""
    return keyword.encode("latin-1") + b"\x00\x00\x00\x00\x00" + text.encode("utf-8")


def tiff_entry(tag: int, kind: int, count: int, value: int) -> bytes:
    """One little-endian IFD entry whose value field is an offset (or an inline number)."""
    return struct.pack("<HHII", tag, kind, count, value)


def tiff_bytes(*entries: bytes, tail: bytes = b"\x00" * 16) -> bytes:
    """A little-endian TIFF: header, IFD0 with these entries, no next IFD, then ``tail``."""
    ifd = struct.pack("<H", len(entries)) + b"".join(entries) + b"\x00\x00\x00\x00"
    return b"II*\x00" + struct.pack("<I", 8) + ifd + tail


def riff_chunk(cid: bytes, payload: bytes) -> bytes:
    """One RIFF chunk, padded to even length."""
    pad = b"\x00" if len(payload) % 2 else b""
    return cid + struct.pack("<I", len(payload)) + payload + pad


def riff_list(list_type: bytes, *chunks: bytes) -> bytes:
    """A ``LIST`` chunk of the given type holding sub-chunks."""
    return riff_chunk(b"LIST", list_type + b"".join(chunks))


def wav_bytes(*chunks: bytes, samples: int = 64) -> bytes:
    """A mono 8 kHz 16-bit WAV with extra chunks before ``data``."""
    fmt = struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16)
    body = b"WAVE" + riff_chunk(b"fmt ", fmt) + b"".join(chunks)
    body += riff_chunk(b"data", b"\x00\x00" * samples)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def bext(description: str = "", originator: str = "", history: str = "") -> bytes:
    """A Broadcast WAV ``bext`` chunk payload (EBU Tech 3285 v2 layout)."""
    fixed = description.encode().ljust(256, b"\x00") + originator.encode().ljust(32, b"\x00")
    fixed += b"REF".ljust(32, b"\x00") + b"2024-01-01" + b"12:00:00" + b"\x00" * 8
    fixed += struct.pack("<H", 2) + b"\x00" * 64 + b"\x00" * 10 + b"\x00" * 180
    return fixed + history.encode()


def id3_frame(frame_id: str, payload: bytes, version: int = 3, flags: int = 0) -> bytes:
    """One ID3v2.3/2.4 frame."""
    size = len(payload)
    raw = _syncsafe(size) if version == 4 else struct.pack(">I", size)
    return frame_id.encode() + raw + struct.pack(">H", flags) + payload


def id3_text(text: str) -> bytes:
    """A text frame payload (UTF-8)."""
    return b"\x03" + text.encode()


def id3_tag(*frames: bytes, version: int = 3, flags: int = 0) -> bytes:
    """An ID3v2 tag holding the frames."""
    body = b"".join(frames)
    return b"ID3" + bytes([version, 0, flags]) + _syncsafe(len(body)) + body


def _syncsafe(value: int) -> bytes:
    return bytes([(value >> 21) & 0x7F, (value >> 14) & 0x7F, (value >> 7) & 0x7F, value & 0x7F])


def mp3_bytes(tag: bytes, frames: int = 4) -> bytes:
    """An MP3: the tag, then silent MPEG-1 layer III frames."""
    frame = b"\xff\xfb\x90\x00" + b"\x00" * 413
    return tag + frame * frames


def box(box_type: bytes, payload: bytes, extended: bytes = b"") -> bytes:
    """One BMFF box (a ``uuid`` box when ``extended`` is given)."""
    return struct.pack(">I", 8 + len(extended) + len(payload)) + box_type + extended + payload


def mp4_bytes(*boxes: bytes) -> bytes:
    """A minimal MP4 skeleton: ftyp, the given boxes, an empty mdat."""
    return box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2mp41") + b"".join(boxes) + box(b"mdat", b"")


@dataclass(frozen=True)
class SigningIdentity:
    """A throwaway C2PA signing identity: leaf chain PEM, key PEM, root PEM."""

    chain: bytes
    key: bytes
    root: bytes


def make_signer() -> SigningIdentity:
    """A root CA and a leaf certificate (ES256, e-mail protection EKU) valid for a month."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    def name(cn: str) -> x509.Name:
        org = x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Provenance Tests")
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn), org])

    now = datetime.datetime.now(datetime.UTC)
    root_key, leaf_key = (
        ec.generate_private_key(ec.SECP256R1()),
        ec.generate_private_key(ec.SECP256R1()),
    )
    start, end = now - datetime.timedelta(days=1), now + datetime.timedelta(days=30)
    root = (
        x509.CertificateBuilder()
        .subject_name(name("Test Root"))
        .issuer_name(name("Test Root"))
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .sign(root_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(name("Test Signer"))
        .issuer_name(root.subject)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
            critical=False,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), critical=False
        )
        .sign(root_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    key = leaf_key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return SigningIdentity(
        leaf.public_bytes(pem) + root.public_bytes(pem), key, root.public_bytes(pem)
    )


def _key_usage(cert_sign: bool) -> x509.KeyUsage:
    from cryptography import x509

    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def sign_asset(
    signer: SigningIdentity,
    asset: bytes,
    mime: str,
    manifest: dict[str, object],
    *,
    sidecar: bool = False,
    remote_url: str | None = None,
) -> tuple[bytes, bytes]:
    """Sign ``asset`` with a manifest; returns (output asset, manifest store bytes)."""
    import c2pa

    context = c2pa.Context.from_dict({"verify": {"remote_manifest_fetch": False}})
    builder = c2pa.Builder.from_json(json.dumps(manifest), context=context)
    if sidecar or remote_url:
        builder.set_no_embed()
    if remote_url:
        builder.set_remote_url(remote_url)
    info = c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, signer.chain, signer.key, None)
    out = io.BytesIO()
    with c2pa.Signer.from_info(info) as key:
        store = builder.sign(key, mime, io.BytesIO(asset), out)
    return out.getvalue() or asset, store


def sign_edit_of(signer: SigningIdentity, parent: bytes, mime: str) -> bytes:
    """``parent`` opened in an editor and signed again: its manifest becomes an ingredient's.

    The SDK validates the parent as it takes it in and records what it found
    in the ingredient assertion.
    """
    import c2pa

    opened = {"action": "c2pa.opened", "parameters": {"ingredientIds": ["parent"]}}
    manifest = manifest_with_actions(opened, generator="Test Editor")
    context = c2pa.Context.from_dict({"verify": {"remote_manifest_fetch": False}})
    builder = c2pa.Builder.from_json(json.dumps(manifest), context=context)
    ingredient = {"title": "parent", "relationship": "parentOf", "label": "parent"}
    builder.add_ingredient(json.dumps(ingredient), mime, io.BytesIO(parent))
    info = c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, signer.chain, signer.key, None)
    out = io.BytesIO()
    with c2pa.Signer.from_info(info) as key:
        builder.sign(key, mime, io.BytesIO(parent), out)
    return out.getvalue()


def manifest_with_actions(
    *actions: Mapping[str, object], generator: str = "Test Tool"
) -> dict[str, object]:
    """A manifest definition whose actions assertion holds ``actions``."""
    return {
        "claim_generator_info": [{"name": generator, "version": "1.0"}],
        "title": "test asset",
        "assertions": [{"label": "c2pa.actions", "data": {"actions": list(actions)}}],
    }


def write(path: Path, data: bytes) -> Path:
    """Write bytes and return the path."""
    path.write_bytes(data)
    return path
