"""Plain records of likeness: fingerprints, local features, region checks and a master's segments.

What the likeness parts of the :class:`~provenance.store.Ledger` facade
take and return (:mod:`provenance.store.fingerprints`,
:mod:`provenance.store.features`, :mod:`provenance.store.regions`,
:mod:`provenance.store.segments`): each derived row to write (the ``...In``
records), each as an index loads it (the ``Stored...`` records), and
:class:`StoredFailure`, an asset whose derived row says ``error`` and may
be tried again. Like every record module, nothing here imports SQLAlchemy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from provenance.vocab import FEATURE_STATUSES, FeatureStatus


@dataclass(frozen=True)
class FingerprintIn:
    """A fingerprint (or the reason there is none) for one picture of an asset.

    Hashes are signed 64-bit; ``frame`` is 0 for an image and the sampled
    moment's number for a video.
    """

    sha256: str
    status: str
    grad: int | None = None
    dct: int | None = None
    reason: str | None = None
    frame: int = 0


@dataclass(frozen=True)
class StoredFingerprint:
    """An asset's fingerprint (one of a video's) as an index loads it."""

    row_id: int
    sha256: str
    grad: int
    dct: int
    frame: int = 0


@dataclass(frozen=True)
class AssetFingerprints:
    """One asset's stored fingerprints: ``hashes`` (signed grad, dct) in frame order.

    ``status`` is ``ok`` when there are hashes, or the reason there are none.
    """

    status: str
    reason: str | None = None
    hashes: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class FeatureIn:
    """The local features of one picture of an asset, or the reason there are none.

    ``data`` is the opaque blob of ``Features.to_bytes()``, given exactly when
    ``status`` is ``ok``; any other status needs a ``reason``. ``count`` is
    the number of keypoints, ``width`` and ``height`` the working picture's
    size (None where it was never decoded); ``frame`` is 0 for a still.
    """

    sha256: str
    status: FeatureStatus
    data: bytes | None = None
    count: int = 0
    width: int | None = None
    height: int | None = None
    reason: str | None = None
    frame: int = 0

    def __post_init__(self) -> None:
        if self.status not in FEATURE_STATUSES:
            raise ValueError(f"unknown feature status {self.status!r}; known: {FEATURE_STATUSES}")
        ok = self.status == "ok"
        if ok != (self.data is not None) or (ok and (self.width is None or self.height is None)):
            raise ValueError(
                f"features of {self.sha256} frame {self.frame}: data and size exactly when ok"
            )
        if ok == bool(self.reason):
            raise ValueError(f"features of {self.sha256} frame {self.frame}: a reason unless ok")


@dataclass(frozen=True)
class Unfinished:
    """A generated image or video whose derived rows (fingerprints, features) are not all there.

    It has no row yet (``reason`` None: the deferred stage has not run where
    its file is), or its row says ``error`` (a failure that may pass;
    ``reason`` is the stored one, with its count). An audit's comparison
    cannot include it until it has an answer.
    """

    sha256: str
    kind: str
    reason: str | None


@dataclass(frozen=True)
class StoredFailure:
    """An asset whose derived row (a fingerprint, a region check, a sweep) says ``error``.

    ``error`` is a failure that may pass (a read that failed, a worker
    killed or out of memory, a clock run out under load). ``path`` is one of
    the asset's present paths on this host; ``at`` (UTC) is when the row was
    written: the last attempt. ``reason`` carries how many times in a row it
    failed (see ``provenance.likeness.retry``).
    """

    sha256: str
    path: str
    reason: str | None
    at: datetime


@dataclass(frozen=True)
class RegionCheckIn:
    """What the region check found in one picture not generated, against features to ``through``.

    ``hit`` is the generated asset found inside it, or None; ``status`` is
    ``ok``, or why the picture could not be checked (then ``reason``).
    ``rule`` is the version of the region rule that checked it
    (``provenance.likeness.versions.REGION_RULE``); 0, the default, is
    older than any, so a check that does not say is made again.
    """

    sha256: str
    through: int
    status: FeatureStatus = "ok"
    hit: str | None = None
    inliers: int | None = None
    score: float | None = None
    cover: float | None = None
    mirrored: bool | None = None
    reason: str | None = None
    outline: tuple[tuple[float, float], ...] | None = None  # corners, as shares of the frame
    rule: int = 0


@dataclass(frozen=True)
class SegmentIn:
    """One stretch of video ``sha256`` that shows generated asset ``hit`` (times in seconds).

    A sweep that found nothing, or could not reach the video's end, is one
    record with no ``hit`` (``status`` and ``reason`` say why when not
    ``ok``). ``features_through`` and ``prints_through`` are the last row ids
    of the generated assets' features and fingerprints the sweep was checked
    against; ``at`` and ``outline`` the best sample's time and, for a
    ``region``, where it shows the generated picture (shares of the frame).
    ``rule`` is the region rule's version, as in :class:`RegionCheckIn`.
    """

    sha256: str
    features_through: int
    prints_through: int
    status: FeatureStatus = "ok"
    hit: str | None = None
    start: float | None = None
    end: float | None = None
    tc_in: str | None = None
    tc_out: str | None = None
    kind: str | None = None
    score: float | None = None
    at: float | None = None
    outline: tuple[tuple[float, float], ...] | None = None
    reason: str | None = None
    rule: int = 0


@dataclass(frozen=True)
class StoredFeatures:
    """The stored local features of one picture (one moment of a video), with its row id."""

    row_id: int
    sha256: str
    frame: int
    count: int
    width: int
    height: int
    data: bytes


@dataclass(frozen=True)
class AssetFeatures:
    """One asset's stored features: ``pictures`` in frame order.

    ``status`` is ``ok`` when there are pictures with features, or else the
    status of its first row, with the ``reason``.
    """

    status: FeatureStatus
    reason: str | None = None
    pictures: tuple[StoredFeatures, ...] = ()
