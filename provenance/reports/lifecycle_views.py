"""Rich renderables for the lifecycle commands: approvals, expiry, purge, restore, policy.

Like :mod:`.console`, each function takes plain data and returns something
``rich`` can print; the CLI decides where it goes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from provenance.lifecycle import Approved, PurgeResult, RestoreResult, Target
from provenance.lifecycle.repeats import already_said
from provenance.lifecycle.replace import Replaced
from provenance.lifecycle.rescreen import Rescreen
from provenance.reports.console import approvals_table
from provenance.rules.policy import Policy, policy_keys
from provenance.store import ApprovalRecord, AssetRecord, ExpiredAsset, QuarantineRecord
from provenance.util.names import on_one_line


def approved(
    done: Approved,
    assets: Iterable[AssetRecord],
    names: Mapping[str, str] | None = None,
) -> RenderableType:
    """What ``approve`` recorded, each asset (by file name, where known) and its status now,
    and the targets it left alone as already approved."""
    parts: list[RenderableType] = []
    if done.records:
        statuses = Table(show_header=True, box=None)
        for column in ("asset", "file", "status now"):
            statuses.add_column(column)
        for asset in assets:
            name = (names or {}).get(asset.sha256, "")
            statuses.add_row(asset.sha256[:12], name, asset.status or "")
        title = Text(f"Recorded {len(done.records)} approval(s).", style="green")
        parts += [title, approvals_table(done.records), statuses]
    parts += [Text(f"{_named(a.target)}: already approved ({already_said(a.approval)}); "
                   "nothing done") for a in done.already]  # fmt: skip
    return Group(*parts)


def _named(target: Target) -> str:
    """``sh010.1017.png (3f2a9c01b7e4)``, or the short hash of an asset named by its hash."""
    if target.path is None:
        return target.asset.sha256[:12]
    return f"{on_one_line(target.path.rsplit('/', 1)[-1])} ({target.asset.sha256[:12]})"


def revoked(records: Sequence[ApprovalRecord], assets: Mapping[str, AssetRecord]) -> RenderableType:
    """What ``revoke`` revoked: one line per approval, and the status of its asset now."""
    return Group(*[
        Text(f"Revoked approval #{r.id} ({r.category}); {r.asset_sha256[:12]} is now "
             f"{assets[r.asset_sha256].status}.")
        for r in records
    ])  # fmt: skip


def expired(changes: Sequence[ExpiredAsset]) -> RenderableType:
    """The assets ``expire`` changed, and where their copies are."""
    if not changes:
        return Text("Nothing is past its expiry.", style="green")
    table = Table(title=f"{len(changes)} asset(s) changed", title_justify="left")
    for column in ("sha256", "tool", "status", "why", "copies present at"):
        table.add_column(column)
    for change in changes:
        places = "\n".join(on_one_line(f"{loc.host}:{loc.path}") for loc in change.locations)
        places = places or "(none)"
        why = "its approval lapsed" if change.lapsed else "past its expiry"
        asset = change.asset
        table.add_row(asset.sha256[:12], asset.tool or "", asset.status or "", why, places)
    return table


def rescreened(result: Rescreen) -> RenderableType:
    """The flags ``rescreen`` added (or would add), one row per flag and change of status.

    The frames of a generated sequence share a prompt and so gain the same
    flags: they are counted on one row (with the first asset's hash), where
    a row per frame would bury the one other asset that matters.
    """
    if not result.changes:
        return Text(f"Screened {result.screened} generated asset(s): no new flags.", style="green")
    verb = "would gain" if result.dry_run else "gained"
    title = f"{len(result.changes)} of {result.screened} generated asset(s) {verb} flags"
    table = Table(title=title, title_justify="left")
    for column in ("assets", "first sha256", "category", "why", "status"):
        table.add_column(column)
    groups: dict[tuple[str, str, str], list[str]] = {}
    for change in result.changes:
        status = change.status or ""
        if change.status != change.previous_status:
            status = f"{change.previous_status} -> {change.status}"
        for flag in change.added:
            key = (str(flag["category"]), str(flag["reason"]), status)
            groups.setdefault(key, []).append(change.sha256)
    for (category, reason, status), shas in groups.items():
        table.add_row(str(len(shas)), shas[0][:12], category, reason, status)
    return table


def purged(result: PurgeResult) -> RenderableType:
    """What ``purge --expired`` moved, would move, could not move or could not reach."""
    parts: list[RenderableType] = []
    if result.expired:
        parts.append(expired(result.expired))
    verb = "Would move" if result.dry_run else "Moved"
    moved = (
        [(p.asset_sha256, p.path, "") for p in result.planned]
        if result.dry_run
        else [(m.asset_sha256, m.original_path, m.quarantine_path) for m in result.moved]
    )
    parts.append(Text(f"{verb} {len(moved)} copy(ies) into {result.root}", style="bold"))
    # One copy a line: a name holding a newline must not start a line of its own.
    parts += [
        Text(on_one_line(f"  {sha[:12]} {path}" + (f" -> {held}" if held else "")))
        for sha, path, held in moved
    ]
    if result.failed:
        parts.append(Text(f"{len(result.failed)} copy(ies) not moved:", style="yellow"))
        parts += [Text(on_one_line(f"  {f.path}: {f.reason}")) for f in result.failed]
    if result.unreachable:
        parts.append(Text("Not reachable from this host (run purge there):", style="yellow"))
        parts += [
            Text(on_one_line(f"  {u.asset_sha256[:12]} {u.host}:{u.path}"))
            for u in result.unreachable
        ]
    return Group(*parts)


def quarantine_entries(entries: Sequence[QuarantineRecord], title: str) -> RenderableType:
    """Quarantined copies: where they came from and where they are."""
    table = Table(title=title, title_justify="left")
    for column in ("#", "sha256", "host", "original path", "quarantine path"):
        table.add_column(column)
    for e in entries:
        table.add_row(str(e.id), e.asset_sha256[:12], e.host, e.original_path, e.quarantine_path)
    return table


def restored(result: RestoreResult) -> RenderableType:
    """What ``restore`` moved back, and copies still held on other hosts."""
    parts: list[RenderableType] = [quarantine_entries(result.restored, "Restored")]
    if result.elsewhere:
        parts.append(quarantine_entries(result.elsewhere, "Still quarantined on other hosts"))
    if result.past_expiry:
        parts.append(Text(
            f"{len(result.past_expiry)} restored asset(s) still past their expiry: the next"
            " `provenance purge --expired` quarantines them again. Give them a new expiry"
            " (`provenance set-expiry`) or approve them first.", style="yellow",
        ))  # fmt: skip
    return Group(*parts)


def replaced(done: Replaced) -> RenderableType:
    """The links ``replace`` recorded, by file name where the asset was named by one, and the
    frames of a sequence it left alone as not generated."""
    lines = [Text(f"Replaced {len(done.pairs)} generated asset(s):", style="bold")]
    lines += [Text(f"  {_named(old)} replaced by {_named(new)}") for old, new in done.pairs]
    if done.left_out:
        lines.append(Text(f"Left alone, not generated: {len(done.left_out)} file(s)"))
        lines += [Text(f"  {_named(target)}") for target in done.left_out]
    return Group(*lines)


def assets_now(assets: Sequence[AssetRecord]) -> RenderableType:
    """Assets' status and expiry after a change."""
    table = Table()
    for column in ("sha256", "status", "expires (UTC)"):
        table.add_column(column)
    for a in assets:
        expires = a.expires_at.strftime("%Y-%m-%d %H:%M") if a.expires_at else ""
        table.add_row(a.sha256[:12], a.status or "", expires)
    return table


def policy_view(policy: Policy) -> RenderableType:
    """A valid policy: what it does with each state."""
    values = {f.name: getattr(policy, f.name) for f in fields(policy)}
    table = Table(title=f"Policy {policy.source}: valid", title_justify="left", box=None)
    table.add_column("key", style="bold")
    table.add_column("action")
    for key in policy_keys():
        table.add_row(key, str(values[key.split(".", 1)[1]]))
    return table
