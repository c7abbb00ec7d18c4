"""`provenance scan sample_assets/` classifies each file as the generator script says."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from provenance.ingest.scan import scan
from provenance.settings import Settings
from provenance.store import Ledger

SAMPLES = Path(__file__).resolve().parents[2] / "sample_assets"


def expected() -> dict[str, tuple[str, str]]:
    with (SAMPLES / "EXPECTED.tsv").open(newline="") as stream:
        return {
            r["path"]: (r["verdict"], r["tool"]) for r in csv.DictReader(stream, delimiter="\t")
        }


def test_sample_scan_matches_expected_and_rescan_changes_nothing(
    ledger: Ledger, settings: Settings, tmp_path: Path
) -> None:
    summary = scan([SAMPLES], ledger, settings).to_dict()
    assert summary["skipped"] == 0
    wanted = expected()
    got = {}
    for rel in wanted:
        asset = ledger.assets.at(str(SAMPLES / rel))
        assert asset is not None, rel
        got[rel] = (asset.verdict, asset.tool or "")
    mismatches = {rel: (got[rel], wanted[rel]) for rel in wanted if got[rel] != wanted[rel]}
    assert not mismatches, mismatches
    events = len(ledger.events.list())
    again = scan([SAMPLES], ledger, settings).to_dict()
    assert again["newly_ingested"] == 0 and again["unchanged"] == again["files_seen"]
    assert len(ledger.events.list()) == events


@pytest.mark.parametrize("rel", ["genai/sd_a1111.png", "genai/comfyui.png"])
def test_generated_samples_carry_prompts(ledger: Ledger, settings: Settings, rel: str) -> None:
    scan([SAMPLES / rel], ledger, settings)
    asset = ledger.assets.at(str(SAMPLES / rel))
    assert asset is not None and asset.status == "temporary" and asset.prompt
