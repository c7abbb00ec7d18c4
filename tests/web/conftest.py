"""Fixtures for the web view: the demo show in a fresh ledger (each backend), its app, a client."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
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
def app(demo: Demo, tmp_path: Path) -> Iterator[Flask]:
    """The web view as `provenance serve` starts it by default: loopback, no token, and a
    read-only connection to the demo ledger (any write a page attempted would fail)."""
    with Ledger(demo.ledger.url, host=demo.ledger.host, read_only=True) as reader:
        reading = dataclasses.replace(demo, ledger=reader)
        yield make_app(reading, Guard.for_host("127.0.0.1", None, None), tmp_path / "thumbs")


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of the default web view."""
    return app.test_client()
