"""What an audit records against each asset: matches, and where a master shows generated ones."""

from __future__ import annotations

from provenance.audit.recorded import audited_files, record_audit
from provenance.audit.report import AuditReport, FileResult, Match
from provenance.likeness.master import Segment
from provenance.store import Ledger
from tests.support.factories import fake_sha, observation

A, B, C = fake_sha("a"), fake_sha("b"), fake_sha("c")


def segment(asset: str, start: float, end: float, tc_in: str, tc_out: str) -> Segment:
    return Segment(start, end, tc_in, tc_out, asset, "near", 0.9)


MASTER = FileResult(
    "edit/master.mov", "block", ("shows generated material",), sha256="d" * 64,
    match=Match("near", A), segments=(
        segment(A, 3.0, 5.0, "01:00:03:00", "01:00:05:00"),
        segment(B, 8.0, 9.0, "01:00:08:00", "01:00:09:00"),
        segment(A, 20.0, 21.0, "01:00:20:00", "01:00:21:00"),
    ),
)  # fmt: skip
COPY = FileResult("comp/x.png", "block", (), sha256=C, match=Match("ledger", C))
UNKNOWN = FileResult("notes.txt", "warn", (), sha256="e" * 64)


def test_a_master_is_recorded_against_every_asset_it_shows_with_timecodes() -> None:
    found = audited_files(AuditReport("/pkg", (MASTER, COPY, UNKNOWN)))
    by_asset = {f.sha256: f for f in found}
    assert set(by_asset) == {A, B, C}  # B is shown too, though A is the worst-placed match
    assert [span["tc_in"] for span in by_asset[A].on_screen] == ["01:00:03:00", "01:00:20:00"]
    assert by_asset[B].on_screen == (
        {"tc_in": "01:00:08:00", "tc_out": "01:00:09:00", "start": 8.0, "end": 9.0},
    )
    assert by_asset[A].path == "edit/master.mov" and by_asset[C].on_screen == ()


def test_the_ledger_keeps_the_timecodes_in_the_audited_event(ledger: Ledger) -> None:
    ledger.record([observation(label, f"/gen/{label}.png", verdict="genai") for label in "abc"])
    record_audit(AuditReport("/pkg", (MASTER, COPY)), ledger)
    events = {e.asset_sha256: e for e in ledger.events.list(types=("audited",))}
    assert events[B].details["on_screen"] == [
        {"tc_in": "01:00:08:00", "tc_out": "01:00:09:00", "start": 8.0, "end": 9.0}
    ]
    assert "on_screen" not in events[C].details  # a file that is the asset: no timecodes
    assert ledger.events.verify().ok
