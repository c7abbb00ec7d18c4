"""Stealth metadata: generation parameters hidden in pixel low bits.

The A1111 *stealth pnginfo* extension (built into Forge and reForge, offered
by SwarmUI) and NovelAI write the generation parameters into the least
significant bits of the pixels, so they survive text-chunk stripping (though
not JPEG or any colour change). The layout:

* bits are taken **column by column** (x outer, y inner), from the alpha
  channel (one bit per pixel) or from R, G, B in turn (three bits per pixel);
* a 15-byte magic: ``stealth_pnginfo`` / ``stealth_pngcomp`` (alpha, plain or
  gzip) or ``stealth_rgbinfo`` / ``stealth_rgbcomp`` (RGB);
* a 32-bit big-endian payload length **in bits**;
* the payload: A1111 infotext, SwarmUI JSON, or NovelAI's JSON of its PNG
  text fields (``stealth_pngcomp``), gzip-compressed for ``comp``.

Reading is bounded: the magic and length need 152 pixels, the payload at most
:data:`MAX_PAYLOAD` bytes, decompressed at most :data:`MAX_TEXT` bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from provenance.detectors.generators.entries import ENTRY_KEYWORDS, Entries, load_json
from provenance.detectors.generators.finding import Finding
from provenance.detectors.generators.identify import identify
from provenance.detectors.generators.pixels import PixelSource
from provenance.files.formats import FormatProblem
from provenance.files.formats.png import inflate
from provenance.tools import UNKNOWN_GENAI

Mode = Literal["alpha", "rgb"]
SIGNATURES: dict[Mode, dict[bytes, bool]] = {
    "alpha": {b"stealth_pnginfo": False, b"stealth_pngcomp": True},
    "rgb": {b"stealth_rgbinfo": False, b"stealth_rgbcomp": True},
}
MAGIC_BITS = 15 * 8
PREFIX = b"s"  # every signature starts "stealth_"
HEADER_BITS = MAGIC_BITS + 32
MAX_PAYLOAD = 64 * 1024
MAX_TEXT = 1024 * 1024


@dataclass(frozen=True)
class StealthPayload:
    """A stealth signature found in the pixels, and its payload text when readable."""

    mode: Mode
    signature: str
    text: str | None
    problem: str | None = None

    @property
    def where(self) -> str:
        """Where the payload sits, for evidence details."""
        channel = "alpha-channel" if self.mode == "alpha" else "RGB"
        return f"{channel} low bits ('{self.signature}')"


def read_stealth(source: PixelSource, modes: tuple[Mode, ...]) -> StealthPayload | None:
    """Look for a stealth signature in each mode; read the payload of the first found."""
    # Most files carry no signature, so the common cost is this check: first
    # the signatures' first byte (8 rows at most), then the whole magic, and
    # only as many rows as the most demanding mode needs (alpha: one bit a
    # pixel; RGB: three).
    widest: Mode = "alpha" if "alpha" in modes else modes[0]
    start = _rows_for(source, len(PREFIX) * 8, widest)
    modes = tuple(m for m in modes if _to_bytes(_bits(start, source.channels, m)[:8]) == PREFIX)
    if not modes:
        return None
    rows = _rows_for(source, MAGIC_BITS, widest)
    for mode in modes:
        bits = _bits(rows, source.channels, mode)
        if len(bits) < MAGIC_BITS:
            continue
        magic = _to_bytes(bits[:MAGIC_BITS])
        if magic in SIGNATURES[mode]:
            header = _bits(_rows_for(source, HEADER_BITS, mode), source.channels, mode)
            if len(header) < HEADER_BITS:
                continue
            length = int("".join(map(str, header[MAGIC_BITS:HEADER_BITS])), 2)
            return _payload(source, mode, magic, length)
    return None


def _pixels_for(bits: int, mode: Mode) -> int:
    return bits if mode == "alpha" else -(-bits // 3)


def _rows_for(source: PixelSource, bits: int, mode: Mode = "alpha") -> list[bytes]:
    pixels = min(_pixels_for(bits, mode), source.width * source.height)
    if pixels <= 0 or source.height <= 0:
        return []
    return source.columns(-(-pixels // source.height), min(pixels, source.height))


def _bits(rows: list[bytes], channels: int, mode: Mode) -> list[int]:
    """The low bits of ``rows`` in column-major order."""
    if not rows:
        return []
    width = len(rows[0]) // channels
    picks = (3,) if mode == "alpha" else (0, 1, 2)
    return [
        row[x * channels + c] & 1
        for x in range(width)
        for row in rows
        if len(row) >= (x + 1) * channels
        for c in picks
    ]


def _to_bytes(bits: list[int]) -> bytes:
    out = bytearray()
    for start in range(0, len(bits) - 7, 8):
        value = 0
        for bit in bits[start : start + 8]:
            value = (value << 1) | bit
        out.append(value)
    return bytes(out)


def _payload(source: PixelSource, mode: Mode, magic: bytes, length: int) -> StealthPayload:
    signature = magic.decode("ascii")
    available = source.width * source.height * (1 if mode == "alpha" else 3) - HEADER_BITS
    if length <= 0 or length > MAX_PAYLOAD * 8 or length > available:
        problem = f"declared payload of {length} bits not read (empty, too large or past the image)"
        return StealthPayload(mode, signature, None, problem)
    bits = _bits(_rows_for(source, HEADER_BITS + length, mode), source.channels, mode)
    data = _to_bytes(bits[HEADER_BITS : HEADER_BITS + length])
    try:
        raw = (
            inflate(data, MAX_TEXT, gzip=True, what="gzip stealth payload")
            if SIGNATURES[mode][magic]
            else data
        )
    except FormatProblem as exc:
        return StealthPayload(mode, signature, None, str(exc))
    return StealthPayload(mode, signature, raw.decode("utf-8", errors="replace").strip("\x00"))


def payload_entries(payload: StealthPayload) -> Entries:
    """The payload as entries: NovelAI's JSON of PNG fields unfolds, else it is ``parameters``."""
    entries = Entries()
    text = payload.text or ""
    value = load_json(text) if text.lstrip()[:1] == "{" else None
    if isinstance(value, dict) and ENTRY_KEYWORDS.intersection(value):
        for key, inner in value.items():
            if isinstance(inner, str):
                entries.add(str(key), inner, f"{payload.where} JSON '{key}'")
    else:
        entries.add("parameters", text, payload.where)
    return entries


def stealth_finding(payload: StealthPayload) -> Finding:
    """What the payload says; the signature alone still marks a generator."""
    found = identify(payload_entries(payload)) if payload.text else None
    if found is not None:
        fields = {**found.fields, "stealth": payload.signature}
        return Finding(found.tool, "stealth-metadata", found.detail, found.prompt, fields)
    reason = payload.problem or "payload format not recognised"
    detail = f"stealth metadata signature in {payload.where}; {reason}"
    return Finding(
        UNKNOWN_GENAI, "stealth-metadata", detail, None, {"stealth": payload.signature}, "medium"
    )
