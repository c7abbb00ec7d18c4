"""The near-match rule's margin over every pair of two sets of fingerprints, brute force.

For ``bench_false_match.py``: how close the unrelated pictures come to the
generated ones, by the two distances of the rule (gradient hash, and
gradient plus DCT, of :mod:`provenance.likeness.fingerprint`), and how many
pairs fall within the rule and within looser ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from provenance.likeness.fingerprint import GRAD_RADIUS, MAX_DISTANCE

if TYPE_CHECKING:
    from bench_false_match import Described


def print_bits(side: list[Described]) -> tuple[np.ndarray, np.ndarray]:
    """The gradient and DCT hashes of the pictures of ``side`` that have them, as uint64."""
    prints = np.array([d.fingerprint for d in side if d.fingerprint], dtype=np.int64)
    prints = prints.reshape(-1, 2)
    return prints[:, 0].view(np.uint64), prints[:, 1].view(np.uint64)


@dataclass
class Margin:
    """The near-match rule's margin: every (query, generated) pair's two distances, brute force."""

    generated: tuple[np.ndarray, np.ndarray]
    pairs: int = 0
    best_total: tuple[int, int, int] = (999, 0, 0)  # total, grad, dct
    best_in_radius: tuple[int, int, int] = (999, 0, 0)
    within: dict[str, int] | None = None
    # pairs within LOOSE, from the last add: (query's place in it, generated's place, grad, total)
    loose: list[tuple[int, int, int, int]] = field(default_factory=list)
    LOOSE: ClassVar[tuple[int, int]] = (16, 32)
    RULES: ClassVar[dict[str, tuple[int, int]]] = {
        "grad<=12": (12, 128),
        f"the rule (grad<={GRAD_RADIUS}, total<={MAX_DISTANCE})": (GRAD_RADIUS, MAX_DISTANCE),
        "grad<=14 total<=28": (14, 28),
        "grad<=16 total<=32": (16, 32),
        "total<=30": (64, 30),
    }

    def add(self, queries: list[Described]) -> None:
        """Count the pairs of ``queries`` with every generated picture."""
        within = self.within if self.within is not None else dict.fromkeys(self.RULES, 0)
        g_grad, g_dct = self.generated
        self.loose = []
        placed = [n for n, d in enumerate(queries) if d.fingerprint]
        for place, grad, dct in zip(placed, *print_bits(queries), strict=True):
            g = np.bitwise_count(g_grad ^ grad).astype(np.int16)
            t = g + np.bitwise_count(g_dct ^ dct).astype(np.int16)
            self.pairs += len(g)
            near = np.flatnonzero((g <= self.LOOSE[0]) & (t <= self.LOOSE[1]))
            self.loose += [(place, int(i), int(g[i]), int(t[i])) for i in near]
            for name, (radius, total) in self.RULES.items():
                within[name] += int(np.count_nonzero((g <= radius) & (t <= total)))
            at = int(np.argmin(t))
            self.best_total = min(self.best_total, (int(t[at]), int(g[at]), int(t[at] - g[at])))
            inside = np.flatnonzero(g <= GRAD_RADIUS)
            if inside.size:
                at = int(inside[np.argmin(t[inside])])
                best = (int(t[at]), int(g[at]), int(t[at] - g[at]))
                self.best_in_radius = min(self.best_in_radius, best)
        self.within = within

    def text(self) -> str:
        """The margin in words."""
        t, g, d = self.best_in_radius
        nearest = "none" if t == 999 else f"total {t} (grad {g}, dct {d})"
        t, g, d = self.best_total
        counts = ", ".join(f"{n}: {c}" for n, c in (self.within or {}).items())
        return (
            f"{self.pairs:,} pairs; nearest by total {t} (grad {g}, dct {d}); nearest"
            f" within the gradient radius {GRAD_RADIUS}: {nearest}; pairs within {counts}"
        )
