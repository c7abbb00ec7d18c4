"""The fingerprint stage: perceptual fingerprints of images and videos, after they are recorded.

Ingest records an asset first; its fingerprints follow in this separate
stage, so a slow decode never delays the ledger row. Decoding pixels is CPU
work in C codecs and numpy, so it runs across processes (see
:func:`provenance.fingerprint.process_pool`); an image gets one fingerprint,
a video one per sampled moment (:mod:`provenance.video_frames`). Files whose
pictures have no fingerprint (flat slates, tiny images, videos FFmpeg cannot
decode, formats with no decoder installed) get a row that says why, so they
are not retried on every scan.

Videos are fingerprinted only where PyAV (the optional ``video`` extra) is
installed; elsewhere they are left without a row, so that a scan after
installing it fingerprints them.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from concurrent.futures import Executor
from dataclasses import dataclass

from provenance import video_frames
from provenance.fingerprint import FingerprintResult, fingerprint_files
from provenance.store import Ledger
from provenance.store.audit_facade import FingerprintIn

SAVE_BATCH = 500
# Results worth remembering: the content itself decides them. "error" and
# "unavailable" (no EXR decoder or PyAV installed yet) are not stored, so a
# later scan retries them.
FINAL_STATUSES = frozenset({"ok", "flat", "too_small", "unsupported", "undecodable"})


@dataclass(frozen=True)
class StageReport:
    """How many assets the stage looked at, fingerprinted, and how long it took."""

    assets: int
    fingerprinted: int
    seconds: float


def as_rows(sha256: str, result: FingerprintResult) -> list[FingerprintIn]:
    """The ledger rows for one fingerprinting result: one a fingerprint, or one saying why none."""
    if not result.fingerprints:
        return [FingerprintIn(sha256, result.status, reason=result.reason)]
    rows = []
    for frame, fingerprint in enumerate(result.fingerprints):
        grad, dct = fingerprint.to_signed()
        rows.append(FingerprintIn(sha256, "ok", grad, dct, frame=frame))
    return rows


def fingerprint_kinds() -> tuple[str, ...]:
    """The asset kinds this installation can fingerprint."""
    return ("image", "video") if video_frames.available() else ("image",)


def fingerprint_assets(
    ledger: Ledger, shas: Iterable[str] | None = None, executor: Executor | None = None
) -> StageReport:
    """Fingerprint image and video assets present on this host that have none (only ``shas``)."""
    started = time.monotonic()
    todo = ledger.unfingerprinted(shas, fingerprint_kinds())
    if not todo:
        return StageReport(0, 0, time.monotonic() - started)
    done = _run(ledger, todo, executor)
    return StageReport(len(todo), done, time.monotonic() - started)


def _run(ledger: Ledger, todo: list[tuple[str, str]], executor: Executor | None) -> int:
    rows: list[FingerprintIn] = []
    ok = 0
    results = fingerprint_files([path for _, path in todo], executor=executor)
    for (sha, _), result in zip(todo, results, strict=True):
        if result.status in FINAL_STATUSES:
            rows.extend(as_rows(sha, result))
        ok += result.ok
        if len(rows) >= SAVE_BATCH:
            ledger.save_fingerprints(rows)
            rows = []
    ledger.save_fingerprints(rows)
    return ok
