"""IPTC and XMP provenance properties: digital source type, AI system, creator tool.

XMP is the metadata format most tools write (Adobe apps, Midjourney, Meta AI,
Draw Things, cameras). Five properties matter for provenance:

``Iptc4xmpExt:DigitalSourceType``
    how the content came to be, in the IPTC vocabulary
    (:mod:`provenance.detectors.sourcetypes`): ``trainedAlgorithmicMedia`` means
    generated, ``digitalCapture`` captured... Unsigned, so medium confidence.
``Iptc4xmpExt:AISystemUsed`` / ``AISystemVersionUsed`` / ``AIPromptInformation``
    IPTC 2025.1: which AI system made the content, and the prompt. A named
    system names the tool; the claim stays unsigned, so still medium.
``xmp:CreatorTool``
    the application that created the file: a generator (Draw Things) or an
    editor (Photoshop: says who saved the file, not where the content came from).
``photoshop:Credit``
    the credit line; Google's generators write "Edited with Google AI" there
    beside a generated source type and no C2PA: it names the tool, it never
    says "generated" on its own.
``dcterms:provenance``
    a pointer to a C2PA manifest, embedded (``self#jumbf=...``) or remote (a
    URL, never fetched).

Packets are found where each container keeps them — JPEG ``APP1`` (plus
extended XMP), PNG ``iTXt XML:com.adobe.xmp``, TIFF tag 700, WebP ``XMP ``,
WAV ``_PMX``, MP4/MOV ``uuid`` and ``udta/XMP_`` boxes, a ``.xmp`` file — and in
``<file>.xmp`` / ``<stem>.xmp`` sidecars; for other formats (GIF, PDF, PSD,
HEIF, MP3...) the start and end of the file are scanned for a packet.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from provenance.detectors.base import DetectorContext, markers_unread_evidence
from provenance.detectors.sidecars import sidecar_paths
from provenance.detectors.software_names import match_software
from provenance.detectors.sourcetypes import SourceType, lookup
from provenance.detectors.xmp_packets import read_sidecar
from provenance.evidence import Evidence
from provenance.files.formats import FormatProblem
from provenance.files.formats.xmp import XmpPacket, parse_xmp_packets
from provenance.tools import UNKNOWN_GENAI

XMP_NS = "http://ns.adobe.com/xap/1.0/"
DCTERMS_NS = "http://purl.org/dc/terms/"
PHOTOSHOP_NS = "http://ns.adobe.com/photoshop/1.0/"
MAX_TEXT = 512


class XmpDetector:
    """IPTC digital source type, AI system, creator tool and provenance pointer in XMP."""

    name = "xmp"

    def detect(self, ctx: DetectorContext) -> Iterator[Evidence]:
        """Yield evidence from the file's own XMP, then from XMP sidecars."""
        packets = ctx.xmp_packets()
        if packets:
            yield from self._packets(packets, "embedded XMP")
        for sidecar in sidecar_paths(ctx.path, ".xmp"):
            yield from self._packets([read_sidecar(sidecar)], f"XMP sidecar {sidecar.name}")

    def _packets(self, packets: list[bytes], source: str) -> Iterator[Evidence]:
        try:
            packet = parse_xmp_packets(packets)
        except FormatProblem as exc:
            yield markers_unread_evidence(self.name, f"{source} could not be read: {exc}")
            return
        yield from packet_evidence(packet, source, self.name)


def packet_evidence(packet: XmpPacket, source: str, detector: str) -> Iterator[Evidence]:
    """Every evidence item one (merged) XMP packet yields."""
    facts = _Facts(packet)
    for value in dict.fromkeys(facts.source_types):
        yield _source_type_item(value, facts, source, detector)
    if facts.ai_system and not any(_generated(v) for v in facts.source_types):
        yield _ai_system_item(facts, source, detector)
    if facts.creator_tool:
        yield _creator_tool_item(facts.creator_tool, source, detector)
    for value in dict.fromkeys(facts.provenance):
        yield _provenance_item(value, source, detector)


class _Facts:
    """The provenance-relevant properties of a packet."""

    def __init__(self, packet: XmpPacket) -> None:
        named = {name: [p.value[:MAX_TEXT] for p in packet.named(name)] for name in _NAMES}
        self.source_types = named["DigitalSourceType"] + named["DigitalSourcefileType"]
        self.ai_system = _first(named["AISystemUsed"])
        self.ai_version = _first(named["AISystemVersionUsed"])
        self.prompt = _first(p.value for p in packet.named("AIPromptInformation"))
        self.creator_tool = _first(packet.values(XMP_NS, "CreatorTool"))
        self.credit = _first(packet.values(PHOTOSHOP_NS, "Credit"))
        self.provenance = [v[:MAX_TEXT] for v in packet.values(DCTERMS_NS, "provenance")]

    def ai_fields(self) -> dict[str, str]:
        """Evidence fields naming the AI system, when given."""
        found = {"ai_system": self.ai_system} if self.ai_system else {}
        return found | ({"ai_system_version": self.ai_version} if self.ai_version else {})


