"""Waiting for a condition with a timeout, never for a fixed time."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest


def wait_for(
    predicate: Callable[[], object], timeout: float = 30.0, message: str = "", step: float = 0.05
) -> None:
    """Wait until ``predicate()`` is true; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:g} s waiting for: {message or predicate}")
        time.sleep(step)
