"""Worker processes log as their parent does: a JSON log stays JSON, line by line."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from provenance.cli.group import log_as
from provenance.util.logs import PlainLogFormatter, carry_into_workers, for_workers
from tests.detectors.builders_metadata import tiff_bytes, tiff_entry

ROOT = Path(__file__).resolve().parents[2]

# A parent set up as `watch --log-format json` sets itself up, starting a worker
# the way the guarded detectors and the likeness workers are started.
PARENT = """
import logging, sys
from provenance.cli.group import log_as
from provenance.util.logs import JsonLogFormatter, carry_into_workers
from provenance.util.starts import context
from tests.support.guarded_work import warn_as_a_library

handler = logging.StreamHandler(sys.stderr)
handler.setFormatter(JsonLogFormatter())
logging.basicConfig(level=logging.WARNING, handlers=[handler], force=True)
carry_into_workers(log_as)
logging.getLogger("provenance").warning("the parent's own line")
worker = context(sys.argv[1]).Process(target=warn_as_a_library, args=("somelib",))
worker.start()
worker.join()
sys.exit(worker.exitcode)
"""


@pytest.mark.parametrize("method", ["forkserver", "spawn", "fork"])
def test_a_workers_library_warning_is_a_json_line_like_the_parents(method: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PARENT, method],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = [json.loads(line) for line in done.stderr.splitlines()]  # each one JSON
    assert [(line["logger"], line["level"]) for line in lines] == [
        ("provenance", "warning"),
        ("somelib", "warning"),
    ]
    assert lines[1]["message"] == "a field of this file looks damaged"


def test_exifread_does_not_speak_of_a_damaged_field(tmp_path: Path) -> None:
    """The detectors say what is wrong with a file once; exifread's own warning is not
    printed beside it (it was, bare, by the guarded workers)."""
    software = tiff_entry(0x0131, 2, 8, 26)  # Software, ASCII, at the tail: not UTF-8
    damaged = tmp_path / "damaged.tif"
    damaged.write_bytes(tiff_bytes(software, tail=b"\xff\xfe\xfd\xfc\xfb\xfa\xf9\x00" * 3))
    # A process of its own: the workers write to the real stderr, which click's runner
    # does not capture.
    done = subprocess.run(
        [sys.executable, "-m", "provenance", "classify", str(damaged)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "damaged.tif" in done.stdout and done.stderr == ""


def test_a_formatter_that_cannot_travel_is_left_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker must start whatever its parent's formatter is (a host program's own)."""

    class Local(logging.Formatter):  # a class defined in a function does not pickle
        pass

    handler = logging.StreamHandler()
    handler.setFormatter(Local())
    monkeypatch.setattr(logging.getLogger(), "handlers", [handler])
    carry_into_workers(log_as)
    assert for_workers() is None
    handler.setFormatter(logging.Formatter("%(message)s"))
    assert for_workers() is not None


def test_a_plain_log_line_stays_one_line_whatever_a_name_holds() -> None:
    forged = "\n2026-01-01 00:00:00,000 INFO provenance.watchers.daemon: new /ok.png: not_genai"
    names = [f"/jobs/sh010/evil{char}.png" for char in ("\x1b[2J", "\x9b31m", "\r", "\x08")]
    formatter = PlainLogFormatter("%(levelname)s %(name)s: %(message)s")
    for name in [*names, "/jobs/sh010/gen.png" + forged]:
        record = logging.LogRecord("provenance.watchers.daemon", logging.INFO, __file__, 1,
                                   "new %s: unknown", (name,), None)  # fmt: skip
        line = formatter.format(record)
        assert line.startswith("INFO provenance.watchers.daemon: new /jobs/sh010/")
        assert line.isprintable(), repr(line)  # no newline, ESC, CSI, CR or backspace


def test_the_command_lines_log_lines_are_plain_log_lines() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import logging; from provenance.cli.group import cli;"
         "cli.main(['config', 'show'], standalone_mode=False);"
         "logging.getLogger('provenance').warning('cannot read %s', 'a\\x1b[2Jb')"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert done.stderr == "WARNING provenance: cannot read a\\x1b[2Jb\n"
