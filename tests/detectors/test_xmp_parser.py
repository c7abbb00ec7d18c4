"""The bounded XMP reader: flattening RDF/XML, refusing hostile XML, never crashing."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.detectors.sourcetypes import VOCABULARY, is_generated, lookup, source_type_tail
from provenance.files.formats import FormatProblem
from provenance.files.formats.xmp import (
    MAX_DEPTH,
    RDF_NS,
    decode_packet,
    parse_xmp,
    simple_elements,
)
from tests.detectors.builders_metadata import dst, xmp_packet

IPTC_EXT = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
XMP = "http://ns.adobe.com/xap/1.0/"


def test_element_attribute_and_resource_forms_are_all_read() -> None:
    packet = xmp_packet(
        properties=dst("digitalCapture")
        + '<dcterms:provenance rdf:resource="https://example.com/m.c2pa"/>'
        + '<dc:title><rdf:Alt><rdf:li xml:lang="x-default">Plate 12</rdf:li></rdf:Alt></dc:title>',
        attributes='xmp:CreatorTool="GIMP 2.10"',
    )
    found = parse_xmp(packet.encode())
    assert found.first(XMP, "CreatorTool") == "GIMP 2.10"
    assert str(found.first(IPTC_EXT, "DigitalSourceType")).endswith("/digitalCapture")
    assert found.first("http://purl.org/dc/terms/", "provenance") == "https://example.com/m.c2pa"
    assert found.first("http://purl.org/dc/elements/1.1/", "title") == "Plate 12"
    assert not [p for p in found.properties if p.namespace == RDF_NS]


def test_struct_fields_in_lists_are_read() -> None:
    history = (
        '<xmpMM:History xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/" '
        'xmlns:stEvt="http://ns.adobe.com/xap/1.0/sType/ResourceEvent#"><rdf:Seq>'
        '<rdf:li stEvt:softwareAgent="Adobe Photoshop 25.0"/>'
        '<rdf:li rdf:parseType="Resource"><stEvt:softwareAgent>GIMP</stEvt:softwareAgent></rdf:li>'
        "</rdf:Seq></xmpMM:History>"
    )
    agents = [p.value for p in parse_xmp(xmp_packet(history)).named("softwareAgent")]
    assert agents == ["Adobe Photoshop 25.0", "GIMP"]


@pytest.mark.parametrize(
    "hostile",
    [
        b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><x>&b;</x>',
        b'<!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>',
        b"<a>&undefined;</a>",
        b"<a><b></a>",
        b"no xml here",
        b"<a>" * (MAX_DEPTH + 1) + b"</a>" * (MAX_DEPTH + 1),
    ],
)
def test_hostile_or_broken_xml_is_refused(hostile: bytes) -> None:
    with pytest.raises(FormatProblem):
        parse_xmp(hostile)


def test_packets_in_utf16_are_decoded() -> None:
    packet = xmp_packet(attributes='xmp:CreatorTool="Nuke 15"')
    for encoded in (
        packet.encode("utf-16-le"),
        packet.encode("utf-16-be"),
        packet.encode("utf-16"),
    ):
        assert parse_xmp(encoded).first(XMP, "CreatorTool") == "Nuke 15"


def test_padding_around_a_packet_is_ignored() -> None:
    packet = (
        b"\x00\x00  "
        + xmp_packet(attributes='xmp:CreatorTool="X"').encode()
        + b" " * 2048
        + b"\x00"
    )
    assert parse_xmp(packet).first(XMP, "CreatorTool") == "X"


def test_decode_packet_refuses_oversized_input() -> None:
    with pytest.raises(FormatProblem):
        decode_packet(b" " * (16 * 1024 * 1024 + 1))


def test_simple_elements_reads_leaves() -> None:
    ixml = (
        b"<BWFXML><PROJECT>Film</PROJECT><SPEED><NOTE>x</NOTE></SPEED><SCENE>12A</SCENE></BWFXML>"
    )
    assert simple_elements(ixml, lambda name: name in ("PROJECT", "SCENE")) == [
        ("PROJECT", "Film"),
        ("SCENE", "12A"),
    ]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_never_escape_as_anything_but_format_problem(data: bytes) -> None:
    with contextlib.suppress(FormatProblem):
        parse_xmp(data)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=512))
def test_arbitrary_text_never_escapes_as_anything_but_format_problem(text: str) -> None:
    with contextlib.suppress(FormatProblem):
        parse_xmp(text)


_VALUE = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Cn")), min_size=1, max_size=64
).filter(lambda s: s.strip() == s and s)


@settings(max_examples=100, deadline=None)
@given(_VALUE)
def test_property_values_survive_escaping(value: str) -> None:
    from xml.sax.saxutils import escape, quoteattr

    as_element = xmp_packet(f"<xmp:Label>{escape(value)}</xmp:Label>")
    as_attribute = xmp_packet(attributes=f"xmp:Label={quoteattr(value)}")
    assert parse_xmp(as_element).first(XMP, "Label") == value
    assert parse_xmp(as_attribute).first(XMP, "Label") == value


# --- the digital source type vocabulary ---------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia",
        "https://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia",
        " http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia/ ",
        "trainedAlgorithmicMedia",
        "http://c2pa.org/digitalsourcetype/trainedAlgorithmicData",
        "compositeWithTrainedAlgorithmicMedia",
        "compositeSynthetic",
    ],
)
def test_generated_terms_are_recognised_in_every_spelling(value: str) -> None:
    assert is_generated(value)


@pytest.mark.parametrize(
    ("tail", "meaning"),
    [
        ("algorithmicMedia", "not_a_source"),
        ("empty", "not_a_source"),
        ("composite", "possible"),
        ("digitalArt", "possible"),
        ("digitalCapture", "capture"),
        ("computationalCapture", "capture"),
        ("negativeFilm", "capture"),
        ("minorHumanEdits", "human"),
        ("digitalCreation", "human"),
    ],
)
def test_non_generated_terms(tail: str, meaning: str) -> None:
    term = lookup("https://cv.iptc.org/newscodes/digitalsourcetype/" + tail)
    assert term is not None and term.meaning == meaning
    assert not is_generated(tail)


def test_unknown_terms_and_tails() -> None:
    assert lookup("http://example.com/madeUp") is None
    assert lookup("") is None
    assert source_type_tail("a/b/c#d") == "d"
    assert len(VOCABULARY) == 22
