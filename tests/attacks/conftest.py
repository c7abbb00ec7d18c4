"""Fixtures for the attacks: the lifecycle's clock, approver settings and generated files."""

from tests.support.lifecycle import clock, consent, lc, lc_settings, make_genai

__all__ = ["clock", "consent", "lc", "lc_settings", "make_genai"]
