"""Tools with one unique key each: TensorArt, Stability Matrix, Easy Diffusion, HF spaces.

* **TensorArt** (tensor.art): PNG ``generation_data`` (JSON: ``prompt``,
  ``negativePrompt``, ``seed``, ``steps``, ``baseModel``...) beside a ComfyUI
  ``prompt`` graph -- its backend is ComfyUI, so this must be checked first.
* **Stability Matrix**: PNG ``smproj`` (its project file) and
  ``parameters-json`` beside A1111-style ``parameters`` and a ComfyUI ``prompt``.
* **Easy Diffusion**: one PNG text chunk per setting, among them the unique
  ``use_stable_diffusion_model``; in JPEG/WebP the same keys as a JSON object in
  EXIF ``UserComment``.
* **Hugging Face spaces** (e.g. Animagine XL): PNG ``parameters`` as a JSON
  object with ``Model`` and ``resolution`` (``"1024 x 1024"``) keys.
"""

from __future__ import annotations

from typing import Any

from provenance.detectors.generators.a1111 import find_infotext, finding_from_infotext
from provenance.detectors.generators.entries import Entries, Entry
from provenance.detectors.generators.finding import (
    Finding,
    clip_prompt,
    first_value,
    model_name,
    text_fields,
)

EASY_DIFFUSION_KEY = "use_stable_diffusion_model"


def tensorart(entries: Entries) -> Finding | None:
    """TensorArt's ``generation_data`` chunk."""
    item = entries.get("generation_data")
    if item is None:
        return None
    data = entries.json_object("generation_data") or {}
    model = model_name(data.get("baseModel")) or data.get("modelFileName")
    detail = f"TensorArt generation data in {item.where}"
    return _json_finding("tensorart", "tensorart-metadata", detail, data, model)


def stability_matrix(entries: Entries) -> Finding | None:
    """Stability Matrix's ``smproj`` / ``parameters-json`` chunks."""
    item = entries.get("smproj") or entries.get("parameters-json")
    if item is None:
        return None
    found = find_infotext(entries)
    if found is not None:
        return finding_from_infotext(found[0], found[1], "stability-matrix")
    data = entries.json_object("parameters-json") or {}
    detail = f"Stability Matrix project data in {item.where}"
    return _json_finding(
        "stability-matrix", "stability-matrix-metadata", detail, data, data.get("ModelName")
    )


def easy_diffusion(entries: Entries) -> Finding | None:
    """Easy Diffusion's ``use_stable_diffusion_model`` key, as a chunk or in JSON."""
    item = entries.get(EASY_DIFFUSION_KEY)
    if item is not None:
        data = {e.key: e.text for e in entries.items}
        return _json_finding(
            "easy-diffusion", "easy-diffusion-metadata", _ed_detail(item), data, item.text
        )
    for item, data in entries.json_objects():
        if EASY_DIFFUSION_KEY in data:
            model = data.get(EASY_DIFFUSION_KEY)
            return _json_finding(
                "easy-diffusion", "easy-diffusion-metadata", _ed_detail(item), data, model
            )
    return None


def _ed_detail(item: Entry) -> str:
    return f"Easy Diffusion settings ({EASY_DIFFUSION_KEY}) in {item.where}"


def huggingface_space(entries: Entries) -> Finding | None:
    """A Hugging Face space's ``parameters`` JSON with ``Model`` and ``resolution``."""
    data = entries.json_object("parameters")
    if not data or "Model" not in data or "resolution" not in data:
        return None
    item = entries.get("parameters")
    detail = f"Hugging Face space parameters JSON in {item.where if item else 'parameters'}"
    return _json_finding(
        "huggingface-space", "huggingface-space-parameters", detail, data, data.get("Model")
    )


def _json_finding(tool: str, kind: str, detail: str, data: dict[str, Any], model: Any) -> Finding:
    prompt = first_value(data, "prompt", "Prompt", "PositivePrompt")
    fields = text_fields(
        negative_prompt=first_value(
            data, "negativePrompt", "negative_prompt", "Negative Prompt", "NegativePrompt"
        ),
        model=model if isinstance(model, (str, int)) else None,
        seed=first_value(data, "seed", "Seed"),
        steps=first_value(data, "steps", "num_inference_steps", "Steps"),
        sampler=first_value(data, "sampler", "sampler_name", "Sampler"),
    )
    return Finding(tool, kind, detail, clip_prompt(prompt), fields)
