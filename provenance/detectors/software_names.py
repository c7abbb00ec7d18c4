"""Recognising tools by the names metadata gives them.

Software fields (EXIF ``Software``, XMP ``CreatorTool``, a C2PA claim
generator or ``softwareAgent``, an ID3 ``TSSE``, a WAV ``bext`` originator)
name a product with a version and decorations: ``Adobe_Firefly/1.0``,
``GIMP 2.4.5``, ``Microsoft_Responsible_AI/1.0``, ``Sound Devices 744T``.
:func:`match_software` maps such a string to a :class:`SoftwareMatch`: the
canonical tool id (:mod:`provenance.tools`) and what kind of tool it is.

Kinds:

``generator``
    a generative-AI product: naming it is a generator marker.
``generator_vendor``
    a vendor library that signs generated content but maybe other content
    too (Google's C2PA generator library): names the tool, proves nothing alone.
``editor``
    editing software: says who saved the file, not where the content came from.
``recorder``
    a field audio recorder: a capture device, like a camera.

Patterns are deliberately specific: a camera's ``Software=Google`` must not
read as Gemini, and the word "Zoom" alone is not a recorder.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Literal

from provenance.tools import UNKNOWN_GENAI

SoftwareKind = Literal["generator", "generator_vendor", "editor", "recorder"]


@dataclass(frozen=True)
class SoftwareMatch:
    """A recognised tool: canonical id, kind, and the text that matched."""

    tool: str | None
    kind: SoftwareKind
    name: str


def _p(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


# Most specific first: the first match wins.
_PATTERNS: tuple[tuple[re.Pattern[str], str | None, SoftwareKind], ...] = (
    (_p(r"firefly"), "adobe-firefly", "generator"),
    (_p(r"\bdall[\W_]{0,2}e\b"), "openai-dall-e-3", "generator"),
    (_p(r"\bsora\b"), "sora", "generator"),
    (
        _p(r"gpt[\W_]?image|openai[\W_]+media[\W_]+service|openai[\W_]+api|chatgpt"),
        "openai-gpt-image",
        "generator",
    ),
    (_p(r"midjourney"), "midjourney", "generator"),
    (
        _p(
            r"image[\W_]+creator|bing[\W_]+(image|create)|microsoft[\W_]+responsible[\W_]+ai|"
            r"microsoft[\W_]+designer"
        ),
        "microsoft-bing-image-creator",
        "generator",
    ),
    (
        _p(
            r"\bgemini\b|\bimagen\b|nano[\W_]?banana|google[\W_]+generative[\W_]+ai|"
            r"(?:edited|made|created)[\W_]+with[\W_]+google[\W_]+ai"
        ),
        "google-gemini",
        "generator",
    ),
    (_p(r"\bveo\b"), "veo", "generator"),
    (
        _p(r"google[\W_]+c2pa[\W_]+core[\W_]+generator|google[\W_]+media[\W_]+processing"),
        "google-gemini",
        "generator_vendor",
    ),
    (_p(r"meta[\W_]+ai\b|imagined[\W_]+with[\W_]+ai"), "meta-ai", "generator"),
    (_p(r"runway(ml)?\b"), "runway", "generator"),
    (_p(r"eleven[\W_]?labs"), "elevenlabs", "generator"),
    (_p(r"\bsuno\b"), "suno", "generator"),
    (_p(r"\budio\b"), "udio", "generator"),
    (_p(r"novel[\W_]?ai"), "novelai", "generator"),
    (_p(r"comfy[\W_]?ui"), "comfyui", "generator"),
    (_p(r"invoke[\W_]?ai"), "invokeai", "generator"),
    (_p(r"\bfooocus\b"), "fooocus", "generator"),
    (_p(r"draw[\W_]?things"), "drawthings", "generator"),
    (_p(r"\bkrea\b"), "krea", "generator"),
    (
        _p(r"amazon[\W_]+titan|titan[\W_]+image[\W_]+generator"),
        "amazon-titan",
        "generator",
    ),
    (_p(r"amazon[\W_]+nova|nova[\W_]+(?:canvas|reel)"), "amazon-nova", "generator"),
    (_p(r"amazon[\W_]+bedrock|\bbedrock[\W_]+runtime"), "amazon-bedrock", "generator"),
    (_p(r"leonardo[\W_]?ai\b"), "leonardo-ai", "generator"),
    (_p(r"\bideogram\b"), "ideogram", "generator"),
    (_p(r"black[\W_]+forest[\W_]+labs|\bflux[\W_.]?1"), "flux", "generator"),
    (_p(r"\bcivitai\b"), "civitai", "generator"),
    (_p(r"stable[\W_]?diffusion[\W_]+web[\W_]?ui|\bsd[\W_]webui\b"), "automatic1111", "generator"),
    (
        _p(r"stable[\W_]?diffusion|\bsdxl\b|\bsd[\W_]?3(?:\.5)?\b|stability[\W_]?ai"),
        "stable-diffusion",
        "generator",
    ),
    (_p(r"^\s*openai\b"), UNKNOWN_GENAI, "generator"),
    (_p(r"photoshop"), "adobe-photoshop", "editor"),
    (_p(r"lightroom"), "adobe-lightroom", "editor"),
    (_p(r"adobe[\W_]+express"), "adobe-express", "editor"),
    (_p(r"^gimp\b|\bgimp[\W_]+\d"), "gimp", "editor"),
    (
        _p(
            r"imagemagick|graphicsmagick|affinity|capture[\W_]+one|darktable|rawtherapee|krita|"
            r"paint\.net|pixelmator|\bnuke\b|davinci|premiere|after[\W_]+effects|final[\W_]+cut|"
            r"audacity|pro[\W_]?tools|reaper|nuendo|izotope|logic[\W_]+pro|ableton|soundminer"
        ),
        None,
        "editor",
    ),
    (
        _p(
            r"sound[\W_]?dev(ices)?\b|mixpre|zaxcom|\bnomad\b|tascam|aaton|cantar|nagra|"
            r"zoom[\W_]+([fh]\d|handy[\W_]+recorder)|metacorder|boom[\W_]+recorder|"
            r"sony[\W_]+pcm|marantz[\W_]+pmd|roland[\W_]+r-?\d|fostex|edirol|\bdeva\b"
        ),
        "field-recorder",
        "recorder",
    ),
)


def match_software(text: str | None) -> SoftwareMatch | None:
    """The tool a software string names, or None when it names none this table knows."""
    if not text:
        return None
    return _match(text[:512])


@functools.lru_cache(maxsize=4096)
def _match(sample: str) -> SoftwareMatch | None:
    # Cached: the same makes, models and software names come back file after file.
    for pattern, tool, kind in _PATTERNS:
        found = pattern.search(sample)
        if found:
            return SoftwareMatch(tool, kind, found.group(0))
    return None


def product_name(claim_generator: str) -> str:
    """The product part of a C2PA v1 claim generator string.

    ``"Adobe_Photoshop/26.9.0 adobe_c2pa/0.14.2 c2pa-rs/0.43.0"`` → ``"Adobe Photoshop"``;
    ``"ChatGPT c2pa-rs/0.28.4"`` → ``"ChatGPT"``.
    """
    words: list[str] = []
    for token in claim_generator.split():
        if "/" in token:
            if not words:
                words.append(token.split("/")[0])
            break
        words.append(token)
    return " ".join(words).replace("_", " ")
