"""AUTOMATIC1111 "infotext" and the tools that write it.

The AUTOMATIC1111 web UI stores its generation parameters as one text::

    <prompt>
    Negative prompt: <negative prompt>
    Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 42, Size: 512x512, Model: x, Version: v1.10.1

in a PNG ``parameters`` text chunk (``iTXt`` when not Latin-1), and in
JPEG/WebP as EXIF ``UserComment`` (``UNICODE\\0`` + UTF-16, big-endian
from piexif). Newer Forge builds put everything on one line. Many tools copy the
format, and are told apart by the settings line:

======================  ==============================================
``Version: v1.10.1``    AUTOMATIC1111 (``v`` + digit)
``Version: classic``    Forge Classic
``Version: neo...``     Forge Neo
``Version: f1.0.0v2-v`` reForge (``f{semver}v{N}-v``)
``Version: f1.0.0-v``   EasyReforge (``f{semver}-v``)
``Version: f2.0.1v...`` Forge (any other ``f`` + digit)
``App: SD.Next``        SD.Next (its ``Version`` is a git hash)
``Version: Fooocus v``  Fooocus in its A1111 scheme
``Version: ComfyUI``    ComfyUI savers (comfy-image-saver)
``Civitai resources:``  Civitai's on-site generator
``Model: 1234.safe...`` Civitai's generator and trainer samples: the
                        model file named by its Civitai id (digits or a
                        UUID), not by a name a user gave it
======================  ==============================================

Without a ``Version``, ComfyUI savers (SaveImageWithMetaData) still give
themselves away by ComfyUI's snake-case sampler names (``euler_ancestral``)
or a model file name with its extension; anything else is AUTOMATIC1111.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from provenance.detectors.generators.entries import Entries, Entry
from provenance.detectors.generators.finding import Finding, clip_prompt, text_fields
from provenance.tools import UNKNOWN_GENAI

# Where A1111-format text may be found, in order of preference.
SOURCE_KEYS = ("parameters", "UserComment", "Comment", "Description", "ImageDescription")
SETTINGS_KEYS = frozenset(
    {
        "Steps",
        "Sampler",
        "CFG scale",
        "Seed",
        "Size",
        "Model hash",
        "Model",
        "Version",
        "Schedule type",
        "Denoising strength",
        "Clip skip",
        "VAE",
        "App",
        "Pipeline",
    }
)
MAX_INFOTEXT = 1024 * 1024
_STEPS = re.compile(r"(?:^|(?<=[\s,.]))Steps:\s*\d+")
_KEY = re.compile(r"\s*([A-Za-z][\w ()./+-]{0,60}?):\s*")
_NEGATIVE = "Negative prompt:"
_COMFY_SAMPLER = re.compile(
    r"^[a-z0-9]+(?:_[a-z0-9]+)+$|^(?:euler|heun|lms|ddim|ddpm|lcm|ipndm|deis|dpm_2)$"
)
_CIVITAI_MODEL = re.compile(
    r"^(?:\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.safetensors$", re.I
)
_MODEL_FILE = re.compile(r"\.(?:safetensors|ckpt|pt|pth|gguf|bin)$", re.I)

# (Version pattern, tool); first match wins.
_VERSIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^v\d"), "automatic1111"),
    (re.compile(r"^classic", re.I), "forge-classic"),
    (re.compile(r"^neo", re.I), "forge-neo"),
    (re.compile(r"^f\d+\.\d+(?:\.\d+)?-v"), "easy-reforge"),
    (re.compile(r"^f\d+\.\d+(?:\.\d+)?v\d+-v"), "reforge"),
    (re.compile(r"^f\d"), "forge"),
    (re.compile(r"^Fooocus", re.I), "fooocus"),
    (re.compile(r"^ComfyUI", re.I), "comfyui"),
)


@dataclass(frozen=True)
class Infotext:
    """A parsed infotext: prompt, negative prompt and the settings as a dict."""

    prompt: str
    negative: str | None
    settings: dict[str, str]


def parse_infotext(text: str) -> Infotext | None:
    """Parse A1111 infotext; None when the text has no recognisable settings."""
    text = text.strip()[:MAX_INFOTEXT]
    start = _settings_start(text)
    if start is None:
        return None
    settings = parse_settings(text[start:])
    if not _plausible(settings):
        return None
    body = text[:start].rstrip()
    prompt, sep, negative = body.partition(_NEGATIVE)
    return Infotext(prompt.strip(), negative.strip() if sep else None, settings)


def _plausible(settings: dict[str, str]) -> bool:
    # A bare "Key: value" caption must not pass for generation settings.
    known = SETTINGS_KEYS.intersection(settings)
    if settings.get("Steps", "").isdigit():
        return len(known) >= 2
    return bool(known & {"Seed", "Sampler"}) and len(known) >= 3


def _settings_start(text: str) -> int | None:
    matches = list(_STEPS.finditer(text))
    if matches:
        return matches[-1].start()
    last_newline = text.rfind("\n")
    return last_newline + 1 if last_newline >= 0 else (0 if ":" in text else None)


def parse_settings(line: str) -> dict[str, str]:
    """Split ``Key: value, Key: "quoted, value", Key: [json, ...]`` into a dict."""
    settings: dict[str, str] = {}
    pos = 0
    while pos < len(line):
        match = _KEY.match(line, pos)
        if match is None:
            comma = line.find(",", pos)
            if comma < 0:
                break
            pos = comma + 1
            continue
        end = _value_end(line, match.end())
        settings.setdefault(match.group(1).strip(), line[match.end() : end].strip().strip('"'))
        pos = end + 1
    return settings


def _value_end(line: str, start: int) -> int:
    opener = line[start : start + 1]
    if opener == '"':
        return _quoted_end(line, start)
    if opener in ("[", "{"):
        return _bracket_end(line, start)
    comma = line.find(",", start)
    return len(line) if comma < 0 else comma


def _quoted_end(line: str, start: int) -> int:
    pos = start + 1
    while pos < len(line):
        if line[pos] == "\\":
            pos += 2
            continue
        if line[pos] == '"':
            comma = line.find(",", pos)
            return len(line) if comma < 0 else comma
        pos += 1
    return len(line)


def _bracket_end(line: str, start: int) -> int:
    depth, in_string, pos = 0, False, start
    while pos < len(line):
        char = line[pos]
        if in_string:
            pos += 2 if char == "\\" else 1
            in_string = in_string and char != '"'
            continue
        in_string = char == '"'
        depth += (char in "[{") - (char in "]}")
        if depth == 0:
            comma = line.find(",", pos)
            return len(line) if comma < 0 else comma
        pos += 1
    return len(line)


def infotext_tool(settings: dict[str, str]) -> str:
    """The canonical tool id an infotext's settings name."""
    if "sd.next" in settings.get("App", "").lower():
        return "sdnext"
    version = settings.get("Version", "").strip()
    for pattern, tool in _VERSIONS:
        if pattern.search(version):
            return tool
    if "Civitai resources" in settings or "Civitai metadata" in settings:
        return "civitai"
    if _CIVITAI_MODEL.match(settings.get("Model", "").strip()):
        return "civitai"
    if _comfy_style(settings):
        return "comfyui"
    return "automatic1111"


