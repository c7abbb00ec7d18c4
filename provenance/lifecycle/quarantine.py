"""Purge, restore, delete: what happens to the copies of expired generated assets.

* :func:`purge_expired` first runs :func:`~.expiry.expire`, then moves
  every present copy *on this host* of every expired asset into the
  quarantine folder (``quarantine_dir``), each move checked by hash, each
  written to the folder's manifest and recorded in the ledger (the location
  closes, the asset becomes ``quarantined``). Each copy is one step: moved and
  recorded, or (the disk full, the ledger away) left where it was, so an
  interrupted purge is finished by running it again; even one killed
  between a move and its record (:mod:`.interrupted`). A copy that is a
  symbolic link (or not a regular file) is refused and reported, never moved.
  Copies on other hosts are listed as not reachable from here: run ``purge``
  there too. Nothing is deleted.
* :func:`restore` moves quarantined copies back, byte for byte, refusing to
  overwrite anything that now stands at the original path (but recording a
  copy a killed restore already moved back).
* :func:`delete_quarantined` is the only thing that deletes, and only files
  in the quarantine folder; the CLI asks for confirmation first. A file whose
  bytes no longer match its hash is refused, never deleted.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from provenance.errors import ProvenanceError, TransitionRefused
from provenance.lifecycle.context import Lifecycle
from provenance.lifecycle.expiry import expire
from provenance.lifecycle.files import (
    append_manifest,
    content_hash,
    drop_moved_source,
    holding,
    move_pinned,
    move_verified,
    pinned,
    quarantine_root,
    quarantine_target,
    refuse_links,
)
from provenance.lifecycle.interrupted import Manifest, back_unrecorded, moved_unrecorded
from provenance.lifecycle.quarantine_targets import select_entries
from provenance.rules.policy import open_status
from provenance.store import (
    AssetQuery,
    AssetRecord,
    ExpiredAsset,
    LocationRecord,
    QuarantineIn,
    QuarantineRecord,
)
from provenance.store.records import iso
from provenance.util.file_kinds import kind_of
from provenance.util.json_shapes import asset_copy

log = logging.getLogger(__name__)

PURGEABLE = ("expired", "quarantined", "deleted")  # statuses whose present copies are moved


@dataclass(frozen=True)
class Failure:
    """A copy that could not be moved, and why."""

    sha256: str
    path: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        """JSON-ready form."""
        return {"sha256": self.sha256, "path": self.path, "reason": self.reason}


@dataclass
class PurgeResult:
    """What a purge moved (or, in a dry run, would move), and what it could not reach."""

    root: str
    dry_run: bool
    expired: list[ExpiredAsset] = field(default_factory=list)
    moved: list[QuarantineRecord] = field(default_factory=list)
    planned: list[LocationRecord] = field(default_factory=list)
    unreachable: list[LocationRecord] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "quarantine_dir": self.root,
            "dry_run": self.dry_run,
            "expired_now": [e.to_dict() for e in self.expired],
            "moved": [m.to_dict() for m in self.moved],
            "would_move": [_copy(p) for p in self.planned],
            "not_reachable": [_copy(u) for u in self.unreachable],
            "failed": [f.to_dict() for f in self.failed],
        }


def purge_expired(
    lc: Lifecycle, *, dry_run: bool = False, progress: Callable[[int], None] | None = None
) -> PurgeResult:
    """Move every present local copy of every expired asset into quarantine.

    ``progress`` is told of each asset done (its copies moved, or listed in a dry run).
    """
    result = PurgeResult(str(quarantine_root(lc.settings)), dry_run)
    if not dry_run:
        lc.ledger.roles.require("purge expired copies", "quarantine", "quarantine_path", "INSERT")
        result.expired = expire(lc)
    work: list[AssetRecord] = []
    for asset in _purgeable(lc, dry_run):
        local, elsewhere = _copies(lc, asset, result.root)
        result.unreachable += elsewhere
        if local:
            work.append(asset)
        elif progress is not None:
            progress(1)  # nothing of it here to move
        if dry_run:
            result.planned += local
    if dry_run:
        if progress is not None:
            progress(len(work))
    elif work:
        with holding(Path(result.root)):  # and one refusal if it cannot be written, not one a copy
            earlier = Manifest.read(Path(result.root), lc.ledger.host)
            for asset in work:
                _purge_if_still_due(lc, asset, result, earlier)
                if progress is not None:
                    progress(1)
    return result


def _copies(
    lc: Lifecycle, asset: AssetRecord, root: str
) -> tuple[list[LocationRecord], list[LocationRecord]]:
    """The present copies of ``asset``: on this host outside the quarantine folder ``root``,
    and on other hosts."""
    held = root.rstrip("/") + "/"
    locations = lc.ledger.locations.present(asset.sha256)
    here = [loc for loc in locations if loc.host == lc.ledger.host]
    # A scan that wandered into the quarantine folder saw copies already held there.
    local = [loc for loc in here if not loc.path.startswith(held)]
    return local, [loc for loc in locations if loc.host != lc.ledger.host]


def _purge_if_still_due(
    lc: Lifecycle, asset: AssetRecord, result: PurgeResult, earlier: Manifest
) -> None:
    # Listed before the folder was held: another purge (or a restore) that held it
    # meanwhile may have moved these copies, or brought the asset back. Look again.
    now = lc.ledger.assets.get(asset.sha256)
    if now is not None and now.status in PURGEABLE:
        _purge_asset(lc, now, _copies(lc, now, result.root)[0], result, earlier)


def _purgeable(lc: Lifecycle, dry_run: bool) -> list[AssetRecord]:
    assets = [a for s in PURGEABLE for a in lc.ledger.assets.list(AssetQuery(status=s))]
    if dry_run:  # what expire would mark first
        now = lc.now()
        temporary = lc.ledger.assets.list(AssetQuery(status="temporary"))
        assets += [a for a in temporary if a.expires_at is not None and a.expires_at <= now]
    return assets


@dataclass(frozen=True)
class _Purge:
    """What every copy of one asset is quarantined with."""

    root: Path
    stamp: str  # names the copies' folder in quarantine
    reason: str
    earlier: Manifest  # the moves before this purge held the folder


def _purge_asset(
    lc: Lifecycle,
    asset: AssetRecord,
    local: Sequence[LocationRecord],
    result: PurgeResult,
    earlier: Manifest,
) -> None:
    """Quarantine each copy as one step: its move, its manifest line and its ledger row.

    After a failure (a full disk, the ledger away) the ledger says exactly
    which copies are quarantined and which are still present, and running
    purge again moves the rest.
    """
    expiry = iso(asset.expires_at) if asset.expires_at else "no date"
    stamp = lc.now().strftime("%Y%m%dT%H%M%S")
    purge = _Purge(Path(result.root), stamp, f"purged: {asset.status} (expiry {expiry})", earlier)
    for location in local:
        try:
            result.moved += _quarantine_copy(lc, asset.sha256, Path(location.path), purge)
        except TransitionRefused as exc:
            result.failed.append(Failure(asset.sha256, location.path, exc.message))


def _quarantine_copy(
    lc: Lifecycle, sha: str, source: Path, purge: _Purge
) -> list[QuarantineRecord]:
    refuse_links(source)
    moved = moved_unrecorded(lc, purge.earlier, sha, source)
    if moved is not None:  # an interrupted purge moved it: record it now
        if os.path.lexists(source):  # killed before the original's name went
            drop_moved_source(source, moved, sha)
        return lc.ledger.quarantine.add([QuarantineIn(sha, str(source), str(moved))],
                                        purge.reason, lc.now())  # fmt: skip
    root = purge.root
    # Hashed once, before anything is listed: a copy that is not the content is refused here.
    with pinned(source, sha) as pin:
        destination = quarantine_target(root, sha, source, purge.stamp)
        entry = QuarantineIn(sha, str(source), str(destination))
        # Listed before it moves: a purge killed before its record finds the copy by this line.
        _manifest(lc, root, "quarantined", sha, str(source), str(destination))
        try:
            move_pinned(pin, destination)
        except BaseException:
            _undone(lc, root, entry)
            raise
    try:
        return lc.ledger.quarantine.add([entry], purge.reason, lc.now())
    except BaseException:
        _move_back(lc, root, entry, listed=True)
        raise


def _undone(lc: Lifecycle, root: Path, entry: QuarantineIn) -> None:
    # The move did not happen: the manifest says so (if there is room left to say it).
    try:
        _manifest(lc, root, "undone", entry.asset_sha256, entry.original_path,
                  entry.quarantine_path)  # fmt: skip
    except ProvenanceError as exc:
        log.error("could not list the undone move of %s: %s", entry.original_path, exc)


def _move_back(
    lc: Lifecycle, root: Path, entry: QuarantineIn, listed: bool, *, restoring: bool = False
) -> None:
    # A move stands only with its record: without one, the copy goes back where it was.
    held, original = Path(entry.quarantine_path), Path(entry.original_path)
    there, back = (original, held) if restoring else (held, original)
    try:
        move_verified(there, back, entry.asset_sha256)
        if listed:
            _manifest(lc, root, "undone", entry.asset_sha256, str(original), str(held))
    except (OSError, ProvenanceError) as exc:
        log.error("could not undo the move of %s to %s: %s", back, there, exc)


def _manifest(lc: Lifecycle, root: Path, action: str, sha: str, original: str, held: str) -> None:
    append_manifest(
        root,
        {
            "action": action,
            "sha256": sha,
            "host": lc.ledger.host,
            "original_path": original,
            "quarantine_path": held,
            "at": iso(lc.now()),
            "actor": lc.ledger.actor,
        },
    )


def _copy(place: LocationRecord) -> dict[str, object]:
    """A copy of an asset at one place: its ``sha256`` and the place's ``{host, path, present}``."""
    return asset_copy(place.asset_sha256, place.host, place.path, place.present)


