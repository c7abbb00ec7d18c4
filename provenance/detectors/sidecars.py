"""Sidecar files, and generators' JSON sidecars.

A *sidecar* is a file kept next to a media file to describe it:
``shot.exr.c2pa`` or ``shot.c2pa`` (a C2PA manifest store), ``photo.xmp`` or
``photo.cr2.xmp`` (an XMP packet; Lightroom writes ``<stem>.xmp``), and the
JSON files that generation tools and download scripts write with the
parameters used (``image.png.json`` / ``image.json``: prompt, seed, steps,
sampler, model...). :func:`sidecar_paths` finds them for any suffix; the C2PA
and XMP detectors read theirs, and :class:`JsonSidecarDetector` reads the
JSON ones.

A JSON sidecar counts as generation parameters only when it has a prompt and
at least two generation settings (seed, steps, sampler, CFG scale, model...),
or a tool's own structure (a ComfyUI graph, SwarmUI ``sui_image_params``).
"""

from __future__ import annotations

import functools
import json
import os
import re
import time
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

from provenance.detectors.base import DetectorContext
from provenance.detectors.software_names import match_software
from provenance.evidence import Evidence
from provenance.files.formats.once import once
from provenance.files.opening import open_regular
from provenance.tools import UNKNOWN_GENAI
from provenance.util.scopes import outermost

MAX_JSON_BYTES = 16 * 1024 * 1024
MAX_NODES = 100_000
MAX_DEPTH = 6
MAX_PROMPT = 32 * 1024

_PROMPT_KEYS = frozenset({"prompt", "positiveprompt", "positive", "textprompt", "prompttext"})
_SETTING_KEYS = frozenset(
    {
        "seed",
        "steps",
        "cfg",
        "cfgscale",
        "guidancescale",
        "sampler",
        "samplername",
        "scheduler",
        "model",
        "modelname",
        "checkpoint",
        "sdmodel",
        "negativeprompt",
        "denoise",
        "denoisingstrength",
        "loras",
        "aspectratio",
        "stylize",
    }
)
_NAME_KEYS = frozenset(
    {"software", "generator", "app", "application", "tool", "source", "model", "modelname"}
)
_MARKERS: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"suiimageparams"}), "swarmui"),
    (frozenset({"classtype", "lastnodeid"}), "comfyui"),
    (frozenset({"invokeaimetadata", "generationmode"}), "invokeai"),
    (frozenset({"fooocusscheme"}), "fooocus"),
)


# Three detectors look for sidecars of every file, up to four names each: a
# stat per name made sidecar lookup the largest cost of classifying a frame.
# A folder's listing is kept while the folder's mtime is unchanged (a new
# sidecar changes it), for at most LISTING_SECONDS, for a few folders. File
# times tick coarsely (a kernel clock tick, or a second on some shares), so a
# listing taken within SETTLED_SECONDS of the folder's last change is not
# kept: a second change in the same tick would not move the mtime.
LISTING_SECONDS = 2.0
SETTLED_SECONDS = 1.0
LISTINGS_KEPT = 64
_listings: dict[str, tuple[int, float, frozenset[str]]] = {}

# Inside listings_held(), a folder listed less than HELD_SECONDS ago is not even
# stat'ed: the audit's check of known files (a snapshot of a package, a few thousand
# files a second) paid a folder stat per file for it.
HELD_SECONDS = 0.5
_held: ContextVar[dict[str, tuple[float, frozenset[str]]] | None] = ContextVar(
    "provenance_listings_held", default=None
)

Suffix = Literal[".json", ".xmp", ".c2pa"]
SUFFIXES: tuple[Suffix, ...] = get_args(Suffix)  # the sidecars the detectors read


def sidecar_paths(path: Path, suffix: Suffix) -> list[Path]:
    """Existing sidecars of ``path``: ``<name><suffix>``, then ``<stem><suffix>``."""
    return _sidecars(path)[suffix]


@once
def _sidecars(path: Path) -> dict[Suffix, list[Path]]:
    """Every sidecar of ``path``, by suffix: its folder is listed once a pass for the three
    detectors that look, and a folder without any sidecar (a frame sequence's) ends it there."""
    present = _sidecar_names(folder_names(path.parent))
    return {suffix: _find(path, suffix, present) if present else [] for suffix in SUFFIXES}


@functools.lru_cache(maxsize=LISTINGS_KEPT)
def _sidecar_names(names: frozenset[str]) -> frozenset[str]:
    # Once a listing (a frozenset keeps its hash, and the cached listing is the same object).
    return frozenset(n for n in names if n.lower().endswith(SUFFIXES))


def _find(path: Path, suffix: str, present: frozenset[str]) -> list[Path]:
    name, stem = path.name, path.stem
    names = [name + suffix, name + suffix.upper()]
    if stem != name:
        names += [stem + suffix, stem + suffix.upper()]
    found: list[Path] = []
    for candidate_name in dict.fromkeys(n for n in names if n in present and n != name):
        candidate = path.with_name(candidate_name)
        if candidate.is_file():
            found.append(candidate)
    return found


