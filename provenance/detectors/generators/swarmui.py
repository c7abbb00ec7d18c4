"""SwarmUI (formerly StableSwarmUI).

SwarmUI writes one JSON object ``{"sui_image_params": {prompt, negativeprompt,
model, seed, steps, sampler, swarm_version...}, "sui_extra_data": {...},
"sui_models": [...]}``: in PNG as the ``parameters`` text chunk (beside a
ComfyUI ``prompt`` graph when its ComfyUI backend ran), in JPEG/WebP as EXIF
``UserComment`` in UTF-16 -- of either byte order depending on the version --
and before 0.5.8 in EXIF ``Model``. It can also hide the same JSON in pixel
low bits (stealth).
"""

from __future__ import annotations

from provenance.detectors.generators.entries import Entries
from provenance.detectors.generators.finding import Finding, clip_prompt, text_fields

MARKER = "sui_image_params"


def identify(entries: Entries) -> Finding | None:
    """A ``sui_image_params`` object in any JSON entry."""
    for item, data in entries.json_objects():
        params = data.get(MARKER)
        if isinstance(params, dict):
            fields = text_fields(
                negative_prompt=params.get("negativeprompt"),
                model=params.get("model"),
                seed=params.get("seed"),
                steps=params.get("steps"),
                sampler=params.get("sampler"),
                version=params.get("swarm_version"),
            )
            detail = f"SwarmUI image parameters (sui_image_params) in {item.where}"
            return Finding(
                "swarmui", "swarmui-parameters", detail, clip_prompt(params.get("prompt")), fields
            )
    return None
