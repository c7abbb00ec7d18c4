"""The IPTC / C2PA *digital source type* vocabulary, and what each term means here.

A digital source type says how a piece of media came to be: captured by a
camera (``digitalCapture``), made by a generative model
(``trainedAlgorithmicMedia``), composited from generated parts
(``compositeWithTrainedAlgorithmicMedia``)... The same vocabulary is used in
two places:

* XMP, as the property ``Iptc4xmpExt:DigitalSourceType`` (unsigned: anyone can
  write it);
* C2PA, as the ``digitalSourceType`` of an action in a signed manifest.

Terms are URIs under ``http://cv.iptc.org/newscodes/digitalsourcetype/`` (a few
C2PA-specific ones under ``http://c2pa.org/digitalsourcetype/``). Real files
also use ``https``, stray whitespace, and bare tails, so terms are compared on
the last path segment only (:func:`source_type_tail`).

Each term is given a :data:`Meaning`:

``generated``
    generative AI made all or part of the content: genAI evidence.
``capture``
    a camera, scanner or recorder captured it: non-generative evidence.
``human``
    a person made or edited it with non-generative tools: non-generative
    evidence, weaker than a capture.
``possible``
    may or may not involve generative AI (``composite``, ``digitalArt``,
    ``screenCapture``, ``virtualRecording``): shown, settles nothing.
``not_a_source``
    says nothing about the origin: ``algorithmicMedia`` (pure formula, no
    trained model — a policy choice: some readers count it as AI) and C2PA's
    ``empty``, which the C2PA SDK writes by default when a tool states nothing.

The table follows the C2PA conformance rubric (``$genai_dst_types`` and
``$possibly_genai_dst_types``) and the IPTC NewsCodes definitions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

IPTC_BASE = "http://cv.iptc.org/newscodes/digitalsourcetype/"
C2PA_BASE = "http://c2pa.org/digitalsourcetype/"

Meaning = Literal["generated", "capture", "human", "possible", "not_a_source"]


@dataclass(frozen=True)
class SourceType:
    """One term of the vocabulary: its tail, meaning and a short description."""

    tail: str
    meaning: Meaning
    description: str
    deprecated: bool = False


_TERMS: tuple[SourceType, ...] = (
    SourceType("trainedAlgorithmicMedia", "generated", "created by a generative AI model"),
    SourceType(
        "compositeWithTrainedAlgorithmicMedia",
        "generated",
        "edited or extended with a generative AI model (inpainting, outpainting)",
    ),
    SourceType("compositeSynthetic", "generated", "composite including synthetic elements"),
    SourceType("trainedAlgorithmicData", "generated", "data (not media) output by a trained model"),
    SourceType("composite", "possible", "composite of elements that may include generated ones"),
    SourceType("digitalArt", "possible", "made by a person with digital tools", deprecated=True),
    SourceType("screenCapture", "possible", "a screen capture of what was shown"),
    SourceType("virtualRecording", "possible", "a recording of a virtual event"),
    SourceType("algorithmicMedia", "not_a_source", "made by a pure algorithm, no trained model"),
    SourceType("empty", "not_a_source", "blank or unspecified (C2PA SDK default)"),
    SourceType("digitalCapture", "capture", "captured by a camera or recorder"),
    SourceType("computationalCapture", "capture", "captured with computational photography"),
    SourceType("compositeCapture", "capture", "composite of captures only"),
    SourceType("negativeFilm", "capture", "digitised from a film negative"),
    SourceType("positiveFilm", "capture", "digitised from film positive (slide)"),
    SourceType("print", "capture", "digitised from a print"),
    SourceType("humanEdits", "human", "edited by people with non-generative tools"),
    SourceType("minorHumanEdits", "human", "minor human edits", deprecated=True),
    SourceType("algorithmicallyEnhanced", "human", "enhanced by non-generative algorithms"),
    SourceType("digitalCreation", "human", "made by a person with non-generative tools"),
    SourceType("softwareImage", "human", "created by software", deprecated=True),
    SourceType("dataDrivenMedia", "human", "a visualisation of data, programmed by people"),
)

VOCABULARY: Mapping[str, SourceType] = {term.tail.lower(): term for term in _TERMS}


def source_type_tail(value: str) -> str:
    """The last path segment of a source-type URI (``...digitalsourcetype/X`` → ``X``)."""
    text = value.strip().rstrip("/")
    for sep in ("/", "#", ":"):
        text = text.rpartition(sep)[2] if sep in text else text
    return text.strip()


def lookup(value: str | None) -> SourceType | None:
    """The vocabulary term a source-type value names, or None when not a known term."""
    if not value:
        return None
    return VOCABULARY.get(source_type_tail(value).lower())


def is_generated(value: str | None) -> bool:
    """True when the value is a term for generated content."""
    term = lookup(value)
    return term is not None and term.meaning == "generated"
