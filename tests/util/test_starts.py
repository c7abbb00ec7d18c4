"""Worker processes never start while OpenCV's folder is on ``sys.path`` (util/starts)."""

from __future__ import annotations

import json
import multiprocessing
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.process import BaseProcess
from pathlib import Path

import pytest

from provenance.likeness.fingerprint import new_process_pool
from provenance.util import starts
from provenance.util.guard import Budget, GuardedPool
from provenance.util.workpool import OrderedPool, processes_available
from tests.support import guarded_work as work

ROOT = Path(__file__).resolve().parents[2]

# A fresh interpreter: one thread imports OpenCV (through the package) while the main
# thread starts processes as fast as it can; each child exits 1 if OpenCV's folder is on
# its path. An audit hook notes every import made while that folder is on the path, and
# whether the importing thread held the start lock.
RACE = """
import json, sys, threading
from pathlib import Path
from provenance.util import starts
from tests.support.guarded_work import path_is_clean

imports = []
def hook(event, args):
    if event == "import" and any(Path(p).name == "cv2" for p in sys.path):
        imports.append(starts.STARTING._is_owned())
sys.addaudithook(hook)

context = starts.context("forkserver")
first = context.Process(target=path_is_clean)
first.start()
first.join()
done = threading.Event()
def load():
    import provenance.likeness.opencv
    done.set()
threading.Thread(target=load).start()
children = []
while not done.is_set():
    child = context.Process(target=path_is_clean)
    child.start()
    children.append(child)
for child in children:
    child.join()
print(json.dumps({
    "children": len(children),
    "polluted_children": sum(child.exitcode != 0 for child in children),
    "imports_on_the_altered_path": len(imports),
    "without_the_lock": imports.count(False),
}))
"""


def test_opencv_loads_holding_the_lock_and_no_child_sees_its_path() -> None:
    command = [sys.executable, "-c", RACE]
    done = subprocess.run(
        command, check=False, cwd=ROOT, capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout)
    assert seen["imports_on_the_altered_path"] > 0  # the hazard happened in this run
    assert seen["without_the_lock"] == 0
    assert seen["polluted_children"] == 0


@pytest.fixture
def starts_seen(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bool]]:
    """Whether :data:`starts.STARTING` was held at each process start, in this process."""
    held: list[bool] = []
    original: Callable[[BaseProcess], None] = BaseProcess.start

    def start(process: BaseProcess) -> None:
        held.append(starts.STARTING._is_owned())  # type: ignore[attr-defined]
        original(process)

    monkeypatch.setattr(BaseProcess, "start", start)
    yield held


@pytest.mark.parametrize("method", multiprocessing.get_all_start_methods())
def test_every_method_starts_holding_the_lock(method: str, starts_seen: list[bool]) -> None:
    process = starts.context(method).Process(target=work.pid)
    process.start()
    process.join()
    assert process.exitcode == 0
    assert starts_seen == [True]


def test_an_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot find context for 'threads'"):
        starts.context("threads")


def test_the_guarded_workers_start_holding_the_lock(starts_seen: list[bool]) -> None:
    pool = GuardedPool(1, Budget())
    try:
        assert pool.run(work.echo, 1) == 1
    finally:
        pool.close()
    assert starts_seen == [True]


def test_the_likeness_workers_start_holding_the_lock(starts_seen: list[bool]) -> None:
    pool: ProcessPoolExecutor = new_process_pool(1)
    with pool:
        assert pool.submit(work.echo, 1).result(timeout=120) == 1
    assert starts_seen == [True]


@pytest.mark.skipif(not processes_available(), reason="forked workers are Linux-only")
def test_the_ordered_pools_workers_start_holding_the_lock(starts_seen: list[bool]) -> None:
    with OrderedPool(
        work.doubled, range(8), 2, on_crash=lambda n: -1, window=8, chunk=1, processes=True
    ) as pool:
        assert list(pool) == [n * 2 for n in range(8)]
    assert starts_seen and all(starts_seen)


def test_the_package_imports_opencv_and_starts_processes_one_way_only() -> None:
    package = ROOT / "provenance"
    direct = {
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() in ("import cv2", "import cv2  # noqa: PLC0415")
        or "multiprocessing.get_context(" in line
    }
    assert direct == {"likeness/opencv.py"}
