"""Purge, restore and delete: round trips that lose no byte, and every refusal."""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import os
import shutil
from pathlib import Path

import pytest

from provenance.errors import AmbiguousTarget, TargetNotFound, TransitionRefused
from provenance.ingest.record import ingest
from provenance.lifecycle import (
    Lifecycle,
    approve,
    delete_quarantined,
    plan_delete,
    purge_expired,
    restore,
)
from provenance.lifecycle import files as files_module
from provenance.lifecycle.files import move_verified, quarantine_root
from provenance.store import Observation, QuarantineIn
from tests.support.factories import asset_facts
from tests.support.lifecycle import Clock, Make, final, read_manifest


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def expired_pair(lc: Lifecycle, make_genai: Make, clock: Clock) -> tuple[str, list[Path]]:
    """One generated asset with two copies on this host and one on another, past its expiry."""
    first, asset = make_genai("shots/gen.png", 1)
    second = first.parent.parent / "elsewhere" / "copy.png"
    second.parent.mkdir()
    shutil.copy2(first, second)
    ingest(second, lc.ledger, lc.settings)
    copy = dataclasses.replace(asset_facts("copy", "genai"), sha256=asset.sha256)
    lc.ledger.record([Observation(copy, "render02", "/farm/gen.png", 1, 1, 1)])
    clock.advance(days=31)
    return asset.sha256, [first, second]


def test_purge_and_restore_lose_no_byte(
    lc: Lifecycle, expired_pair: tuple[str, list[Path]]
) -> None:
    sha, copies = expired_pair
    before = {str(p): p.read_bytes() for p in copies}
    result = purge_expired(lc)
    assert [e.asset.sha256 for e in result.expired] == [sha]  # expire ran first
    assert sorted(m.original_path for m in result.moved) == sorted(before)
    assert [(u.host, u.path) for u in result.unreachable] == [("render02", "/farm/gen.png")]
    assert not any(p.exists() for p in copies)
    for moved in result.moved:
        held = Path(moved.quarantine_path)
        assert held.is_relative_to(quarantine_root(lc.settings)) and digest(held) == sha
    manifest = read_manifest(quarantine_root(lc.settings))
    assert {(m["original_path"], m["host"], m["sha256"]) for m in manifest} == {
        (p, "testhost", sha) for p in before
    }
    asset = lc.ledger.assets.resolve(sha)
    assert asset.status == "quarantined"
    assert {loc.host for loc in lc.ledger.locations.present(sha)} == {"render02"}
    types = [e.type for e in lc.ledger.events.of(sha)]
    assert types[-3:] == ["expired", "quarantined", "quarantined"]

    restored = restore(lc, [sha[:12]])
    assert len(restored.restored) == 2 and restored.elsewhere == []
    assert {str(p): p.read_bytes() for p in copies} == before
    assert lc.ledger.assets.resolve(sha).status == "expired"
    assert {loc.path for loc in lc.ledger.locations.present(sha)} >= set(before)
    assert lc.ledger.quarantine.list() == []
    assert [m["action"] for m in read_manifest(quarantine_root(lc.settings))].count("restored") == 2
    assert lc.ledger.events.verify().ok


