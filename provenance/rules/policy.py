"""Policy: what an audit does with each asset state and flag.

A policy maps states to actions (``pass``, ``warn`` or ``block``). The
defaults follow studio guidance: generated material is temporary and blocked
from deliverables until approved in writing; expired, quarantined and
replaced generated material is blocked (an asset deleted from quarantine
counts as quarantined); flagged material needs the approvals
its flags name; files that cannot be read are blocked (fail closed); unknown
provenance is a warning; a package compared without some generated assets'
references (not fingerprinted or described yet, where the audit could not
do it) is a warning; approvals about to lapse are a warning; positive
evidence of a non-generative origin passes: a camera naming itself (EXIF, a
raw header, movie metadata or telemetry) or a location-sound take (a field
recorder named in a Broadcast WAV's ``bext``, with its iXML scene and take),
and only when no generator marker was found.

A show's policy is a TOML file (``--policy`` or the ``policy`` setting)::

    [genai]
    temporary = "block"
    expired = "block"
    quarantined = "block"
    replaced = "block"
    flagged_unapproved = "block"

    [provenance]
    unknown = "warn"
    unreadable = "block"
    incomplete_references = "warn"

    [approvals]
    expiring_within_days = 14

:func:`decide` applies a policy to one asset's state; it is pure, so the
audit, ``history`` and tests share it.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from provenance.errors import ConfigError
from provenance.files.opening import read_regular
from provenance.rules.escalations import Flag, required_categories
from provenance.settings.loading import TOO_DEEP
from provenance.settings.tables import as_days
from provenance.util.spelling import did_you_mean
from provenance.vocab import ACTIONS, OPEN_STATUSES, Action, Category, Scope, Status

if TYPE_CHECKING:
    from provenance.signing.approvals import ApprovalTrust
    from provenance.store import ApprovalRecord, AssetRecord

MAX_POLICY_BYTES = 4 * 1024 * 1024  # a show's rules, typed by a person


class PolicyFacts(Protocol):
    """What the approval rules read of an asset: its verdict, status and flags.

    A full :class:`~provenance.store.AssetRecord` has them, and so has the
    brief form a dashboard reads of thousands of assets at once
    (:class:`~provenance.store.AssetBrief`): the rules are the same code for both.
    """

    @property
    def verdict(self) -> str: ...

    @property
    def status(self) -> Status | None: ...

    @property
    def flags(self) -> Sequence[Mapping[str, object]]: ...


SEVERITY: Mapping[Action, int] = {"pass": 0, "warn": 1, "block": 2}

_SECTIONS: Mapping[str, tuple[str, ...]] = {
    "genai": ("temporary", "expired", "quarantined", "replaced", "flagged_unapproved"),
    "provenance": ("unknown", "unreadable", "not_genai", "incomplete_references"),
    "approvals": ("expiring_within_days",),
}

UNKNOWN_PROVENANCE = "provenance unknown: no marker settles where it came from"


@dataclass(frozen=True)
class Policy:
    """Actions per state. Field names match the policy file's keys."""

    temporary: Action = "block"
    expired: Action = "block"
    quarantined: Action = "block"
    replaced: Action = "block"
    flagged_unapproved: Action = "block"
    unknown: Action = "warn"
    unreadable: Action = "block"
    not_genai: Action = "pass"
    # the package, when some generated assets could not be compared with (no references)
    incomplete_references: Action = "warn"
    expiring_within_days: int = 14
    source: str = "built-in default"


@dataclass(frozen=True)
class ApprovalView:
    """An approval as the policy sees it."""

    id: int
    category: Category
    scope: Scope
    approver: str
    reference: str
    reference_sha256: str
    approved_at: datetime
    expires_at: datetime | None = None
    revoked: bool = False

    def active(self, now: datetime) -> bool:
        """Not revoked and not lapsed."""
        return not self.revoked and (self.expires_at is None or self.expires_at > now)

    def cite(self) -> str:
        """How a report names this approval."""
        return (
            f"approval #{self.id} ({self.category}) by {self.approver} on "
            f"{self.approved_at:%Y-%m-%d}, document {self.reference}"
            f" sha256 {self.reference_sha256[:12]}"
        )


@dataclass(frozen=True)
class AssetState:
    """What the policy needs to know of an asset."""

    verdict: str
    status: str | None = None
    flags: Sequence[Flag] = ()
    approvals: Sequence[ApprovalView] = ()


