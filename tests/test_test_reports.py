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
    # Outside the tree the quality tests lint, with the suite's conftest as a plugin.
    case = tmp_path / "test_odd_names.py"
    case.write_text(ODD_OUTPUT)
    command = [sys.executable, "-m", "pytest", "-q", "-n", "2", "-p", "no:randomly",
               "-p", "tests.conftest", "--rootdir", str(tmp_path), str(case)]  # fmt: skip
    done = subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, timeout=300, check=False
    )
    assert "INTERNALERROR" not in done.stdout + done.stderr, done.stdout[-2000:]
    assert "1 failed, 1 passed" in done.stdout, done.stdout[-2000:]
