"""Settings: one frozen object, read from defaults, a TOML file and the environment.

Every setting is declared exactly once, in :class:`Settings`, with its default
and its help text (field metadata). Values are layered, later winning:

1. the declared default;
2. the TOML file (``--config``, ``PROVENANCE_CONFIG``, or ``provenance.toml`` in
   the user's config directory);
3. an environment variable ``PROVENANCE_<NAME>`` (scalars only);
4. a command-line option such as ``--db``.

:func:`load_settings` returns the object and, for ``provenance config show``,
where each value came from. Nothing reads settings from a global: the object
is passed down.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any, Literal

import platformdirs

from provenance.errors import ConfigError
from provenance.settings.tables import (
    ApprovedTool,
    ShowConfig,
    WatchlistConfig,
    as_approved_tools,
    as_categories,
    as_days,
    as_names,
    as_optional_name,
    as_shows,
    as_watchlists,
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
        "Files hashed and classified in parallel (worker processes for `scan` and `audit` on"
        " Linux, threads elsewhere and in `watch`); 0 means one per CPU core.",
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
        10.0, "Seconds between the watch daemon's heartbeats in the ledger (`provenance status`)."
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
    quarantine_dir: str | None = _setting(
        None,
        "Folder that `provenance purge --expired` moves copies into, with a manifest. None: "
        "'quarantine' in the user data directory.",
    )
    policy: str | None = _setting(
        None, "The show's policy file (TOML) for audits; None uses the built-in default policy."
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


def load_settings(
    config: Path | None = None,
    overrides: Mapping[str, object] | None = None,
    environ: Mapping[str, str] | None = None,
) -> LoadedSettings:
    """Build the effective settings from defaults, file, environment and overrides."""
    env = os.environ if environ is None else environ
    path = _config_path(config, env)
    values: dict[str, object] = {}
    sources = {f.name: "default" for f in dataclasses.fields(Settings)}
    if path is not None:
        for name, value in _read_toml(path).items():
            values[name] = value
            sources[name] = f"file {path}"
    for name, value in _from_env(env).items():
        values[name] = value
        sources[name] = f"env {ENV_PREFIX}{name.upper()}"
    for name, value in (overrides or {}).items():
        if value is not None:
            values[name] = value
            sources[name] = "command line"
    return LoadedSettings(_build(values, path), sources, path)


def _config_path(config: Path | None, env: Mapping[str, str]) -> Path | None:
    if config is not None:
        if not config.is_file():
            raise ConfigError(
                "settings file not found", where=config, fix="check the --config path"
            )
        return config
    if env.get(CONFIG_ENV):
        named = Path(env[CONFIG_ENV])
        if not named.is_file():
            raise ConfigError(
                f"settings file named by {CONFIG_ENV} not found", where=named, fix="fix or unset it"
            )
        return named
    fallback = default_config_path()
    return fallback if fallback.is_file() else None


def _read_toml(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as stream:
            data = tomllib.load(stream)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML ({exc})", where=path, fix="fix the syntax") from exc
    except OSError as exc:
        raise ConfigError(f"cannot read settings ({exc.strerror})", where=path) from exc
    known = {f.name for f in dataclasses.fields(Settings)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(
            f"unknown setting '{unknown[0]}'",
            where=path,
            fix=f"known settings are: {', '.join(sorted(known))}",
        )
    return data


def _from_env(env: Mapping[str, str]) -> dict[str, object]:
    found: dict[str, object] = {}
    for f in dataclasses.fields(Settings):
        key = f"{ENV_PREFIX}{f.name.upper()}"
        if key in env and f.name not in _TABLES:
            found[f.name] = env[key]
    return found


def _build(values: Mapping[str, object], path: Path | None) -> Settings:
    where = str(path) if path else "settings"
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(Settings):
        if f.name in values:
            kwargs[f.name] = _coerce(f.name, values[f.name], where)
    return Settings(**kwargs)


def _coerce(name: str, value: object, where: str) -> object:
    coercer = _COERCERS[name]
    try:
        return coercer(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"bad value for '{name}' ({exc})", where=where) from exc


def _as_int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypeError(f"expected a whole number, got {value!r}")
    number = int(value)
    if number < 0:
        raise ValueError(f"expected a number >= 0, got {number}")
    return number


def _as_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in (
        "1",
        "true",
        "yes",
        "on",
        "0",
        "false",
        "no",
        "off",
    ):
        return value.lower() in ("1", "true", "yes", "on")
    raise TypeError(f"expected true or false, got {value!r}")


def _as_str(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise TypeError(f"expected a non-empty string, got {value!r}")
    return value


def _as_seconds(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TypeError(f"expected a number of seconds, got {value!r}")
    number = float(value)
    if not number >= 0 or number == float("inf"):
        raise ValueError(f"expected seconds >= 0, got {value!r}")
    return number


def _as_optional_path(value: object) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise TypeError(f"expected a file path, got {value!r}")
    return value


def _as_patterns(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(p for p in value.split(os.pathsep) if p)
    if not isinstance(value, (list, tuple)) or not all(isinstance(p, str) for p in value):
        raise TypeError(f"expected a list of patterns, got {value!r}")
    return tuple(value)


def _as_rules(value: object) -> tuple[FolderRule, ...]:
    if not isinstance(value, (list, tuple)):
        raise TypeError("expected [[folder_rules]] tables")
    return tuple(_as_rule(i, item) for i, item in enumerate(value))


def _as_rule(index: int, item: object) -> FolderRule:
    if isinstance(item, FolderRule):
        return item
    if not isinstance(item, dict):
        raise TypeError(f"folder_rules[{index}] must be a table")
    extra = set(item) - {"glob", "verdict", "tool", "note", "ttl_days", "needs"}
    if extra:
        raise ValueError(f"folder_rules[{index}] has unknown key '{sorted(extra)[0]}'")
    verdict = item.get("verdict", "genai")
    if verdict not in ("genai", "not_genai", "unknown"):
        raise ValueError(f"folder_rules[{index}].verdict must be genai, not_genai or unknown")
    glob = item.get("glob")
    if not isinstance(glob, str) or not glob:
        raise ValueError(f"folder_rules[{index}].glob must be a non-empty string")
    tool, note, ttl = item.get("tool"), item.get("note"), item.get("ttl_days")
    return FolderRule(
        glob=glob,
        verdict=verdict,
        tool=str(tool) if tool is not None else None,
        note=str(note) if note is not None else None,
        ttl_days=None if ttl is None else as_days(ttl, f"folder_rules[{index}].ttl_days"),
        needs=as_categories(item.get("needs", ()), f"folder_rules[{index}].needs"),
    )


def _as_watch_roots(value: object) -> tuple[WatchRootConfig, ...]:
    if not isinstance(value, (list, tuple)):
        raise TypeError("expected [[watch]] tables")
    return tuple(_as_watch_root(i, item) for i, item in enumerate(value))


def _as_watch_root(index: int, item: object) -> WatchRootConfig:
    if isinstance(item, WatchRootConfig):
        return item
    if not isinstance(item, dict):
        raise TypeError(f"watch[{index}] must be a table")
    extra = set(item) - {"path", "mode", "interval", "settle", "ignore"}
    if extra:
        raise ValueError(f"watch[{index}] has unknown key '{sorted(extra)[0]}'")
    path, mode = item.get("path"), item.get("mode", "auto")
    if not isinstance(path, str) or not path:
        raise ValueError(f"watch[{index}].path must be a non-empty string")
    if mode not in WATCH_MODES:
        raise ValueError(f"watch[{index}].mode must be auto, native or polling")
    seconds = {k: _as_seconds(item[k]) for k in ("interval", "settle") if item.get(k) is not None}
    ignore = _as_patterns(item.get("ignore", ()))
    return WatchRootConfig(path=path, mode=mode, ignore=ignore, **seconds)


# Set in the file only, never from the environment.
_TABLES = frozenset({"folder_rules", "watch", "watchlists", "approved_tools", "shows"})

_COERCERS: dict[str, Any] = {
    "db": _as_str,
    "workers": _as_int,
    "batch_size": _as_int,
    "ignore": _as_patterns,
    "follow_symlinks": _as_bool,
    "folder_rules": _as_rules,
    "c2pa_trust_anchors": _as_optional_path,
    "watch": _as_watch_roots,
    "watch_reconcile_interval": _as_seconds,
    "watch_poll_interval": _as_seconds,
    "watch_settle": _as_seconds,
    "watch_network_settle": _as_seconds,
    "watch_delete_delay": _as_seconds,
    "watch_queue_size": _as_int,
    "watch_heartbeat": _as_seconds,
    "genai_ttl_days": _as_int,
    "watchlists": as_watchlists,
    "approved_tools": as_approved_tools,
    "shows": as_shows,
    "approvers": as_names,
    "approver_db_role": as_optional_name,
    "quarantine_dir": _as_optional_path,
    "policy": _as_optional_path,
}


def settings_as_dict(settings: Settings) -> dict[str, object]:
    """JSON-ready view of the settings (folder rules as tables)."""
    out: dict[str, object] = {}
    for f in dataclasses.fields(Settings):
        value = getattr(settings, f.name)
        if f.name in _TABLES:
            value = [_table(item) for item in value]
        elif isinstance(value, tuple):
            value = list(value)
        out[f.name] = value
    return out


def _table(item: Any) -> dict[str, object]:
    table = dataclasses.asdict(item)
    return {k: list(v) if isinstance(v, tuple) else v for k, v in table.items()}
