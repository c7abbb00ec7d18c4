"""Clocks that stand still until a test moves them."""

from __future__ import annotations


class Clock:
    """Monotonic seconds that move only when a test says."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now
