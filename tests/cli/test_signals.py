"""A signal during an audit removes its temporary area before the process ends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from provenance.files.scratch import PREFIX
from tests.support.hostile_archives import STALLED_AUDIT, tar_bytes, write
from tests.support.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("signum", "code"),
    [(signal.SIGTERM, -signal.SIGTERM), (signal.SIGHUP, -signal.SIGHUP), (signal.SIGINT, 130)],
)
def test_the_temporary_area_is_removed_on_a_signal(
    tmp_path: Path, signum: signal.Signals, code: int
) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    package = write(tmp_path / "pkg.tar.gz", tar_bytes({"a.bin": b"a" * 4096, "b.bin": b"b"}))
    args = [str(package), "--no-record", "--db", f"sqlite:///{tmp_path}/none.sqlite3"]
    env = {**os.environ, "TMPDIR": str(scratch), "PYTHONPATH": str(ROOT)}
    with subprocess.Popen(
        [sys.executable, "-c", STALLED_AUDIT, str(scratch), *args],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    ) as audit:  # fmt: skip
        wait_for(lambda: (scratch / "unpacking").exists() or audit.poll() is not None)
        assert list(scratch.glob(f"{PREFIX}*/*/a.bin")), audit.stderr
        audit.send_signal(signum)
        assert audit.wait(timeout=30) == code
        assert audit.stderr is not None
        assert b"Traceback" not in audit.stderr.read()
    assert list(scratch.glob(f"{PREFIX}*")) == []
