"""Machine keys: made once with mode 0600, refused when others can read them."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from provenance.errors import SignatureError
from provenance.settings import Settings
from provenance.signing import machine
from provenance.signing.allowed import AllowedSigners, Signer
from provenance.signing.checkpoints import Checkpoint, Notary, read_checkpoint, signature_problem
from provenance.signing.machine import CHECKPOINT_NAMESPACE, machine_key


def test_the_key_is_made_once_with_mode_0600(tmp_path: Path) -> None:
    settings = Settings(db="sqlite://", machine_key=str(tmp_path / "cfg" / "machine_key"))
    first = machine_key(settings)
    assert stat.S_IMODE(first.path.stat().st_mode) == 0o600
    assert machine_key(settings).public == first.public
    assert first.public.startswith("ssh-ed25519 ")
    assert [p.name for p in first.path.parent.iterdir()] == ["machine_key"]  # no temporary left


def test_the_key_s_folder_is_synced_once_the_key_is_linked_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "cfg" / "machine_key"
    synced: list[tuple[Path, list[str]]] = []

    def sync(folder: Path) -> None:  # what the folder holds when it is flushed
        synced.append((folder, sorted(p.name for p in folder.iterdir())))

    monkeypatch.setattr(machine, "sync_folder", sync)
    machine_key(Settings(db="sqlite://", machine_key=str(path)))
    assert synced == [(path.parent, ["machine_key"])]


def test_a_key_others_can_read_is_refused(tmp_path: Path) -> None:
    settings = Settings(db="sqlite://", machine_key=str(tmp_path / "machine_key"))
    machine_key(settings).path.chmod(0o644)
    with pytest.raises(SignatureError, match="readable by other users"):
        machine_key(settings)


def test_a_checkpoint_round_trips_and_any_change_breaks_it(tmp_path: Path) -> None:
    key = machine_key(Settings(db="sqlite://", machine_key=str(tmp_path / "k")))
    notary = Notary(key, "sqlite:///ledger")
    signed = notary.sign(7, "ab" * 32, "2026-12-05T10:00:00+00:00", "render-07")
    notary.committed()
    back = read_checkpoint(notary.anchor)
    assert back == signed and notary.latest() == signed
    trusted = AllowedSigners((Signer(("render-*",), key.public, (CHECKPOINT_NAMESPACE,)),))
    assert signature_problem(back, trusted) is None
    moved = Checkpoint(8, back.hash, back.at, back.host, back.signer, back.signature)
    assert "invalid" in (signature_problem(moved, trusted) or "")
    elsewhere = Checkpoint(7, back.hash, back.at, "laptop", back.signer, back.signature)
    assert signature_problem(elsewhere, trusted) is not None
    assert "not trusted" in (signature_problem(back, AllowedSigners()) or "")
