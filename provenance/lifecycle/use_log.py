"""The generative-AI use log: one row per generated asset and use, for a title.

Studio guidance asks a production to disclose every use of generative AI,
escalate some uses for written approval, and keep the documents (approvals,
consent). The log lays that out as a table a production can hand over or
load into a spreadsheet: for each generated asset of the title, which tool
made it (version, model, the tool's published licence and enterprise
offering from :mod:`provenance.tools`, and the tier the production declared
in ``[[approved_tools]]``), and for each **use** that needs approval (each
approval category: a flag, a policy need, an approval), whether it is
cleared, by whom and on which reference document, with the consent
documents and the on-screen timecodes audits of masters found.

An asset with no category at all still gets one row (category empty, state
``not escalated``): every generated asset is disclosed.

The log is drawn from the disclosure report's data, so the two always agree;
it says it was prepared following the studio guidance (the ``guidance``
setting) and that it is not an official form.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from provenance.lifecycle.disclosure import DisclosureReport, GeneratedAsset
from provenance.settings.tables import ApprovedTool
from provenance.store import ApprovalRecord, Ledger
from provenance.store.records import iso
from provenance.tools import display_name, terms
from provenance.vocab import Category

CONSENT: frozenset[Category] = frozenset(
    {"talent-likeness", "voice", "digital-performer", "public-figure", "deceased-person"}
)
VERSION_FIELDS = ("version", "tool_version", "software_version", "ai_system_version")
NOT_ESCALATED = "not escalated"


@dataclass(frozen=True)
class OnScreen:
    """Where an audit found a generated asset on screen in a delivered video."""

    master: str
    tc_in: str
    tc_out: str

    def text(self) -> str:
        """``edit/master.mov 01:00:03:00-01:00:05:00``."""
        return f"{self.master} {self.tc_in}-{self.tc_out}"


@dataclass(frozen=True)
class UseRow:
    """One generated asset in one use (approval category)."""

    title: str
    shots: tuple[str, ...]
    asset: str
    sha256: str
    tool_id: str
    tool: str
    tool_version: str
    model: str
    licence: str
    enterprise: str
    production_tier: str
    status: str
    category: str
    escalation: str
    approvers: tuple[str, ...]
    reference_sha256: tuple[str, ...]
    consent: tuple[str, ...]
    on_screen: tuple[OnScreen, ...]
    first_seen: datetime

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (lists stay lists; times in RFC 3339 UTC)."""
        return {
            "title": self.title, "shots": list(self.shots), "name": self.asset,
            "sha256": self.sha256, "tool": self.tool_id, "tool_name": self.tool,
            "tool_version": self.tool_version or None, "model": self.model or None,
            "licence": self.licence, "enterprise": self.enterprise,
            "production_tier": self.production_tier or None, "status": self.status,
            "category": self.category or None, "escalation": self.escalation,
            "approvers": list(self.approvers), "reference_sha256": list(self.reference_sha256),
            "consent": list(self.consent),
            "on_screen": [{"master": o.master, "tc_in": o.tc_in, "tc_out": o.tc_out}
                          for o in self.on_screen],
            "first_seen": iso(self.first_seen),
        }  # fmt: skip


@dataclass(frozen=True)
class UseLog:
    """The whole log: what it covers, what it follows, and its rows."""

    title: str
    scope: str
    guidance: str
    generated_at: datetime
    rows: Sequence[UseRow]

    def to_dict(self) -> dict[str, object]:
        """The JSON form: one top-level object."""
        return {
            "title": self.title,
            "scope": self.scope,
            "prepared_following": self.guidance,
            "official_form": False,
            "generated_at": iso(self.generated_at),
            "uses": [row.to_dict() for row in self.rows],
        }


def build_use_log(
    ledger: Ledger, report: DisclosureReport, approved_tools: Sequence[ApprovedTool]
) -> UseLog:
    """The use log of the report's title, with on-screen timecodes from recorded audits."""
    screens = on_screen(ledger, {g.asset.sha256 for g in report.generated})
    tiers = {entry.tool: entry.tier for entry in approved_tools}
    rows = [
        row
        for item in report.generated
        for row in _rows(report, item, tiers, screens.get(item.asset.sha256, ()))
    ]
    return UseLog(
        report.scope.title, report.scope.describe(), report.guidance, report.generated_at, rows
    )


