"""The :class:`Settings` object: every setting declared once, with its default and help.

Also the two tables the watch daemon and the classifier read (:class:`FolderRule`,
:class:`WatchRootConfig`), and where the defaults live on this machine.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any, Literal

import platformdirs

from provenance.settings.tables import (
    ApprovedTool,
    ShowConfig,
    WatchlistConfig,
)
from provenance.vocab import Category, DeclaredVerdict

APP_NAME = "provenance"
CONFIG_ENV = "PROVENANCE_CONFIG"
ENV_PREFIX = "PROVENANCE_"

WatchMode = Literal["auto", "native", "polling"]
WATCH_MODES: tuple[WatchMode, ...] = ("auto", "native", "polling")

DEFAULT_IGNORE = (
    "*.tmp",
    "*.temp",
    "*.part",
    "*.partial",
    "*.crdownload",
    "*.download",
    "*~",
    "*.swp",
    "*.swo",
    ".#*",
    "#*#",
    "*.lock",
    ".DS_Store",
    "Thumbs.db",
    "desktop.ini",
    "._*",
    "*.autosave",
    "*.nk~",
    "*.bak",
)

# shot010, sh_0040a, SH0040, or a sequence and shot such as ab_010_0040 or SEQ010_SH0040.
DEFAULT_SHOT_PATTERN = (
    r"(?i)(?<![a-z0-9])(?P<shot>(?:[a-z]{2,4}_?\d{2,4}_(?:sh_?)?\d{3,4}"
    r"|sh(?:ot)?_?\d{2,5})[a-z]?)(?![a-z0-9])"
)
DEFAULT_GUIDANCE = "Netflix, Using Generative AI in Content Production (Partner Help Center)"


def default_db_url() -> str:
    """The embedded ledger: a SQLite file in the user's data directory."""
    data_dir = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    return f"sqlite:///{data_dir / 'ledger.sqlite3'}"


