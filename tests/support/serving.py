"""``provenance serve`` without a server: the app and options it would have served with."""

from __future__ import annotations

from typing import Any

import pytest


class StoppedServer:
    """A server bound as asked, then stopped with Ctrl-C as soon as it runs."""

    def __init__(self, served: dict[str, Any]) -> None:
        self.served = served

    def run(self) -> None:
        """Ctrl-C, at once."""
        raise KeyboardInterrupt

    def close(self) -> None:
        """Say it was closed."""
        self.served["closed"] = True


def serve_nothing(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Make ``serve`` create a :class:`StoppedServer`; returns what it was given (``app`` and
    the options), filled in when the command runs."""
    import waitress.server

    served: dict[str, Any] = {}

    def create_server(app: object, **options: object) -> StoppedServer:
        served.update(options, app=app)
        return StoppedServer(served)

    monkeypatch.setattr(waitress.server, "create_server", create_server)
    return served
