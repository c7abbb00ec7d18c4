"""Signed checkpoints: a chain head that a machine vouches for with its own key.

A checkpoint says "the event log had event ``seq`` with hash ``hash`` when
``host`` looked at ``at``", signed by that machine's key (SSHSIG, namespace
``provenance-checkpoint``, over :meth:`Checkpoint.message`). Because each
event's hash covers every event before it, a checkpoint pins the whole
history up to ``seq``: whoever rewrites any of it, even recomputing every
hash, cannot make the old checkpoints match without the private keys.

Checkpoints live in three places: a row in the ledger per write transaction
(:class:`Notary`, called by the store in the same transaction), the machine's
latest one in its own folder (:meth:`Notary.remember`, outside the database),
and files that ``provenance checkpoint --export DIR`` writes to a place the
database's writers cannot touch. A file is the JSON of :meth:`Checkpoint.to_dict`
under ``{"checkpoint": ...}``.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from provenance.files.opening import read_regular
from provenance.settings import Settings
from provenance.signing.allowed import AllowedSigners, Signer, load, normal_key
from provenance.signing.machine import (
    CHECKPOINT_NAMESPACE,
    REPORT_NAMESPACE,
    MachineKey,
    machine_key,
)
from provenance.signing.sshsig import BadSignature, verify
from provenance.util.atomic import write_atomically
from provenance.util.json_shapes import timestamp

if TYPE_CHECKING:
    from provenance.store.notary import SignedHead

log = logging.getLogger(__name__)

KIND = "provenance-checkpoint"


@dataclass(frozen=True)
class Checkpoint:
    """A signed chain head."""

    seq: int
    hash: str
    at: str
    host: str
    signer: str
    signature: str
    # The events the writing transaction chained (first..seq), and where the ledger's ranges
    # begin: see provenance.store.notary. None on heads that vouch for no range (before 0016,
    # and a signed report's head).
    first: int | None = None
    since: int | None = None
    # A signed report vouches for its head too: then the report's bytes are what was signed.
    signed_body: bytes | None = field(default=None, compare=False, repr=False)

    @property
    def namespace(self) -> str:
        """What the signature is for: a checkpoint, or a report."""
        return CHECKPOINT_NAMESPACE if self.signed_body is None else REPORT_NAMESPACE

    def message(self) -> bytes:
        """The canonical bytes that are signed."""
        if self.signed_body is not None:
            return self.signed_body
        signed: dict[str, object] = {"kind": KIND, "seq": self.seq, "hash": self.hash,
                                     "at": self.at, "host": self.host}  # fmt: skip
        if self.first is not None:  # a head alone is signed as it was before ranges
            signed |= {"first": self.first, "since": self.since}
        return canonical(signed)

    @classmethod
    def of(cls, head: SignedHead) -> Checkpoint:
        """A stored checkpoint (a row of the ledger's ``checkpoints``) as one to check."""
        return cls(head.seq, head.hash, head.at, head.host, head.signer, head.signature,
                   head.first, head.since)  # fmt: skip

    @property
    def ranged(self) -> bool:
        """Whether it names the events its transaction wrote (and where ranges begin)."""
        return self.first is not None and self.since is not None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (a head alone without ``first`` and ``since``, as before ranges)."""
        data = asdict(self)
        data.pop("signed_body")
        return {k: v for k, v in data.items() if v is not None}

    @classmethod
    def from_dict(cls, data: object) -> Checkpoint:
        """Read one back; raises ``ValueError`` when a field is missing or of the wrong type."""
        if not isinstance(data, dict):
            raise ValueError("a checkpoint is a JSON object")
        seq = data.get("seq")
        texts = [data.get(k) for k in ("hash", "at", "host", "signer", "signature")]
        if (
            not isinstance(seq, int)
            or isinstance(seq, bool)
            or not all(isinstance(t, str) for t in texts)
        ):
            raise ValueError(
                "a checkpoint needs seq (a number) and hash, at, host, signer, signature"
            )
        hash_, at, host, signer, signature = (str(t) for t in texts)
        first, since = (_optional_seq(data, k) for k in ("first", "since"))
        return cls(seq, hash_, at, host, signer, signature, first, since)


def _optional_seq(data: dict[object, object], key: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"a checkpoint's {key} is a positive number when it is there")
    return value


def canonical(value: object) -> bytes:
    """Deterministic JSON bytes (sorted keys, no spaces), as signed."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def signature_problem(checkpoint: Checkpoint, trusted: AllowedSigners) -> str | None:
    """Why a checkpoint's signature does not count, or None when it does."""
    try:
        signer = verify(checkpoint.signature, checkpoint.message(), checkpoint.namespace)
    except BadSignature as exc:
        return f"its signature is invalid ({exc})"
    if normal_key(signer) != normal_key(checkpoint.signer):
        return "it was signed by another key than the one it names"
    if not trusted.allows(checkpoint.host, signer, CHECKPOINT_NAMESPACE):
        return f"its key is not trusted for host {checkpoint.host} (see trusted_machines)"
    return None


class Notary:
    """Signs chain heads with this machine's key, and keeps its latest one for a ledger."""

    def __init__(
        self, key: MachineKey, ledger_where: str, trusted: Path | str | None = None
    ) -> None:
        self.key = key
        self.anchor = key.anchors / f"{ledger_id(ledger_where)}.json"
        self._trusted_file = trusted
        self._pending: Checkpoint | None = None
        self._since: int | None = None

    def sign(self, seq: int, hash: str, at: str, host: str, first: int | None = None,
             since: int | None = None) -> Checkpoint:  # fmt: skip
        """A checkpoint of this head (and of events ``first..seq``), signed now."""
        unsigned = Checkpoint(seq, hash, at, host, self.key.public, "", first, since)
        signature = self.key.sign(unsigned.message(), CHECKPOINT_NAMESPACE)
        self._pending = replace(unsigned, signature=signature)
        return self._pending

    def since(self, ranged: Callable[[], Sequence[SignedHead]], first: int) -> int:
        """Where the ledger's ranges begin, as the checkpoints this machine trusts say.

        This machine's anchor is read first (the database's writers cannot
        touch it), then the newest stored checkpoints that carry a ``since``,
        until one is signed by a trusted machine; the lowest of the two wins.
        With neither, the ranges begin at ``first``. A ``since`` above
        ``first`` belongs to another ledger that had this URL (one made
        again in its place) and is passed over. Found once a process: it
        never changes for a ledger.
        """
        if self._since is None:
            found = [s for s in (self._anchor_since(), self._stored_since(ranged)) if s]
            self._since = min((s for s in found if s <= first), default=first)
        return self._since

    def _anchor_since(self) -> int | None:
        try:
            anchor = self.latest()
        except (OSError, ValueError):  # verify names a damaged anchor; it vouches for nothing
            return None
        return anchor.since if anchor is not None else None

    def _stored_since(self, ranged: Callable[[], Sequence[SignedHead]]) -> int | None:
        trusted = self.trusted()
        for row in ranged():
            stored = Checkpoint.of(row)
            if stored.ranged and signature_problem(stored, trusted) is None:
                return stored.since
        return None

    def trusted(self) -> AllowedSigners:
        """The machine keys whose checkpoints count: the settings' file, and this machine's."""
        return trusted_machines(self.key.public, self._trusted_file)

    def committed(self) -> None:
        """Keep the last signed checkpoint as this machine's anchor (atomically replaced).

        The transaction is committed by now, and its signed checkpoint is in
        the ledger: an anchor that cannot be written (a full or read-only
        config folder) is said, not raised. The previous anchor stays, and the
        ledger still extends it, so it is an older anchor, never a false one.
        """
        if self._pending is None:
            return
        try:
            write_checkpoint(self.anchor, self._pending)
        except OSError as exc:
            log.warning(
                "the ledger was written, but this machine's anchor of its head was not kept"
                " (%s): %s. Make its folder writable; the next write keeps it",
                exc.strerror or exc, self.anchor,
            )  # fmt: skip
        self._pending = None

    def latest(self) -> Checkpoint | None:
        """This machine's anchor for the ledger, if it wrote to it before."""
        if not self.anchor.exists():
            return None
        return read_checkpoint(self.anchor)


def trusted_machines(own_key: str, listed: Path | str | None) -> AllowedSigners:
    """The machine keys whose checkpoints count: those an allowed_signers file lists (the
    ``trusted_machines`` setting), and this machine's own for any host."""
    return load(listed).plus([Signer(("*",), own_key, (CHECKPOINT_NAMESPACE,))])


def notary_for(settings: Settings, ledger_where: str) -> Notary:
    """This machine's notary for the ledger at ``ledger_where`` (its key made on first use)."""
    return Notary(machine_key(settings), ledger_where, settings.trusted_machines)


def iso_now() -> str:
    """Now, as checkpoints state it (RFC 3339, UTC, with a Z)."""
    return timestamp(datetime.now(UTC))


def ledger_id(where: str) -> str:
    """A short name for a ledger (by its masked URL), for anchor file names."""
    return hashlib.sha256(where.encode()).hexdigest()[:16]


def write_checkpoint(path: Path, checkpoint: Checkpoint) -> None:
    """Write a checkpoint file atomically and durably (:mod:`provenance.util.atomic`)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_atomically(path, canonical({"checkpoint": checkpoint.to_dict()}) + b"\n")


MAX_FILE_BYTES = 16 * 1024 * 1024


def read_checkpoint(path: Path) -> Checkpoint:
    """Read a checkpoint file or a signed JSON report; ``ValueError`` (or ``OSError``) if not."""
    try:
        data = json.loads(read_regular(path, MAX_FILE_BYTES))
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply to be a checkpoint or report") from exc
    if isinstance(data, dict) and "checkpoint" in data:
        return Checkpoint.from_dict(data["checkpoint"])
    if isinstance(data, dict) and isinstance(data.get("ledger"), dict):
        if data["ledger"].get("signed") is True:
            return report_head(data)
        raise ValueError("a JSON report that was not signed (its ledger block says signed: false)")
    raise ValueError("neither a checkpoint file nor a signed JSON report")


def sign_report(data: dict[str, object], notary: Notary, head: tuple[int, str], host: str,
                at: str) -> dict[str, object]:  # fmt: skip
    """``data`` (a JSON report) with its ``ledger`` block signed: the chain head and this
    machine's signature over the whole report (namespace ``provenance-report``) join its
    ``url``, and ``signed`` says true.

    ``data`` is JSON as parsed (string keys, lists, strings, numbers), as
    :func:`provenance.util.names.data_shown` gives it: what is signed is then what its
    JSON text says, read back by ``verify --against``. Only its top level is copied (the
    block is replaced, nothing else is touched): a second trip through JSON text cost a
    2,000-file audit 0.01-0.03 s and changed nothing.
    """
    plain = dict(data)
    unsigned = plain.get("ledger")
    block = {**(unsigned if isinstance(unsigned, dict) else {}), "signed": True, "seq": head[0],
             "hash": head[1], "at": at, "host": host, "signer": notary.key.public,
             "signature": ""}  # fmt: skip
    plain["ledger"] = block
    block["signature"] = notary.key.sign(canonical(plain), REPORT_NAMESPACE)
    return plain


def report_head(data: dict[str, object]) -> Checkpoint:
    """The signed head a JSON report carries, with the report as the signed message."""
    block = data["ledger"]
    head = Checkpoint.from_dict(block)
    unsigned = dict(data)
    unsigned["ledger"] = {**block, "signature": ""}  # type: ignore[dict-item]
    return Checkpoint(head.seq, head.hash, head.at, head.host, head.signer, head.signature,
                      signed_body=canonical(unsigned))  # fmt: skip
