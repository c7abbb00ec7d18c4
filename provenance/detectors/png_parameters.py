"""Stable-Diffusion-style generation parameters in PNG text chunks.

AUTOMATIC1111 and its forks write one ``parameters`` text chunk::

    <prompt>
    Negative prompt: <negative prompt>
    Steps: 20, Sampler: Euler a, Seed: 42, Model: sd_xl_base, Version: v1.10.1

The forks are told apart by ``Version:`` (Forge writes ``f2.0.1v1.10.1-...``,
reForge ``reForge ...``, SD.Next ``app=sd.next``...). ComfyUI writes its graph
as JSON in ``prompt`` and ``workflow`` chunks. Either is strong evidence: the
generation parameters themselves.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from provenance.detectors.base import DetectorContext, Evidence
from provenance.formats import FormatProblem
from provenance.formats.png import PngInfo, read_png

_FIELD = re.compile(r"\s*([A-Za-z][\w ./-]*?):\s*(\"(?:[^\"\\]|\\.)*\"|[^,]*)(?:,|$)")

# Version-string patterns that name an A1111 fork, most specific first.
_FORKS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"neo", re.I), "forge-neo"),
    (re.compile(r"classic", re.I), "forge-classic"),
    (re.compile(r"easy.?reforge", re.I), "easy-reforge"),
    (re.compile(r"reforge", re.I), "reforge"),
    (re.compile(r"^f\d"), "forge"),
    (re.compile(r"sd\.?next|app=sd", re.I), "sdnext"),
)


def parse_a1111(text: str) -> tuple[str, str | None, dict[str, str]]:
    """Split A1111 parameters into (prompt, negative prompt, settings fields)."""
    lines = text.strip().split("\n")
    fields: dict[str, str] = {}
    if lines and _looks_like_settings(lines[-1]):
        fields = {k.strip(): v.strip().strip('"') for k, v in _FIELD.findall(lines.pop())}
    body = "\n".join(lines)
    prompt, sep, negative = body.partition("Negative prompt:")
    return prompt.strip(), negative.strip() if sep else None, fields


def _looks_like_settings(line: str) -> bool:
    return "Steps:" in line or "Seed:" in line or "Sampler:" in line


def a1111_tool(fields: dict[str, str]) -> str:
    """The canonical tool id an A1111-format ``Version`` field names."""
    version = fields.get("Version", "")
    for pattern, tool in _FORKS:
        if pattern.search(version):
            return tool
    return "automatic1111"


class PngParametersDetector:
    """Generation parameters in PNG text chunks (A1111 family, ComfyUI)."""

    name = "png_parameters"

    def detect(self, ctx: DetectorContext) -> Iterator[Evidence]:
        """Yield evidence for ``parameters`` and ComfyUI ``prompt``/``workflow`` chunks."""
        if ctx.facts.format != "png":
            return
        try:
            info = read_png(ctx.path)
        except FormatProblem:
            return
        yield from self._a1111(info)
        yield from self._comfyui(info)

    def _a1111(self, info: PngInfo) -> Iterator[Evidence]:
        text = info.text("parameters")
        if not text or not text.strip():
            return
        prompt, negative, fields = parse_a1111(text)
        if not fields and negative is None:
            return
        tool = a1111_tool(fields)
        extracted = {k: fields[k] for k in ("Model", "Seed", "Sampler", "Steps", "Version") if k in fields}
        if negative:
            extracted["negative_prompt"] = negative
        yield Evidence(
            detector=self.name,
            kind="png-parameters",
            detail=f"PNG 'parameters' chunk with generation settings ({tool})",
            signal="genai",
            tool=tool,
            confidence="strong",
            prompt=prompt or None,
            fields=extracted,
        )

    def _comfyui(self, info: PngInfo) -> Iterator[Evidence]:
        graph = _json_object(info.text("prompt"))
        workflow = _json_object(info.text("workflow"))
        if graph is None and workflow is None:
            return
        yield Evidence(
            detector=self.name,
            kind="comfyui-graph",
            detail="PNG 'prompt'/'workflow' chunks hold a ComfyUI node graph",
            signal="genai",
            tool="comfyui",
            confidence="strong",
            prompt=comfy_prompt(graph) if graph else None,
        )


def _json_object(text: str | None) -> dict[str, object] | None:
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def comfy_prompt(graph: dict[str, object]) -> str | None:
    """The longest text input of a ComfyUI prompt graph: usually the positive prompt."""
    texts: list[str] = []
    for node in graph.values():
        inputs = node.get("inputs") if isinstance(node, dict) else None
        if isinstance(inputs, dict):
            texts.extend(v for k, v in inputs.items() if k.startswith("text") and isinstance(v, str))
    return max(texts, key=len) if texts else None


DETECTOR = PngParametersDetector()
