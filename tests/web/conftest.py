"""Fixtures for the web view: the demo show in a fresh ledger (each backend), its app, a client."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from provenance.settings import Settings
from provenance.store import Ledger
from provenance.web.guard import Guard
from tests.web.demo import Demo, build_demo, make_app


@pytest.fixture
def demo(ledger: Ledger, settings: Settings, tmp_path: Path) -> Demo:
    """The demo show, scanned, approved, expiring and audited, once per backend."""
    return build_demo(ledger, settings, tmp_path / "work")


@pytest.fixture
def app(demo: Demo, tmp_path: Path) -> Flask:
    """The web view as `provenance serve` starts it by default (loopback, no token)."""
    return make_app(demo, Guard.for_host("127.0.0.1", None, None), tmp_path / "thumbs")


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of the default web view."""
    return app.test_client()