def _comfy_style(settings: dict[str, str]) -> bool:
    sampler = settings.get("Sampler", "")
    return bool(_COMFY_SAMPLER.match(sampler) or _MODEL_FILE.search(settings.get("Model", "")))


def find_infotext(entries: Entries) -> tuple[Entry, Infotext] | None:
    """The first entry, among the usual places, that parses as infotext."""
    for key in SOURCE_KEYS:
        for item in entries.items:
            if item.key == key and item.text.lstrip()[:1] not in ("{", "["):
                parsed = parse_infotext(item.text)
                if parsed is not None:
                    return item, parsed
    return None


def finding_from_infotext(item: Entry, info: Infotext, tool: str | None = None) -> Finding:
    """The finding for parsed infotext, naming ``tool`` or the one its settings name."""
    tool = tool or infotext_tool(info.settings)
    hint = info.settings.get("Version") or info.settings.get("App")
    named = f" (Version: {hint})" if hint else ""
    settings = info.settings
    return Finding(
        tool=tool,
        kind="a1111-infotext",
        detail=f"A1111-format generation parameters in {item.where}{named}",
        prompt=clip_prompt(info.prompt),
        fields=text_fields(
            negative_prompt=info.negative,
            model=settings.get("Model"),
            model_hash=settings.get("Model hash"),
            seed=settings.get("Seed"),
            sampler=settings.get("Sampler"),
            steps=settings.get("Steps"),
            version=settings.get("Version"),
            app=settings.get("App"),
        ),
    )


def identify(entries: Entries) -> Finding | None:
    """AUTOMATIC1111 and every tool writing its infotext.

    Infotext without a ``Version`` beside a ComfyUI graph was written by a
    ComfyUI saver (SaveImageWithMetaData and kin), not by AUTOMATIC1111.
    """
    found = find_infotext(entries)
    if found is None:
        return None
    item, info = found
    unversioned = infotext_tool(info.settings) == "automatic1111" and "Version" not in info.settings
    comfy = unversioned and any(entries.get(key) for key in ("prompt", "workflow"))
    return finding_from_infotext(item, info, "comfyui" if comfy else None)


_NEGATIVE_LINE = re.compile(r"(?:^|\n)\s*Negative prompt:")


def bare_parameters(entries: Entries) -> Finding | None:
    """A PNG ``parameters`` text without the settings line: a web UI's record, cut short.

    Stable Diffusion web UIs (AUTOMATIC1111 and its forks) are what writes a
    PNG text chunk under the key ``parameters``; an editor that keeps text
    chunks keeps it, one that rewrites the settings line, or a hand that
    trims it, leaves the prompt. With a ``Negative prompt:`` line the text is
    still infotext in all but its last line (medium confidence); the prompt
    alone says less, but no other tool writes that key (weak). Either way
    the file is not passed as unknown: the runs after every specific matcher
    found nothing, so a tool that writes ``parameters`` its own way
    (Fooocus's JSON, SwarmUI's) is named by its own matcher first.
    """
    for item in entries.items:
        if item.key != "parameters" or not item.where.startswith("PNG "):
            continue
        text = item.text.strip()[:MAX_INFOTEXT]
        if not text or text[:1] in ("{", "["):
            continue
        prompt, sep, negative = text.partition(_NEGATIVE)
        if sep and _NEGATIVE_LINE.search(text):
            return Finding(
                tool="automatic1111", kind="a1111-infotext", confidence="medium",
                detail=f"A1111-format prompt and negative prompt in {item.where},"
                " without its settings line",
                prompt=clip_prompt(prompt.strip()),
                fields=text_fields(negative_prompt=negative.strip()),
            )  # fmt: skip
        return Finding(
            tool=UNKNOWN_GENAI, kind="parameters-text", confidence="weak",
            detail=f"text in {item.where}, the key Stable Diffusion web UIs write their"
            " generation parameters under, without a settings line",
            prompt=clip_prompt(text),
        )  # fmt: skip
    return None
