"""A scene many likeness and audit tests start from: one generated matte painting, scanned."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from provenance.settings import Settings
from provenance.store import Ledger
from tests.support.reframing import RGB, generated_matte
from tests.support.scenes import scene_ledger
from tests.support.signing import trusting
from tests.support.studio import scanned_generated


@dataclasses.dataclass
class Generated:
    """A generated matte painting the studio scanned (found generated, fingerprinted and
    described), its pixels for the copies a test delivers, and its SHA-256."""

    ledger: Ledger
    settings: Settings
    picture: RGB
    sha256: str
    folder: Path  # the scene's folder: the painting is work/matte.png in it


def built_matte(url: str, folder: Path) -> Generated:
    """The scene, built with the ledger at ``url`` (a :func:`~tests.support.scenes.kept_scene`
    build)."""
    path = folder / "work" / "matte.png"
    picture = generated_matte(path)
    settings = trusting(Settings(db=url, workers=2, approvers=("tester",)))
    with scene_ledger(url) as ledger:
        sha256 = scanned_generated(path, ledger, settings)
        return Generated(ledger, settings, picture, sha256, folder)
