"""A show's dashboard: the generated material a producer must still deal with.

A show is a ``[[shows]]`` entry of the settings (its roots), or, for a title
the settings do not list, the assets ever seen in a folder of that name, as
``provenance report --show`` reads it. The dashboard answers five questions:
what generated material is still temporary, what still needs a written
approval and in which category, what expires within a week, which
escalations (flags a rule raised) are not yet cleared by an approval, and
what the last audits of the show's deliveries said.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from provenance.lifecycle import Lifecycle
from provenance.lifecycle.approve import Need, needs_among
from provenance.lifecycle.disclosure import Scope
from provenance.settings import Settings
from provenance.store import AssetBrief, AssetQuery, AuditRecord, Ledger
from provenance.vocab import OPEN_STATUSES

SOON = timedelta(days=7)
AUDITS_SHOWN = 10
AUDITS_LOOKED_AT = 500  # for a show named by a folder, the recent audits searched for it
SHOWN = 50  # assets listed in each part; the rest are counted, and a search lists them all


@dataclass(frozen=True)
class Dashboard:
    """What the show's dashboard lists, each part newest first (the page shows :data:`SHOWN`)."""

    show: str
    scope: Scope
    temporary: list[AssetBrief]
    needs: dict[str, list[Need[AssetBrief]]]  # category -> the assets that still need it
    expiring: list[AssetBrief]
    escalations: list[Need[AssetBrief]]  # flagged assets whose flags' approvals are still missing
    audits: list[AuditRecord]
    names: dict[str, str]  # sha256 -> a present path, for every asset the page shows

    def shown(self) -> set[str]:
        """The hashes of the assets the page lists (the first :data:`SHOWN` of each part)."""
        parts = [self.temporary, self.expiring, [n.asset for n in self.escalations]]
        parts += [[n.asset for n in needs] for needs in self.needs.values()]
        return {a.sha256 for part in parts for a in part[:SHOWN]}


def show_scope(show: str, settings: Settings) -> Scope:
    """The assets of ``show``: its roots when the settings list it, else a folder of that name."""
    listed = {entry.name: entry.roots for entry in settings.shows}
    if show in listed:
        return Scope(show, roots=listed[show])
    return Scope(show, folder=show)


def dashboard(show: str, ledger: Ledger, settings: Settings, now: datetime) -> Dashboard:
    """The dashboard of ``show`` at ``now``."""
    scope = show_scope(show, settings)
    query = AssetQuery(genai=True, roots=scope.roots, folder=scope.folder)
    # Every generated asset of the show is decided on, in brief; the page lists 50 of each part.
    generated = ledger.assets.briefs(query)
    needs = needs_among(Lifecycle(ledger, settings, lambda: now), generated)
    board = Dashboard(
        show,
        scope,
        [a for a in generated if a.status == "temporary"],
        by_category(needs),
        expiring(generated, now),
        [n for n in needs if set(n.missing) & {f.category for f in n.flags}],
        show_audits(ledger, scope),
        {},
    )
    board.names.update(ledger.locations.first_present(board.shown()))
    return board


def by_category(needs: Sequence[Need[AssetBrief]]) -> dict[str, list[Need[AssetBrief]]]:
    """The needs under each missing category, categories in name order."""
    found: dict[str, list[Need[AssetBrief]]] = {}
    for need in needs:
        for category in need.missing:
            found.setdefault(category, []).append(need)
    return dict(sorted(found.items()))


def expiring(assets: Sequence[AssetBrief], now: datetime) -> list[AssetBrief]:
    """Open generated assets whose expiry falls within :data:`SOON` of ``now``, soonest first."""
    due = [
        a
        for a in assets
        if a.expires_at is not None
        and a.status in OPEN_STATUSES
        and now <= a.expires_at <= now + SOON
    ]
    return sorted(due, key=_expiry)


def _expiry(asset: AssetBrief) -> datetime:
    assert asset.expires_at is not None
    return asset.expires_at


def show_audits(ledger: Ledger, scope: Scope) -> list[AuditRecord]:
    """The show's last audits: of packages under its roots, or in a folder of its name."""
    if scope.roots:
        found = [a for root in scope.roots for a in ledger.audits.list(AUDITS_SHOWN, under=root)]
        return sorted(found, key=_newest)[:AUDITS_SHOWN]
    inside: Callable[[AuditRecord], bool] = lambda a: f"/{scope.folder}/" in f"{a.root}/"  # noqa: E731
    return [a for a in ledger.audits.list(AUDITS_LOOKED_AT) if inside(a)][:AUDITS_SHOWN]


def _newest(audit: AuditRecord) -> int:
    return -audit.id
