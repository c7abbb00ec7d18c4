"""Approver and machine keys for tests: a key, an allowed_signers file, settings using them.

Approvals count only when signed by a key the ``allowed_signers`` setting
trusts for the approver (:mod:`provenance.signing.approvals`). Tests sign with
:data:`approver_key`, an Ed25519 key made once per test session and trusted
for every principal (``*``) by :func:`allowed_signers_file`; an attack test
makes its own, untrusted, key with :func:`new_key`.
"""

from __future__ import annotations

import atexit
import dataclasses
import functools
import os
import shutil
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from provenance.settings import Settings
from provenance.signing.sshsig import public_line


def new_key(folder: Path, name: str = "approver") -> Path:
    """Write a fresh unencrypted Ed25519 OpenSSH key (mode 0600) and its .pub; returns the key."""
    folder.mkdir(parents=True, exist_ok=True)
    key = ed25519.Ed25519PrivateKey.generate()
    path = folder / name
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.OpenSSH,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)
    path.with_name(f"{name}.pub").write_text(public_line(key.public_key()) + "\n")
    return path


def public_of(key: Path) -> str:
    """The OpenSSH public key line of a key made by :func:`new_key`."""
    return key.with_name(f"{key.name}.pub").read_text().strip()


@functools.cache
def _session_folder() -> Path:
    """A folder for this test process's keys, removed when the process ends."""
    folder = Path(tempfile.mkdtemp(prefix="provenance-test-keys-"))
    atexit.register(_remove, folder, os.getpid())
    return folder


def _remove(folder: Path, owner: int) -> None:
    # Only by the process that made it: a forked worker that runs exit handlers must not.
    if os.getpid() == owner:
        shutil.rmtree(folder, ignore_errors=True)


@functools.cache
def approver_key() -> Path:
    """The tests' approver key (one per session), trusted by :func:`allowed_signers_file`."""
    return new_key(_session_folder(), "approver")


@functools.cache
def allowed_signers_file() -> Path:
    """An allowed_signers file trusting :func:`approver_key` for any approver (``*``)."""
    path = _session_folder() / "allowed_signers"
    path.write_text(f'* namespaces="provenance-approval" {public_of(approver_key())}\n')
    return path


def trusting(settings: Settings) -> Settings:
    """``settings`` with the tests' approver key trusted."""
    return dataclasses.replace(settings, allowed_signers=str(allowed_signers_file()))


def settings_toml() -> str:
    """The settings-file line that trusts the tests' approver key."""
    return f'allowed_signers = "{allowed_signers_file()}"\n'
