"""Coercing values from a TOML file or the environment into settings, with errors for people.

Each coercer takes what the file or the environment gave and returns the
setting's type, or raises ``ValueError`` saying what was expected; the loader
names the setting and the file around it.
"""

from __future__ import annotations

import os
import re

from provenance.settings.model import WATCH_MODES, FolderRule, WatchRootConfig
from provenance.settings.tables import (
    MAX_DAYS,
    as_categories,
    as_days,
    keyed_table,
    optional_string,
)


def as_int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypeError(f"expected a whole number, got {value!r}")
    number = int(value)
    if number < 0:
        raise ValueError(f"expected a number >= 0, got {number}")
    return number


def _at_most(value: object, most: int, unit: str) -> int:
    """A whole number from 0 to ``most``; ``unit`` follows ``most`` in the refusal."""
    number = as_int(value)
    if number > most:
        raise ValueError(f"expected at most {most:,}{unit}, got {number:,}")
    return number


def as_day_count(value: object) -> int:
    """A whole number of days (from the file or the environment), at most ``MAX_DAYS``."""
    return _at_most(value, MAX_DAYS, " days")


MAX_WORKERS = 1024
"""More than any workstation's cores: each worker is a process (or a thread beside a
guarded process), so a slip of the keyboard (``workers = 80000``) could start a
process for every task a large package queues."""


def as_worker_count(value: object) -> int:
    """How many workers (0: one per CPU core), at most :data:`MAX_WORKERS`."""
    return _at_most(value, MAX_WORKERS, " (0 means one per core)")


MAX_WORKER_MEMORY_MB = 16 * 1024 * 1024
"""16 TiB: past any machine's memory, and (in bytes) well inside the C ``long`` that
``setrlimit`` takes; a larger limit made every worker fail as it started."""


def as_megabytes(value: object) -> int:
    """A whole number of megabytes (0: no limit), at most :data:`MAX_WORKER_MEMORY_MB`."""
    return _at_most(value, MAX_WORKER_MEMORY_MB, " (16 TiB; 0 means no limit)")


def as_bool(value: object) -> bool:
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


def as_str(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise TypeError(f"expected a non-empty string, got {value!r}")
    return value


def as_regex(value: object) -> str:
    """A regular expression, checked to compile (kept as text: settings are plain data)."""
    text = as_str(value)
    try:
        re.compile(text)
    except re.error as exc:
        raise ValueError(f"not a regular expression: {exc}") from exc
    return text


def as_seconds(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TypeError(f"expected a number of seconds, got {value!r}")
    number = float(value)
    if not number >= 0 or number == float("inf"):
        raise ValueError(f"expected seconds >= 0, got {value!r}")
    return number


def as_optional_text(value: object) -> str | None:
    """Text such as a token or a header name, or None when empty."""
    return optional_string(value, "text")


def as_optional_path(value: object) -> str | None:
    return optional_string(value, "a file path")


def as_patterns(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(p for p in value.split(os.pathsep) if p)
    if not isinstance(value, (list, tuple)) or not all(isinstance(p, str) for p in value):
        raise TypeError(f"expected a list of patterns, got {value!r}")
    return tuple(value)


def as_rules(value: object) -> tuple[FolderRule, ...]:
    if not isinstance(value, (list, tuple)):
        raise TypeError("expected [[folder_rules]] tables")
    return tuple(as_rule(i, item) for i, item in enumerate(value))


def as_rule(index: int, item: object) -> FolderRule:
    if isinstance(item, FolderRule):
        return item
    keys = {"glob", "verdict", "tool", "note", "ttl_days", "needs"}
    item = keyed_table(item, f"folder_rules[{index}]", keys)
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


def as_watch_roots(value: object) -> tuple[WatchRootConfig, ...]:
    if not isinstance(value, (list, tuple)):
        raise TypeError("expected [[watch]] tables")
    return tuple(as_watch_root(i, item) for i, item in enumerate(value))


def as_watch_root(index: int, item: object) -> WatchRootConfig:
    if isinstance(item, WatchRootConfig):
        return item
    item = keyed_table(item, f"watch[{index}]", {"path", "mode", "interval", "settle", "ignore"})
    path, mode = item.get("path"), item.get("mode", "auto")
    if not isinstance(path, str) or not path:
        raise ValueError(f"watch[{index}].path must be a non-empty string")
    if mode not in WATCH_MODES:
        raise ValueError(f"watch[{index}].mode must be auto, native or polling")
    seconds = {k: as_seconds(item[k]) for k in ("interval", "settle") if item.get(k) is not None}
    ignore = as_patterns(item.get("ignore", ()))
    return WatchRootConfig(path=path, mode=mode, ignore=ignore, **seconds)
