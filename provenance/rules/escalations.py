"""Escalations: which uses of generative AI need which written approval.

Studio guidance names uses that always need written approval before they
reach a production: talent likeness, voices and digital performers
(documented consent), main characters and key visuals, prompts that
reference copyrighted works or real or deceased people, training on an
artist's work, personal data, content that could be mistaken for real events,
and work that affects union-covered roles. Each is an approval *category*.

An asset collects *flags*, each naming the category that would clear it:

* **prompt screening**: a prompt found by the detectors matches a term of a
  per-show watchlist (see :mod:`provenance.rules.watchlists`);
* **tool registry**: the tool is not on the production's approved list
  (flag ``unapproved-tool``);
* **folder rules**: a rule declares that everything under a path needs a
  category (e.g. ``*/likeness/*`` needs ``talent-likeness``).

Every generated asset also needs a ``final-deliverable`` approval before it
may appear in finals: generated material is temporary by default.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, get_args

from provenance.errors import DamagedRecord
from provenance.settings.tables import ApprovedTool
from provenance.vocab import Category, as_category

CATEGORY_HELP: Mapping[Category, str] = {
    "final-deliverable": "generated material approved to stay in final deliverables",
    "talent-likeness": "a real performer's likeness (documented consent)",
    "voice": "a real performer's voice (documented consent)",
    "digital-performer": "a digital performer or replica (documented consent, guild compliance)",
    "key-creative-element": "main characters, key visuals or settings central to the story",
    "copyrighted-reference": "prompts or inputs that reference copyrighted works",
    "public-figure": "likeness of, or prompts naming, a public figure",
    "deceased-person": "likeness of, or prompts naming, a deceased person",
    "style-training": "training or fine-tuning on an artist's work",
    "personal-data": "personal data of cast or crew used as input",
    "production-data-input": "production material (unreleased footage, scripts) used as input",
    "realistic-depiction": "content that could be mistaken for real events, people or statements",
    "union-work-impact": "replaces or materially affects union-represented work",
    "unapproved-tool": "made with a tool not on the production's approved list",
}

FlagSource = Literal["prompt-screen", "tool-registry", "folder-rule"]


@dataclass(frozen=True)
class Flag:
    """Why an asset needs an approval of ``category``."""

    category: Category
    source: FlagSource
    reason: str

    def to_dict(self) -> dict[str, str]:
        """JSON-ready form."""
        return {"category": self.category, "source": self.source, "reason": self.reason}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Flag:
        """Rebuild a stored flag; one the ledger never writes (a row edited by hand) is a
        damaged record, said in words."""
        try:
            category, source = as_category(str(data["category"])), str(data["source"])
            return cls(category, _as_source(source), str(data["reason"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise DamagedRecord(
                f"an asset's flags hold one the ledger never writes ({exc})",
                where=repr(data)[:80],
                fix="`provenance verify` names the asset; restore the ledger from its backup",
            ) from exc


def _as_source(name: str) -> FlagSource:
    if name not in get_args(FlagSource):
        raise ValueError(f"unknown flag source {name!r}")
    return name  # type: ignore[return-value]


def tool_flags(tool: str | None, approved: Iterable[ApprovedTool]) -> list[Flag]:
    """``unapproved-tool`` when the registry is in use and the tool is not on it."""
    registry = {entry.tool: entry for entry in approved}
    if not registry or (tool is not None and tool in registry):
        return []
    named = tool or "an unnamed tool"
    return [
        Flag(
            "unapproved-tool",
            "tool-registry",
            f"{named} is not on the production's approved tool list",
        )
    ]


def required_categories(flags: Iterable[Flag]) -> list[Category]:
    """The approvals a generated asset needs for finals: final-deliverable plus one per flag."""
    needed: list[Category] = ["final-deliverable"]
    for flag in flags:
        if flag.category not in needed:
            needed.append(flag.category)
    return needed
