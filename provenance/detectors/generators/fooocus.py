"""Fooocus, RuinedFooocus and Fooocus-MRE.

* **Fooocus** writes PNG ``parameters`` (a JSON object with ``prompt``,
  ``negative_prompt``, ``base_model``, ``seed``, ``version`` =
  ``Fooocus v2.x``..., or A1111 text when its scheme is ``a1111``) and
  ``fooocus_scheme`` (``fooocus``/``a1111``). In JPEG/WebP the parameters go to
  EXIF ``UserComment``, ``Software`` = ``Fooocus v<version>`` and ``MakerNote``
  = the scheme.
* **RuinedFooocus** writes PNG ``parameters`` JSON with ``"software":
  "RuinedFooocus"`` (``Prompt``, ``Negative``, ``base_model_name``...).
* **Fooocus-MRE** (old) wrote the JSON into PNG/JPEG ``Comment``.
"""

from __future__ import annotations

from typing import Any

from provenance.detectors.generators.a1111 import finding_from_infotext, parse_infotext
from provenance.detectors.generators.entries import Entries, Entry
from provenance.detectors.generators.finding import Finding, clip_prompt, first_value, text_fields

_JSON_KEYS = ("parameters", "UserComment", "Comment")


def identify(entries: Entries) -> Finding | None:
    """Fooocus-family parameters."""
    for item, data in _parameter_objects(entries):
        tool = _json_tool(data)
        if tool is not None:
            return _json_finding(tool, item, data)
    marker = entries.get("fooocus_scheme") or _software(entries)
    if marker is None:
        return None
    params = entries.get("parameters") or entries.get("UserComment")
    info = parse_infotext(params.text) if params else None
    if params is not None and info is not None:
        return finding_from_infotext(params, info, "fooocus")
    return Finding("fooocus", "fooocus-parameters", f"Fooocus marker in {marker.where}")


def _parameter_objects(entries: Entries) -> list[tuple[Entry, dict[str, Any]]]:
    return [(item, data) for item, data in entries.json_objects() if item.key in _JSON_KEYS]


def _software(entries: Entries) -> Entry | None:
    return next(
        (i for i in entries.items if i.key == "Software" and i.text.startswith("Fooocus")), None
    )


def _json_tool(data: dict[str, Any]) -> str | None:
    software = str(data.get("software", ""))
    if "RuinedFooocus" in software:
        return "ruined-fooocus"
    version = str(data.get("version", ""))
    if "Fooocus" in software or version.startswith("Fooocus") or "metadata_scheme" in data:
        return "fooocus"
    return "fooocus" if "base_model" in data and "prompt" in data else None


def _json_finding(tool: str, item: Entry, data: dict[str, Any]) -> Finding:
    prompt = first_value(data, "prompt", "Prompt")
    fields = text_fields(
        negative_prompt=first_value(data, "negative_prompt", "Negative"),
        model=first_value(data, "base_model", "base_model_name"),
        seed=data.get("seed"),
        steps=data.get("steps"),
        sampler=first_value(data, "sampler", "sampler_name"),
        version=first_value(data, "version", "software"),
    )
    name = "RuinedFooocus" if tool == "ruined-fooocus" else "Fooocus"
    detail = f"{name} parameters JSON in {item.where}"
    return Finding(tool, "fooocus-parameters", detail, clip_prompt(prompt), fields)
