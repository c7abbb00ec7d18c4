"""Civitai's on-site generator.

Civitai writes its JPEGs' EXIF ``UserComment`` (UTF-16BE) either as A1111
infotext with its own keys (``Civitai resources: [...]``, ``Civitai
metadata: {...}``, ``Created Date:``; handled with the other infotext tools in
:mod:`~provenance.detectors.generators.a1111`) or, for workflow-based
generations, as a ComfyUI API graph with an added top-level ``extraMetadata``
key: a JSON *string* holding ``prompt``, ``negativePrompt``, ``seed``,
``steps``... Model references use AIR URNs (``urn:air:sdxl:checkpoint:civitai:
827184@2514310``). EXIF ``Software`` is a UUID and ``Artist`` is ``ai``, which
alone prove nothing and are not used.

This matcher recognises the graph form, which would otherwise pass for plain
ComfyUI.
"""

from __future__ import annotations

from typing import Any

from provenance.detectors.generators.comfyui import is_api_graph, summarise
from provenance.detectors.generators.entries import Entries, load_json
from provenance.detectors.generators.finding import Finding, clip_prompt, first_value, text_fields

MARKER = "extraMetadata"
_KEYS = ("UserComment", "Comment", "prompt", "parameters")


def identify(entries: Entries) -> Finding | None:
    """A JSON object with Civitai's ``extraMetadata`` key."""
    for item, data in entries.json_objects():
        if item.key in _KEYS and MARKER in data:
            extra = _extra(data[MARKER])
            graph = summarise(data) if is_api_graph(data) else {}
            prompt = first_value(extra, "prompt") or graph.get("prompt")
            fields = text_fields(
                negative_prompt=first_value(extra, "negativePrompt")
                or graph.get("negative_prompt"),
                model=graph.get("model"),
                seed=first_value(extra, "seed") or graph.get("seed"),
                steps=first_value(extra, "steps") or graph.get("steps"),
                sampler=first_value(extra, "sampler") or graph.get("sampler"),
            )
            detail = f"Civitai generator metadata (extraMetadata) in {item.where}"
            return Finding("civitai", "civitai-metadata", detail, clip_prompt(prompt), fields)
    return None


def _extra(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        value = load_json(value)
    return value if isinstance(value, dict) else {}
