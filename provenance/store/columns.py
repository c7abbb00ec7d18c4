"""How the ledger's columns hold what Python holds, and the base every table derives from.

A time is stored as UTC on every backend (:class:`UTCDateTime`), a path
losslessly even when its name is not UTF-8 (:class:`PathText`), and free
text as people are shown it (:class:`ShownText`). :class:`Base` is the
declarative base of the ledger's tables, in :mod:`provenance.store.models`
and :mod:`provenance.store.likeness_models`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Text, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase

from provenance.util.names import from_stored, shown, to_stored


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Store UTC; naive values are taken to be UTC already."""
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Hand back aware UTC datetimes."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class PathText(TypeDecorator[str]):
    """A file path, stored losslessly even when its name is not UTF-8.

    See :mod:`provenance.util.names`: a name Python holds with lone
    surrogates is stored with each one marked, and read back as it was.
    Comparisons and prefix searches go through the same encoding, so a
    path is found by the ``str`` that names it.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        """The stored form."""
        return None if value is None else to_stored(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        """The path as Python names it."""
        return None if value is None else from_stored(value)


class ShownText(TypeDecorator[str]):
    """Free text (a reason, a prompt, a note) that may quote a file name.

    A name that is not UTF-8 is stored as people are shown it (``\\xNN``, see
    :mod:`provenance.util.names`): the text is for reading, and the exact
    name is kept where paths are (:class:`PathText`).
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        """The text as shown."""
        return None if value is None else shown(value)


class Base(DeclarativeBase):
    """Declarative base of the ledger's models."""
