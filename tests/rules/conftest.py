"""Fixtures for the rules applied at ingest: those of the lifecycle (a clock, generated files)."""

from tests.support.lifecycle import clock, lc, lc_settings, make_genai, make_plain

__all__ = ["clock", "lc", "lc_settings", "make_genai", "make_plain"]
