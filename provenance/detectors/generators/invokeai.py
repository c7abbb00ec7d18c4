"""InvokeAI, every generation of its metadata.

* 3.x and later: PNG text ``invokeai_metadata`` (JSON: ``positive_prompt``,
  ``negative_prompt``, ``model`` {name, hash...}, ``seed``, ``steps``,
  ``app_version``) beside ``invokeai_graph`` and/or ``invokeai_workflow``;
* 2.x: ``sd-metadata`` (JSON with ``app_id: invoke-ai/InvokeAI``, ``model_weights``
  and an ``image`` object whose ``prompt`` is a list of weighted prompts)
  beside ``Dream``;
* 1.x and the ``dream`` CLI: only ``Dream``, a command line:
  ``"a cat [blurry]" -s 50 -S 42 -W 512 -H 512 -C 7.5 -A k_lms``, where
  bracketed text is the negative prompt.

Every one of these keywords is unique to InvokeAI.
"""

from __future__ import annotations

import itertools
import re
import shlex
from typing import Any

from provenance.detectors.generators.entries import Entries, Entry
from provenance.detectors.generators.finding import (
    Finding,
    clip_prompt,
    first_value,
    model_name,
    text_fields,
)

KEYS = ("invokeai_metadata", "sd-metadata", "Dream", "invokeai_graph", "invokeai_workflow")
_NEGATIVE = re.compile(r"\[([^\]]*)\]")
_DREAM_OPTIONS = {"-S": "seed", "-s": "steps", "-A": "sampler", "-m": "model"}


def identify(entries: Entries) -> Finding | None:
    """InvokeAI metadata under any of its keywords."""
    present = [item for key in KEYS if (item := entries.get(key)) is not None]
    if not present:
        return None
    where = ", ".join(item.where for item in present)
    prompt, fields = _extract(entries, present[0])
    detail = f"InvokeAI generation metadata in {where}"
    return Finding(
        "invokeai", "invokeai-metadata", detail, clip_prompt(prompt), text_fields(**fields)
    )


def _extract(entries: Entries, item: Entry) -> tuple[str | None, dict[str, Any]]:
    if item.key == "Dream":
        return parse_dream(item.text)
    data = entries.json(item)
    if not isinstance(data, dict):
        return None, {}
    if item.key == "sd-metadata":
        return _sd_metadata(data)
    if item.key == "invokeai_metadata":
        return _metadata(data)
    return None, {}


def _metadata(data: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    prompt = first_value(data, "positive_prompt", "positive_style_prompt")
    return prompt, {
        "negative_prompt": first_value(data, "negative_prompt"),
        "model": model_name(data.get("model")),
        "seed": data.get("seed"),
        "steps": data.get("steps"),
        "sampler": data.get("scheduler"),
        "version": data.get("app_version"),
    }


def _sd_metadata(data: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    image = data.get("image")
    if not isinstance(image, dict):
        image = {}
    prompt = image.get("prompt")
    if isinstance(prompt, list):
        parts = [p.get("prompt") for p in prompt if isinstance(p, dict)]
        prompt = " ".join(p for p in parts if isinstance(p, str))
    positive, negative = split_negative(prompt) if isinstance(prompt, str) else (None, None)
    return positive, {
        "negative_prompt": negative,
        "model": first_value(data, "model_weights", "model"),
        "seed": image.get("seed"),
        "steps": image.get("steps"),
        "sampler": image.get("sampler"),
        "version": data.get("app_version"),
    }


def split_negative(prompt: str) -> tuple[str, str | None]:
    """InvokeAI's ``[bracketed]`` negative prompt, split from the positive one."""
    negative = " ".join(part.strip() for part in _NEGATIVE.findall(prompt))
    return _NEGATIVE.sub("", prompt).strip(), negative or None


def parse_dream(text: str) -> tuple[str | None, dict[str, Any]]:
    """Parse a ``Dream`` command line into prompt and options."""
    try:
        words = shlex.split(text[:65536])
    except ValueError:
        words = text.split()
    if not words:
        return None, {}
    positive, negative = split_negative(words[0])
    fields: dict[str, Any] = {"negative_prompt": negative}
    for flag, value in itertools.pairwise(words[1:]):
        if flag in _DREAM_OPTIONS:
            fields.setdefault(_DREAM_OPTIONS[flag], value)
    return positive, fields
