"""The web view when its SQLite ledger file is deleted, moved or replaced while it serves.

SQLite goes on reading a deleted file through the connections already open,
and a connection opened after the deletion used to create an empty database
at the ledger's path: the read-only view wrote a file, and its pages said
"no such table: assets ... check the database server is running". The view
now says the file is gone on every page, and creates nothing.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from provenance.errors import LedgerUnavailable
from provenance.settings import Settings
from provenance.store import Ledger
from provenance.web.app import create_app
from provenance.web.guard import Guard
from tests.support.factories import fake_sha, observation
from tests.support.pg_cluster import own_cluster

PAGES = ("/", "/?q=plate", "/shows", "/show/show", "/drop")


def _ledger_files(path: Path) -> list[Path]:
    return sorted(path.parent.glob(path.name + "*"))


@pytest.fixture
def ledger_file(tmp_path: Path) -> Path:
    path = tmp_path / "ledger" / "ledger.sqlite3"
    with Ledger(f"sqlite:///{path}", actor="tester", host="h") as ledger:
        ledger.record([observation("plate", "/show/plate.exr")])
    return path


@pytest.fixture
def client(ledger_file: Path, tmp_path: Path) -> Iterator[FlaskClient]:
    url = f"sqlite:///{ledger_file}"
    with Ledger.existing(url, read_only=True) as reader:
        guard = Guard.for_host("127.0.0.1", None, None)
        yield create_app(reader, Settings(db=url), guard, tmp_path / "thumbs").test_client()


def _says_gone(client: FlaskClient, page: str) -> None:
    answer = client.get(page)
    text = answer.get_data(as_text=True)
    assert answer.status_code == 503, (page, text)
    assert "the ledger file was deleted or replaced while in use" in text, text
    assert "no such table" not in text and "database server" not in text


def test_a_deleted_ledger_is_said_gone_and_no_empty_one_is_made(
    client: FlaskClient, ledger_file: Path
) -> None:
    assert "plate.exr" in client.get("/?q=plate").get_data(as_text=True)
    for part in _ledger_files(ledger_file):
        part.unlink()
    for page in PAGES:
        _says_gone(client, page)
    assert client.get("/static/htmx.min.js").status_code == 200  # the error page keeps its style
    assert _ledger_files(ledger_file) == []


def test_a_ledger_moved_away_or_replaced_is_said_gone(
    client: FlaskClient, ledger_file: Path, tmp_path: Path
) -> None:
    assert client.get("/").status_code == 200
    moved = tmp_path / "moved"
    shutil.move(ledger_file.parent, moved)
    _says_gone(client, "/")
    assert not ledger_file.parent.exists()  # nor its folder
    shutil.copytree(moved, ledger_file.parent)  # a copy put back: another file, maybe older
    _says_gone(client, "/?q=plate")


def test_a_read_only_ledger_creates_no_file_where_its_file_was(ledger_file: Path) -> None:
    """Below the view: a connection the read-only ledger opens after the file went."""
    with Ledger.existing(f"sqlite:///{ledger_file}", read_only=True) as reader:
        assert reader.assets.totals()
        reader.close()  # every connection goes; the next read opens a new one
        for part in _ledger_files(ledger_file):
            part.unlink()
        with pytest.raises(LedgerUnavailable):
            reader.assets.totals()
    assert _ledger_files(ledger_file) == []


@pytest.mark.postgres
def test_the_ledgers_server_stopping_and_coming_back(tmp_path: Path) -> None:
    """Its own cluster (the shared server is never stopped): while it is down every page says
    the ledger is unavailable (503, one reason, no traceback); back up, the view answers."""
    with own_cluster() as cluster:
        Ledger.init(cluster.url)[0].close()
        with Ledger(cluster.url) as ledger:
            ledger.record([observation("plate", "/show/plate.exr")])
        with Ledger.existing(cluster.url, read_only=True) as reader:
            guard = Guard.for_host("127.0.0.1", None, None)
            app = create_app(reader, Settings(db=cluster.url), guard, tmp_path / "thumbs")
            client = app.test_client()
            assert "plate.exr" in client.get("/?q=plate").get_data(as_text=True)
            cluster.stop()
            for page in ("/", "/?q=plate", "/show/show", f"/asset/{fake_sha('plate')}"):
                answer = client.get(page)
                text = answer.get_data(as_text=True)
                assert answer.status_code == 503 and "Ledger unavailable" in text, (page, text)
                assert "Connection refused" in text and "Traceback" not in text
            cluster.start()
            assert "plate.exr" in client.get("/?q=plate").get_data(as_text=True)
