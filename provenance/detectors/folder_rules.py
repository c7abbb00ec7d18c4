"""Folder rules: settings that declare the source of everything under a path.

A studio knows that ``/jobs/*/genai/*`` holds generated material whatever the
files say, or that ``/plates/*`` holds camera originals. A matching rule is
medium-confidence evidence (declared, not observed). Every matching rule is
reported, in settings order.
"""

from __future__ import annotations

from collections.abc import Iterator

from provenance.detectors.base import DetectorContext
from provenance.evidence import Evidence
from provenance.tools import canonical_tool
from provenance.vocab import Signal

_SIGNALS: dict[str, Signal] = {"genai": "genai", "not_genai": "not_genai", "unknown": "neutral"}


class FolderRulesDetector:
    """Evidence from ``folder_rules`` in the settings."""

    name = "folder_rules"

    def detect(self, ctx: DetectorContext) -> Iterator[Evidence]:
        """Yield one evidence item per rule whose glob matches the file's path."""
        path = ctx.path.absolute()
        for rule in ctx.settings.folder_rules:
            if not rule.matches(path):
                continue
            tool = canonical_tool(rule.tool) or rule.tool
            note = f" ({rule.note})" if rule.note else ""
            yield Evidence(
                detector=self.name,
                kind="folder-rule",
                detail=f"folder rule '{rule.glob}' declares {rule.verdict}{note}",
                signal=_SIGNALS[rule.verdict],
                tool=tool,
                confidence="medium",
                fields={"glob": rule.glob},
            )


DETECTOR = FolderRulesDetector()