def test_across_filesystems_the_copy_is_verified(
    lc: Lifecycle, expired_pair: tuple[str, list[Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    sha, copies = expired_pair
    stamps = {p: p.stat().st_mtime_ns for p in copies}

    def no_links(*_args: object, **_kw: object) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", no_links)  # the os.link that lifecycle.files calls
    purge_expired(lc)
    restore(lc, [sha])
    assert all(digest(p) == sha and p.stat().st_mtime_ns == stamps[p] for p in copies)


def test_dry_run_changes_nothing(lc: Lifecycle, expired_pair: tuple[str, list[Path]]) -> None:
    sha, copies = expired_pair
    events = len(lc.ledger.events.list())
    result = purge_expired(lc, dry_run=True)
    assert sorted(p.path for p in result.planned) == sorted(str(p) for p in copies)
    assert result.moved == [] and all(p.exists() for p in copies)
    assert (
        len(lc.ledger.events.list()) == events
        and lc.ledger.assets.resolve(sha).status == "temporary"
    )


def test_a_changed_copy_is_left_in_place(
    lc: Lifecycle, expired_pair: tuple[str, list[Path]]
) -> None:
    _, (first, second) = expired_pair
    second.write_bytes(b"someone painted over it")
    result = purge_expired(lc)
    assert [m.original_path for m in result.moved] == [str(first)]
    assert [f.path for f in result.failed] == [str(second)] and second.exists()
    assert "no longer the recorded content" in result.failed[0].reason


def test_restore_never_overwrites(lc: Lifecycle, expired_pair: tuple[str, list[Path]]) -> None:
    sha, (first, _) = expired_pair
    purge_expired(lc)
    first.write_bytes(b"a new file at the old place")
    with pytest.raises(TransitionRefused, match="a file already exists"):
        restore(lc, [sha])
    assert first.read_bytes() == b"a new file at the old place"
    assert len(lc.ledger.quarantine.list()) == 2  # nothing restored, all or nothing


def test_restore_by_folder_and_other_hosts(
    lc: Lifecycle, expired_pair: tuple[str, list[Path]]
) -> None:
    sha, (first, second) = expired_pair
    purge_expired(lc)
    result = restore(lc, [str(first.parent)])
    assert [r.original_path for r in result.restored] == [str(first)]
    assert first.exists() and not second.exists()
    assert lc.ledger.assets.resolve(sha).status == "quarantined"  # a copy is still held
    with pytest.raises(TargetNotFound, match="nothing in quarantine matches"):
        restore(lc, ["/no/such/place"])


def test_quarantined_assets_cannot_be_approved(
    lc: Lifecycle, expired_pair: tuple[str, list[Path]], consent: Path
) -> None:
    sha, _ = expired_pair
    purge_expired(lc)
    with pytest.raises(TransitionRefused, match="restore it first"):
        approve(lc, [sha], final(consent))


def test_late_approval_of_an_expired_asset(
    lc: Lifecycle, expired_pair: tuple[str, list[Path]], consent: Path
) -> None:
    from provenance.lifecycle import expire

    sha, _ = expired_pair
    expire(lc)
    approve(lc, [sha], final(consent))
    assert lc.ledger.assets.resolve(sha).status == "approved"
    assert purge_expired(lc).moved == []


def test_delete_is_recorded_and_final(lc: Lifecycle, expired_pair: tuple[str, list[Path]]) -> None:
    sha, _ = expired_pair
    moved = purge_expired(lc).moved
    planned = plan_delete(lc, [])
    assert [p.id for p in planned] == [m.id for m in moved]
    deleted = delete_quarantined(lc, planned, "retention period over")
    assert all(d.deleted_at is not None for d in deleted)
    assert not any(Path(m.quarantine_path).exists() for m in moved)
    assert lc.ledger.assets.resolve(sha).status == "deleted"
    event = lc.ledger.events.of(sha)[-1]
    assert (
        event.type == "deleted-from-quarantine"
        and event.details["reason"] == "retention period over"
    )
    with pytest.raises(TargetNotFound):
        restore(lc, [sha])
    assert lc.ledger.events.verify().ok


def test_a_tampered_quarantine_file_is_not_deleted(
    lc: Lifecycle, expired_pair: tuple[str, list[Path]]
) -> None:
    moved = purge_expired(lc).moved
    Path(moved[0].quarantine_path).write_bytes(b"not what was quarantined")
    with pytest.raises(TransitionRefused, match="no longer holds the recorded content"):
        delete_quarantined(lc, plan_delete(lc, []), "cleanup")
    assert all(Path(m.quarantine_path).exists() for m in moved)


def test_progress_counts_assets_purged_and_copies_checked(
    lc: Lifecycle, expired_pair: tuple[str, list[Path]]
) -> None:
    purged: list[int] = []
    moved = purge_expired(lc, progress=purged.append).moved
    assert len(moved) == 2 and sum(purged) == 1  # one asset, its two copies moved
    Path(moved[1].quarantine_path).write_bytes(b"not what was quarantined")
    checked: list[int] = []
    with pytest.raises(TransitionRefused, match="no longer holds the recorded content"):
        delete_quarantined(lc, plan_delete(lc, []), "cleanup", progress=checked.append)
    assert sum(checked) == 1  # the copy that failed its check is not counted as checked


def test_move_verified_refuses_overwrite_and_bad_bytes(tmp_path: Path) -> None:
    source, target = tmp_path / "a.bin", tmp_path / "out" / "b.bin"
    source.write_bytes(b"frame data")
    target.parent.mkdir()
    target.write_bytes(b"precious")
    with pytest.raises(TransitionRefused, match="already exists"):
        move_verified(source, target, digest(source))
    assert target.read_bytes() == b"precious" and source.exists()
    with pytest.raises(TransitionRefused, match="no longer the recorded content"):
        move_verified(source, tmp_path / "c.bin", "0" * 64)
    assert source.exists() and not (tmp_path / "c.bin").exists()
    move_verified(source, tmp_path / "d.bin", hashlib.sha256(b"frame data").hexdigest())
    assert not source.exists() and (tmp_path / "d.bin").read_bytes() == b"frame data"


def test_unreadable_source_is_reported_not_lost(
    lc: Lifecycle, expired_pair: tuple[str, list[Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, (first, second) = expired_pair

    def bad_disk(_descriptor: int) -> str:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(files_module, "_fd_hash", bad_disk)
    result = purge_expired(lc)
    assert result.moved == [] and len(result.failed) == 2
    assert all("cannot read the file (Input/output error)" in f.reason for f in result.failed)
    assert first.exists() and second.exists()
    root = quarantine_root(lc.settings)
    assert read_manifest(root) == []  # refused before anything was listed


def test_a_missing_copy_is_said_missing(
    lc: Lifecycle, expired_pair: tuple[str, list[Path]]
) -> None:
    _, (first, second) = expired_pair
    first.unlink()
    result = purge_expired(lc)
    assert [Path(m.original_path) for m in result.moved] == [second]
    [failed] = result.failed
    assert failed.path == str(first) and "this copy is missing" in failed.reason


def test_a_sequence_round_trip(
    lc: Lifecycle, make_genai: Make, clock: Clock, tmp_path: Path
) -> None:
    frames = [make_genai(f"seq/sh020.{n}.png", n)[0] for n in (1001, 1002, 1003)]
    before = {p: p.read_bytes() for p in frames}
    clock.advance(days=31)
    assert len(purge_expired(lc).moved) == 3
    result = restore(lc, [str(tmp_path / "seq" / "sh020.1001-1002#.png")])
    assert sorted(r.original_path for r in result.restored) == [str(p) for p in frames[:2]]
    assert all(p.read_bytes() == before[p] for p in frames[:2]) and not frames[2].exists()


def test_copies_already_in_the_quarantine_folder_stay_put(
    lc: Lifecycle, expired_pair: tuple[str, list[Path]]
) -> None:
    sha, _ = expired_pair
    moved = purge_expired(lc).moved
    ingest(Path(moved[0].quarantine_path), lc.ledger, lc.settings)  # someone scanned it
    again = purge_expired(lc)
    assert again.moved == [] and again.failed == []
    assert (
        Path(moved[0].quarantine_path).exists()
        and lc.ledger.assets.resolve(sha).status == "quarantined"
    )


def test_a_prefix_shared_by_two_quarantined_assets_is_refused(
    lc: Lifecycle, tmp_path: Path, clock: Clock
) -> None:
    shas = ["abcdef" + "1" * 58, "abcdef" + "2" * 58]
    for n, sha in enumerate(shas):
        facts = dataclasses.replace(asset_facts(f"twin{n}", "genai"), sha256=sha)
        original = str(tmp_path / f"twin{n}.png")
        lc.ledger.record([Observation(facts, "testhost", original, 1, 1, 1)])
        held = str(tmp_path / "q" / f"twin{n}.png")
        lc.ledger.quarantine.add([QuarantineIn(sha, original, held)], "purged", clock())
    for choose in (lambda t: plan_delete(lc, t), lambda t: restore(lc, t)):
        with pytest.raises(AmbiguousTarget, match="several assets") as caught:
            choose(["abcdef"])
        assert "abcdef1111111111" in caught.value.message and "more digits" in caught.value.message
    assert [e.asset_sha256 for e in plan_delete(lc, ["abcdef1"])] == [shas[0]]
    assert len(lc.ledger.quarantine.list()) == 2


def test_two_copies_from_one_place_are_not_restored_by_that_place(
    lc: Lifecycle, make_genai: Make, clock: Clock
) -> None:
    path, _ = make_genai("shots/gen.png", 1)
    clock.advance(days=31)
    purge_expired(lc)
    _, second = make_genai("shots/gen.png", 2)  # a new picture where the first stood
    clock.advance(days=31)
    purge_expired(lc)
    with pytest.raises(TransitionRefused, match="two quarantined copies came from this place"):
        restore(lc, [str(path)])
    assert not path.exists() and len(lc.ledger.quarantine.list()) == 2  # nothing restored
    [restored] = restore(lc, [second.sha256[:12]]).restored
    assert restored.asset_sha256 == second.sha256 and digest(path) == second.sha256


def test_delete_refuses_what_stands_in_a_copys_place_and_deletes_nothing(
    lc: Lifecycle, expired_pair: tuple[str, list[Path]], tmp_path: Path
) -> None:
    purge_expired(lc)
    first, second = plan_delete(lc, [])
    held, kept = Path(second.quarantine_path), tmp_path / "kept.png"
    held.replace(kept)

    def refused(words: str) -> None:
        with pytest.raises(TransitionRefused, match=words):
            delete_quarantined(lc, [first, second], "done with it")
        assert Path(first.quarantine_path).exists() and len(lc.ledger.quarantine.list()) == 2

    held.mkdir()
    refused("a folder now")  # was IsADirectoryError, after deleting the first copy
    held.rmdir()
    held.symlink_to(kept)
    refused("a symbolic link now")  # was "deleted", the link gone and the bytes kept
    assert kept.exists()
