"""What ``verify`` adds to the chain check: signed checkpoints, anchors, signed approvals.

The chain's hashes prove the log is consistent, not that it is the log that
was written: anyone with write access to the database can edit a past event
and recompute every hash after it. What they cannot do is sign. So
``verify`` also checks (:func:`check_signatures`):

* every checkpoint row: signed by a trusted machine key (the local machine's
  key, or one the ``trusted_machines`` allowed_signers file lists for its
  host), and the event at its seq still has the hash it signed;
* this machine's own anchor, kept outside the database
  (:class:`provenance.signing.checkpoints.Notary`), the same way;
* that no event lies after the newest valid checkpoint (an event appended
  outside provenance is never signed), nor, from where the ledger's ranges
  begin, outside the range of events a valid checkpoint's transaction wrote
  (:func:`unsigned_ranges`: appended outside provenance, then signed over by
  a later writer's head);
* every approval's and revocation's signature
  (:class:`provenance.signing.approvals.ApprovalTrust`): badly signed ones
  fail; unsigned or untrusted ones are listed (they count for nothing).

:func:`check_against` does the same for checkpoint files and signed reports
given on the command line or exported to a folder (``verify --against``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from provenance.errors import OutputNotWritable
from provenance.lifecycle.range_memory import RangeMemory, Ranges
from provenance.settings import Settings
from provenance.signing.approvals import approval_trust
from provenance.signing.checkpoints import (
    Checkpoint,
    iso_now,
    ledger_id,
    notary_for,
    read_checkpoint,
    sign_report,
    signature_problem,
    write_checkpoint,
)
from provenance.store import ApprovalRecord, Ledger


@dataclass(frozen=True)
class Finding:
    """One thing ``verify`` found: a failure (``fatal``) or something listed."""

    what: str
    seq: int | None = None
    fatal: bool = True

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"what": self.what, "seq": self.seq, "fatal": self.fatal}


@dataclass(frozen=True)
class SignatureReport:
    """The signature checks of one ``verify``."""

    checkpoints: int
    anchored_seq: int
    findings: tuple[Finding, ...] = field(default=())
    approvals: int = 0  # approvals checked
    honoured: int = 0  # of them, those whose signature counts

    @property
    def ok(self) -> bool:
        """True when nothing fatal was found."""
        return not any(f.fatal for f in self.findings)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"ok": self.ok, "checkpoints": self.checkpoints, "anchored_seq": self.anchored_seq,
                "approvals": self.approvals, "honoured": self.honoured,
                "findings": [f.to_dict() for f in self.findings]}  # fmt: skip


class _Checker:
    """Checks checkpoints against the ledger's event hashes."""

    def __init__(self, ledger: Ledger, settings: Settings) -> None:
        self.notary = notary_for(settings, ledger.where)  # this machine's key and anchor
        self.trusted = self.notary.trusted()
        self.head_seq, _ = ledger.checkpoints.head()
        self._ledger = ledger
        self.valid: list[Checkpoint] = []  # those that count, of every check
        self.hashes: dict[int, str] = {}  # the events' hashes at their seqs, as checked

    def check(self, checkpoints: Sequence[Checkpoint], label: str) -> tuple[list[Finding], int]:
        """Findings for these checkpoints, and the newest seq a valid one vouches for."""
        hashes = self._ledger.checkpoints.hashes_at(c.seq for c in checkpoints)
        self.hashes.update(hashes)
        findings, anchored, last_good = [], 0, 0
        for cp in sorted(checkpoints, key=lambda c: c.seq):
            problem = self._problem(cp, hashes.get(cp.seq), last_good)
            if problem is None:
                anchored = last_good = max(anchored, cp.seq)
                self.valid.append(cp)
            else:
                findings.append(
                    Finding(f"{label} signed by {cp.host} at {cp.at}: {problem}", cp.seq)
                )
        return findings, anchored

    def counting(
        self, checkpoints: Sequence[Checkpoint], hashes: dict[int, str]
    ) -> list[Checkpoint]:
        """Those of ``checkpoints`` that count (given the hashes at their seqs), unsaid."""
        return [c for c in checkpoints if self._problem(c, hashes.get(c.seq), 0) is None]

    def _problem(self, cp: Checkpoint, actual: str | None, last_good: int) -> str | None:
        why = signature_problem(cp, self.trusted)
        if why is not None:
            return why
        if cp.seq > self.head_seq:
            return (
                f"events {self.head_seq + 1}..{cp.seq} it vouches for are missing"
                " (removed from the end)"
            )
        if actual is None:  # the head still counts it: the row itself was deleted
            return f"event {cp.seq} it vouches for is missing (deleted)"
        if actual != cp.hash:
            return (
                f"event {cp.seq} no longer has the hash it signed: events"
                f" {last_good + 1}..{cp.seq} were rewritten"
            )
        return None


