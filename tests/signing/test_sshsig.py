"""SSHSIG verification against the real ``ssh-keygen -Y sign``, and in-process signing."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.signing.sshsig import (
    BadSignature,
    armor,
    parse,
    sign_key_file,
    sign_with_ssh_keygen,
    unarmor,
    verify,
)

SSH_KEYGEN = shutil.which("ssh-keygen")
needs_ssh_keygen = pytest.mark.skipif(SSH_KEYGEN is None, reason="ssh-keygen is not installed")
NS = "provenance-approval"


def keygen(folder: Path, kind: str) -> Path:
    key = folder / f"id_{kind}"
    subprocess.run(["ssh-keygen", "-q", "-t", kind, "-N", "", "-f", str(key), "-C", "t"],
                   check=True, timeout=60)  # fmt: skip
    return key


def ssh_sign(key: Path, message: bytes, namespace: str = NS) -> str:
    return sign_with_ssh_keygen(key, message, namespace)


@needs_ssh_keygen
@pytest.mark.parametrize("kind", ["ed25519", "ecdsa", "rsa"])
def test_signatures_by_ssh_keygen_verify(tmp_path: Path, kind: str) -> None:
    key = keygen(tmp_path, kind)
    signature = ssh_sign(key, b"approve sh010")
    public = key.with_suffix(".pub").read_text().split()
    assert verify(signature, b"approve sh010", NS).split() == public[:2]
    with pytest.raises(BadSignature, match="does not match"):
        verify(signature, b"approve sh011", NS)
    with pytest.raises(BadSignature, match="namespace"):
        verify(signature, b"approve sh010", "git")


@needs_ssh_keygen
def test_in_process_signatures_verify_with_ssh_keygen(tmp_path: Path) -> None:
    key = keygen(tmp_path, "ed25519")
    message = tmp_path / "message"
    message.write_bytes(b"revoke #12")
    (tmp_path / "message.sig").write_text(sign_key_file(key, b"revoke #12", NS))
    public = key.with_suffix(".pub").read_text().split()
    (tmp_path / "allowed").write_text(f"jane {public[0]} {public[1]}\n")
    done = subprocess.run(
        ["ssh-keygen", "-Y", "verify", "-f", str(tmp_path / "allowed"), "-I", "jane", "-n", NS,
         "-s", str(tmp_path / "message.sig")],
        input=message.read_bytes(), capture_output=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


@needs_ssh_keygen
def test_a_key_it_cannot_read_is_signed_by_ssh_keygen(tmp_path: Path) -> None:
    key = keygen(tmp_path, "ecdsa")  # not Ed25519: signed through ssh-keygen
    assert verify(sign_key_file(key, b"x", NS), b"x", NS).startswith("ecdsa-sha2-nistp256 ")


@needs_ssh_keygen
def test_a_flipped_bit_anywhere_is_refused(tmp_path: Path) -> None:
    blob = unarmor(ssh_sign(keygen(tmp_path, "ed25519"), b"m"))
    for at in range(0, len(blob), 7):
        damaged = bytearray(blob)
        damaged[at] ^= 0x01
        with pytest.raises(BadSignature):
            verify(armor(bytes(damaged)), b"m", NS)


def test_oversized_and_non_armored_input_is_refused() -> None:
    with pytest.raises(BadSignature, match="longer"):
        parse("A" * 100_000)
    with pytest.raises(BadSignature, match="not an SSH signature"):
        parse("hello")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_parsing_any_bytes_fails_only_with_bad_signature(data: bytes) -> None:
    for blob in (data, b"SSHSIG\x00\x00\x00\x01" + data):
        with contextlib.suppress(BadSignature):
            verify(armor(blob), b"m", NS)
