"""A generator's graph that is there and cannot be read is not passed over.

Mutating the corpus's files showed a ComfyUI video whose comment lost one
byte pass as "provenance unknown": the comment no longer parsed as JSON, so
no tool was named, and nothing said a graph had been there. And a ComfyUI
PNG whose only marker was a workflow over the 8 MB text limit named nothing
either. Both now give evidence the gate does not vouch past.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from provenance.classify import unvouched_reason
from provenance.detectors.base import MARKERS_UNREAD, NOT_FULLY_READ
from provenance.detectors.generators import entries
from provenance.files.media import read_facts
from tests.detectors.builders_generators import classify_bytes, png_bytes, text_chunk

GRAPH = json.dumps(
    {
        "3": {"class_type": "KSampler", "inputs": {"positive": ["6", 0], "seed": 1}},
        "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a fox"}},
    }
)
WORKFLOW = json.dumps({"last_node_id": 6, "links": [], "nodes": [{"type": "KSampler"}]})


def _png(tmp_path: Path, key: str, text: str) -> tuple[Path, bytes]:
    data = png_bytes(after=[text_chunk(key, text, "iTXt")])
    path = tmp_path / "file.png"
    path.write_bytes(data)
    return path, data


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("prompt", GRAPH[:-12]),  # cut short
        ("workflow", WORKFLOW.replace('"nodes": [', '"nodes": {', 1)),  # a byte changed
        ("Comment", json.dumps({"prompt": GRAPH, "workflow": WORKFLOW})[:-3]),
    ],
)
def test_a_graph_that_does_not_parse_is_markers_unread(tmp_path: Path, key: str, text: str) -> None:
    path, data = _png(tmp_path, key, text)
    result = classify_bytes(tmp_path, data)
    [item] = [e for e in result.evidence if e.detector == "generator_metadata"]
    assert item.kind == MARKERS_UNREAD and f"'{key}' text that opens as JSON" in item.detail
    assert result.verdict == "unknown"
    facts = read_facts(path, path.stat().st_size)
    assert unvouched_reason(facts, result) == item.detail  # the gate blocks on it


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("prompt", "a fox in the snow, {masterpiece}"),  # plain text, not JSON
        ("prompt", '{"a": 1}'),  # JSON, and no graph: nothing to say
        ("Description", "{draft} poster for the show"),  # a shared key, no generator's words
        ("Title", '{"prompt": "cut'),  # a key no generator writes JSON under
    ],
)
def test_other_texts_say_nothing(tmp_path: Path, key: str, text: str) -> None:
    _, data = _png(tmp_path, key, text)
    assert classify_bytes(tmp_path, data).evidence == ()


def test_a_graph_over_the_text_limit_is_not_fully_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(entries, "MAX_TEXT", 64)  # the limit, scaled down
    _, data = _png(tmp_path, "workflow", WORKFLOW)
    result = classify_bytes(tmp_path, data)
    [item] = result.evidence
    assert item.kind == NOT_FULLY_READ and f"{len(WORKFLOW):,} characters" in item.detail
    assert result.verdict == "unreadable"


def test_a_graph_that_parses_is_named_as_before(tmp_path: Path) -> None:
    _, data = _png(tmp_path, "prompt", GRAPH)
    result = classify_bytes(tmp_path, data)
    assert (result.verdict, result.tool) == ("genai", "comfyui")