@dataclass
class RestoreResult:
    """Copies moved back, and copies of the same assets in other hosts' quarantine."""

    restored: list[QuarantineRecord] = field(default_factory=list)
    elsewhere: list[QuarantineRecord] = field(default_factory=list)
    # Restored assets still past their expiry: the next `purge --expired` takes them again.
    past_expiry: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "restored": [r.to_dict() for r in self.restored],
            "on_other_hosts": [r.to_dict() for r in self.elsewhere],
            "past_expiry": self.past_expiry,
        }


def restore(lc: Lifecycle, targets: Sequence[str]) -> RestoreResult:
    """Move quarantined copies named by ``targets`` back where they were, byte-identical."""
    entries = select_entries(lc, targets, this_host=False)
    local = [e for e in entries if e.host == lc.ledger.host]
    result = RestoreResult(elsewhere=[e for e in entries if e.host != lc.ledger.host])
    lc.ledger.roles.require("restore quarantined copies", "quarantine", "restored_at", "UPDATE")
    root = quarantine_root(lc.settings)
    if local:
        with holding(root):
            result.restored = _restore_held(lc, root, local)
        restored = lc.ledger.assets.many({r.asset_sha256 for r in result.restored})
        result.past_expiry = sorted(s for s, a in restored.items() if a.status == "expired")
    return result


