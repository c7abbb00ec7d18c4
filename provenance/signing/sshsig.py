"""SSHSIG: the signature format of ``ssh-keygen -Y sign`` and git's SSH signing.

A signature is an armored blob (``-----BEGIN SSH SIGNATURE-----``) holding the
signer's public key, a *namespace* (what the signature is for, so a signed
approval cannot pass as a signed commit) and the signature over::

    "SSHSIG" || string(namespace) || string("") || string(hash_alg) || string(H(message))

Verification is done here over ``cryptography`` primitives (Ed25519, ECDSA
P-256/384/521, RSA with SHA-2), with bounded parsing: every length is checked
against what is left, and an armored text longer than :data:`MAX_ARMORED` is
refused unread. Signing in-process covers plain (unencrypted) Ed25519 key
files; any other key (an agent's, a hardware key, a passphrase) is signed by
``ssh-keygen -Y sign`` itself (:func:`sign_with_ssh_keygen`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from provenance.errors import SignatureError
from provenance.files.opening import NotRegularFile, read_regular

MAGIC = b"SSHSIG"
BEGIN = "-----BEGIN SSH SIGNATURE-----"
END = "-----END SSH SIGNATURE-----"
MAX_ARMORED = 16 * 1024
MAX_KEY_BYTES = 64 * 1024  # an OpenSSH key file, private or public: a few KiB at most
_HASHES = {"sha256": hashlib.sha256, "sha512": hashlib.sha512}
_ECDSA_HASH: dict[str, type[hashes.SHA256 | hashes.SHA384 | hashes.SHA512]] = {
    "ecdsa-sha2-nistp256": hashes.SHA256,
    "ecdsa-sha2-nistp384": hashes.SHA384,
    "ecdsa-sha2-nistp521": hashes.SHA512,
}
_RSA_HASH: dict[str, type[hashes.SHA256 | hashes.SHA512]] = {
    "rsa-sha2-256": hashes.SHA256,
    "rsa-sha2-512": hashes.SHA512,
}


class BadSignature(ValueError):
    """A signature that cannot be parsed or does not verify (``str`` says why)."""


@dataclass(frozen=True)
class Parsed:
    """The fields of an SSHSIG blob."""

    public_key: str  # OpenSSH form: "ssh-ed25519 AAAA..."
    namespace: str
    hash_alg: str
    sig_format: str
    sig: bytes


class _Reader:
    """Reads SSH wire strings from a blob, never past its end."""

    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def take(self, n: int) -> bytes:
        if n < 0 or self.at + n > len(self.data):
            raise BadSignature("truncated signature")
        chunk = self.data[self.at : self.at + n]
        self.at += n
        return chunk

    def uint32(self) -> int:
        return int.from_bytes(self.take(4), "big")

    def string(self) -> bytes:
        return self.take(self.uint32())

    def text(self) -> str:
        try:
            return self.string().decode("ascii")
        except UnicodeDecodeError as exc:
            raise BadSignature("signature holds a non-ASCII name") from exc

    def done(self) -> bool:
        return self.at == len(self.data)


def _string(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def signed_data(namespace: str, message: bytes, hash_alg: str = "sha512") -> bytes:
    """The bytes an SSHSIG signature is made over."""
    digest = _HASHES[hash_alg](message).digest()
    return (
        MAGIC
        + _string(namespace.encode())
        + _string(b"")
        + _string(hash_alg.encode())
        + _string(digest)
    )


def unarmor(armored: str) -> bytes:
    """The binary blob inside an armored signature."""
    if len(armored) > MAX_ARMORED:
        raise BadSignature(f"signature longer than {MAX_ARMORED} characters")
    lines = [line.strip() for line in armored.strip().splitlines()]
    if len(lines) < 3 or lines[0] != BEGIN or lines[-1] != END:
        raise BadSignature("not an SSH signature (no BEGIN/END SSH SIGNATURE lines)")
    try:
        return base64.b64decode("".join(lines[1:-1]), validate=True)
    except binascii.Error as exc:
        raise BadSignature("the signature's base64 is damaged") from exc


def armor(blob: bytes) -> str:
    """The armored text of a binary SSHSIG blob, wrapped like ssh-keygen's."""
    text = base64.b64encode(blob).decode("ascii")
    body = "\n".join(text[i : i + 70] for i in range(0, len(text), 70))
    return f"{BEGIN}\n{body}\n{END}\n"


def parse(armored: str) -> Parsed:
    """Parse an armored SSHSIG signature (no verification)."""
    reader = _Reader(unarmor(armored))
    if reader.take(6) != MAGIC or reader.uint32() != 1:
        raise BadSignature("not an SSHSIG version 1 signature")
    key_blob = reader.string()
    namespace, _reserved, hash_alg = reader.text(), reader.string(), reader.text()
    inner = _Reader(reader.string())
    sig_format, sig = inner.text(), inner.string()
    if not (reader.done() and inner.done()):
        raise BadSignature("trailing bytes after the signature")
    if hash_alg not in _HASHES:
        raise BadSignature(f"unsupported hash algorithm {hash_alg!r}")
    key_type = _Reader(key_blob).text()
    public = f"{key_type} {base64.b64encode(key_blob).decode('ascii')}"
    return Parsed(public, namespace, hash_alg, sig_format, sig)


