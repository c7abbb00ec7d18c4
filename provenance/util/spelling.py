"""The name a person meant: a misspelt command, setting or policy key gets a suggestion."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(name: str, known: Iterable[str]) -> str | None:
    """The one of ``known`` closest to ``name``, if any is close."""
    close = difflib.get_close_matches(name, list(known), n=1)
    return close[0] if close else None


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``known`` to ``name``, or ``""``."""
    meant = closest(name, known)
    return f" (did you mean '{meant}'?)" if meant else ""