def _restore_held(
    lc: Lifecycle, root: Path, local: Sequence[QuarantineRecord]
) -> list[QuarantineRecord]:
    _check_one_each(local)
    back = [e for e in local if back_unrecorded(e)]  # an interrupted restore moved them
    _check_restorable([e for e in local if e not in back])
    restored: list[QuarantineRecord] = []
    for entry in local:
        restored += (
            _record_restored(lc, root, entry) if entry in back else _restore_copy(lc, root, entry)
        )
    return restored


def _record_restored(lc: Lifecycle, root: Path, entry: QuarantineRecord) -> list[QuarantineRecord]:
    sha, original, held = entry.asset_sha256, entry.original_path, entry.quarantine_path
    _manifest(lc, root, "restored", sha, original, held)
    return lc.ledger.quarantine.restore([entry.id], lc.now(), open_status)


def _restore_copy(lc: Lifecycle, root: Path, entry: QuarantineRecord) -> list[QuarantineRecord]:
    """Move one copy back, recorded as one step: without its record it returns to quarantine,
    where the ledger says it is (and where ``restore`` finds it again)."""
    move = QuarantineIn(entry.asset_sha256, entry.original_path, entry.quarantine_path)
    move_verified(Path(move.quarantine_path), Path(move.original_path), move.asset_sha256)
    listed = False
    try:
        _manifest(lc, root, "restored", move.asset_sha256, move.original_path, move.quarantine_path)
        listed = True
        return lc.ledger.quarantine.restore([entry.id], lc.now(), open_status)
    except BaseException:
        _move_back(lc, root, move, listed, restoring=True)
        raise


