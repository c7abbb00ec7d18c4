"""The suite's own plumbing: a test whose output names a file that is not UTF-8 is reported.

Under xdist a worker sends each report to the controller, which cannot carry
Python's lone surrogates (a non-UTF-8 name's odd bytes); the worker used to
die with an internal error, and the whole run with it (conftest's
``pytest_runtest_makereport``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

ODD_OUTPUT = """
import logging


def test_logs_an_odd_name():
    logging.getLogger("provenance.x").warning("seen %s", "/show/a\\udcffb.png")


def test_fails_naming_it():
    assert "/show/a\\udcffb.png" == "x"
"""


def test_a_report_naming_an_odd_file_reaches_the_controller(tmp_path: Path) -> None:
    case = REPO / "tests" / f"test_zz_odd_{tmp_path.name}.py"
    case.write_text(ODD_OUTPUT)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-n", "2", "-p", "no:randomly", str(case)],
            cwd=REPO, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
    finally:
        case.unlink()
    assert "INTERNALERROR" not in done.stdout + done.stderr, done.stdout[-2000:]
    assert "1 failed, 1 passed" in done.stdout, done.stdout[-2000:]
