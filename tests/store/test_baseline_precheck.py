"""`provenance init` folds only the events of assets that may need a baseline.

``init`` records a ``state-baseline`` for each asset whose events were
written before the state projection (:mod:`provenance.store.baseline`). It
used to fold the whole chain on every run to find them: minutes of CPU inside
the write transaction of a ledger of millions of events, even when nothing was
left to record. The candidates are now found in SQL first, and only their
events are folded, to the same answer the whole chain's fold gives.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy.engine import Connection

from provenance.store import Ledger, baseline
from provenance.store.baseline import STATUS_TYPES, legacy_assets
from provenance.store.engine import make_engine
from provenance.store.projection import EventRow, Projection
from provenance.store.state import stream_events
from tests.support.factories import fake_sha, observation
from tests.support.old_schema import make_chain_old, without_digests, without_status

DETECTED = '{"evidence_sha256":"e","status":"temporary","tool":null,"verdict":"genai"}'


@pytest.fixture
def folded(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The type of every event folded (a spy on :meth:`Projection.add`)."""
    types: list[str] = []
    add = Projection.add

    def spying(projection: Projection, event: EventRow) -> None:
        types.append(event.type)
        add(projection, event)

    monkeypatch.setattr(Projection, "add", spying)
    return types


@contextmanager
def connected(url: str) -> Iterator[Connection]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def record_generated(url: str, *labels: str) -> None:
    with Ledger(url, actor="owner", host="h") as ledger:
        ledger.record([observation(x, f"/shots/{x}.png", verdict="genai", tool="comfyui")
                       for x in labels])  # fmt: skip


def whole_chain_legacy(url: str) -> list[str]:
    """What ``init`` folded the whole chain for, before: the reference answer."""
    with connected(url) as conn:
        return sorted(Projection().fold(stream_events(conn)).legacy)


def test_an_upgraded_ledger_s_init_folds_nothing(ledger_url: str, folded: list[str]) -> None:
    record_generated(ledger_url, "a", "b", "c")
    with Ledger(ledger_url) as ledger:
        assert len(ledger.events.list()) >= 3
    Ledger.init(ledger_url)[0].close()
    assert folded == []


def test_an_older_ledger_folds_only_the_events_of_the_assets_to_baseline(
    ledger_url: str, folded: list[str]
) -> None:
    record_generated(ledger_url, "a", "b")
    make_chain_old(ledger_url)
    upgraded = Ledger.init(ledger_url)[0]
    assert folded == ["detected", "detected"]  # theirs, and nothing else of the chain
    with upgraded:
        baselines = upgraded.events.list(types=["state-baseline"])
        assert sorted(str(e.asset_sha256) for e in baselines) == sorted(
            [fake_sha("a"), fake_sha("b")]
        )
        assert upgraded.state.verify().ok
    folded.clear()
    Ledger.init(ledger_url)[0].close()
    assert folded == []  # upgraded once: nothing to fold again


@pytest.mark.parametrize("whole_fold", [baseline.WHOLE_FOLD, 0])
def test_the_candidates_fold_to_what_the_whole_chain_does(
    ledger_url: str, whole_fold: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(baseline, "WHOLE_FOLD", whole_fold)  # 0: many candidates, one pass
    record_generated(ledger_url, "a", "b")
    make_chain_old(ledger_url)
    assert whole_chain_legacy(ledger_url) == sorted([fake_sha("a"), fake_sha("b")])
    with connected(ledger_url) as conn:
        assert legacy_assets(conn) == whole_chain_legacy(ledger_url)
    Ledger.init(ledger_url)[0].close()
    record_generated(ledger_url, "c")
    make_chain_old(ledger_url)  # c's events lose their status too; a and b keep their baselines
    assert whole_chain_legacy(ledger_url) == [fake_sha("c")]
    with connected(ledger_url) as conn:
        assert legacy_assets(conn) == [fake_sha("c")]


class _Event:
    def __init__(self, seq: int, type_: str, details: str) -> None:
        self.seq, self.type, self.details = seq, type_, details
        self.asset_sha256, self.at, self.actor, self.host, self.path = "s" * 64, "t", "x", "h", None


@pytest.mark.parametrize("kind", sorted(Projection.STEPS))
def test_the_types_the_precheck_looks_at_are_those_the_fold_calls_legacy(kind: str) -> None:
    detected = _Event(1, "detected", DETECTED)
    # Enough for every step to read, and no status.
    details = '{"approval":1,"asset":{"evidence":"e"},"audit":1,"quarantine":1}'
    projection = Projection().fold([detected, _Event(2, kind, details)])
    assert (kind in STATUS_TYPES) == bool(projection.legacy)


def test_a_detected_event_without_the_evidence_digest_waits_for_a_baseline_that_has_it() -> None:
    """Before migration 0014 neither ``detected`` events nor baselines covered the evidence."""
    old = DETECTED.replace('"evidence_sha256":"e",', "")
    old_baseline = '{"approvals":[],"asset":{"status":"temporary"},"quarantine":[]}'
    baseline = '{"approvals":[],"asset":{"evidence":"e","status":"temporary"},"quarantine":[]}'
    events = [_Event(1, "detected", old), _Event(2, "state-baseline", old_baseline)]
    assert Projection().fold(events[:1]).legacy == {"s" * 64: 1}
    assert Projection().fold(events).legacy == {"s" * 64: 2}
    assert Projection().fold([*events, _Event(3, "state-baseline", baseline)]).legacy == {}


def test_an_older_ledger_s_evidence_is_baselined_once(ledger_url: str) -> None:
    record_generated(ledger_url, "a", "b")
    make_chain_old(ledger_url, without_digests)
    with connected(ledger_url) as conn:
        assert (
            legacy_assets(conn)
            == whole_chain_legacy(ledger_url)
            == sorted([fake_sha("a"), fake_sha("b")])
        )
    upgraded = Ledger.init(ledger_url)[0]
    with upgraded:
        [baseline_a, _] = sorted(upgraded.events.list(types=["state-baseline"]),
                                 key=lambda e: str(e.asset_sha256))  # fmt: skip
        assert len(baseline_a.details["asset"]["evidence"]) == 64  # type: ignore[index]
        assert upgraded.state.verify().ok
        assert upgraded.record_baseline() == 0


def test_a_ledger_baselined_before_0014_is_baselined_again_for_its_evidence(
    ledger_url: str,
) -> None:
    record_generated(ledger_url, "a")
    make_chain_old(ledger_url, lambda details: without_digests(without_status(details)))
    Ledger.init(ledger_url)[0].close()
    make_chain_old(ledger_url, without_digests)  # the baseline as it was written then
    with connected(ledger_url) as conn:
        assert legacy_assets(conn) == whole_chain_legacy(ledger_url) == [fake_sha("a")]
    with Ledger.init(ledger_url)[0] as upgraded:
        assert upgraded.state.verify().ok
        assert len(upgraded.events.list(types=["state-baseline"])) == 2
