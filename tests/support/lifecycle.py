"""The lifecycle's test kit: a controllable clock, approver settings, generated files, approvals.

The fixtures here are exposed by the conftests of the folders that use them
(``tests/lifecycle/``, ``tests/rules/``).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from provenance.ingest.record import ingest
from provenance.lifecycle import Approval, Lifecycle
from provenance.lifecycle.files import MANIFEST
from provenance.settings import Settings
from provenance.store import AssetRecord, Ledger
from tests.support.files import png
from tests.support.signing import allowed_signers_file, approver_key


def a1111(prompt: str) -> str:
    """A1111 generation parameters with this prompt."""
    return (
        f"{prompt}\nNegative prompt: blurry\n"
        "Steps: 20, Sampler: Euler a, Seed: 1, Model: sdxl, Version: v1.10.1"
    )


class Clock:
    """A clock that stands still until a test moves it."""

    def __init__(self) -> None:
        self.at = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def lc_settings(settings: Settings, tmp_path: Path) -> Settings:
    """Settings where the test user ('tester') may approve, with a private quarantine folder."""
    return dataclasses.replace(
        settings,
        approvers=("tester",),
        quarantine_dir=str(tmp_path / "quarantine"),
        allowed_signers=str(allowed_signers_file()),
    )


@pytest.fixture
def lc(ledger: Ledger, lc_settings: Settings, clock: Clock) -> Lifecycle:
    return Lifecycle(ledger, lc_settings, clock)


@pytest.fixture
def consent(tmp_path: Path) -> Path:
    """A reference document: a (pretend) signed consent form."""
    path = tmp_path / "docs" / "consent-signed.pdf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"%PDF-1.7\nsigned by the studio's legal team\n%%EOF\n")
    return path


Make = Callable[..., tuple[Path, AssetRecord]]


@pytest.fixture
def make_genai(tmp_path: Path, lc: Lifecycle) -> Make:
    """Write a generated PNG (A1111 parameters) under tmp_path and ingest it."""

    def make(
        name: str, seed: int, prompt: str = "a castle", settings: Settings | None = None
    ) -> tuple[Path, AssetRecord]:
        path = png(tmp_path / name, seed, a1111(prompt))
        result = ingest(path, lc.ledger, settings or lc.settings)
        return path, lc.ledger.assets.resolve(result.sha256 or "")

    return make


@pytest.fixture
def one_copy(make_genai: Make, clock: Clock) -> tuple[str, Path]:
    """One generated asset with one copy on this host, past its expiry: its hash and path."""
    path, asset = make_genai("shots/gen.png", 1)
    clock.advance(days=31)
    return asset.sha256, path


@pytest.fixture
def make_plain(tmp_path: Path, lc: Lifecycle) -> Make:
    """Write a PNG without markers (verdict unknown) and ingest it."""

    def make(name: str, seed: int) -> tuple[Path, AssetRecord]:
        path = png(tmp_path / name, seed)
        result = ingest(path, lc.ledger, lc.settings)
        return path, lc.ledger.assets.resolve(result.sha256 or "")

    return make


def final(reference: Path, category: str = "final-deliverable", **kw: object) -> Approval:
    """An approval signed by the VFX supervisor (with the tests' trusted approver key)."""
    kw.setdefault("sign_with", approver_key())
    return Approval(category, "Jane Doe (VFX supervisor)", reference, **kw)  # type: ignore[arg-type]


def read_manifest(root: Path) -> list[dict[str, object]]:
    """Every line of a quarantine folder's manifest, oldest first; strict, unlike the
    lifecycle's own reader (:mod:`provenance.lifecycle.interrupted`), so a test sees a half
    line as the failure it is."""
    path = root / MANIFEST
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]