def on_screen(ledger: Ledger, shas: set[str]) -> dict[str, tuple[OnScreen, ...]]:
    """Per asset, every stretch audits found it on screen (recorded ``audited`` events)."""
    found: dict[str, dict[OnScreen, None]] = {}
    for event in ledger.events.list(types=("audited",)):
        if event.asset_sha256 not in shas:
            continue
        master = str(event.details.get("package_path", ""))
        for span in _spans(event.details.get("on_screen")):
            seen = OnScreen(master, str(span.get("tc_in", "")), str(span.get("tc_out", "")))
            found.setdefault(event.asset_sha256, {})[seen] = None
    return {sha: tuple(spans) for sha, spans in found.items()}


def _spans(value: object) -> list[Mapping[str, object]]:
    if not isinstance(value, list):
        return []
    return [span for span in value if isinstance(span, Mapping)]


def _rows(
    report: DisclosureReport,
    item: GeneratedAsset,
    tiers: Mapping[str, str],
    screens: tuple[OnScreen, ...],
) -> list[UseRow]:
    categories = _categories(item)
    return [
        _row(report, item, tiers, screens, category, _in(item.approvals, category))
        for category in categories or [""]
    ]


def _categories(item: GeneratedAsset) -> list[str]:
    """Every use of the asset that needs approval: flags, still-needed, approved; in order."""
    flagged = [str(flag.get("category", "")) for flag in item.asset.flags]
    approved = [a.category for a in item.approvals]
    return [c for c in dict.fromkeys([*flagged, *item.needs, *approved]) if c]


def _in(approvals: Iterable[ApprovalRecord], category: str) -> list[ApprovalRecord]:
    return [a for a in approvals if a.category == category]


def _row(
    report: DisclosureReport,
    item: GeneratedAsset,
    tiers: Mapping[str, str],
    screens: tuple[OnScreen, ...],
    category: str,
    approvals: list[ApprovalRecord],
) -> UseRow:
    asset = item.asset
    tool = asset.tool or "unknown-genai"
    published = terms(tool)
    return UseRow(
        title=report.scope.title, shots=item.shots, asset=item.name, sha256=asset.sha256,
        tool_id=tool, tool=display_name(tool), tool_version=_field(item, VERSION_FIELDS),
        model=_field(item, ("model",)), licence=published.licence,
        enterprise=published.enterprise, production_tier=tiers.get(tool, ""),
        status=asset.status or "", category=category,
        escalation=_state(category, approvals, report.generated_at),
        approvers=tuple(dict.fromkeys(a.approver for a in approvals)),
        reference_sha256=tuple(dict.fromkeys(a.reference_sha256 for a in approvals)),
        consent=_consent(category, approvals), on_screen=screens, first_seen=asset.first_seen,
    )  # fmt: skip


def _field(item: GeneratedAsset, names: Sequence[str]) -> str:
    """The first of these evidence fields any marker of the asset's tool recorded."""
    tool = item.asset.tool
    for evidence in item.asset.evidence:
        if tool and evidence.tool not in (tool, None):
            continue
        for name in names:
            if evidence.fields.get(name):
                return evidence.fields[name]
    return ""


def _state(category: str, approvals: list[ApprovalRecord], now: datetime) -> str:
    """Whether the use is cleared: by an active approval for finals, or for temporary use."""
    if not category:
        return NOT_ESCALATED
    active = [a for a in approvals if a.active(now)]
    if any(a.scope == "final" for a in active):
        return "cleared: " + ", ".join(f"#{a.id}" for a in active if a.scope == "final")
    if active:
        return "approved for temporary use only: " + ", ".join(f"#{a.id}" for a in active)
    if approvals:
        return "NOT CLEARED (approval revoked or lapsed)"
    return "NOT CLEARED"


def _consent(category: str, approvals: list[ApprovalRecord]) -> tuple[str, ...]:
    """The documents recorded as consent: approvals in a likeness, voice or performer use."""
    if category not in CONSENT:
        return ()
    return tuple(f"#{a.id} {a.reference_path} sha256:{a.reference_sha256}" for a in approvals)
