"""A small, bounded, streaming reader for XMP packets (and other small XML).

XMP is RDF/XML: properties of a resource appear as child elements of
``rdf:Description`` (``<xmp:CreatorTool>GIMP</xmp:CreatorTool>``), as
attributes of it (``xmp:CreatorTool="GIMP"``), or as ``rdf:resource``
references; arrays wrap their values in ``rdf:Bag``/``rdf:Seq``/``rdf:Alt``
with one ``rdf:li`` per value, and structures nest further descriptions.

:func:`parse_xmp` flattens a packet into :class:`XmpProperty` items — the
property's namespace URI, local name and one text value each — which is all
the detectors need. It never builds a tree: expat feeds handlers that keep
only a stack of open elements, so memory stays proportional to the nesting
depth and the values kept.

Safety: a ``DOCTYPE`` (the only way to declare entities, hence the
"billion laughs" and external-entity attacks) is refused outright; packet
size, nesting depth, property count and value length are all bounded. Any
violation or malformed XML raises :class:`~provenance.files.formats.FormatProblem`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from xml.parsers import expat

from provenance.files.formats import FormatProblem

RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XML_NS = "http://www.w3.org/XML/1998/namespace"
MAX_PACKET_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 64
MAX_PROPERTIES = 10_000
MAX_VALUE_CHARS = 64 * 1024

_SEP = "\x01"  # expat joins namespace URI and local name with this separator
_CONTAINERS = frozenset({"RDF", "Description", "Bag", "Seq", "Alt", "li"})


@dataclass(frozen=True)
class XmpProperty:
    """One property value: namespace URI, local name, text value."""

    namespace: str
    name: str
    value: str


@dataclass
class XmpPacket:
    """All simple property values of one or more XMP packets."""

    properties: list[XmpProperty] = field(default_factory=list)

    def values(self, namespace: str, name: str) -> list[str]:
        """Every value of a property, in document order."""
        return [p.value for p in self.properties if p.namespace == namespace and p.name == name]

    def first(self, namespace: str, name: str) -> str | None:
        """The first value of a property, if any."""
        found = self.values(namespace, name)
        return found[0] if found else None

    def named(self, name: str) -> list[XmpProperty]:
        """Every property with this local name, whatever its namespace (for misspelt URIs)."""
        return [p for p in self.properties if p.name == name]


def decode_packet(data: bytes) -> str:
    """XML bytes to text: UTF-8 unless a byte-order mark or NUL pattern says UTF-16/32."""
    if len(data) > MAX_PACKET_BYTES:
        raise FormatProblem(f"XML packet of {len(data)} bytes is over the {MAX_PACKET_BYTES} limit")
    return data.decode(packet_codec(data), errors="replace")


# Byte-order marks, UTF-32's first: its little-endian mark opens with UTF-16's.
_BOMS = (
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def packet_codec(data: bytes) -> str:
    """The codec of an XMP packet, from its first four bytes.

    XMP may be serialised in UTF-8, UTF-16 or UTF-32, either byte order
    (XMP Specification Part 1, 7.3.2): a byte-order mark says which, or
    else the NULs around the packet's first character, ``<`` (or
    whitespace): ``00 00 00 3C`` is UTF-32 big-endian, ``3C 00`` UTF-16
    little-endian. The mark is dropped with it (``utf-16``, ``utf-32``).
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return codec
    nuls = tuple(byte == 0 for byte in data[:4])
    return _BY_NULS.get(nuls, _BY_NULS.get(nuls[:2], "utf-8"))


_BY_NULS = {
    (True, True, True, False): "utf-32-be",
    (False, True, True, True): "utf-32-le",
    (True, False): "utf-16-be",
    (False, True): "utf-16-le",
}


def parse_xmp(data: bytes | str) -> XmpPacket:
    """Flatten one XMP packet (bytes or text) into properties; raises FormatProblem."""
    packet = XmpPacket()
    walk_xml(data, _XmpCollector(packet))
    return packet


def parse_xmp_packets(packets: Iterable[bytes | str]) -> XmpPacket:
    """Parse several packets (standard + extended XMP) into one property list."""
    merged = XmpPacket()
    for data in packets:
        merged.properties.extend(parse_xmp(data).properties)
    return merged


class XmlHandler:
    """Callbacks of :func:`walk_xml`: element starts, ends (with its text) and limits."""

    def start(self, stack: list[tuple[str, str]], attrs: dict[str, str]) -> None:
        """An element opened; ``stack[-1]`` is it, as (namespace, local name)."""

    def end(self, stack: list[tuple[str, str]], text: str, has_children: bool) -> None:
        """An element closed; ``text`` is its direct character data."""


