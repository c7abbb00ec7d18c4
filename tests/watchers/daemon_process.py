"""`provenance watch` in a subprocess, as a service manager runs it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from provenance.store import Ledger
from provenance.watchers.status import DaemonStatus, root_rows
from tests.support.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]


def write_config(path: Path, ledger_url: str, roots: list[Path] | None = None) -> Path:
    """A settings file for a quick test daemon (short settle, delays and heartbeat)."""
    lines = [
        f"db = {ledger_url!r}".replace("'", '"'),
        "workers = 2",
        "watch_settle = 0.3",
        "watch_delete_delay = 0.5",
        "watch_heartbeat = 0.5",
        "watch_reconcile_interval = 0",
    ]
    for root in roots or []:
        lines += ["[[watch]]", f'path = "{root}"']
    path.write_text("\n".join(lines) + "\n")
    return path


class DaemonProcess:
    """A ``provenance watch`` subprocess, its stderr captured in a file."""

    def __init__(self, config: Path, *paths: Path, log: Path) -> None:
        command = [sys.executable, "-m", "provenance", "watch", *map(str, paths)]
        self.log = log
        with log.open("ab") as stderr:
            self.process = subprocess.Popen(
                [*command, "--config", str(config), "--log-format", "json"],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )

    def wait_running(self, ledger: Ledger, roots: int = 1) -> None:
        """Wait until its heartbeat says it is running with ``roots`` roots watched."""

        def watching() -> bool:
            self._alive()
            mine = [
                DaemonStatus(d, 0.0) for d in ledger.daemons.list() if d.pid == self.process.pid
            ]
            states = [r.get("state") for r in root_rows(mine[0])] if mine else []
            return len(states) == roots and set(states) == {"watching"}

        wait_for(watching, 60, "the daemon process to watch its roots")

    def signal(self, signum: int) -> None:
        """Send a signal."""
        os.kill(self.process.pid, signum)

    def kill(self) -> None:
        """kill -9, and reap it."""
        self.signal(signal.SIGKILL)
        self.process.wait(30)

    def stop(self) -> int:
        """SIGTERM, and wait for the exit code."""
        if self.process.poll() is None:
            self.signal(signal.SIGTERM)
        return self.process.wait(90)

    def _alive(self) -> None:
        code = self.process.poll()
        assert code is None, f"daemon exited {code}: {self.log.read_text()[-3000:]}"