def check_signatures(ledger: Ledger, settings: Settings) -> SignatureReport:
    """Every checkpoint, this machine's anchor, and every approval's signature."""
    checker = _Checker(ledger, settings)
    rows = [Checkpoint.of(r) for r in ledger.checkpoints.all()]
    findings, anchored = checker.check(rows, "checkpoint")
    more, seq, anchor = _anchor_findings(checker)
    findings += more
    anchored = max(anchored, seq)
    findings += unsigned_ranges(checker.valid)
    findings += _unanchored(checker.head_seq, anchored, bool(rows) or anchor)
    _remember_checked(checker, rows)
    approvals = ledger.approvals.list()
    more, honoured = approval_findings(approvals, settings)
    return SignatureReport(len(rows), anchored, (*findings, *more), len(approvals), honoured)


def ledger_distrust(ledger: Ledger, settings: Settings) -> str | None:
    """Why the ledger cannot be trusted now, from a quick look (for the audit), or None.

    Checks the newest checkpoint and this machine's anchor: the ledger must
    still hold the head each vouches for, and no event may follow the newest
    valid one. And the ranges of the checkpoints signed since this machine
    last looked, with those it checked before (:mod:`.range_memory`): no
    event from where ranges begin may lie outside them. ``verify`` checks
    everything.
    """
    checker = _Checker(ledger, settings)
    newest = ledger.checkpoints.newest()
    found = [] if newest is None else [Checkpoint.of(newest)]
    findings, anchored = checker.check(found, "the newest checkpoint")
    more, seq, anchor = _anchor_findings(checker)
    findings, anchored = findings + more, max(anchored, seq)
    findings += _unanchored(checker.head_seq, anchored, bool(found) or anchor)
    findings += _checked_ranges(checker, ledger)
    fatal = [f.what for f in findings if f.fatal]
    if not fatal:
        return None
    return f"the ledger cannot be trusted ({fatal[0]}); run `provenance verify`"


def _anchor_findings(checker: _Checker) -> tuple[list[Finding], int, bool]:
    """This machine's anchor checked: the findings, the seq it vouches for, whether there is one.

    An anchor that cannot be read (damaged, or no longer a small regular file)
    is a fatal finding: the check it stands for was not made.
    """
    notary = checker.notary
    try:
        anchor = notary.latest()
    except (OSError, ValueError) as exc:
        return [Finding(f"this machine's anchor {notary.anchor}: cannot be read as a checkpoint"
                        f" ({exc})")], 0, True  # fmt: skip
    if anchor is None:
        return [], 0, False
    findings, seq = checker.check([anchor], "this machine's anchor")
    return findings, seq, True


def _unanchored(head: int, anchored: int, signed_before: bool) -> list[Finding]:
    if head <= anchored:
        return []
    if not signed_before:
        return [Finding("no signed checkpoint yet: the chain is not anchored", None, fatal=False)]
    return [
        Finding(
            f"events {anchored + 1}..{head} are not covered by any signed checkpoint"
            f" (written outside provenance); first: event {anchored + 1}",
            anchored + 1,
        )
    ]


def unsigned_ranges(valid: Iterable[Checkpoint]) -> list[Finding]:
    """The events below the newest valid checkpoint that no signed transaction wrote.

    A head vouches for every event below it, whoever wrote them; a ranged
    checkpoint vouches that its machine's transaction wrote events
    ``first..seq``. From ``since`` (where the ledger's ranges begin: the
    lowest any valid checkpoint carries) every event must lie in the range
    of a valid checkpoint. One that does not was appended by someone with
    the database's credentials and no trusted machine key, and a later
    writer's head was signed over it. Events above the newest valid
    checkpoint are :func:`_unanchored`'s to name.
    """
    return [_written_unsigned(a, b) for a, b in Ranges().plus(valid).gaps()]


def _checked_ranges(checker: _Checker, ledger: Ledger) -> list[Finding]:
    """:func:`unsigned_ranges` for the audit: the checkpoints signed since this machine last
    looked, added to what it remembers (:mod:`.range_memory`)."""
    memory = _memory(checker)
    known = memory.recall()
    new, hashes = _signed_since(checker, ledger, known.checked)
    if known.checked and hashes.get(known.checked) != known.checked_hash:
        known = Ranges()  # not the ledger (or not the history) it remembers: look at all
        new, hashes = _signed_since(checker, ledger, 0)
    if new:
        last = new[-1].seq
        known = known.plus(checker.counting(new, hashes), (last, hashes.get(last, "")))
        memory.keep(known)
    return [_written_unsigned(a, b) for a, b in known.gaps()]


def _remember_checked(checker: _Checker, rows: Sequence[Checkpoint]) -> None:
    """Give this machine's memory of the ranges what ``verify`` checked, every checkpoint: the
    next audit then looks only at those signed after (a machine's first audit would otherwise
    check every signature the ledger holds)."""
    held = [c.seq for c in rows if c.ranged and c.seq <= checker.head_seq]
    if held:
        last = max(held)
        _memory(checker).keep(Ranges().plus(checker.valid, (last, checker.hashes.get(last, ""))))


