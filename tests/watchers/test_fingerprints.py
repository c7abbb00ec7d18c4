"""The daemon fingerprints the images it records, so the audit can near-match their copies."""

from __future__ import annotations

from pathlib import Path

from provenance.store import Ledger
from tests.audit.conftest import generated_png
from tests.watchers.conftest import fast_settings, running, sha256_of, wait_for


def test_recorded_images_get_fingerprints(root: Path, ledger: Ledger, ledger_url: str) -> None:
    with running(ledger, fast_settings(ledger_url), [root]):
        image = generated_png(root / "gen" / "frame.png", 5)
        sha = sha256_of(image)
        wait_for(lambda: ledger.fingerprint_status(sha) == "ok", message="the image's fingerprint")
    [stored] = [f for f in ledger.genai_fingerprints() if f.sha256 == sha]
    assert stored.grad or stored.dct
