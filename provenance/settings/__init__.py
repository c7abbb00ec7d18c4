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

The object and its tables are declared in :mod:`.model`, values are read and
layered by :mod:`.loading` through the coercers of :mod:`.coerce`, and the
lifecycle's tables (watchlists, approved tools, shows) in :mod:`.tables`.
"""

from __future__ import annotations

from provenance.settings.loading import load_settings, settings_as_dict
from provenance.settings.model import (
    APP_NAME,
    WATCH_MODES,
    FolderRule,
    LoadedSettings,
    Settings,
    WatchMode,
    WatchRootConfig,
    default_db_url,
    settings_help,
)

__all__ = [
    "APP_NAME",
    "WATCH_MODES",
    "FolderRule",
    "LoadedSettings",
    "Settings",
    "WatchMode",
    "WatchRootConfig",
    "default_db_url",
    "load_settings",
    "settings_as_dict",
    "settings_help",
]
