"""NovelAI image metadata.

NovelAI PNGs carry text chunks ``Title`` (``NovelAI generated image``, in
2022 ``AI generated image``), ``Description`` (the prompt), ``Software`` =
``NovelAI``, ``Source`` (model and hash: ``Stable Diffusion XL C1E1DE52``,
``NovelAI Diffusion V4.5 C02D4F98``), ``Generation time`` and ``Comment``, a
JSON object of the request (``prompt``, ``uc`` = negative prompt, ``steps``,
``seed``, ``sampler``, ``noise_schedule``, ``v4_prompt``...). Current images
add ``signed_hash``, an ed25519 signature NovelAI can verify (this module only
reports that it is present). The same fields are also hidden, gzip-compressed,
in the alpha channel's low bits (``stealth_pngcomp``, see
:mod:`~provenance.detectors.generators.stealth`).

WebP downloads carry EXIF ``Software`` = ``NovelAI Diffusion V4.5 ...``,
``ImageDescription`` = prompt and ``UserComment`` = a JSON object holding the
PNG fields (unfolded into entries by
:mod:`~provenance.detectors.generators.entries`).
"""

from __future__ import annotations

from typing import Any

from provenance.detectors.generators.entries import Entries
from provenance.detectors.generators.finding import Finding, clip_prompt, first_value, text_fields

TITLES = ("NovelAI generated image", "AI generated image")
_REQUEST_KEYS = ("signed_hash", "v4_prompt", "noise_schedule", "uncond_scale")


def identify(entries: Entries) -> Finding | None:
    """NovelAI's Software tag, its request JSON, or its Title + Source pair."""
    software = next(
        (i for i in entries.items if i.key == "Software" and i.text.startswith("NovelAI")), None
    )
    comment = entries.json_object("Comment")
    request = comment if comment and any(key in comment for key in _REQUEST_KEYS) else None
    source = entries.text("Source") or ""
    titled = (entries.text("Title") or "").strip() in TITLES and "Diffusion" in source
    if software is None and request is None and not titled:
        return None
    marker = software or entries.get("Comment") or entries.get("Title")
    detail = f"NovelAI metadata in {marker.where}" if marker else "NovelAI metadata"
    return _finding(entries, request or comment or {}, detail)


def _finding(entries: Entries, request: dict[str, Any], detail: str) -> Finding:
    description = (entries.text("Description") or "").strip("\x00 ")
    prompt = description or _caption(request.get("v4_prompt")) or request.get("prompt")
    signed = "present (not verified)" if request.get("signed_hash") else None
    fields = text_fields(
        negative_prompt=_caption(request.get("v4_negative_prompt")) or first_value(request, "uc"),
        model=entries.text("Source") or entries.text("Software"),
        seed=request.get("seed"),
        steps=request.get("steps"),
        sampler=request.get("sampler"),
        signed_hash=signed,
    )
    return Finding("novelai", "novelai-metadata", detail, clip_prompt(prompt), fields)


def _caption(value: Any) -> str | None:
    caption = value.get("caption") if isinstance(value, dict) else None
    text = caption.get("base_caption") if isinstance(caption, dict) else None
    return text if isinstance(text, str) and text else None