def verify(armored: str, message: bytes, namespace: str) -> str:
    """Check an SSHSIG signature over ``message``; returns the signer's public key.

    Raises :class:`BadSignature` when it is damaged, for another namespace,
    or does not verify. Whether the key is *trusted* is for the caller
    (:mod:`provenance.signing.allowed`).
    """
    parsed = parse(armored)
    if parsed.namespace != namespace:
        raise BadSignature(f"signed for namespace {parsed.namespace!r}, not {namespace!r}")
    data = signed_data(namespace, message, parsed.hash_alg)
    key = load_public_key(parsed.public_key)
    try:
        _check(key, parsed, data)
    except InvalidSignature as exc:
        raise BadSignature("the signature does not match the message") from exc
    return parsed.public_key


def load_public_key(openssh: str) -> object:
    """A ``cryptography`` public key from its OpenSSH line."""
    try:
        return serialization.load_ssh_public_key(openssh.encode("ascii"))
    except (ValueError, UnsupportedAlgorithm, UnicodeEncodeError) as exc:
        raise BadSignature(f"unsupported or damaged public key ({exc})") from exc


def _check(key: object, parsed: Parsed, data: bytes) -> None:
    fmt, sig = parsed.sig_format, parsed.sig
    if isinstance(key, ed25519.Ed25519PublicKey) and fmt == "ssh-ed25519":
        key.verify(sig, data)
    elif isinstance(key, ec.EllipticCurvePublicKey) and fmt in _ECDSA_HASH:
        reader = _Reader(sig)
        r, s = int.from_bytes(reader.string(), "big"), int.from_bytes(reader.string(), "big")
        key.verify(encode_dss_signature(r, s), data, ec.ECDSA(_ECDSA_HASH[fmt]()))
    elif isinstance(key, rsa.RSAPublicKey) and fmt in _RSA_HASH:
        key.verify(sig, data, padding.PKCS1v15(), _RSA_HASH[fmt]())
    else:
        raise BadSignature(f"unsupported signature type {fmt!r} for this key")


def public_line(key: ed25519.Ed25519PublicKey) -> str:
    """The OpenSSH public key line (``ssh-ed25519 AAAA...``) of an Ed25519 key."""
    raw = key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return raw.decode("ascii")


def sign_ed25519(key: ed25519.Ed25519PrivateKey, message: bytes, namespace: str) -> str:
    """An armored SSHSIG signature of ``message`` by an Ed25519 key, made in-process."""
    public = public_line(key.public_key())
    key_blob = base64.b64decode(public.split()[1])
    sig = key.sign(signed_data(namespace, message))
    inner = _string(b"ssh-ed25519") + _string(sig)
    blob = (
        MAGIC
        + (1).to_bytes(4, "big")
        + _string(key_blob)
        + _string(namespace.encode())
        + _string(b"")
        + _string(b"sha512")
        + _string(inner)
    )
    return armor(blob)


def sign_key_file(path: Path, message: bytes, namespace: str) -> str:
    """Sign with the key at ``path``: in-process for a plain Ed25519 file, else ``ssh-keygen``."""
    try:
        key = serialization.load_ssh_private_key(
            read_regular(path.expanduser(), MAX_KEY_BYTES), None
        )
    except NotRegularFile as exc:
        # ssh-keygen would wait on a FIFO as long as this would
        raise SignatureError(
            f"the key is not a file ({exc.strerror})", where=path, fix="give the key's file"
        ) from exc
    except (OSError, ValueError, TypeError, UnsupportedAlgorithm):
        key = None
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return sign_ed25519(key, message, namespace)
    return sign_with_ssh_keygen(path, message, namespace)


def sign_with_ssh_keygen(path: Path, message: bytes, namespace: str) -> str:
    """Sign by running ``ssh-keygen -Y sign`` (agents, hardware keys, passphrases work)."""
    with tempfile.TemporaryDirectory(prefix="provenance-sign-") as folder:
        msg = Path(folder) / "message"
        msg.write_bytes(message)
        command = ["ssh-keygen", "-Y", "sign", "-f", str(path.expanduser()), "-n", namespace]
        try:
            done = subprocess.run(
                [*command, str(msg)], capture_output=True, text=True, timeout=120, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SignatureError(
                f"cannot run ssh-keygen ({exc})", where=path, fix="install OpenSSH's ssh-keygen"
            ) from exc
        if done.returncode != 0:
            raise SignatureError(
                f"ssh-keygen could not sign ({done.stderr.strip().splitlines()[-1:]})",
                where=path,
                fix="check the key file (or that its key is in your ssh-agent)",
            )
        return (Path(folder) / "message.sig").read_text(encoding="ascii")
