"""The demo cut in ``sample_assets/cut/``: the generated frame and the master's lighthouse reach it.

The README tour audits the same cut (see ``tests/golden/tour.py``); these
tests say what that audit must find, and import its markers back through
OpenTimelineIO.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import opentimelineio as otio
import pytest

from provenance.ingest.scan import scan
from provenance.settings import Settings
from provenance.store import Ledger
from tests.support.cuts import audit, clips, cut, markers_of, span

SAMPLES = Path(__file__).resolve().parents[2] / "sample_assets"
BLOCKED = {"comp", "master lighthouse"}


@pytest.fixture
def samples(ledger: Ledger, settings: Settings, tmp_path: Path) -> Path:
    """A copy of the sample assets, scanned into the ledger as the tour does."""
    root = tmp_path / "sample_assets"
    shutil.copytree(SAMPLES, root, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    scan([root], ledger, settings)
    return root


@pytest.mark.parametrize("suffix", [".otio", ".edl"])
def test_the_demo_cut_blocks_exactly_its_generated_clips(
    samples: Path, settings: Settings, suffix: str
) -> None:
    timeline = samples / "cut" / f"shot010_cut{suffix}"
    out = samples.parent / f"marked{suffix}"
    done = audit(
        settings.db, str(timeline), "--root", str(samples), "--markers", str(out), "--json"
    )
    assert done.exit_code == 1, done.output
    rows = clips(done)
    assert {n for n, r in rows.items() if r["verdict"] == "block"} == BLOCKED
    assert "comp_v003.1003.png" in rows["comp"]["reasons"][0]
    assert "at 01:00:02:00-01:00:04:00" in rows["master lighthouse"]["reasons"][0]
    assert rows["master lighthouse"]["record_in"] == "01:00:01:19"
    # The master's head is the same file, but the clip uses none of its generated stretch.
    assert rows["master head"]["verdict"] != "block"
    assert any("outside the range used here" in r for r in rows["master head"]["reasons"])
    assert rows["black"]["verdict"] == "pass"
    red = {n for n, colours in markers_of(out).items() if "RED" in colours}
    assert red == BLOCKED


def test_the_hidden_firefly_still_is_present_but_covered(samples: Path, settings: Settings) -> None:
    timeline = samples / "cut" / "shot010_cut.otio"
    rows = clips(audit(settings.db, str(timeline), "--root", str(samples), "--json", "--no-record"))
    assert rows["firefly still"]["verdict"] == "warn"
    assert rows["firefly still"]["covered_by"] == ["camera still (V2)"]
    assert rows["camera still"]["verdict"] == "pass"


def test_a_master_with_an_available_range_is_cut_by_its_timecode(
    samples: Path, settings: Settings
) -> None:
    # The master starts at 01:00:00:00 and holds the lighthouse from 2 s to 4 s.
    master = samples / "deliverables" / "edit" / "shot010_review_master.mp4"
    hour = 86400

    def shot(name: str, start: int, frames: int) -> otio.schema.Clip:
        ref = otio.schema.ExternalReference(target_url=str(master),
                                            available_range=span(hour, 144))  # fmt: skip
        return otio.schema.Clip(
            name=name, media_reference=ref, source_range=span(hour + start, frames)
        )

    timeline = cut(samples / "cut" / "ranges.otio", [
        shot("head", 0, 40), shot("into it", 40, 12), shot("tail", 100, 44)
    ])  # fmt: skip
    rows = clips(audit(settings.db, str(timeline), "--root", str(samples), "--json", "--no-record"))
    assert {n: r["verdict"] for n, r in rows.items()} == {
        "head": "warn", "into it": "block", "tail": "warn"
    }  # fmt: skip
    assert rows["into it"]["source_in"] == "01:00:01:16"
    # The tail starts 4 frames after the lighthouse: closer than a sweep places its end.
    assert "check the frames at the cut point" in rows["tail"]["reasons"][-1]


def test_a_long_cut_of_one_master_asks_the_ledger_once_per_set_of_assets(
    samples: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each clip of the master was judged again twice, each time asking the ledger for its
    # assets and approvals: a cut of 100,000 events took over ten minutes.
    from provenance.store.approvals import ApprovalsPart

    asked: list[int] = []
    many = ApprovalsPart.many

    def counted(self: ApprovalsPart, shas: object) -> object:
        asked.append(1)
        return many(self, shas)  # type: ignore[arg-type]

    monkeypatch.setattr(ApprovalsPart, "many", counted)
    event = (
        "{n:03d}  AX       V     C        01:00:00:00 01:00:01:00 {rec} {rec_out}\n"
        "* FROM CLIP NAME: master head\n"
        "* FROM CLIP: ../deliverables/edit/shot010_review_master.mp4\n"
    )
    hours = [f"01:{m:02d}:00:00" for m in range(41)]
    events = "".join(event.format(n=n, rec=hours[n - 1], rec_out=hours[n - 1][:-5] + "01:00")
                     for n in range(1, 41))  # fmt: skip
    path = samples / "cut" / "long.edl"
    path.write_text(f"TITLE: long\nFCM: NON-DROP FRAME\n\n{events}")
    done = audit(settings.db, str(path), "--root", str(samples), "--json", "--no-record")
    rows = json.loads(done.output)["clips"]
    assert len(rows) == 40 and all(r["verdict"] != "block" for r in rows)
    assert len(asked) < 10, len(asked)