@dataclass(frozen=True)
class Decision:
    """The policy's verdict for one asset, with its reasons and the approvals it relied on."""

    action: Action
    reasons: tuple[str, ...]
    approvals: tuple[ApprovalView, ...] = field(default=())

    def worse(self, other: Decision) -> Decision:
        """The more severe of two decisions, reasons combined."""
        first, second = (
            (self, other) if SEVERITY[self.action] >= SEVERITY[other.action] else (other, self)
        )
        return Decision(
            first.action, first.reasons + second.reasons, first.approvals + second.approvals
        )


def decide(state: AssetState, policy: Policy, now: datetime) -> Decision:
    """Apply ``policy`` to an asset's state at time ``now``."""
    if state.verdict != "genai":
        return _not_generated(state.verdict, policy)
    lifecycle = {
        "expired": policy.expired,
        "quarantined": policy.quarantined,
        "deleted": policy.quarantined,  # deleted from quarantine: a copy turned up anyway
        "replaced": policy.replaced,
    }
    if state.status in lifecycle:
        return Decision(lifecycle[state.status], (f"generated asset is {state.status}",))
    active = _final(state.approvals, now)
    missing = missing_approvals(state.flags, state.approvals, now)
    if "final-deliverable" in missing:
        temporary = ["generated material is temporary: not approved for final deliverables"]
        temporary += [f"also needs {flag.category} approval: {flag.reason}" for flag in state.flags]
        return Decision(policy.temporary, tuple(temporary))
    if missing:
        needed = tuple(
            f"needs {flag.category} approval: {flag.reason}"
            for flag in state.flags
            if flag.category in missing
        ) or tuple(f"needs {c} approval" for c in missing)
        return Decision(policy.flagged_unapproved, needed, tuple(active))
    return _approved(active, policy, now)


def _final(approvals: Sequence[ApprovalView], now: datetime) -> list[ApprovalView]:
    return [a for a in approvals if a.active(now) and a.scope == "final"]


def missing_approvals(
    flags: Sequence[Flag], approvals: Sequence[ApprovalView], now: datetime
) -> list[Category]:
    """The categories a generated asset still needs before finals, at ``now``.

    The one rule both :func:`decide` and the ledger's ``approved`` status use.
    """
    covered = {a.category for a in _final(approvals, now)}
    return [c for c in required_categories(flags) if c not in covered]


def honoured_approvals(
    approvals: Sequence[ApprovalRecord], distrusted: Collection[int] = ()
) -> list[ApprovalRecord]:
    """The approvals a gate may rely on, of those recorded: the one place that says which count.

    An approval whose row is not what its events say (``distrusted``: edited,
    re-pointed at another asset, un-revoked, inserted without an event, see
    :mod:`provenance.store.projection`) counts for nothing.
    """
    return [a for a in approvals if a.id not in distrusted]


def approval_view(record: ApprovalRecord) -> ApprovalView:
    """How the policy sees a recorded approval."""
    return ApprovalView(
        record.id, record.category, record.scope, record.approver, record.reference_path,
        record.reference_sha256, record.approved_at, record.expires_at,
        record.revoked_at is not None,
    )  # fmt: skip


def honoured(
    approvals: Mapping[str, Sequence[ApprovalRecord]], trust: ApprovalTrust
) -> dict[str, list[ApprovalRecord]]:
    """The approvals a decision may rely on, by asset: only those whose signatures count.

    Which approvals count is decided in one place,
    :class:`provenance.signing.approvals.ApprovalTrust`: signed by a key the
    ``allowed_signers`` setting trusts for the approval's approver, over what
    the row says. Unsigned, badly signed and untrusted approvals are left out,
    so they clear nothing; revoked ones are inactive anyway.
    """
    return {sha: [a for a in found if trust.counts(a)] for sha, found in approvals.items()}


def asset_state(asset: PolicyFacts, approvals: Sequence[ApprovalRecord] = ()) -> AssetState:
    """What the policy needs to know of a recorded asset."""
    flags = [Flag.from_dict(f) for f in asset.flags]
    return AssetState(asset.verdict, asset.status, flags, [approval_view(a) for a in approvals])


def open_status(asset: AssetRecord, approvals: Sequence[ApprovalRecord], now: datetime) -> Status:
    """The status a generated asset still in the lifecycle has at ``now``: the status machine.

    ``approved`` when its approvals clear it for finals, else ``expired`` once
    its expiry has passed, else ``temporary``. The store applies it, under
    the lock that writes each change (see :data:`provenance.store.StatusRule`).
    """
    if clears_for_finals(asset, approvals, now):
        return "approved"
    due = asset.expires_at is not None and asset.expires_at <= now
    return "expired" if due else "temporary"


