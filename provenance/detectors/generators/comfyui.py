"""ComfyUI node graphs.

ComfyUI's core ``SaveImage`` writes two JSON texts into PNG ``tEXt`` chunks:
``prompt``, the *API graph* (``{"3": {"class_type": "KSampler", "inputs":
{...}}, ...}``, inputs linking to other nodes as ``["6", 0]``), and
``workflow``, the *UI graph* (``{"last_node_id": .., "nodes": [...],
"links": [...]}``). Other places the same graphs turn up:

* WebP (``SaveAnimatedWEBP``, also used for stills and video): EXIF ``Model``
  = ``prompt:{json}``, ``Make`` = ``workflow:{json}``;
* JPEG from third-party savers: EXIF ``Make`` = ``Prompt: {json}`` and
  ``ImageDescription`` = ``Workflow: {json}`` (save-image-extended), or a
  ``UserComment`` (in IFD0) holding ``{"prompt": ..., "workflow": ...}``
  (SaveImage-plus) -- both unfolded into entries by
  :mod:`~provenance.detectors.generators.entries`;
* the MetaHub save node's ``imagemetahub_data`` chunk.

Savers that write A1111 text instead are handled in
:mod:`~provenance.detectors.generators.a1111`. The prompt is read by
following the sampler's ``positive``/``negative`` links to the text encoders.
"""

from __future__ import annotations

from typing import Any

from provenance.detectors.generators.entries import Entries, Entry
from provenance.detectors.generators.finding import (
    Finding,
    clip_prompt,
    first_value,
    text_fields,
)

MAX_HOPS = 16
MAX_NODES = 64
_TEXT_KEYS = ("text", "text_g", "text_l", "prompt", "positive_prompt", "string", "value")
_MODEL_KEYS = ("ckpt_name", "unet_name", "model_name", "model")
# Nodes that stand for "no prompt" even though they link to an encoder.
_NO_TEXT = frozenset({"ConditioningZeroOut"})
_POSITIVE_KEYS = ("positive", "guider", "conditioning")


def is_api_graph(value: object) -> bool:
    """True for an API graph: nodes keyed by id, each with a ``class_type``."""
    if not isinstance(value, dict) or not value:
        return False
    return any(
        isinstance(node, dict) and isinstance(node.get("class_type"), str)
        for node in value.values()
    )


def is_ui_workflow(value: object) -> bool:
    """True for a UI workflow: a ``nodes`` list plus its link bookkeeping."""
    if not isinstance(value, dict) or not isinstance(value.get("nodes"), list):
        return False
    return any(key in value for key in ("last_node_id", "links", "version", "extra"))


def _graph_entries(
    entries: Entries,
) -> tuple[list[Entry], dict[str, Any] | None, dict[str, Any] | None]:
    seen: list[Entry] = []
    graph = workflow = None
    for key in ("prompt", "workflow"):
        item = entries.get(key, fold=True)
        value = entries.json(item)
        if item is not None and (is_api_graph(value) or is_ui_workflow(value)):
            seen.append(item)
            graph = value if is_api_graph(value) and graph is None else graph
            workflow = value if is_ui_workflow(value) and workflow is None else workflow
    return seen, graph, workflow


def identify(entries: Entries) -> Finding | None:
    """ComfyUI prompt/workflow graphs, wherever the container put them."""
    seen, graph, workflow = _graph_entries(entries)
    if not seen:
        return _bare_graph(entries)
    where = ", ".join(item.where for item in seen)
    return graph_finding(graph, workflow, f"ComfyUI node graph in {where}")


def _bare_graph(entries: Entries) -> Finding | None:
    for item, value in entries.json_objects():
        if item.key in ("UserComment", "Comment", "parameters") and is_api_graph(value):
            return graph_finding(value, None, f"ComfyUI API graph in {item.where}")
    metahub = entries.get("imagemetahub_data")
    if metahub is None:
        return None
    return Finding("comfyui", "comfyui-graph", f"ComfyUI MetaHub save node data in {metahub.where}")


