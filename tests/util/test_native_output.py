"""Native libraries' output never reaches standard output (descriptor 1) inside the guard."""

from __future__ import annotations

import ctypes
import os
import threading
from pathlib import Path

import pytest

from provenance.files.formats import FormatProblem, exr
from provenance.util.native_output import stdout_to_stderr
from tests.support import hostile_files as hostile

LIBC = ctypes.CDLL(None)


def test_c_stdio_and_raw_writes_go_to_stderr(capfd: pytest.CaptureFixture[str]) -> None:
    with stdout_to_stderr():
        LIBC.printf(b"buffered native chatter\n")
        os.write(1, b"raw descriptor write\n")
    os.write(1, b"after\n")
    LIBC.fflush(None)
    out, err = capfd.readouterr()
    assert out == "after\n"
    assert "buffered native chatter" in err and "raw descriptor write" in err


def test_threads_share_one_redirection(capfd: pytest.CaptureFixture[str]) -> None:
    inside = threading.Barrier(4)

    def chatter() -> None:
        with stdout_to_stderr():
            inside.wait(timeout=10)
            os.write(1, b"thread\n")
            inside.wait(timeout=10)

    threads = [threading.Thread(target=chatter) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    os.write(1, b"restored\n")
    out, err = capfd.readouterr()
    assert out == "restored\n" and err.count("thread") == 4


def test_openexr_warnings_stay_off_stdout(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("OpenEXR")
    path = tmp_path / "leader.exr"
    path.write_bytes(hostile.exr_bad_chunk_leader())
    with pytest.raises(FormatProblem, match="EXR pixels unreadable"):
        exr.read_rgb(path)
    LIBC.fflush(None)
    out, err = capfd.readouterr()
    assert out == ""
    assert "Warning" in err
