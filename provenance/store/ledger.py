"""The :class:`Ledger` facade: the only way the rest of provenance reaches the database.

A ledger is opened from a URL. The embedded SQLite default creates its schema
on first use; PostgreSQL is set up by ``provenance init``. Either way a schema
older than the code is refused with a message to run ``provenance init``.

The facade is made of named parts, each a small class in its own module that
shares the ledger's one :class:`~.transactions.Transactions`:

=========================  ==============================================================
``ledger.assets``          :class:`~.assets.AssetsPart`: assets by hash, prefix, path, filters
``ledger.locations``       :class:`~.locations.LocationsPart`: where assets were and are
``ledger.events``          :class:`~.events.EventsPart`: the chained history, and its check
``ledger.approvals``       :class:`~.approvals.ApprovalsPart`: written approvals, revocations
``ledger.genai``           :class:`~.genai.GenaiPart`: replace, expiry, flags of generated assets
``ledger.quarantine``      :class:`~.quarantine.QuarantinePart`: copies moved aside and back
``ledger.fingerprints``    :class:`~.fingerprints.FingerprintsPart`: what pictures look like
``ledger.features``        :class:`~.features.FeaturesPart`: generated pictures' local features
``ledger.regions``         :class:`~.regions.RegionChecksPart`: generated pictures found in others
``ledger.segments``        :class:`~.segments.SegmentsPart`: where videos show generated assets
``ledger.audits``          :class:`~.audits.AuditsPart`: audit runs
``ledger.daemons``         :class:`~.daemons.DaemonsPart`: watch daemons' heartbeats, checkpoints
``ledger.roles``           :class:`~.roles.RolesPart`: PostgreSQL roles and guards
``ledger.state``           :class:`~.state.StatePart`: the tables checked against the chain
``ledger.checkpoints``     :class:`~.checkpoints.CheckpointsPart`: chain heads machines signed
=========================  ==============================================================

Ingest writes go through :meth:`Ledger.record` (or the batches of one
:meth:`Ledger.recording`) and :meth:`Ledger.record_removed`, each batch one
locked transaction (see :mod:`.writer`). Reads return plain records
(:mod:`.records`), never ORM objects. Events are never updated or deleted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime

from provenance.errors import LedgerUnavailable, SchemaOutdated
from provenance.store import schema
from provenance.store.approvals import ApprovalsPart
from provenance.store.assets import AssetsPart
from provenance.store.audits import AuditsPart
from provenance.store.baseline import record_baseline
from provenance.store.checkpoints import CheckpointsPart
from provenance.store.copies import CopyMemory
from provenance.store.daemons import DaemonsPart
from provenance.store.engine import (
    make_engine,
    masked,
    missing_sqlite_file,
    parse_url,
)
from provenance.store.events import EventsPart
from provenance.store.features import FeaturesPart
from provenance.store.fingerprints import FingerprintsPart
from provenance.store.genai import GenaiPart
from provenance.store.identity import current_actor, current_host
from provenance.store.locations import LocationsPart
from provenance.store.notary import Notary
from provenance.store.pinned import file_problem
from provenance.store.projection import Difference
from provenance.store.quarantine import QuarantinePart
from provenance.store.records import Observation, RecordResult
from provenance.store.regions import RegionChecksPart
from provenance.store.roles import RolesPart
from provenance.store.seals import seal_unsealed, unsealed
from provenance.store.segments import SegmentsPart
from provenance.store.state import StatePart
from provenance.store.transactions import Transactions, translate
from provenance.store.writer import (
    BatchRecorder,
    Identity,
    PathExists,
    record_identified,
    record_removed,
)
from provenance.util.file_kinds import may_exist


class Ledger:
    """The provenance ledger: assets, their locations, and the hash-chained event log.

    ``actor`` and ``host`` say who writes, from where: every event carries
    them. Everything but ingest's writes is in the parts (see the module).
    """

    def __init__(
        self,
        url: str,
        *,
        actor: str | None = None,
        host: str | None = None,
        auto_create: bool | None = None,
        read_only: bool = False,
        role: str | None = None,
    ) -> None:
        self.url = url
        self.actor = actor or current_actor()
        self.host = host or current_host()
        self._engine = make_engine(url, read_only=read_only, role=role)
        self._tx = Transactions(self._engine, masked(url), self.actor, self.host)
        is_sqlite = parse_url(url).get_backend_name() == "sqlite"
        self._prepare(is_sqlite if auto_create is None else auto_create)
        self.assets = AssetsPart(self._tx)
        self.locations = LocationsPart(self._tx)
        self.events = EventsPart(self._tx)
        self.approvals = ApprovalsPart(self._tx)
        self.genai = GenaiPart(self._tx)
        self.quarantine = QuarantinePart(self._tx)
        self.fingerprints = FingerprintsPart(self._tx)
        self.features = FeaturesPart(self._tx)
        self.regions = RegionChecksPart(self._tx)
        self.segments = SegmentsPart(self._tx)
        self.audits = AuditsPart(self._tx)
        self.daemons = DaemonsPart(self._tx)
        self.roles = RolesPart(self._tx)
        self.state = StatePart(self._tx)
        self.checkpoints = CheckpointsPart(self._tx)

    def attach_notary(self, notary: Notary) -> None:
        """Sign the chain head at the end of every write transaction from now on."""
        self._tx.notary = notary

    @property
    def where(self) -> str:
        """The ledger's URL with any password masked."""
        return self._tx.where

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._engine.dialect.name

    def file_problem(self) -> str | None:
        """Why the ledger file opened is no longer at its path (deleted or replaced), if so.

        SQLite goes on writing into a file that was deleted or renamed away
        while it is open: every write would then vanish with the last
        connection, unseen. None for PostgreSQL and an in-memory ledger.
        """
        return file_problem(self._engine)

    def _prepare(self, auto_create: bool) -> None:
        with self._tx.translated():
            revision = schema.check(self._engine, self.where)
            if revision is None:
                if not auto_create:
                    raise SchemaOutdated(
                        "ledger has no schema yet",
                        where=self.where,
                        fix="run `provenance init` first",
                    )
                schema.create(self._engine)

    @classmethod
    def existing(cls, url: str, *, read_only: bool = False, role: str | None = None) -> Ledger:
        """The ledger at ``url``, which must exist already: nothing is created.

        For commands that read or change what is recorded (``history``,
        ``ls``, ``verify``, approvals, reports): on a mistyped ``--db`` they
        say there is no ledger there instead of showing an empty one, and
        ``verify`` never passes a chain that was never written.
        """
        missing = missing_sqlite_file(url)
        if missing is not None:
            raise LedgerUnavailable(
                "no ledger here",
                where=missing,
                fix="check --db or PROVENANCE_DB; a ledger is created by the first"
                " `provenance scan` (or by `provenance init`)",
            )
        return cls(url, auto_create=False, read_only=read_only, role=role)

    @classmethod
    def init(
        cls, url: str, notary: Callable[[str], Notary] | None = None
    ) -> tuple[Ledger, str | None, str]:
        """Create or upgrade the schema at ``url``; returns (ledger, revision before, after).

        A ledger whose rows its events cannot rebuild gets its baseline here
        (see :mod:`.baseline`), signed by ``notary(where)`` when given: the
        command's does, as every writer signs what it chains.
        """
        engine = make_engine(url)
        try:
            with translate(masked(url)):
                before, after = schema.upgrade(engine, masked(url))
        finally:
            engine.dispose()
        ledger = cls(url)
        if notary is not None:
            ledger.attach_notary(notary(ledger.where))
        ledger.record_baseline()
        return ledger, before, after

    def record_baseline(self) -> int:
        """Chain a ``state-baseline`` event for each row the events cannot rebuild (see
        :mod:`.baseline`), and seal the derived rows written before seals (:mod:`.seals`);
        returns how many events that chained."""
        with self._tx.write() as (conn, chain):
            written = record_baseline(conn, chain) + seal_unsealed(conn, chain)
            chain.flush()
            return written

    def take_unsealed(self) -> dict[str, list[Difference]]:
        """The differences of the stored derived rows reads found not what their seal says since
        the last call (:mod:`.seals`), by asset; forgotten once taken."""
        found: dict[str, list[Difference]] = {}
        for table, sha in sorted(self._tx.unsealed):
            found.setdefault(sha, []).append(unsealed(table, sha))
        self._tx.unsealed.clear()
        return found

    def close(self) -> None:
        """Release all connections."""
        self._engine.dispose()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def record(
        self, observations: Sequence[Observation], exists: PathExists = may_exist
    ) -> list[RecordResult]:
        """Record a batch of observations in one transaction (see :mod:`.writer`)."""
        return self.recording(exists).record(observations)

    def recording(
        self, exists: PathExists = may_exist, watched: PathExists | None = None
    ) -> Recording:
        """A run of batches that share what they learn of copies (see :mod:`.copies`).

        A scan's run gives no ``watched``; a watch daemon's, which lasts its
        life, gives the paths whose vanishing it reports (:meth:`Recording.vanished`).
        """
        return Recording(self._tx, exists, watched)

    def identify(self, found: Sequence[Identity]) -> int:
        """Fill in the empty media identity of assets read elsewhere (see :mod:`.identify`).

        ``found`` are (sha256, path read, identity details); an asset whose
        identity is already recorded is left as it is. Returns how many were filled.
        """
        if not found:
            return 0
        with self._tx.write() as (conn, chain):
            return record_identified(conn, chain, found)

    def record_removed(self, paths: Iterable[str], host: str | None = None) -> int:
        """Record that files at these paths are gone; returns how many locations closed."""
        with self._tx.write() as (conn, chain):
            return record_removed(conn, chain, host or self.host, paths)


