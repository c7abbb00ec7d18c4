"""Fixtures for the web view: the demo show (each backend), its app, a client.

The demo is built once a test module and backend, and each test gets it as it
was built (:mod:`tests.support.scenes`), through a ledger connection of its own.
"""

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
from tests.support.scenes import Kept, kept_scene, reopened, scene_ledger
from tests.web.demo import Demo, build_demo, make_app


def _built_demo(url: str, folder: Path) -> Demo:
    with scene_ledger(url) as ledger:
        return build_demo(ledger, Settings(db=url, workers=2), folder / "work")


kept_demo = kept_scene("kept_demo", _built_demo)  # built once a test module and backend


@pytest.fixture
def demo(kept_demo: Kept[Demo], monkeypatch: pytest.MonkeyPatch) -> Iterator[Demo]:
    """The demo show, scanned, approved, expiring and audited, once per backend."""
    yield from reopened(kept_demo, monkeypatch)


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
