"""A PostgreSQL cluster of a test's own, on another port, that the test may stop and start.

The shared server (127.0.0.1:5432) is never stopped: a test that needs its
ledger's server to go away makes one here, with ``initdb`` and ``pg_ctl`` run
as the ``postgres`` user (the server refuses to run as root), in a temporary
folder of its own (pytest's ``tmp_path`` lies below folders only root may
enter), removed afterwards. Where the binaries or the user are missing the
test skips, except under ``CI=true``.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

POSTGRES_BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin"))


def _skip(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the own-cluster tests must run)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Cluster:
    """A running cluster: its data folder, port and the ``postgres`` database's URL."""

    data: Path
    port: int
    bin: Path

    @property
    def url(self) -> str:
        """The URL of its ``postgres`` database, as the superuser (trusted)."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.data.parent} -c listen_addresses=127.0.0.1"
        command = [str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-w", *args]
        _as_postgres(command, self.data.parent / "log")

    def start(self) -> None:
        """Start it and wait until it takes connections."""
        self._ctl("-l", str(self.data.parent / "server.log"), "start")

    def stop(self) -> None:
        """Stop it at once (fast shutdown: open connections are ended)."""
        self._ctl("-m", "fast", "stop")


def _as_postgres(command: list[str], log: Path) -> None:
    with log.open("a") as out:
        subprocess.run(["runuser", "-u", "postgres", "--", *command], check=True,
                       stdout=out, stderr=subprocess.STDOUT, timeout=120)  # fmt: skip


@contextmanager
def own_cluster() -> Iterator[Cluster]:
    """A fresh cluster, started; stopped and removed when done."""
    if os.geteuid() != 0 or not POSTGRES_BIN or shutil.which("runuser") is None:
        _skip("an own PostgreSQL cluster needs root, runuser and /usr/lib/postgresql/*/bin")
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        _skip("no postgres user to run a cluster as")
    with tempfile.TemporaryDirectory(prefix="provenance-pg-") as made:
        folder = Path(made)
        shutil.chown(folder, "postgres")
        cluster = Cluster(folder / "data", _free_port(), POSTGRES_BIN[-1])
        _as_postgres([str(cluster.bin / "initdb"), "-D", str(cluster.data), "-A", "trust",
                      "-U", "postgres"], folder / "log")  # fmt: skip
        cluster.start()
        try:
            yield cluster
        finally:
            if (cluster.data / "postmaster.pid").exists():
                cluster.stop()