class Recording:
    """Batches recorded one after another, each in its own transaction, by one run.

    A copy one batch found at its place is not looked at again by the next
    (:class:`~.copies.CopyMemory`): a scan of many copies of one content, or
    a daemon's burst of them over hours, stays linear. A batch that is not
    written makes the run forget all it learnt, and one that finds the chain
    moved on reads what other writers did meanwhile, so what it remembers is
    always what the ledger holds. A long-lived run (a watch daemon's) is told
    from any thread what may have vanished (:meth:`vanished`,
    :meth:`vanished_below`) and when to trust nothing (:meth:`forget`).
    """

    def __init__(self, tx: Transactions, exists: PathExists, watched: PathExists | None) -> None:
        self._tx = tx
        self._exists = exists
        self._memory = CopyMemory(watched)

    def vanished(self, path: str) -> None:
        """The file at ``path`` on this host may be gone (deleted, or a move's source)."""
        self._memory.notices.vanished(path)

    def vanished_below(self, folder: str) -> None:
        """Every file below ``folder`` on this host may be gone."""
        self._memory.notices.vanished_below(folder)

    def forget(self) -> None:
        """Look at every copy again from the next batch on (events may have been lost)."""
        self._memory.notices.forget()

    def record(self, observations: Sequence[Observation]) -> list[RecordResult]:
        """Record a batch of observations in one transaction (see :mod:`.writer`)."""
        if not observations:
            return []
        try:
            with self._tx.write() as (conn, chain):
                recorder = BatchRecorder(conn, chain, self._exists, self._memory)
                return recorder.record(observations)
        except BaseException:
            self._memory.forget()
            raise


class MomentOutOfRange(ValueError):
    """An ISO moment whose UTC falls outside Python's dates (years 1 to 9999)."""


def parse_since(text: str) -> datetime:
    """Parse an ISO date or datetime for ``--since`` (naive values are UTC), in UTC.

    ``ValueError`` for text that is no ISO date, and :class:`MomentOutOfRange`
    for one whose UTC falls outside Python's dates (``9999-12-31T23:59:59-12:00``): every
    later use (storing it, signing it, comparing it) converts it to UTC, and
    failed there with an ``OverflowError`` traceback.
    """
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError as exc:
        raise MomentOutOfRange(text) from exc
