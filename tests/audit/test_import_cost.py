"""What importing the audit costs: the ledger's SQLAlchemy loads only once the hashing runs.

:mod:`provenance.audit.run` opens the ledger while its hashing workers run
(see its docstring), so importing it must not load SQLAlchemy already.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from PIL import Image

from provenance.cli import cli


def loaded_after_import(module: str, watched: tuple[str, ...]) -> list[str]:
    """Which of ``watched`` a fresh interpreter has loaded after importing ``module``."""
    code = f"import sys, {module}\nprint(','.join(m for m in {watched!r} if m in sys.modules))\n"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    return [m for m in done.stdout.strip().split(",") if m]


def test_importing_the_audit_does_not_load_sqlalchemy() -> None:
    assert (
        loaded_after_import("provenance.audit.run", ("sqlalchemy", "provenance.store.ledger")) == []
    )


def test_the_check_sees_sqlalchemy_when_it_loads() -> None:
    assert loaded_after_import("provenance.store.ledger", ("sqlalchemy",)) == ["sqlalchemy"]


def test_importing_the_audit_command_does_not_load_opencv_or_faiss() -> None:
    # They load where a picture is described or the region index loads, not before.
    assert loaded_after_import("provenance.cli.audit", ("cv2", "faiss")) == []


def test_a_package_of_known_pictures_is_audited_without_opencv_or_faiss(tmp_path: Path) -> None:
    package = tmp_path / "package"
    package.mkdir()
    for i in range(3):
        Image.new("RGB", (64, 48), (40 * i, 90, 200)).save(package / f"plate_{i}.png")
    url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    assert CliRunner().invoke(cli, ["scan", str(package), "--db", url]).exit_code == 0
    code = (
        "import sys\nfrom provenance.cli import cli\n"
        f"cli.main(['audit', {str(package)!r}, '--no-record', '--db', {url!r}],"
        " standalone_mode=False)\n"
        "print('loaded:' + ','.join(m for m in ('cv2', 'faiss') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "loaded:"


def test_what_the_region_stage_may_hold_follows_the_features_cap() -> None:
    from provenance.audit.regions import HELD
    from provenance.likeness.features import MAX_POINTS

    assert HELD == 256 * 1024 * 1024 // (2 * MAX_POINTS * 40)