def _memory(checker: _Checker) -> RangeMemory:
    # Beside the anchors, not among them: a folder of anchors holds checkpoints only.
    anchor = checker.notary.anchor
    return RangeMemory(anchor.parent / "ranges" / anchor.name, checker.trusted)


def _signed_since(
    checker: _Checker, ledger: Ledger, seq: int
) -> tuple[list[Checkpoint], dict[int, str]]:
    """The ranged checkpoints of heads after ``seq`` the ledger still holds (those above its
    head are the head checks' to name), and the hashes of the events at their seqs and ``seq``."""
    rows = [Checkpoint.of(r) for r in ledger.checkpoints.ranged_after(seq)]
    held = [c for c in rows if c.seq <= checker.head_seq]
    return held, ledger.checkpoints.hashes_at([seq, *(c.seq for c in held)])


def _written_unsigned(first: int, last: int) -> Finding:
    which = f"event {first} was" if first == last else f"events {first}..{last} were"
    return Finding(
        f"{which} written in no signed transaction (appended outside provenance, or by a"
        f" writer without a trusted machine key), under a head a later writer signed;"
        f" first: event {first}",
        first,
    )


def approval_findings(
    approvals: Iterable[ApprovalRecord], settings: Settings
) -> tuple[list[Finding], int]:
    """Badly signed approvals and revocations (fatal), unsigned or untrusted ones (listed);
    and how many approvals are honoured (their signature counts)."""
    trust, found, honoured = approval_trust(settings), [], 0
    for record in approvals:
        name = f"approval #{record.id} of {record.asset_sha256[:12]} by {record.approver}"
        check = trust.check(record)
        honoured += check.counts
        if not check.counts:
            found.append(Finding(f"{name}: {check.reason}; not honoured", None,
                                 fatal=check.state == "bad"))  # fmt: skip
        revoked = trust.check_revocation(record)
        if revoked is not None and not revoked.counts:
            found.append(Finding(f"{name}: revocation {revoked.reason} (it still counts)", None,
                                 fatal=revoked.state == "bad"))  # fmt: skip
    return found, honoured


def check_against(ledger: Ledger, settings: Settings, paths: Sequence[Path]) -> list[Finding]:
    """Whether the ledger still extends the head of each checkpoint file or signed report.

    A folder stands for every ``*.json`` file in it. A file that is neither
    is itself a finding: what it should have proved is not proved. So is a
    folder with none: a share that is not mounted shows its empty mount point.
    """
    checker, findings = _Checker(ledger, settings), []
    for named in paths:
        files = sorted(named.glob("*.json")) if named.is_dir() else [named]
        if not files:
            findings.append(Finding(f"{named}: holds no checkpoint or report (*.json) to check"
                                    " against; is the share mounted?"))  # fmt: skip
        for path in files:
            findings += _checked(checker, path)
    return findings


def _checked(checker: _Checker, path: Path) -> list[Finding]:
    try:
        checkpoint = read_checkpoint(path)
    except (OSError, ValueError) as exc:
        return [Finding(f"{path}: cannot be read as a checkpoint or report ({exc})")]
    found, _ = checker.check([checkpoint], str(path))
    return found


def export_checkpoint(
    ledger: Ledger, settings: Settings, folder: Path | None
) -> tuple[Checkpoint, Path | None]:
    """Sign the ledger's head now; write it to ``folder`` (made if missing) when given."""
    seq, hash_ = ledger.checkpoints.head()
    notary = notary_for(settings, ledger.where)
    checkpoint = notary.sign(seq, hash_, iso_now(), ledger.host)
    if folder is None:
        return checkpoint, None
    path = folder / f"checkpoint-{ledger_id(ledger.where)}-{seq:012d}-{ledger.host}.json"
    try:
        write_checkpoint(path, checkpoint)
    except OSError as exc:
        raise OutputNotWritable(
            f"cannot write the checkpoint file ({exc.strerror or exc})",
            where=exc.filename or path,
            fix="choose an --export folder this user can create and write",
        ) from exc
    return checkpoint, path


def signed_report(ledger: Ledger, settings: Settings, data: dict[str, object]) -> dict[str, object]:
    """A JSON report with the ledger's head and this machine's signature over it all.

    The ``ledger`` block (seq, hash, at, host, signer, signature) lets
    ``verify --against REPORT`` prove later that the ledger still extends the
    head the report was made from, and that this machine made the report.
    """
    return sign_report(data, notary_for(settings, ledger.where), ledger.checkpoints.head(),
                       ledger.host, iso_now())  # fmt: skip


def head_line(data: dict[str, object]) -> str:
    """How a text report shows the head its JSON form carries (see :func:`signed_report`)."""
    block = data.get("ledger")
    if not isinstance(block, dict) or block.get("signed") is not True:
        return ""
    key = str(block.get("signer", "")).split()
    return (
        f"Ledger head {block.get('seq')} {block.get('hash')}, signed by {block.get('host')}"
        f" ({key[0] if key else '?'} ...{key[1][-12:] if len(key) > 1 else ''})"
    )
