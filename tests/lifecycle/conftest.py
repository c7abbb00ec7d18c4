"""Fixtures for the lifecycle: a controllable clock, approver settings, generated files."""

from tests.support.lifecycle import (
    clock,
    consent,
    lc,
    lc_settings,
    make_genai,
    make_plain,
    one_copy,
)

__all__ = ["clock", "consent", "lc", "lc_settings", "make_genai", "make_plain", "one_copy"]