def clears_for_finals(
    asset: AssetRecord, approvals: Sequence[ApprovalRecord], now: datetime
) -> bool:
    """Whether these approvals clear a generated asset for finals (the ledger's rule)."""
    state = asset_state(asset, approvals)
    return not missing_approvals(state.flags, state.approvals, now)


def _not_generated(verdict: str, policy: Policy) -> Decision:
    if verdict == "unreadable":
        return Decision(
            policy.unreadable, ("file could not be read: provenance cannot be checked",)
        )
    if verdict == "unknown":
        return Decision(policy.unknown, (UNKNOWN_PROVENANCE,))
    return Decision(policy.not_genai, ("positive evidence of a non-generative origin",))


def _approved(active: Sequence[ApprovalView], policy: Policy, now: datetime) -> Decision:
    soon = now + timedelta(days=policy.expiring_within_days)
    reasons = [f"approved: {a.cite()}" for a in active]
    lapsing = [a for a in active if a.expires_at is not None and a.expires_at <= soon]
    if lapsing:
        reasons += [f"approval #{a.id} lapses on {a.expires_at:%Y-%m-%d}" for a in lapsing]
        return Decision("warn", tuple(reasons), tuple(active))
    return Decision("pass", tuple(reasons), tuple(active))


# -- policy files -------------------------------------------------------------------


def load_policy(path: Path) -> Policy:
    """Read and validate a policy file; errors name the key and line."""
    try:
        text = read_regular(path, MAX_POLICY_BYTES).decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"cannot read policy ({exc})",
            where=path,
            fix="check the --policy path or the `policy` setting (a UTF-8 TOML file)",
        ) from exc
    return parse_policy(text, str(path))


def parse_policy(text: str, where: str) -> Policy:
    """Parse policy TOML text."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML ({exc})", where=where, fix="fix the syntax") from exc
    except RecursionError as exc:  # tomllib recurses into each nested array or table
        raise ConfigError(TOO_DEEP, where=where, fix="fix the syntax") from exc
    values: dict[str, object] = {}
    for section, table in data.items():
        values.update(_section(section, table, text, where))
    return replace(Policy(source=where), **values)  # type: ignore[arg-type]


def _section(section: str, table: object, text: str, where: str) -> dict[str, object]:
    if section not in _SECTIONS:
        known = ", ".join(f"[{s}]" for s in _SECTIONS)
        raise ConfigError(
            f"unknown section [{section}]{did_you_mean(section, _SECTIONS)}",
            where=_at(where, text, rf"\[\s*{section}\s*\]"),
            fix=f"known sections: {known}",
        )
    if not isinstance(table, dict):
        raise ConfigError(
            f"'{section}' must be a table", where=_at(where, text, rf"^\s*{section}\s*=")
        )
    return {key: _value(section, key, value, text, where) for key, value in table.items()}


def _value(section: str, key: str, value: object, text: str, where: str) -> object:
    location = _at(where, text, rf"^\s*{re.escape(key)}\s*=")
    if key not in _SECTIONS[section]:
        raise ConfigError(
            f"unknown key '{section}.{key}'{did_you_mean(key, _SECTIONS[section])}",
            where=location,
            fix=f"known keys in [{section}]: {', '.join(_SECTIONS[section])}",
        )
    if key == "expiring_within_days":
        try:
            return as_days(value, f"'{section}.{key}'")
        except ValueError as exc:
            raise ConfigError(str(exc), where=location) from exc
    if value not in ACTIONS:
        raise ConfigError(
            f"'{section}.{key}' must be one of pass, warn, block (got {value!r})", where=location
        )
    return value


def _at(where: str, text: str, pattern: str) -> str:
    """``file:line`` of the first line matching ``pattern``, or just the file."""
    for number, line in enumerate(text.splitlines(), start=1):
        if re.search(pattern, line):
            return f"{where}:{number}"
    return where


def policy_keys() -> list[str]:
    """Every key a policy file may set, as ``section.key``."""
    names = {f.name for f in fields(Policy)}
    return [f"{s}.{k}" for s, keys in _SECTIONS.items() for k in keys if k in names]


def still_needs(
    asset: PolicyFacts, approvals: Sequence[ApprovalRecord], now: datetime
) -> list[Category]:
    """The approval categories a generated asset still lacks for finals at ``now``.

    Nothing for an asset that is not generated, or that left the lifecycle
    (replaced, quarantined, deleted): those need no approval any more.
    """
    if asset.verdict != "genai" or asset.status not in OPEN_STATUSES:
        return []
    state = asset_state(asset, approvals)
    return missing_approvals(state.flags, state.approvals, now)