def _check_one_each(entries: Sequence[QuarantineRecord]) -> None:
    """Refuse two copies bound for one place: the second would find the first there."""
    seen: dict[str, QuarantineRecord] = {}
    for entry in entries:
        first = seen.setdefault(entry.original_path, entry)
        if first is not entry:
            raise TransitionRefused(
                f"two quarantined copies came from this place ({first.asset_sha256[:12]} and "
                f"{entry.asset_sha256[:12]}); only one can go back",
                where=entry.original_path,
                fix="restore one by its hash or its quarantine path; nothing was restored",
            )


def _check_restorable(entries: Sequence[QuarantineRecord]) -> None:
    for entry in entries:
        if os.path.lexists(entry.original_path):
            raise TransitionRefused(
                "a file already exists where the quarantined copy came from",
                where=entry.original_path,
                fix="move it away first; nothing was restored",
            )
        if not Path(entry.quarantine_path).is_file():
            raise TransitionRefused(
                "the quarantined copy is missing from the quarantine folder",
                where=entry.quarantine_path,
                fix="nothing was restored; name the other copies to restore them",
            )


def plan_delete(lc: Lifecycle, targets: Sequence[str]) -> list[QuarantineRecord]:
    """The copies in this host's quarantine that ``targets`` name (all of them for none)."""
    return select_entries(lc, targets, this_host=True)


def delete_quarantined(
    lc: Lifecycle,
    entries: Sequence[QuarantineRecord],
    reason: str,
    progress: Callable[[int], None] | None = None,
) -> list[QuarantineRecord]:
    """Delete quarantined copies for good (the caller has confirmed), recording each.

    Every copy is hashed first (nothing is deleted unless all hold what was recorded);
    ``progress`` is told of each copy hashed, the long part with big files.
    """
    lc.ledger.roles.require("delete quarantined copies", "quarantine", "deleted_at", "UPDATE")
    root = quarantine_root(lc.settings)
    with holding(root):
        return _delete_held(lc, root, entries, reason, progress)


def _delete_held(
    lc: Lifecycle,
    root: Path,
    entries: Sequence[QuarantineRecord],
    reason: str,
    progress: Callable[[int], None] | None,
) -> list[QuarantineRecord]:
    for entry in entries:
        _check_deletable(entry)
        if progress is not None:
            progress(1)
    deleted: list[QuarantineRecord] = []
    for entry in entries:
        _unlink(Path(entry.quarantine_path), done=len(deleted))
        _manifest(
            lc, root, "deleted", entry.asset_sha256, entry.original_path, entry.quarantine_path
        )
        deleted += lc.ledger.quarantine.delete([entry.id], reason, lc.now())
    return deleted


def _check_deletable(entry: QuarantineRecord) -> None:
    """Refuse to delete anything but the recorded bytes (a copy already gone is fine)."""
    held = Path(entry.quarantine_path)
    try:
        mode = held.lstat().st_mode
    except FileNotFoundError:
        return
    except OSError:
        mode = stat.S_IFREG  # cannot look: the hash below refuses it
    if not stat.S_ISREG(mode):  # a link or a folder stands there now, not the copy held
        raise TransitionRefused(
            f"this quarantined copy is {kind_of(mode)} now, not the file that was held",
            where=held,
            fix="nothing was deleted; move it away, then run purge --delete again",
        )
    if content_hash(held) != entry.asset_sha256:
        raise TransitionRefused(
            "this quarantined file no longer holds the recorded content (or cannot be read)",
            where=held,
            fix="nothing was deleted",
        )


def _unlink(held: Path, *, done: int) -> None:
    try:
        held.unlink(missing_ok=True)
    except OSError as exc:
        raise TransitionRefused(
            f"cannot delete this quarantined file ({exc.strerror or exc}); the {done} deleted "
            "before it are recorded",
            where=held,
            fix="check the quarantine folder's permissions, then run purge --delete again",
        ) from exc
