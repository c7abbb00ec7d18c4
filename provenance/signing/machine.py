"""This machine's own key: an Ed25519 key that signs checkpoints and reports.

Each machine that writes to a ledger (a watch daemon, a scanning workstation)
has its own key, made on first use and kept in the user's config folder next
to the settings file (the ``machine_key`` setting may name another path). The
private key is created with mode 0600 from its first byte: it is written to
a fresh file opened ``O_EXCL`` with that mode, then linked into place, so it
is never readable by others, even briefly, and two processes starting at
once end up with the same key. A key file others can read is refused, as
ssh refuses one.

Its public key is an OpenSSH line (``ssh-ed25519 AAAA... provenance@host``),
so it can be listed in an allowed_signers file (the ``trusted_machines``
setting) on the machines that verify.

The machine also keeps, next to its key, the latest checkpoint it signed
for each ledger it writes to (:mod:`provenance.signing.checkpoints`): an
anchor outside the database that a rewrite of the database cannot move.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

import platformdirs
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from provenance.errors import SignatureError
from provenance.files.opening import read_regular
from provenance.settings import APP_NAME, Settings
from provenance.signing.sshsig import MAX_KEY_BYTES, public_line, sign_ed25519
from provenance.util.atomic import sync_folder

CHECKPOINT_NAMESPACE = "provenance-checkpoint"
REPORT_NAMESPACE = "provenance-report"
KEY_FILE = "machine_key"


@dataclass(frozen=True)
class MachineKey:
    """A machine's private key, where it lives, and what it signs."""

    path: Path
    private: ed25519.Ed25519PrivateKey

    @property
    def public(self) -> str:
        """The OpenSSH public key line (``ssh-ed25519 AAAA...``), without a comment."""
        return public_line(self.private.public_key())

    def sign(self, message: bytes, namespace: str) -> str:
        """An armored SSHSIG signature of ``message`` for ``namespace``."""
        return sign_ed25519(self.private, message, namespace)

    @property
    def anchors(self) -> Path:
        """The folder of this machine's latest checkpoint per ledger."""
        return self.path.with_name(f"{self.path.name}.anchors")


def key_path(settings: Settings) -> Path:
    """Where this machine's key is: the setting, else the user config folder."""
    if settings.machine_key:
        return Path(settings.machine_key).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / KEY_FILE


def machine_key(settings: Settings) -> MachineKey:
    """This machine's key, created (mode 0600) on first use."""
    path = key_path(settings)
    if not path.exists():
        try:
            _create(path)
        except OSError as exc:
            raise SignatureError(
                f"cannot create this machine's key ({exc.strerror or exc})",
                where=path,
                fix="set machine_key to a file in a folder this user may write, or make its"
                " folder writable",
            ) from exc
    return _load(path)


def _create(path: Path) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    )
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another process made it first: use theirs
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    sync_folder(path.parent)  # the link is durable only then: a crash must not lose the key


def _load(path: Path) -> MachineKey:
    try:
        mode = path.stat().st_mode
        data = read_regular(path, MAX_KEY_BYTES)
    except OSError as exc:
        raise SignatureError(
            f"cannot read this machine's key ({exc.strerror or exc})",
            where=path,
            fix="check the machine_key setting and the file's permissions",
        ) from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SignatureError(
            "this machine's key is readable by other users",
            where=path,
            fix=f"run `chmod 600 {path}` (and consider it leaked: make a new one)",
        )
    try:
        key = serialization.load_ssh_private_key(data, None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise SignatureError(
            f"this machine's key cannot be read ({exc})", where=path, fix="restore or remove it"
        ) from exc
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise SignatureError("this machine's key is not an Ed25519 key", where=path)
    return MachineKey(path, key)
