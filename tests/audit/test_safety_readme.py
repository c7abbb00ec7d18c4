"""The README's safety section states the limits the code enforces (the behaviour is tested
where each limit is; this keeps the words and the numbers in step)."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from provenance.audit.listing import NESTED_DEPTH
from provenance.cli.signals import HANDLED
from provenance.files import archives
from provenance.files.scratch import PREFIX
from provenance.files.walk import PATH_MAX

README = Path(__file__).resolve().parents[2] / "README.md"
TITLE = "## Safety: what the gate refuses to trust"


def safety_section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(TITLE)
    assert text.index("## Exit codes and errors") > start
    return " ".join(text[start : text.index("\n## ", start + 1)].split())


@pytest.mark.parametrize(
    "claim",
    [
        "cannot list folder: Permission denied: not audited",
        f"down to {NESTED_DEPTH} levels",
        f"nested archive beyond depth {NESTED_DEPTH}, not opened",
        f"{archives.MAX_MEMBERS:,} members",
        f"at most {archives.MAX_TOTAL_BYTES // 1024**3} GiB",
        f"at least {archives.MIN_RESERVE // 1024**3} GiB is left free",
        f"capped at {archives.MAX_INDEX_BYTES // 1024**2} MiB",
        "free space less a tenth",  # unpack_limit, tested in tests/files/test_archives.py
        f"{PREFIX}*",
        *(signal.Signals(s).name for s in HANDLED),
    ],
)
def test_the_safety_section_states_the_rule(claim: str) -> None:
    assert claim in safety_section()


def test_path_max_is_the_systems() -> None:
    if PATH_MAX == 4096:
        assert "PATH_MAX, 4096 bytes on Linux" in safety_section()
