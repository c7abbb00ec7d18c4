"""Replacing generated assets.

:func:`replace` links a generated asset to the asset that replaced it
(usually a shot, painting or comp made without generative AI). Whole
sequences replace frame by frame, in frame order.
"""

from __future__ import annotations

from provenance.errors import TransitionRefused
from provenance.lifecycle.context import Lifecycle
from provenance.targets import Target, resolve_targets


def replace(
    lc: Lifecycle, old: str, new: str, reason: str | None = None
) -> list[tuple[Target, Target]]:
    """Record that ``old`` (a file, hash or sequence) was replaced by ``new``."""
    olds = resolve_targets(lc.ledger, [old], present=False)
    news = resolve_targets(lc.ledger, [new], present=False)
    pairs = _pair(olds, news, old, new)
    why = reason or f"replaced by {new}"
    lc.ledger.genai.replace([(o.asset.sha256, n.asset.sha256) for o, n in pairs], why, lc.now())
    return pairs


def _pair(
    olds: list[Target], news: list[Target], old: str, new: str
) -> list[tuple[Target, Target]]:
    if len(news) == 1:
        return [(o, news[0]) for o in olds]
    if len(olds) != len(news):
        raise TransitionRefused(
            f"OLD names {len(olds)} assets and NEW names {len(news)}",
            where=f"{old} -> {new}",
            fix="replace frame for frame (sequences of the same length), or by one asset",
        )
    return list(zip(olds, news, strict=True))