def walk_xml(data: bytes | str, handler: XmlHandler) -> None:
    """Stream an XML document through ``handler`` with the safety limits above."""
    text = data if isinstance(data, str) else decode_packet(data)
    if len(text) > MAX_PACKET_BYTES:
        raise FormatProblem("XML packet over the size limit")
    # Lone surrogates (possible in str input) cannot reach expat, which wants UTF-8.
    text = _strip_packet_wrapper(text).encode("utf-8", "replace").decode("utf-8")
    parser = expat.ParserCreate(namespace_separator=_SEP)
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    _install(parser, handler)
    try:
        parser.Parse(text, True)
    except expat.ExpatError as exc:
        raise FormatProblem(f"malformed XML ({exc})") from exc


def _strip_packet_wrapper(text: str) -> str:
    # Extended XMP and some writers leave junk (padding, NULs) around the packet.
    start = text.find("<")
    end = text.rfind(">")
    if start < 0 or end < start:
        raise FormatProblem("no XML element in packet")
    return text[start : end + 1]


def _split(qname: str) -> tuple[str, str]:
    namespace, sep, local = qname.partition(_SEP)
    return (namespace, local) if sep else ("", qname)


def _install(parser: expat.XMLParserType, handler: XmlHandler) -> None:
    stack: list[tuple[str, str]] = []
    texts: list[list[str]] = []
    sizes: list[int] = []
    children: list[bool] = []

    def refuse(*_args: object) -> None:
        raise FormatProblem("XML with a DOCTYPE or entity declaration refused")

    def start(qname: str, attrs: dict[str, str]) -> None:
        if len(stack) >= MAX_DEPTH:
            raise FormatProblem(f"XML nested deeper than {MAX_DEPTH} elements")
        if children:
            children[-1] = True
        stack.append(_split(qname))
        texts.append([])
        sizes.append(0)
        children.append(False)
        handler.start(stack, attrs)

    def end(_qname: str) -> None:
        sizes.pop()
        handler.end(stack, "".join(texts.pop()), children.pop())
        stack.pop()

    def chars(data: str) -> None:
        if texts and sizes[-1] < MAX_VALUE_CHARS:
            texts[-1].append(data[: MAX_VALUE_CHARS - sizes[-1]])
            sizes[-1] += len(data)

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars


class _XmpCollector(XmlHandler):
    """Turns RDF/XML element events into flat :class:`XmpProperty` items."""

    def __init__(self, packet: XmpPacket) -> None:
        self.packet = packet

    def _add(self, namespace: str, name: str, value: str) -> None:
        if len(self.packet.properties) >= MAX_PROPERTIES:
            raise FormatProblem(f"more than {MAX_PROPERTIES} XMP properties")
        if value.strip():
            self.packet.properties.append(XmpProperty(namespace, name, value.strip()))

    def start(self, stack: list[tuple[str, str]], attrs: dict[str, str]) -> None:
        # Attributes are properties (on rdf:Description, rdf:li) or struct fields
        # (on a property element); rdf:resource is a property's URI value.
        namespace, local = stack[-1]
        for qname, value in attrs.items():
            attr_ns, attr_name = _split(qname)
            if attr_ns == RDF_NS and attr_name == "resource" and not _is_rdf(namespace, local):
                self._add(namespace, local, value)
            elif attr_ns not in (RDF_NS, XML_NS, ""):
                self._add(attr_ns, attr_name, value)

    def end(self, stack: list[tuple[str, str]], text: str, has_children: bool) -> None:
        if has_children:
            return
        owner = _property_for(stack)
        if owner is not None:
            self._add(owner[0], owner[1], text)


def _is_rdf(namespace: str, local: str) -> bool:
    return namespace == RDF_NS and local in _CONTAINERS


def _property_for(stack: list[tuple[str, str]]) -> tuple[str, str] | None:
    """The nearest enclosing non-RDF element: the property an ``rdf:li`` value belongs to."""
    for namespace, local in reversed(stack):
        if not _is_rdf(namespace, local):
            return None if namespace == "adobe:ns:meta/" else (namespace, local)
    return None


def simple_elements(data: bytes | str, keep: Callable[[str], bool]) -> list[tuple[str, str]]:
    """Leaf elements of any small XML document as (local name, text), e.g. for iXML."""
    found: list[tuple[str, str]] = []

    class _Leaves(XmlHandler):
        def end(self, stack: list[tuple[str, str]], text: str, has_children: bool) -> None:
            if not has_children and text.strip() and keep(stack[-1][1]):
                if len(found) >= MAX_PROPERTIES:
                    raise FormatProblem(f"more than {MAX_PROPERTIES} XML elements")
                found.append((stack[-1][1], text.strip()))

    walk_xml(data, _Leaves())
    return found
