"""Loading settings: defaults, then the TOML file, then the environment, then the command line.

:func:`load_settings` returns the settings and, for ``provenance config show``,
where each value came from.
"""

from __future__ import annotations

import dataclasses
import os
import re
import stat
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from provenance.errors import ConfigError
from provenance.settings.coerce import (
    as_bool,
    as_day_count,
    as_int,
    as_megabytes,
    as_optional_path,
    as_optional_text,
    as_patterns,
    as_regex,
    as_rules,
    as_seconds,
    as_str,
    as_watch_roots,
    as_worker_count,
)
from provenance.settings.model import (
    CONFIG_ENV,
    ENV_PREFIX,
    LoadedSettings,
    Settings,
    default_config_path,
)
from provenance.settings.tables import (
    as_approved_tools,
    as_names,
    as_optional_name,
    as_shows,
    as_watchlists,
)
from provenance.util.file_kinds import kind_of, mode_of
from provenance.util.spelling import did_you_mean


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
        if (problem := _not_a_file(config)) is not None:
            raise ConfigError(
                f"settings file {problem}", where=config, fix="check the --config path"
            )
        return config
    if env.get(CONFIG_ENV):
        named = Path(env[CONFIG_ENV])
        if (problem := _not_a_file(named)) is not None:
            raise ConfigError(
                f"settings file named by {CONFIG_ENV} {problem}", where=named, fix="fix or unset it"
            )
        return named
    fallback = default_config_path()
    return fallback if fallback.is_file() else None


def _not_a_file(path: Path) -> str | None:
    """Why ``path`` is no settings file (missing, or a FIFO, a folder...), else None."""
    mode = mode_of(path)
    if mode is None:
        return "not found"
    return None if stat.S_ISREG(mode) else f"is {kind_of(mode)}, not a file"


TOO_DEEP = "invalid TOML (arrays or tables nested too deeply to read)"


def _read_toml(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as stream:
            data = tomllib.load(stream)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML ({exc})", where=path, fix="fix the syntax") from exc
    except RecursionError as exc:  # tomllib recurses into each nested array or table
        raise ConfigError(TOO_DEEP, where=path, fix="fix the syntax") from exc
    except UnicodeDecodeError as exc:
        # TOML is UTF-8 by definition; tomllib decodes the bytes itself and
        # lets a file in another encoding (a Latin-1 note, a UTF-16 editor's
        # save) through as this, not as a TOMLDecodeError.
        raise ConfigError(
            f"settings file is not UTF-8 text ({exc.reason} at byte {exc.start})",
            where=path,
            fix="save it as UTF-8",
        ) from exc
    except OSError as exc:
        raise ConfigError(f"cannot read settings ({exc.strerror})", where=path) from exc
    holding_nul = next((key for key, value in data.items() if _holds_nul(value)), None)
    if holding_nul is not None:
        raise ConfigError(
            f"setting '{holding_nul}' holds a NUL character (\\u0000)",
            where=path,
            fix="remove it: no name, path or pattern can hold one",
        )
    known = {f.name for f in dataclasses.fields(Settings)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(
            f"unknown setting '{unknown[0]}'{did_you_mean(unknown[0], known)}",
            where=path,
            fix=f"known settings are: {', '.join(sorted(known))}",
        )
    return data


def _holds_nul(value: object) -> bool:
    """Whether a TOML value holds a NUL character anywhere (keys of its tables too).

    TOML lets ``\\u0000`` into any string. No file system allows one in a
    name, and PostgreSQL's text cannot store one: a show's root holding one
    made every query of that show fail in the database driver.
    """
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


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
        raise ConfigError(
            f"bad value for '{name}' ({exc})",
            where=where,
            fix=f"correct it; `provenance config show` explains '{name}' and its default",
        ) from exc


# Set in the file only, never from the environment.
_TABLES = frozenset({"folder_rules", "watch", "watchlists", "approved_tools", "shows"})

_COERCERS: dict[str, Any] = {
    "db": as_str,
    "workers": as_worker_count,
    "detector_seconds": as_seconds,
    "worker_memory_mb": as_megabytes,
    "batch_size": as_int,
    "ignore": as_patterns,
    "follow_symlinks": as_bool,
    "folder_rules": as_rules,
    "c2pa_trust_anchors": as_optional_path,
    "watch": as_watch_roots,
    "watch_reconcile_interval": as_seconds,
    "watch_poll_interval": as_seconds,
    "watch_settle": as_seconds,
    "watch_network_settle": as_seconds,
    "watch_delete_delay": as_seconds,
    "watch_queue_size": as_int,
    "watch_heartbeat": as_seconds,
    "genai_ttl_days": as_day_count,
    "watchlists": as_watchlists,
    "approved_tools": as_approved_tools,
    "shows": as_shows,
    "shot_pattern": as_regex,
    "guidance": as_str,
    "web_token": as_optional_text,
    "web_auth_header": as_optional_text,
    "web_db": as_optional_text,
    "web_db_role": as_optional_name,
    "approvers": as_names,
    "approver_db_role": as_optional_name,
    "machine_key": as_optional_path,
    "trusted_machines": as_optional_path,
    "allowed_signers": as_optional_path,
    "quarantine_dir": as_optional_path,
    "policy": as_optional_path,
}


SECRETS = frozenset({"web_token"})
HIDDEN = "(set; not shown)"
_PASSWORD = re.compile(r"(?<=://)([^:/@]*):[^@/]*@")


def settings_as_dict(settings: Settings) -> dict[str, object]:
    """JSON-ready view of the settings (folder rules as tables), secrets hidden.

    It is printed (``config show``) and pasted into tickets: a token is shown
    only as set or not, and a database URL without its password.
    """
    out: dict[str, object] = {}
    for f in dataclasses.fields(Settings):
        value = getattr(settings, f.name)
        if f.name in SECRETS and value is not None:
            value = HIDDEN
        elif f.name in ("db", "web_db") and isinstance(value, str):
            value = _PASSWORD.sub(r"\1:***@", value)
        elif f.name in _TABLES:
            value = [_table(item) for item in value]
        elif isinstance(value, tuple):
            value = list(value)
        out[f.name] = value
    return out


def _table(item: Any) -> dict[str, object]:
    table = dataclasses.asdict(item)
    return {k: list(v) if isinstance(v, tuple) else v for k, v in table.items()}
