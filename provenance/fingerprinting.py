"""The fingerprint stage: perceptual fingerprints for image assets, after they are recorded.

Ingest records an asset first; its fingerprint follows in this separate
stage, so a slow decode never delays the ledger row. Decoding pixels is CPU
work in C codecs and numpy, so it runs across processes (see
:func:`provenance.fingerprint.process_pool`). Files whose picture has no
fingerprint (flat slates, tiny images, formats with no decoder installed)
get a row that says why, so they are not retried on every scan.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from concurrent.futures import Executor
from dataclasses import dataclass

from provenance.fingerprint import FingerprintResult, fingerprint_files, process_pool
from provenance.store import Ledger
from provenance.store.audit_facade import FingerprintIn

SAVE_BATCH = 500
# Results worth remembering: the picture itself decides them. "error" and
# "unavailable" (no EXR decoder installed yet) are not stored, so a later
# scan retries them.
FINAL_STATUSES = frozenset({"ok", "flat", "too_small", "unsupported"})


@dataclass(frozen=True)
class StageReport:
    """How many images the stage looked at, fingerprinted, and how long it took."""

    images: int
    fingerprinted: int
    seconds: float


def as_row(sha256: str, result: FingerprintResult) -> FingerprintIn:
    """The ledger row for one fingerprinting result."""
    if result.fingerprint is None:
        return FingerprintIn(sha256, result.status, reason=result.reason)
    grad, dct = result.fingerprint.to_signed()
    return FingerprintIn(sha256, "ok", grad, dct)


def fingerprint_assets(
    ledger: Ledger, shas: Iterable[str] | None = None, executor: Executor | None = None
) -> StageReport:
    """Fingerprint image assets present on this host that have none (only ``shas`` if given)."""
    started = time.monotonic()
    todo = ledger.unfingerprinted_images(shas)
    if not todo:
        return StageReport(0, 0, time.monotonic() - started)
    if executor is None:
        with process_pool() as pool:
            done = _run(ledger, todo, pool)
    else:
        done = _run(ledger, todo, executor)
    return StageReport(len(todo), done, time.monotonic() - started)


def _run(ledger: Ledger, todo: list[tuple[str, str]], executor: Executor) -> int:
    rows: list[FingerprintIn] = []
    ok = 0
    results = fingerprint_files([path for _, path in todo], executor=executor)
    for (sha, _), result in zip(todo, results, strict=True):
        if result.status in FINAL_STATUSES:
            rows.append(as_row(sha, result))
        ok += result.fingerprint is not None
        if len(rows) >= SAVE_BATCH:
            ledger.save_fingerprints(rows)
            rows = []
    ledger.save_fingerprints(rows)
    return ok