def graph_finding(
    graph: dict[str, Any] | None, workflow: dict[str, Any] | None, detail: str
) -> Finding:
    """The finding for a ComfyUI graph, with what its sampler node says."""
    summary = summarise(graph) if graph else {}
    prompt = summary.pop("prompt", None) or (workflow_prompt(workflow) if workflow else None)
    return Finding("comfyui", "comfyui-graph", detail, clip_prompt(prompt), text_fields(**summary))


def summarise(graph: dict[str, Any]) -> dict[str, Any]:
    """Prompt, negative prompt, model, seed, sampler and steps of an API graph."""
    sampler = _sampler_node(graph)
    inputs: dict[str, Any] = sampler.get("inputs", {}) if sampler else {}
    prompt = _text_via(graph, first_value(inputs, *_POSITIVE_KEYS)) if inputs else None
    return {
        "prompt": prompt or longest_text(graph),
        "negative_prompt": _text_via(graph, inputs.get("negative")) if inputs else None,
        "model": _model(graph),
        "seed": _scalar(first_value(inputs, "seed", "noise_seed")),
        "sampler": _scalar(inputs.get("sampler_name")),
        "steps": _scalar(inputs.get("steps")),
    }


def _sampler_node(graph: dict[str, Any]) -> dict[str, Any] | None:
    for node in graph.values():
        inputs = node.get("inputs") if isinstance(node, dict) else None
        if isinstance(inputs, dict) and any(key in inputs for key in ("positive", "guider")):
            return dict(node)
    return None


def _text_via(graph: dict[str, Any], link: Any) -> str | None:
    """Follow links from a sampler input back, depth first, to the first text value."""
    visited: set[str] = set()
    return _search(graph, link, visited, 0)


def _search(graph: dict[str, Any], link: Any, visited: set[str], depth: int) -> str | None:
    if isinstance(link, str):
        return link
    inputs = _enter(graph, link, visited) if depth <= MAX_HOPS else None
    if inputs is None:
        return None
    own = next((inputs[key] for key in _TEXT_KEYS if isinstance(inputs.get(key), str)), None)
    if own is not None:
        return str(own)
    for value in inputs.values():
        found = _search(graph, value, visited, depth + 1) if _is_link(value) else None
        if found:
            return found
    return None


def _enter(graph: dict[str, Any], link: Any, visited: set[str]) -> dict[str, Any] | None:
    """The inputs of the linked node: once per node, never for "no text" nodes."""
    if not _is_link(link) or len(visited) > MAX_NODES:
        return None
    node_id = str(link[0])
    node = graph.get(node_id)
    if node_id in visited or not isinstance(node, dict) or node.get("class_type") in _NO_TEXT:
        return None
    visited.add(node_id)
    inputs = node.get("inputs")
    return inputs if isinstance(inputs, dict) else None


def _is_link(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 2 and isinstance(value[0], (str, int))


def _model(graph: dict[str, Any]) -> str | None:
    for node in graph.values():
        inputs = node.get("inputs") if isinstance(node, dict) else None
        value = first_value(inputs, *_MODEL_KEYS) if isinstance(inputs, dict) else None
        if isinstance(value, str):
            return value
    return None


def _scalar(value: Any) -> str | None:
    return (
        str(value) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else None
    )


def longest_text(graph: dict[str, Any]) -> str | None:
    """The longest ``text`` input in an API graph: usually the positive prompt."""
    texts: list[str] = []
    for node in graph.values():
        inputs = node.get("inputs") if isinstance(node, dict) else None
        if isinstance(inputs, dict):
            texts.extend(
                v for k, v in inputs.items() if k.startswith("text") and isinstance(v, str)
            )
    return max(texts, key=len) if texts else None


def workflow_prompt(workflow: dict[str, Any]) -> str | None:
    """The longest text widget of a text-encoder node in a UI workflow."""
    texts: list[str] = []
    for node in workflow.get("nodes", []):
        values = node.get("widgets_values") if isinstance(node, dict) else None
        if isinstance(values, list) and "TextEncode" in str(node.get("type", "")):
            texts.extend(v for v in values if isinstance(v, str))
    return max(texts, key=len) if texts else None