def listings_held() -> AbstractContextManager[dict[str, tuple[float, frozenset[str]]]]:
    """Within: a folder's listing is taken as it was up to :data:`HELD_SECONDS` ago.

    For a pass over files that is one look at them (the audit's check of the
    files the ledger knows): a sidecar written in the last half second may be
    missed, as it would be had the pass come that much earlier. Elsewhere
    (the daemon classifying a file again because its sidecar just arrived)
    every look checks the folder's mtime.
    """
    return outermost(_held, dict)


def folder_names(folder: Path) -> frozenset[str]:
    """The names in ``folder`` (empty when it cannot be listed), from a short-lived cache."""
    key = str(folder)
    now = time.monotonic()
    held = _held.get()
    if held is not None:
        if (taken := held.get(key)) is not None and now - taken[0] < HELD_SECONDS:
            return taken[1]
        names = _folder_names(folder, key, now)
        held[key] = (now, names)
        return names
    return _folder_names(folder, key, now)


def _folder_names(folder: Path, key: str, now: float) -> frozenset[str]:
    cached = _listings.get(key)
    try:
        stamp = folder.stat().st_mtime_ns
    except OSError:
        return frozenset()
    if cached is not None and cached[0] == stamp and now - cached[1] < LISTING_SECONDS:
        return cached[2]
    try:
        with os.scandir(folder) as entries:
            names = frozenset(entry.name for entry in entries)
    except OSError:
        return frozenset()
    if time.time() - stamp / 1e9 > SETTLED_SECONDS:
        if len(_listings) >= LISTINGS_KEPT:
            _listings.clear()
        _listings[key] = (stamp, now, names)
    return names


def _fold(key: str) -> str:
    return re.sub(r"[\s_\-.:]+", "", key.lower())


@dataclass
class _Scan:
    """Keys and interesting values seen while walking a JSON document."""

    keys: set[str] = field(default_factory=set)
    names: list[str] = field(default_factory=list)
    prompt: str | None = None
    nodes: int = 0


def scan_json(value: Any) -> _Scan:
    """Collect folded keys, tool-naming values and the first prompt, within limits."""
    scan = _Scan()
    _walk(value, 0, scan)
    return scan


def _walk(value: Any, depth: int, scan: _Scan) -> None:
    scan.nodes += 1
    if depth > MAX_DEPTH or scan.nodes > MAX_NODES:
        return
    items = (
        value.items()
        if isinstance(value, Mapping)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, child in items:
        if isinstance(key, str):
            _take(_fold(key), child, scan)
        if isinstance(child, (Mapping, list)):
            _walk(child, depth + 1, scan)


def _take(key: str, child: Any, scan: _Scan) -> None:
    scan.keys.add(key)
    if not isinstance(child, str) or not child.strip():
        return
    if key in _PROMPT_KEYS and scan.prompt is None:
        scan.prompt = child.strip()[:MAX_PROMPT]
    if key in _NAME_KEYS:
        scan.names.append(child[:256])


def generation_tool(scan: _Scan) -> str | None:
    """The tool a scanned JSON document names, when it names one."""
    for markers, tool in _MARKERS:
        if markers & scan.keys:
            return tool
    for name in scan.names:
        found = match_software(name)
        if found is not None and found.kind == "generator" and found.tool:
            return found.tool
    return None


def looks_generated(scan: _Scan) -> bool:
    """True for generation parameters: a prompt with two settings, or a tool's own structure."""
    if any(markers & scan.keys for markers, _ in _MARKERS):
        return True
    return bool(scan.keys & _PROMPT_KEYS) and len(scan.keys & _SETTING_KEYS) >= 2


class JsonSidecarDetector:
    """Generation parameters in a JSON file next to the media file."""

    name = "json_sidecar"

    def detect(self, ctx: DetectorContext) -> Iterator[Evidence]:
        """Yield one genAI item per JSON sidecar that holds generation parameters."""
        if ctx.path.suffix.lower() == ".json":
            return
        for sidecar in sidecar_paths(ctx.path, ".json"):
            document = _load(sidecar)
            if document is None:
                continue
            scan = scan_json(document)
            if looks_generated(scan):
                yield self._evidence(sidecar, scan)

    def _evidence(self, sidecar: Path, scan: _Scan) -> Evidence:
        tool = generation_tool(scan)
        settings = sorted(scan.keys & _SETTING_KEYS)
        return Evidence(
            detector=self.name,
            kind="json-sidecar",
            detail=f"JSON sidecar {sidecar.name} holds generation parameters "
            f"({', '.join(settings[:6]) or 'tool structure'})"
            + (f" naming {tool}" if tool else ""),
            signal="genai",
            tool=tool or UNKNOWN_GENAI,
            confidence="strong" if tool else "medium",
            prompt=scan.prompt,
            fields={"sidecar": sidecar.name},
        )


def _load(path: Path) -> Any:
    """A sidecar's JSON, or None when it is too large, unreadable or not JSON."""
    try:
        with open_regular(path) as stream:
            data = stream.read(MAX_JSON_BYTES + 1)
    except OSError:
        return None
    if len(data) > MAX_JSON_BYTES:
        return None
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        return None


DETECTOR = JsonSidecarDetector()
