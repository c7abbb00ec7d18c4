"""The daemon fingerprints the images it records, so the audit can near-match their copies."""

from __future__ import annotations

from pathlib import Path

import pytest

from provenance.store import Ledger
from tests.support.files import sha256_of
from tests.support.studio import generated_png
from tests.support.waiting import wait_for
from tests.watchers.daemons import fast_settings, running


def test_recorded_images_get_fingerprints(root: Path, ledger: Ledger, ledger_url: str) -> None:
    with running(ledger, fast_settings(ledger_url), [root]):
        image = generated_png(root / "gen" / "frame.png", 5)
        sha = sha256_of(image)
        wait_for(
            lambda: ledger.fingerprints.status_of(sha) == "ok", message="the image's fingerprint"
        )
    [stored] = [f for f in ledger.fingerprints.genai_page() if f.sha256 == sha]
    assert stored.grad or stored.dct


def test_daemon_expires_generated_assets(
    root: Path, tmp_path: Path, ledger: Ledger, ledger_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import UTC, datetime, timedelta

    import provenance.watchers.chores as chores_module
    from provenance.ingest.scan import scan
    from provenance.lifecycle import Lifecycle, set_expiry

    settings = fast_settings(ledger_url)
    image = generated_png(tmp_path / "elsewhere" / "gen.png", 8)
    scan([image], ledger, settings)
    set_expiry(Lifecycle(ledger, settings), [str(image)], datetime.now(UTC) - timedelta(days=1))
    monkeypatch.setattr(chores_module, "EXPIRE_EVERY", 0.2)
    sha = sha256_of(image)
    with running(ledger, settings, [root]):
        wait_for(lambda: _status(ledger, sha) == "expired", message="the daemon's expiry pass")
    assert "expired" in [e.type for e in ledger.events.of(sha)]


def _status(ledger: Ledger, sha: str) -> str | None:
    asset = ledger.assets.get(sha)
    return None if asset is None else asset.status


def test_a_damaged_picture_is_recorded_undecodable_not_retried(
    root: Path, tmp_path: Path, ledger: Ledger, ledger_url: str
) -> None:
    whole = generated_png(tmp_path / "whole.png", 6).read_bytes()
    with running(ledger, fast_settings(ledger_url), [root]) as handle:
        image = root / "damaged.png"
        image.write_bytes(whole[:300])  # cut short: these bytes will never decode
        sha = sha256_of(image)
        wait_for(
            lambda: ledger.fingerprints.status_of(sha) == "undecodable",
            message="the damaged picture's row",
        )
        assert handle.daemon.snapshot()["queue"]["fingerprint_retries"] == 0  # type: ignore[index]
    [stored] = ledger.fingerprints.many([sha]).values()
    assert stored.reason is not None and "cannot decode image" in stored.reason
