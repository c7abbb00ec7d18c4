"""Small builders for test data."""

from __future__ import annotations

import dataclasses
import hashlib

from provenance.store import AssetFacts, Ledger, Observation
from provenance.vocab import INITIAL_STATUS as GENAI_INITIAL_STATUS
from provenance.vocab import MediaKind, Verdict

EXT: dict[MediaKind, str] = {"image": "png", "video": "mp4", "audio": "wav"}


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


def record_kind(
    ledger: Ledger,
    label: str,
    kind: MediaKind = "image",
    verdict: Verdict = "genai",
    host: str = "testhost",
) -> str:
    """Record content ``label`` of ``kind`` at /show/<label>.<ext> on ``host``; its sha256."""
    path = f"/show/{label}.{EXT[kind]}"
    seen = observation(label, path, verdict=verdict, tool="runway", host=host)
    facts = dataclasses.replace(seen.asset, kind=kind, mime=f"{kind}/{EXT[kind]}")
    ledger.record([dataclasses.replace(seen, asset=facts)])
    return fake_sha(label)
