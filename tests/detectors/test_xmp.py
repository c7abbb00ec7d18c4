"""The XMP detector: where packets are found, and what their properties mean."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from provenance.classify import classify_file
from provenance.detectors import xmp as xmp_detector
from provenance.detectors.base import MARKERS_UNREAD, DetectorContext
from provenance.detectors.xmp_packets import PACKET_BOUNDS, _packets_in
from provenance.evidence import Evidence
from provenance.files.media import read_facts
from provenance.settings import Settings
from tests.detectors.builders_metadata import (
    box,
    dst,
    itxt,
    jpeg_bytes,
    jpeg_with_xmp,
    mp4_bytes,
    png_bytes,
    riff_chunk,
    wav_bytes,
    write,
    xmp_packet,
)

SETTINGS = Settings(db="sqlite://")
XMP_UUID = bytes.fromhex("be7acfcb97a942e89c71999491e3afac")
GENERATED = xmp_packet(dst("trainedAlgorithmicMedia"))


def detect(path: Path) -> list[Evidence]:
    ctx = DetectorContext(path=path, facts=read_facts(path, path.stat().st_size), settings=SETTINGS)
    return list(xmp_detector.DETECTOR.detect(ctx))


def genai(items: list[Evidence]) -> list[Evidence]:
    return [e for e in items if e.signal == "genai"]


def webp_with_xmp(packet: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, "WEBP", xmp=packet.encode())
    return buffer.getvalue()


def tiff_with_xmp(packet: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, "TIFF", tiffinfo={700: packet.encode()})
    return buffer.getvalue()


CONTAINERS: dict[str, Callable[[str], bytes]] = {
    "a.jpg": jpeg_with_xmp,
    "a.png": lambda p: png_bytes(((b"iTXt", itxt("XML:com.adobe.xmp", p)),)),
    "a.webp": webp_with_xmp,
    "a.tif": tiff_with_xmp,
    "a.mp4": lambda p: mp4_bytes(box(b"uuid", p.encode(), XMP_UUID)),
    "a.mov": lambda p: mp4_bytes(box(b"moov", box(b"udta", box(b"XMP_", p.encode())))),
    "a.wav": lambda p: wav_bytes(riff_chunk(b"_PMX", p.encode())),
    "a.gif": lambda p: b"GIF89a" + b"\x00" * 20 + p.encode() + b"\x3b",
}


@pytest.mark.parametrize("name", sorted(CONTAINERS))
def test_packets_are_found_in_every_container(tmp_path: Path, name: str) -> None:
    path = write(tmp_path / name, CONTAINERS[name](GENERATED))
    found = genai(detect(path))
    assert [(e.tool, e.confidence) for e in found] == [("unknown-genai", "medium")]


def test_a_sidecar_xmp_is_read_under_both_names(tmp_path: Path) -> None:
    path = write(tmp_path / "IMG_0001.CR2", b"II*\x00\x08\x00\x00\x00\x00\x00")
    write(tmp_path / "IMG_0001.xmp", GENERATED.encode())
    write(tmp_path / "IMG_0001.CR2.xmp", xmp_packet(dst("digitalCapture")).encode())
    items = detect(path)
    sources = sorted(e.fields["source"] for e in items)
    assert sources == ["XMP sidecar IMG_0001.CR2.xmp", "XMP sidecar IMG_0001.xmp"]
    _, result = classify_file(path, SETTINGS)
    assert result.verdict == "genai"


def test_an_xmp_file_is_read_as_a_packet(tmp_path: Path) -> None:
    path = write(tmp_path / "look.xmp", GENERATED.encode())
    assert genai(detect(path))


def test_a_named_ai_system_names_the_tool_and_stays_medium(tmp_path: Path) -> None:
    packet = xmp_packet(
        dst("trainedAlgorithmicMedia", scheme="https")
        + "<Iptc4xmpExt:AISystemUsed>Midjourney</Iptc4xmpExt:AISystemUsed>"
        + "<Iptc4xmpExt:AISystemVersionUsed>6.1</Iptc4xmpExt:AISystemVersionUsed>"
        + "<Iptc4xmpExt:AIPromptInformation>a fox in snow</Iptc4xmpExt:AIPromptInformation>"
    )
    [item] = genai(detect(write(tmp_path / "mj.jpg", jpeg_with_xmp(packet))))
    assert (item.tool, item.confidence, item.prompt) == ("midjourney", "medium", "a fox in snow")
    assert item.fields["ai_system_version"] == "6.1"


def test_an_ai_system_without_source_type_is_still_genai(tmp_path: Path) -> None:
    packet = xmp_packet("<Iptc4xmpExt:AISystemUsed>Adobe Firefly</Iptc4xmpExt:AISystemUsed>")
    [item] = genai(detect(write(tmp_path / "f.jpg", jpeg_with_xmp(packet))))
    assert (item.kind, item.tool) == ("iptc-ai-system", "adobe-firefly")


@pytest.mark.parametrize(
    ("tail", "signal", "tool"),
    [
        ("compositeWithTrainedAlgorithmicMedia", "genai", "unknown-genai"),
        ("compositeSynthetic", "genai", "unknown-genai"),
        ("digitalCapture", "not_genai", "camera"),
        ("negativeFilm", "not_genai", "camera"),
        ("algorithmicMedia", "neutral", None),
        ("composite", "neutral", None),
        ("somethingNew", "neutral", None),
    ],
)
def test_source_types_map_to_signals(
    tmp_path: Path, tail: str, signal: str, tool: str | None
) -> None:
    [item] = detect(write(tmp_path / "a.jpg", jpeg_with_xmp(xmp_packet(dst(tail)))))
    assert (item.signal, item.tool) == (signal, tool)


def test_the_deprecated_property_spelling_is_read(tmp_path: Path) -> None:
    old = "<Iptc4xmpExt:DigitalSourcefileType>softwareImage</Iptc4xmpExt:DigitalSourcefileType>"
    [item] = detect(write(tmp_path / "a.jpg", jpeg_with_xmp(xmp_packet(old))))
    assert (item.signal, item.confidence) == ("not_genai", "weak")


def test_creator_tools(tmp_path: Path) -> None:
    drawn = xmp_packet(attributes='xmp:CreatorTool="Draw Things 1.2"')
    [item] = detect(
        write(tmp_path / "d.png", png_bytes(((b"iTXt", itxt("XML:com.adobe.xmp", drawn)),)))
    )
    assert (item.signal, item.tool) == ("genai", "drawthings")
    edited = xmp_packet(attributes='xmp:CreatorTool="Adobe Photoshop 25.0 (Windows)"')
    [item] = detect(write(tmp_path / "p.jpg", jpeg_with_xmp(edited)))
    assert (item.signal, item.tool) == ("neutral", "adobe-photoshop")


def test_provenance_pointers_are_neutral(tmp_path: Path) -> None:
    packet = xmp_packet("<dcterms:provenance>https://cai.example/m/1</dcterms:provenance>")
    [item] = detect(write(tmp_path / "a.jpg", jpeg_with_xmp(packet)))
    assert item.kind == "c2pa-pointer" and item.signal == "neutral"
    assert "not fetched" in item.detail


def test_a_broken_packet_is_an_error_item(tmp_path: Path) -> None:
    items = detect(write(tmp_path / "a.jpg", jpeg_with_xmp("<x:xmpmeta><broken></x:xmpmeta>")))
    assert [e.signal for e in items] == ["error"]


def test_files_without_xmp_yield_nothing(tmp_path: Path) -> None:
    assert detect(write(tmp_path / "a.jpg", jpeg_bytes())) == []
    assert detect(write(tmp_path / "a.png", png_bytes())) == []
    assert detect(write(tmp_path / "a.exr", b"\x76\x2f\x31\x01" + b"<x:xmpmeta" * 10)) == []


class _CountingBytes(bytes):
    """Bytes that count what their ``find`` calls read: the scan's work, without a clock."""

    scanned = 0

    def find(self, sub: bytes, start: int | None = None, *args: int) -> int:  # type: ignore[override]
        found = super().find(sub, start, *args)
        begin = 0 if start is None else start
        _CountingBytes.scanned += (len(self) if found < 0 else found + 1) - begin
        return found


def test_the_packet_scan_is_linear_on_hostile_data(tmp_path: Path) -> None:
    hostile = b"GIF89a" + b"<x:xmpmeta " * 300_000  # openings, never a closing
    data = _CountingBytes(hostile)
    _CountingBytes.scanned = 0
    assert _packets_in(data) == []
    # Each byte read a bounded number of times: once for each encoding's opening, and a closing.
    assert _CountingBytes.scanned <= (len(PACKET_BOUNDS) + 2) * len(hostile)
    # An opening never closed: a packet cut short, handed on as it is.
    assert {e.kind for e in detect(write(tmp_path / "a.gif", hostile))} == {MARKERS_UNREAD}
