"""The disclosure report: the per-title record a production sends its studio.

:func:`build_report` gathers, for one title (the assets ever seen in a folder
of that name, or under a path), everything the studio asks to see about
generative AI:

* a headline: how much generated material there is in each state, the
  escalations no active approval clears, and the temporary generated material
  still present somewhere (what a producer must act on);
* generated assets by tool and lifecycle status, each with its file name, its
  shots (:mod:`provenance.lifecycle.naming`) and every place it was seen;
* escalations (flags) and the approvals that clear them, with the SHA-256 of
  every reference document;
* replacements, expiries, and purges (quarantine, restore, deletion);
* refused approval attempts;
* how many files have unknown provenance, or could not be read;
* whether the ledger's hash chain verifies, and its head.

``since`` keeps assets first seen on or after that time, and those with a
lifecycle event since then; only events since then are listed. The report is
plain data; :mod:`provenance.reports.disclosure` renders it as Markdown, one
self-contained HTML page, or JSON.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from provenance.lifecycle.naming import display_place, name_of, shots_of
from provenance.rules.escalations import Flag
from provenance.rules.policy import still_needs
from provenance.settings.model import DEFAULT_GUIDANCE, DEFAULT_SHOT_PATTERN
from provenance.store import (
    ApprovalRecord,
    AssetQuery,
    AssetRecord,
    EventRecord,
    Ledger,
    LocationRecord,
)
from provenance.store.records import iso
from provenance.tools import display_name
from provenance.util.json_shapes import ledger_block
from provenance.vocab import VERDICTS

REPLACEMENTS = ("replaced",)
EXPIRIES = ("expired", "approval-lapsed", "expiry-set")
PURGES = ("quarantined", "restored", "deleted-from-quarantine")
REFUSALS = ("approval-refused",)
LIFECYCLE_EVENTS = (*REPLACEMENTS, *EXPIRIES, *PURGES, *REFUSALS, "approved", "revoked")


@dataclass(frozen=True)
class Scope:
    """Which assets a report covers."""

    title: str
    folder: str | None = None  # assets ever seen in a folder of this name, at any depth
    under: str | None = None  # assets ever seen under this folder
    since: datetime | None = None
    roots: tuple[str, ...] = ()  # assets ever seen under one of these (a [[shows]] entry)

    def query(self) -> AssetQuery:
        """The assets ever seen in the scope, whenever (``since`` filters what is reported)."""
        return AssetQuery(folder=self.folder, path_prefix=self.under, roots=self.roots)

    def describe(self) -> str:
        """One line naming the scope."""
        parts = [f"seen under {' or '.join(self.roots)}"] if self.roots else []
        parts += [f"seen in a folder named '{self.folder}'"] if self.folder else []
        parts += [f"seen under {self.under}"] if self.under else []
        return "assets " + (" and ".join(parts) if parts else "in the whole ledger")


@dataclass(frozen=True)
class GeneratedAsset:
    """One generated asset as the report lists it: what people call it, and where it is."""

    asset: AssetRecord
    locations: tuple[LocationRecord, ...]
    needs: tuple[str, ...]
    approvals: tuple[ApprovalRecord, ...]
    name: str = ""
    shots: tuple[str, ...] = ()

    @property
    def present_at(self) -> tuple[str, ...]:
        """``host:path`` of every place a copy is present now."""
        return tuple(f"{loc.host}:{loc.path}" for loc in self.locations if loc.present)

    @property
    def shot(self) -> str:
        """The shots as one cell (``shot010, shot020``), or empty."""
        return ", ".join(self.shots)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        a = self.asset
        return {
            "sha256": a.sha256,
            "name": self.name,
            "shots": list(self.shots),
            "tool": a.tool,
            "tool_name": display_name(a.tool) if a.tool else None,
            "status": a.status,
            "first_seen": iso(a.first_seen),
            "expires_at": iso(a.expires_at) if a.expires_at else None,
            "replaced_by": a.replaced_by,
            "flags": [dict(f) for f in a.flags],
            "needs_approval": list(self.needs),
            "approvals": [x.id for x in self.approvals],
            "locations": [
                {"host": loc.host, "path": loc.path, "present": loc.present}
                for loc in self.locations
            ],
        }


@dataclass(frozen=True)
class Escalation:
    """One flag of one generated asset, and the active final approvals that clear it."""

    item: GeneratedAsset
    flag: Flag
    approvals: tuple[int, ...]

    @property
    def cleared(self) -> bool:
        """True when an active approval for use in finals covers the flag's category."""
        return bool(self.approvals)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form: the asset by hash and name, the flag, and its clearing."""
        return {
            "sha256": self.item.asset.sha256,
            "name": self.item.name,
            "shots": list(self.item.shots),
            **self.flag.to_dict(),
            "approvals": list(self.approvals),
            "cleared": self.cleared,
        }


@dataclass(frozen=True)
class Headline:
    """What a producer reads first: the state of the title's generated material."""

    by_status: Mapping[str, int]
    not_cleared: Sequence[Escalation]
    temporary_present: Sequence[GeneratedAsset]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "generated": sum(self.by_status.values()),
            "by_status": dict(self.by_status),
            "escalations_not_cleared": len(self.not_cleared),
            "temporary_still_present": [g.asset.sha256 for g in self.temporary_present],
        }


