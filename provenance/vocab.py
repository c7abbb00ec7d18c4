"""Every closed vocabulary of provenance, declared once as a ``Literal``.

These words cross every wall: detectors say them, the ledger stores them,
policy decides on them and reports print them. Each is declared here, once,
with the tuple of its values for validation and help texts; the modules that
own the concept import the type from here. This module imports nothing of
provenance, so the store may use it at the ledger boundary.
"""

from __future__ import annotations

from typing import Literal, get_args

Verdict = Literal["genai", "not_genai", "unknown", "unreadable"]
"""What made a file: generative AI, positively not (a camera's EXIF...), nothing settles it,
or the file could not be read (the gate fails closed on it)."""
VERDICTS: tuple[Verdict, ...] = get_args(Verdict)

DeclaredVerdict = Literal["genai", "not_genai", "unknown"]
"""The verdicts a person may declare for a folder (a folder rule): never "unreadable"."""
DECLARED_VERDICTS: tuple[DeclaredVerdict, ...] = get_args(DeclaredVerdict)

Status = Literal["temporary", "approved", "expired", "replaced", "quarantined", "deleted"]
"""Where a generated asset is in its lifecycle; assets not generated have none."""
STATUSES: tuple[Status, ...] = get_args(Status)

INITIAL_STATUS: Status = "temporary"
"""Every generated asset starts temporary: out of final deliverables until approved in writing."""
OPEN_STATUSES: tuple[Status, ...] = ("temporary", "approved", "expired")
"""Statuses in which a generated asset can still need approvals for finals."""
LEFT_STATUSES: frozenset[Status] = frozenset({"replaced", "quarantined", "deleted"})
"""Statuses of assets that left the lifecycle: they need no approval any more."""

Signal = Literal["genai", "not_genai", "neutral", "error"]
"""Which way one piece of evidence points (``error``: a detector failed on the file)."""
SIGNALS: tuple[Signal, ...] = get_args(Signal)

Confidence = Literal["strong", "medium", "weak"]
"""How much one piece of evidence, or a classification, can be trusted."""
CONFIDENCES: tuple[Confidence, ...] = get_args(Confidence)

MediaKind = Literal["image", "video", "audio", "document", "other"]
"""What a file is, by its content (not its name)."""
MEDIA_KINDS: tuple[MediaKind, ...] = get_args(MediaKind)

FeatureStatus = Literal["ok", "empty", "unsupported", "undecodable", "error"]
"""What finding the local features of one picture came to: features found (``ok``), none worth
keeping (``empty``: a flat or tiny picture), no decoder for the format, a file that does not
decode, or a failure (``error``, retried later). Every status but ``ok`` carries a reason."""
FEATURE_STATUSES: tuple[FeatureStatus, ...] = get_args(FeatureStatus)

Unreferenced = Literal["elsewhere", "nowhere", "failed", "no_decoder", "postponed", "pending"]
"""Why an audit's comparison could not include a generated asset (it has no fingerprints or
no features yet, or they failed): its file is only on other hosts (``elsewhere``), present on
none (``nowhere``), computing them here failed again (``failed``), this host has no decoder
for it (``no_decoder``: a video without PyAV), or more were missing than one audit computes
(``postponed``)."""
UNREFERENCED: tuple[Unreferenced, ...] = get_args(Unreferenced)

NearConfirmation = Literal["sure", "confirmed", "unconfirmed"]
"""How a near match stands with the region rule, which must vouch for a still's match farther
than 12 bits (see :mod:`provenance.likeness.confirm`): ``sure`` (near enough that it need not,
and a video's match, a majority of its sampled moments, which it is never asked about),
``confirmed`` (it found the generated picture shown whole), or ``unconfirmed`` (it could not be
asked: the generated asset has no features yet or none at all, a flat picture, a failed
description; the match is kept and judged as any other). A match the rule refuses is dropped,
so it is never reported."""
NEAR_CONFIRMATIONS: tuple[NearConfirmation, ...] = get_args(NearConfirmation)

Outcome = Literal["new", "unchanged", "seen", "modified", "moved"]
"""What recording one observation did to the ledger."""
IngestOutcome = Literal["new", "unchanged", "seen", "modified", "moved", "skipped"]
"""What ingesting a path did: a recorded :data:`Outcome`, or skipped (not a file, vanished...)."""

Category = Literal[
    "final-deliverable",
    "talent-likeness",
    "voice",
    "digital-performer",
    "key-creative-element",
    "copyrighted-reference",
    "public-figure",
    "deceased-person",
    "style-training",
    "personal-data",
    "production-data-input",
    "realistic-depiction",
    "union-work-impact",
    "unapproved-tool",
]
"""The uses of generative AI that need a written approval (see :mod:`provenance.rules`)."""
CATEGORIES: tuple[Category, ...] = get_args(Category)


def as_category(name: str) -> Category:
    """Validate a category name."""
    if name not in CATEGORIES:
        raise ValueError(f"unknown approval category {name!r}; known: {', '.join(CATEGORIES)}")
    return name


Scope = Literal["final", "temporary-use"]
"""What a written approval covers: use in final deliverables, or temporary use only."""
SCOPES: tuple[Scope, ...] = get_args(Scope)

Action = Literal["pass", "warn", "block"]
"""What the gate does with a file."""
ACTIONS: tuple[Action, ...] = get_args(Action)

EventType = Literal[
    "detected",  # content seen for the first time anywhere
    "seen",  # known content found at another place (a copy)
    "modified",  # new content at a known path; details.previous names the asset it replaced
    "moved",  # known content now at a new path, gone from the old one; details.from
    "removed",  # a known file is no longer where it was; the asset and its history stay
    "identified",  # media identity first read for an asset recorded without it; details carry it
    # The genAI lifecycle (see provenance.lifecycle); details always carry a "reason".
    "approved",  # a written approval was recorded; details.approval, category, document hash
    "revoked",  # an approval was revoked; details.approval
    "approval-refused",  # someone not allowed tried to approve; nothing else changed
    "replaced",  # this generated asset was replaced; details.by names the replacement
    "replaces",  # this asset replaces a generated one; details.replaces names it
    "expiry-set",  # the asset's expiry date was changed; details.expires_at
    "approval-lapsed",  # an approval the asset relied on expired; it is temporary again
    "expired",  # past its expiry without approval or replacement
    "quarantined",  # a copy was moved into the quarantine folder; details.quarantine_path
    "restored",  # a quarantined copy was moved back to where it was
    "deleted-from-quarantine",  # a quarantined copy was deleted, on confirmation
    "flagged",  # flags were added after detection (rescreen); details.flags, status
    "audited",  # the asset went out in an audited package; details.audit, package_path
    "audit-recorded",  # an audit run was recorded; details carry its `audits` row
    "state-baseline",  # a row as it was when a ledger older than the projection was upgraded
    "sealed",  # rows of a derived table were written; details carry the digest of their seal
]
"""The kinds of event in the hash-chained log (``events.type``), with what each records.

``identified`` carries the media identity (timecode, rate, reel, UMID) of an
asset whose first event had none (recorded before migration 0011, or when the
file's identity could not be read): it fills the empty columns once and never
changes identity already recorded (see :mod:`provenance.store.identify`)."""
EVENT_TYPES: tuple[EventType, ...] = get_args(EventType)
