"""Small builders for test data."""

from __future__ import annotations

import hashlib

from provenance.store import AssetFacts, Observation
from provenance.vocab import INITIAL_STATUS as GENAI_INITIAL_STATUS
from provenance.vocab import Verdict


def fake_sha(label: str) -> str:
    """A deterministic SHA-256-shaped id for a label."""
    return hashlib.sha256(label.encode()).hexdigest()


def asset_facts(label: str, verdict: Verdict = "unknown", tool: str | None = None) -> AssetFacts:
    """Facts for content named ``label``."""
    return AssetFacts(
        sha256=fake_sha(label),
        size=len(label),
        kind="image",
        mime="image/png",
        format="png",
        width=8,
        height=8,
        duration=None,
        verdict=verdict,
        tool=tool,
        confidence=None,
        evidence=[],
        prompt=None,
        problem=None,
        status=GENAI_INITIAL_STATUS if verdict == "genai" else None,
    )


def observation(
    label: str,
    path: str,
    *,
    host: str = "testhost",
    verdict: Verdict = "unknown",
    tool: str | None = None,
    mtime_ns: int = 1,
) -> Observation:
    """Content ``label`` seen at ``path``."""
    facts = asset_facts(label, verdict, tool)
    return Observation(facts, host, path, facts.size, mtime_ns, 1)