@dataclass(frozen=True)
class DisclosureReport:
    """Everything the disclosure report says, as plain data."""

    scope: Scope
    generated_at: datetime
    ledger: str
    chain: Mapping[str, object]
    counts: Mapping[str, int]
    unknown_by_kind: Mapping[str, int]
    generated: Sequence[GeneratedAsset]
    approvals: Sequence[ApprovalRecord]
    events: Mapping[str, Sequence[EventRecord]] = field(default_factory=dict)
    guidance: str = DEFAULT_GUIDANCE  # the studio guidance the report follows (a setting)

    def by_tool(self) -> list[tuple[str, Counter[str]]]:
        """Per tool, how many generated assets are in each status."""
        tally: dict[str, Counter[str]] = {}
        for item in self.generated:
            tool = item.asset.tool or "unknown-genai"
            tally.setdefault(tool, Counter())[item.asset.status or "none"] += 1
        return sorted(tally.items())

    def escalations(self) -> list[Escalation]:
        """Every flag of every generated asset, and the active approvals that clear it."""
        return [
            Escalation(item, flag, self._clearing(item, flag))
            for item in self.generated
            for flag in (Flag.from_dict(f) for f in item.asset.flags)
        ]

    def _clearing(self, item: GeneratedAsset, flag: Flag) -> tuple[int, ...]:
        return tuple(
            a.id
            for a in item.approvals
            if a.category == flag.category and a.scope == "final"
            if a.active(self.generated_at)
        )

    def headline(self) -> Headline:
        """Generated material by state, escalations not cleared, temporary material present."""
        statuses = Counter(item.asset.status or "none" for item in self.generated)
        return Headline(
            by_status=dict(sorted(statuses.items())),
            not_cleared=[e for e in self.escalations() if not e.cleared],
            temporary_present=[
                g for g in self.generated if g.asset.status == "temporary" and g.present_at
            ],
        )

    def to_dict(self) -> dict[str, object]:
        """The JSON form of the whole report."""
        return {
            "title": self.scope.title,
            "scope": self.scope.describe(),
            "since": iso(self.scope.since) if self.scope.since else None,
            "generated_at": iso(self.generated_at),
            "prepared_following": self.guidance,
            "official_form": False,
            "headline": self.headline().to_dict(),
            "ledger": ledger_block(self.ledger),
            "chain": dict(self.chain),
            "counts": dict(self.counts),
            "unknown_by_kind": dict(self.unknown_by_kind),
            "by_tool": [
                {
                    "tool": t,
                    "tool_name": display_name(t),
                    "statuses": dict(c),
                    "total": sum(c.values()),
                }
                for t, c in self.by_tool()
            ],
            "generated": [g.to_dict() for g in self.generated],
            "escalations": [e.to_dict() for e in self.escalations()],
            "approvals": [a.to_dict() for a in self.approvals],
            **{name: [e.to_dict() for e in events] for name, events in self.events.items()},
        }


def build_report(
    ledger: Ledger,
    scope: Scope,
    now: datetime,
    shot_pattern: str = DEFAULT_SHOT_PATTERN,
    guidance: str = DEFAULT_GUIDANCE,
) -> DisclosureReport:
    """Gather the disclosure report for ``scope`` from the ledger, as of ``now``.

    ``shot_pattern`` and ``guidance`` are the settings of those names: how
    shots are found in paths, and which studio guidance the report follows.
    """
    assets = ledger.assets.list(scope.query())
    events = _lifecycle_events(ledger, {a.sha256 for a in assets}, scope.since)
    active = {e.asset_sha256 for e in events}
    if scope.since is not None:
        assets = [a for a in assets if a.first_seen >= scope.since or a.sha256 in active]
    generated = [a for a in assets if a.verdict == "genai"]
    approvals = ledger.approvals.many(a.sha256 for a in generated)
    return DisclosureReport(
        scope=scope,
        generated_at=now,
        ledger=ledger.where,
        chain=ledger.events.verify().to_dict(),
        counts=_counts(assets),
        unknown_by_kind=dict(
            sorted(Counter(a.kind for a in assets if a.verdict == "unknown").items())
        ),
        generated=sorted(
            (
                _generated(ledger, a, approvals.get(a.sha256, []), now, shot_pattern)
                for a in generated
            ),
            key=_reading_order,
        ),
        approvals=sorted((x for xs in approvals.values() for x in xs), key=lambda x: x.id),
        events=_grouped(events),
        guidance=guidance,
    )


def _reading_order(item: GeneratedAsset) -> tuple[bool, str, str, str]:
    """By shot, then name; assets in no shot last (a producer reads a title shot by shot)."""
    return (not item.shots, item.shot, item.name, item.asset.sha256)


def _lifecycle_events(ledger: Ledger, shas: set[str], since: datetime | None) -> list[EventRecord]:
    after = iso(since) if since is not None else ""
    return [
        e
        for e in ledger.events.list(types=LIFECYCLE_EVENTS)
        if e.asset_sha256 in shas and e.at >= after
    ]


def _grouped(events: Iterable[EventRecord]) -> dict[str, list[EventRecord]]:
    groups = {
        "replacements": REPLACEMENTS,
        "expiries": EXPIRIES,
        "purges": PURGES,
        "refused_approvals": REFUSALS,
    }
    listed = list(events)
    return {name: [e for e in listed if e.type in types] for name, types in groups.items()}


def _counts(assets: Sequence[AssetRecord]) -> dict[str, int]:
    verdicts = Counter(a.verdict for a in assets)
    return {"assets": len(assets), **{k: verdicts[k] for k in VERDICTS}}


def _generated(
    ledger: Ledger,
    asset: AssetRecord,
    approvals: list[ApprovalRecord],
    now: datetime,
    shot_pattern: str,
) -> GeneratedAsset:
    places = tuple(ledger.locations.of(asset.sha256))
    shown = display_place(places)
    return GeneratedAsset(
        asset,
        places,
        tuple(still_needs(asset, approvals, now)),
        tuple(approvals),
        name=name_of(shown.path) if shown else asset.sha256[:12],
        shots=shots_of(places, shot_pattern),
    )