_NAMES = ("DigitalSourceType", "DigitalSourcefileType", "AISystemUsed", "AISystemVersionUsed")


def _first(values: Iterable[str]) -> str | None:
    for value in values:
        if value.strip():
            return value.strip()
    return None


def _generated(value: str) -> bool:
    term = lookup(value)
    return term is not None and term.meaning == "generated"


def _source_type_item(value: str, facts: _Facts, source: str, detector: str) -> Evidence:
    term = lookup(value)
    fields = {"digital_source_type": value, "source": source}
    if term is None:
        return Evidence(
            detector,
            "digital-source-type",
            f"{source}: unrecognised digital source type '{value}'",
            fields=fields,
        )
    if term.meaning == "generated":
        return _generated_item(term, facts, source, detector, fields)
    if term.meaning in ("capture", "human"):
        return Evidence(
            detector,
            "digital-source-type",
            f"{source}: IPTC digital source type '{term.tail}' ({term.description}); unsigned",
            signal="not_genai",
            tool="camera" if term.meaning == "capture" else _editor(facts),
            confidence="medium" if term.meaning == "capture" else "weak",
            fields=fields,
        )
    return Evidence(
        detector,
        "digital-source-type",
        f"{source}: IPTC digital source type "
        f"'{term.tail}' ({term.description}); does not establish the origin",
        fields=fields,
    )


def _generated_item(
    term: SourceType, facts: _Facts, source: str, detector: str, fields: dict[str, str]
) -> Evidence:
    named = _generator_tool(facts.ai_system)
    tool = named or _generator_tool(facts.creator_tool) or _generator_tool(facts.credit)
    system = f"; AI system '{facts.ai_system}'" if facts.ai_system else ""
    system += f"; credit '{facts.credit}'" if facts.credit and tool else ""
    return Evidence(
        detector,
        "digital-source-type",
        f"{source}: IPTC digital source type '{term.tail}' ({term.description}){system}; unsigned",
        signal="genai",
        tool=tool or UNKNOWN_GENAI,
        confidence="medium",  # unsigned, whatever it names
        prompt=facts.prompt,
        fields=fields | facts.ai_fields(),
    )


def _generator_tool(text: str | None) -> str | None:
    found = match_software(text)
    if found is not None and found.kind in ("generator", "generator_vendor"):
        return found.tool
    return None


def _editor(facts: _Facts) -> str | None:
    found = match_software(facts.creator_tool)
    return found.tool if found is not None and found.kind == "editor" else None


def _ai_system_item(facts: _Facts, source: str, detector: str) -> Evidence:
    named = _generator_tool(facts.ai_system)
    return Evidence(
        detector,
        "iptc-ai-system",
        f"{source}: IPTC 'AI system used' is '{facts.ai_system}'",
        signal="genai",
        tool=named or UNKNOWN_GENAI,
        confidence="medium",
        prompt=facts.prompt,
        fields={"source": source} | facts.ai_fields(),
    )


def _creator_tool_item(tool_name: str, source: str, detector: str) -> Evidence:
    found = match_software(tool_name)
    fields = {"creator_tool": tool_name, "source": source}
    if found is not None and found.kind == "generator":
        return Evidence(
            detector,
            "xmp-creator-tool",
            f"{source}: created with generator '{tool_name}'",
            signal="genai",
            tool=found.tool,
            confidence="medium",
            fields=fields,
        )
    what = "editing software" if found is not None and found.kind == "editor" else "software"
    return Evidence(
        detector,
        "xmp-creator-tool",
        f"{source}: created with {what} '{tool_name}' "
        "(who saved the file, not where its content came from)",
        tool=found.tool if found is not None else None,
        fields=fields,
    )


def _provenance_item(value: str, source: str, detector: str) -> Evidence:
    remote = value.lower().startswith(("http://", "https://"))
    where = (
        "a remote C2PA manifest (not fetched: no network access)"
        if remote
        else "a C2PA manifest in the file itself (if none is embedded, it was stripped)"
    )
    return Evidence(
        detector,
        "c2pa-pointer",
        f"{source}: dcterms:provenance points to {where}: {value}",
        fields={"provenance": value, "source": source},
    )


DETECTOR = XmpDetector()
