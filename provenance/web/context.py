"""What every request of the web view reads: the ledger, the settings, thumbnails, the guard."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from provenance.settings import Settings
from provenance.store import Ledger
from provenance.web.guard import Guard
from provenance.web.thumbs import Thumbnails


@dataclass(frozen=True)
class View:
    """The application's one ledger (read by every request), its settings, thumbnails, guard."""

    ledger: Ledger
    settings: Settings
    thumbnails: Thumbnails
    guard: Guard


def view() -> View:
    """The view of the application answering the current request."""
    found: View = current_app.extensions["provenance"]
    return found
