"""The one error hierarchy of provenance.

Every failure a person can act on is a :class:`ProvenanceError`. Each carries
three things: *what* went wrong, *which* file or ledger it concerns, and *what
to do* about it. Only the CLI turns these into text and exit codes; library
code raises them and never prints.

Exit codes (documented in the README):

* ``0`` the command did what was asked and found nothing wrong;
* ``1`` a check ran and failed (``verify`` found a broken chain, ``audit``
  blocked a package);
* ``2`` the command could not be carried out (bad arguments or settings, a
  target that does not exist, a ledger that cannot be reached or is out of
  date, a write the database refuses to the connected user's role);
* ``130`` the command was interrupted (Ctrl-C);
* ``141`` the program reading its output went away first (``| head``): the
  code of a command the shell's SIGPIPE ended.
"""

from __future__ import annotations

import errno
from pathlib import Path

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_CANNOT_RUN = 2
EXIT_INTERRUPTED = 130  # the shell's convention for a command stopped by Ctrl-C (128 + SIGINT)
EXIT_OUTPUT_CLOSED = 141  # the shell's convention for a command stopped by SIGPIPE (128 + 13)

NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT})
"""The ``errno`` of a write that ran out of room (:class:`OutOfSpace`): the disk, or the quota."""


class ProvenanceError(Exception):
    """Base of every error meant for a person.

    ``what`` says what failed, ``where`` names the file, URL or key concerned,
    and ``fix`` tells the reader what to do next.
    """

    exit_code: int = EXIT_CANNOT_RUN

    def __init__(self, what: str, *, where: str | Path | None = None, fix: str | None = None):
        self.what = what
        self.where = str(where) if where is not None else None
        self.fix = fix
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The one-line form: ``what: where. fix`` (each part only when given)."""
        text = self.what
        if self.where:
            text = f"{text}: {self.where}"
        if self.fix:
            text = f"{text}. {self.fix}"
        return text


class ConfigError(ProvenanceError):
    """A settings file or value is invalid."""


class LedgerUnavailable(ProvenanceError):
    """The ledger database cannot be reached or opened."""


class DatabaseRefused(ProvenanceError):
    """The database refused what the connected user's role may not do (PostgreSQL).

    ``provenance db roles`` gives each role its rights; a command run under a
    role that may not do its work ends with this, never half done: the
    refused transaction leaves the ledger as it was.
    """


class SchemaOutdated(ProvenanceError):
    """The ledger's schema is older (or newer) than this version of the code."""


class CannotListen(ProvenanceError):
    """``serve`` cannot listen where it was told: the port is taken, or the address is not
    one of this machine's."""


class TargetNotFound(ProvenanceError):
    """A file, hash or asset named on the command line is not in the ledger."""


class NothingMatched(ProvenanceError):
    """A scope, filter or package that selects nothing, where an empty answer would mislead.

    An empty disclosure report for a mistyped show, or "PASS: 0 files" for an
    empty package, reads like a clean result; it is refused instead.
    """


class InvalidValue(ProvenanceError):
    """A value the command cannot take: outside a closed vocabulary, or a date in the past."""


class OutputNotWritable(ProvenanceError):
    """A report or document cannot be written where ``--output`` says."""


class AmbiguousTarget(ProvenanceError):
    """A hash prefix matches more than one asset."""


class ChainBroken(ProvenanceError):
    """The event log's hash chain does not verify."""

    exit_code = EXIT_CHECK_FAILED


class DamagedRecord(ProvenanceError):
    """Derived data stored in the ledger (a picture's local features) cannot be read back."""


class UnreadableFile(ProvenanceError):
    """A file could not be read at all (permissions, vanished, special file)."""


class UndecodableImage(UnreadableFile):
    """An image's pixels cannot be decoded: damaged, hostile, too large or unsupported."""


class BadTimeline(ProvenanceError):
    """An editorial timeline that cannot be audited: malformed, or a clip with impossible ranges.

    The message names the clip (track, name, record timecode) when one is at fault.
    """


class OutsideRoots(ProvenanceError):
    """A timeline's media lies outside every allowed root (or a link leads out of them)."""


class TransitionRefused(ProvenanceError):
    """A lifecycle change that makes no sense (approving a non-generated asset, ...)."""


class OutOfSpace(ProvenanceError):
    """A disk or quota filled up: the step that needed the room was undone, nothing half-done."""


class NoAnswer(ProvenanceError):
    """A question the command must ask has no one to answer it: standard input is closed or
    not a terminal (a script, cron, CI). Refused, nothing done; the option that answers it
    beforehand (``purge --delete --yes``) is named."""


class ApprovalRefused(ProvenanceError):
    """Someone not allowed to approve tried to; the attempt is recorded in the ledger."""


class WatchFailed(ProvenanceError):
    """The watch daemon met a failure it cannot recover from; its service manager restarts it."""


class UnsupportedImage(UndecodableImage):
    """A file is no image format the fingerprint reads (HEIC, camera raw, PSD, ...)."""


class UndecodableVideo(UnreadableFile):
    """A video's frames cannot be decoded: damaged, hostile, or beyond the decoding limits."""


class UnsupportedVideo(UndecodableVideo):
    """A file is no video the frame sampler reads (no video stream, a container not allowed)."""


class NotComparable(ProvenanceError):
    """A target has no fingerprint to compare: not a picture, flat, undecodable, or none yet."""


class SignatureError(ProvenanceError):
    """A key or signature cannot be read, made or trusted (SSHSIG, machine keys, checkpoints)."""
