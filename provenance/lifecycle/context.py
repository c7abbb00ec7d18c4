"""What every lifecycle operation works with: the ledger, the settings, and the time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from provenance.settings import Settings
from provenance.store import Ledger

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """The real time, in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Lifecycle:
    """The ledger to change, the settings that govern it, and a clock tests can control."""

    ledger: Ledger
    settings: Settings
    now: Clock = field(default=utcnow)
