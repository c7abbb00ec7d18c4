"""Generated assets' expiry.

* :func:`expire` marks every asset past its expiry ``expired`` (and first
  returns approved assets whose approval lapsed to ``temporary``), and says
  where their copies are, on every host.
* :func:`set_expiry` changes generated assets' expiry dates (the per-asset
  override of ``genai_ttl_days``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from provenance.lifecycle.context import Lifecycle
from provenance.lifecycle.generated_targets import generated_only
from provenance.rules.policy import open_status
from provenance.store import AssetRecord, ExpiredAsset
from provenance.targets import resolve_targets


def expire(lc: Lifecycle) -> list[ExpiredAsset]:
    """Mark what is past its expiry now, and list where those assets' copies live."""
    return lc.ledger.genai.expire_due(lc.now(), open_status)


def set_expiry(
    lc: Lifecycle, targets: Sequence[str], until: datetime, reason: str | None = None
) -> list[AssetRecord]:
    """Give the generated assets ``targets`` name a new expiry date (a sequence: its
    generated frames)."""
    resolved = generated_only(resolve_targets(lc.ledger, targets, present=False)).targets
    why = reason or f"expiry set to {until:%Y-%m-%d %H:%M} UTC"
    return lc.ledger.genai.set_expiry([t.asset.sha256 for t in resolved], until, why, lc.now())