def default_config_path() -> Path:
    """Where the settings file is looked for when none is named."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "provenance.toml"


@dataclass(frozen=True)
class FolderRule:
    """Declares the source of everything under a path pattern.

    ``glob`` is matched against the file's absolute POSIX path with
    ``fnmatch`` semantics, where ``*`` also crosses ``/`` (so ``*/genai/*``
    matches any file below any folder named ``genai``).

    ``ttl_days`` overrides ``genai_ttl_days`` for generated files under it;
    ``needs`` lists approval categories everything under it needs (e.g.
    ``*/likeness/*`` needs ``talent-likeness``). A rule meant only to add
    needs or a time to live says ``verdict = "unknown"`` (it declares no source).
    """

    glob: str
    verdict: DeclaredVerdict
    tool: str | None = None
    note: str | None = None
    ttl_days: int | None = None
    needs: tuple[Category, ...] = ()

    def matches(self, path: PurePath) -> bool:
        """True when ``path`` falls under this rule."""
        return fnmatch.fnmatchcase(path.as_posix(), self.glob)


@dataclass(frozen=True)
class WatchRootConfig:
    """A folder the watch daemon watches, from a ``[[watch]]`` table.

    ``mode`` is ``auto`` (native events on local disks, polling on network
    and FUSE mounts, chosen from the mount table), or forces ``native`` or
    ``polling``. ``interval`` (polling only) and ``settle`` override the
    global ``watch_poll_interval`` and ``watch_settle`` /
    ``watch_network_settle``; ``ignore`` adds name patterns to ``ignore``.
    """

    path: str
    mode: WatchMode = "auto"
    interval: float | None = None
    settle: float | None = None
    ignore: tuple[str, ...] = ()


def _setting(default: Any, help: str, **kw: Any) -> Any:
    if isinstance(default, (list, tuple)):
        return field(default=tuple(default), metadata={"help": help, **kw})
    return field(default=default, metadata={"help": help, **kw})


@dataclass(frozen=True)
class Settings:
    """All of provenance's settings. Field metadata ``help`` documents each."""

    db: str = field(
        default_factory=default_db_url,
        metadata={"help": "Ledger database URL: sqlite:///PATH or postgresql+psycopg://..."},
    )
    workers: int = _setting(
        0,
        "Files hashed and classified in parallel (hashed on threads, or forked processes for"
        " `audit` on Linux; their content read in as many guarded worker processes); 0 means"
        " one per CPU core.",
    )
    detector_seconds: float = _setting(
        5.0,
        "Seconds one detector may spend on one file (in `scan`, `classify`, `audit` and `watch`);"
        " past it the worker is stopped and the file is recorded unreadable for that reason. 0:"
        " no limit.",
    )
    worker_memory_mb: int = _setting(
        512,
        "Megabytes of address space each worker that reads file content may use (RLIMIT_AS);"
        " a file that needs more is recorded unreadable for that reason. 0: no limit.",
    )
    batch_size: int = _setting(256, "Files recorded in the ledger per transaction during a scan.")
    ignore: tuple[str, ...] = _setting(
        DEFAULT_IGNORE, "File-name patterns never ingested (temporary, lock and OS files)."
    )
    follow_symlinks: bool = _setting(
        False, "Follow symbolic links to files when scanning (links to folders are never followed)."
    )
    folder_rules: tuple[FolderRule, ...] = _setting(
        (), "Rules declaring the source of everything under a path glob ([[folder_rules]] tables)."
    )
    c2pa_trust_anchors: str | None = _setting(
        None,
        "PEM bundle of root certificates trusted for C2PA signatures (e.g. the studio's CA or the "
        "C2PA trust list); signatures chaining to one are reported 'Trusted'. None trusts no one.",
    )
    watch: tuple[WatchRootConfig, ...] = _setting(
        (),
        "Folders `provenance watch` watches when given none ([[watch]] tables: path, and "
        "optionally mode (auto, native or polling), interval, settle and ignore).",
    )
    watch_reconcile_interval: float = _setting(
        3600.0,
        "Seconds between reconciles of each watched root against the ledger (randomized by "
        "±25%); 0 turns periodic reconciles off (they still run at start and after any loss).",
    )
    watch_poll_interval: float = _setting(
        60.0, "Seconds between polls of a root watched by polling (network and FUSE mounts)."
    )
    watch_settle: float = _setting(
        2.0, "Seconds a file's size and mtime must stay unchanged before it is ingested (local)."
    )
    watch_network_settle: float = _setting(
        60.0, "The same on network and FUSE mounts, whose attribute caches lag (NFS: up to 60 s)."
    )
    watch_delete_delay: float = _setting(
        10.0,
        "Seconds a deleted file waits before it is recorded removed, so that a delete and a "
        "re-create of the same content elsewhere are recorded as one move.",
    )
    watch_queue_size: int = _setting(
        10_000,
        "Most file events waiting in the watch daemon; when full the watcher waits, then "
        "reconciles the root instead (no change is dropped).",
    )
    watch_heartbeat: float = _setting(
        10.0,
        "Seconds between the watch daemon's heartbeats in the ledger (`provenance status`);"
        " a root's change of state (watched, unavailable, reconciled) is published at once,"
        " and files counted (ingested, moved, removed) within 2 seconds.",
    )
    genai_ttl_days: int = _setting(
        30,
        "Days a generated asset stays temporary before it expires, unless approved or replaced "
        "(a folder rule's ttl_days overrides it; `provenance set-expiry` changes one asset's).",
    )
    watchlists: tuple[WatchlistConfig, ...] = _setting(
        (),
        "Prompt-screening lists ([[watchlists]] tables: path of a text file, one term or re:regex "
        "a line, and the approval category a hit needs); matched ignoring case and accents.",
    )
    approved_tools: tuple[ApprovedTool, ...] = _setting(
        (),
        "Tools approved for the production ([[approved_tools]] tables: tool, tier, note); when "
        "any are listed, a generated asset from any other tool is flagged unapproved-tool.",
    )
    shows: tuple[ShowConfig, ...] = _setting(
        (),
        "Titles and where their files live ([[shows]] tables: name, and roots, a list of "
        "absolute folders on any host); `provenance report --show NAME` covers the assets "
        "ever seen under them.",
    )
    shot_pattern: str = _setting(
        DEFAULT_SHOT_PATTERN,
        "Regular expression that finds a file's shot in its name, else in its folders "
        "(deepest first); a group named shot, when present, is the shot. Reports name "
        "generated assets by file name and shot.",
    )
    guidance: str = _setting(
        DEFAULT_GUIDANCE,
        "The studio guidance the disclosure report and the generative-AI use log say they "
        "were prepared following (they are never an official form).",
    )
    approvers: tuple[str, ...] = _setting(
        (),
        "OS user names allowed to record and revoke approvals; anyone else is refused and the "
        "attempt is recorded. Empty: nobody may approve.",
    )
    approver_db_role: str | None = _setting(
        None,
        "PostgreSQL only: a database role whose members alone may approve, checked with "
        "pg_has_role before approving (see docs/POSTGRES_ROLES.md). None: not checked.",
    )
    machine_key: str | None = _setting(
        None,
        "This machine's own Ed25519 key (OpenSSH private key file, mode 0600), created on first "
        "use; it signs the chain checkpoints and the reports this machine writes. None: "
        "'machine_key' next to the settings file, in the user config folder.",
    )
    trusted_machines: str | None = _setting(
        None,
        "An allowed_signers file (git's format) listing the machine keys whose checkpoints "
        "`provenance verify` trusts (principal: the host name, or *). This machine's own key is "
        "always trusted. None: only this machine's.",
    )
    allowed_signers: str | None = _setting(
        None,
        "An allowed_signers file (git's format) of the approvers' SSH keys: an approval or "
        "revocation counts only when signed (SSHSIG, namespace provenance-approval) by a key "
        "listed there for the approval's --approver principal. None: no approval counts.",
    )
    quarantine_dir: str | None = _setting(
        None,
        "Folder that `provenance purge --expired` moves copies into, with a manifest. None: "
        "'quarantine' in the user data directory.",
    )
    policy: str | None = _setting(
        None, "The show's policy file (TOML) for audits; None uses the built-in default policy."
    )
    web_token: str | None = _setting(
        None,
        "A secret that `provenance serve` asks of every browser when it listens beyond this "
        "machine (sent once as ?token=..., then kept in a cookie; or as `Authorization: Bearer`)."
        " None: no token.",
    )
    web_auth_header: str | None = _setting(
        None,
        "The request header that the reverse proxy in front of `provenance serve` sets to the "
        "signed-in user (e.g. X-Remote-User); a request without it is refused. None: not used.",
    )
    web_db: str | None = _setting(
        None,
        "The ledger URL `provenance serve` connects with instead of `db`: on PostgreSQL, a "
        "login that is a member of the reader role (provenance_reader, see "
        "docs/POSTGRES_ROLES.md), so the server itself refuses any write. `serve --db` still "
        "wins. None: `db`.",
    )
    web_db_role: str | None = _setting(
        None,
        "PostgreSQL only: a role `provenance serve` takes with SET ROLE on every connection "
        "(e.g. provenance_reader), for a login that is a member of it but may do more. "
        "None: the login's own role.",
    )

    def effective_workers(self) -> int:
        """``workers`` with 0 resolved to the number of CPU cores."""
        return self.workers if self.workers > 0 else max(1, os.cpu_count() or 1)

    def is_ignored(self, name: str) -> bool:
        """True when a file name matches one of the ignore patterns."""
        return any(fnmatch.fnmatchcase(name, pattern) for pattern in self.ignore)


def settings_help() -> dict[str, str]:
    """Name → help text of every declared setting."""
    return {f.name: str(f.metadata["help"]) for f in dataclasses.fields(Settings)}


@dataclass(frozen=True)
class LoadedSettings:
    """Settings together with where each value came from."""

    settings: Settings
    sources: Mapping[str, str]
    config_path: Path | None
