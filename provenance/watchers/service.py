"""Running ``provenance watch`` as a service of the user's session.

The templates ship in ``provenance/watchers/service/``: a systemd user unit
for Linux and a launchd agent for macOS. :func:`render` fills in the Python
that runs provenance, the settings file and the ledger URL;
``provenance service install`` writes the result where the service manager
looks. Both restart the daemon when it exits non-zero, which is what it does
when it cannot recover; both stop it with SIGTERM, which drains its queue.

The unit can hold a ledger URL with a password, so it is written readable
by its owner only.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal
from xml.sax.saxutils import escape

import platformdirs

from provenance.errors import OutputNotWritable

ServiceKind = Literal["systemd", "launchd"]
SERVICE_KINDS: tuple[ServiceKind, ...] = ("systemd", "launchd")

SYSTEMD_NAME = "provenance-watch.service"
LAUNCHD_NAME = "org.provenance.watch.plist"


@dataclass(frozen=True)
class ServiceUnit:
    """A rendered service definition, where it goes, and what to run next."""

    kind: ServiceKind
    text: str
    path: Path
    next_steps: str


def default_kind() -> ServiceKind:
    """launchd on macOS, systemd elsewhere."""
    return "launchd" if sys.platform == "darwin" else "systemd"


def watch_command(python: str, config: Path | None) -> list[str]:
    """The command line the service runs."""
    command = [python, "-m", "provenance", "watch", "--log-format", "json"]
    if config is not None:
        command += ["--config", str(config.absolute())]
    return command


def render(
    kind: ServiceKind, python: str, config: Path | None = None, db: str | None = None
) -> ServiceUnit:
    """The unit (systemd) or agent (launchd) running ``provenance watch``."""
    command = watch_command(python, config)
    env = {"PROVENANCE_DB": db} if db else {}
    return _systemd(command, env) if kind == "systemd" else _launchd(command, env)


def install(unit: ServiceUnit) -> Path:
    """Write the unit where its service manager looks (owner-only); returns the path."""
    try:
        unit.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(unit.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            stream.write(unit.text)
        unit.path.chmod(0o600)
    except OSError as exc:
        raise OutputNotWritable(
            f"cannot write the service ({exc.strerror or exc})",
            where=unit.path,
            fix="make that folder writable, or write the unit yourself from `provenance service"
            " install --print`",
        ) from exc
    return unit.path


def _template(name: str) -> str:
    return resources.files("provenance.watchers").joinpath("service", name).read_text("utf-8")


def _systemd(command: list[str], env: dict[str, str]) -> ServiceUnit:
    text = _template(SYSTEMD_NAME)
    text = text.replace("@EXEC_START@", " ".join(_systemd_quote(arg) for arg in command))
    lines = [f"Environment={_systemd_quote(f'{k}={v}')}" for k, v in env.items()]
    text = text.replace("@ENVIRONMENT@\n", "".join(line + "\n" for line in lines))
    path = Path(platformdirs.user_config_dir("systemd", appauthor=False)) / "user" / SYSTEMD_NAME
    steps = (
        "systemctl --user daemon-reload && systemctl --user enable --now provenance-watch\n"
        'loginctl enable-linger "$USER"   # keep watching without a login session\n'
        "journalctl --user -u provenance-watch -f   # follow its log"
    )
    return ServiceUnit("systemd", text, path, steps)


def _systemd_quote(arg: str) -> str:
    # systemd expands % specifiers and $ variables even inside quotes.
    escaped = arg.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%").replace("$", "$$")
    return f'"{escaped}"'


def _launchd(command: list[str], env: dict[str, str]) -> ServiceUnit:
    home = Path.home()
    text = _template(LAUNCHD_NAME)
    args = "\n".join(f"    <string>{escape(arg)}</string>" for arg in command)
    pairs = "\n".join(
        f"    <key>{escape(k)}</key>\n    <string>{escape(v)}</string>" for k, v in env.items()
    )
    text = text.replace("@PROGRAM_ARGUMENTS@", args).replace("@ENVIRONMENT@", pairs)
    text = text.replace("@LOG_PATH@", escape(str(home / "Library/Logs/provenance-watch.log")))
    path = home / "Library" / "LaunchAgents" / LAUNCHD_NAME
    steps = f"launchctl bootstrap gui/$(id -u) {path}"
    return ServiceUnit("launchd", text, path, steps)
