"""On PostgreSQL the web view reads as the reader role: every page works, no write gets through.

The roles are applied to the demo ledger as ``provenance db roles`` applies
them; the view then connects as a login in the reader role (the ``web_db``
setting), or as the tables' owner taking the reader role with ``SET ROLE``
(``web_db_role``), read-only transactions on top in both cases.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from flask import Flask
from PIL import Image
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from provenance.cli import cli
from provenance.errors import ConfigError, ProvenanceError
from provenance.settings import Settings
from provenance.store import Ledger
from provenance.web.guard import Guard
from tests.support.factories import observation
from tests.support.pg_roles import RoleLogins, role_logins
from tests.support.serving import serve_nothing
from tests.web.demo import SHOW, Demo, build_demo, make_app

ORIGIN = {"Origin": "http://localhost"}


@pytest.fixture
def guarded(pg_schema_url: str, tmp_path: Path) -> Iterator[tuple[Demo, RoleLogins]]:
    """The demo show in a PostgreSQL ledger guarded by the shipped roles, with their logins."""
    Ledger.init(pg_schema_url)[0].close()
    with Ledger(pg_schema_url, actor="tester", host="testhost") as owner:
        demo = build_demo(owner, Settings(db=pg_schema_url, workers=2), tmp_path / "work")
        with role_logins(pg_schema_url) as logins:
            yield demo, logins


@pytest.fixture(params=["reader login", "set role"])
def as_reader(
    request: pytest.FixtureRequest, guarded: tuple[Demo, RoleLogins]
) -> Iterator[tuple[Demo, Ledger]]:
    """The demo ledger opened as `provenance serve` opens it with each setting."""
    demo, logins = guarded
    if request.param == "reader login":  # web_db: a login in the reader role
        url, role = logins.urls["reader"], None
    else:  # web_db_role: the owner's login takes the reader role
        url, role = demo.ledger.url, logins.groups["reader"]
    with Ledger(url, host=demo.ledger.host, read_only=True, role=role) as reader:
        yield dataclasses.replace(demo, ledger=reader), reader


@pytest.fixture
def app(as_reader: tuple[Demo, Ledger], tmp_path: Path) -> Flask:
    demo, _ = as_reader
    return make_app(demo, Guard.for_host("127.0.0.1", None, None), tmp_path / "thumbs")


def test_the_view_connects_as_the_reader_role(
    as_reader: tuple[Demo, Ledger], guarded: tuple[Demo, RoleLogins]
) -> None:
    _, reader = as_reader
    with reader._engine.connect() as conn:
        user = conn.execute(text("SELECT current_user")).scalar_one()
        member = conn.execute(
            text("SELECT pg_has_role(current_user, :r, 'MEMBER')"),
            {"r": guarded[1].groups["reader"]},
        ).scalar_one()
    assert member and user != "postgres"


def test_every_page_works_as_the_reader(app: Flask, as_reader: tuple[Demo, Ledger]) -> None:
    demo, _ = as_reader
    client = app.test_client()
    pages = [
        "/", "/?q=sh010&view=grid", f"/?show={SHOW}&verdict=genai",
        "/?tool=automatic1111&status=temporary",
        f"/?hash={demo.generated[:8]}", f"/asset/{demo.generated}", f"/asset/{demo.copy}",
        f"/asset/{demo.approved}", f"/sequence/{demo.frames[0]}", f"/thumb/{demo.plate}.jpg",
        f"/document/{demo.document}", "/shows", f"/show?name={quote(SHOW)}",
        f"/show/{quote(SHOW)}", f"/show/{quote(SHOW)}/disclosure", "/drop",
        f"/lookup/{demo.generated}", f"/lookup/{'0' * 64}",
    ]  # fmt: skip
    for page in pages:
        answer = client.get(page)
        assert answer.status_code in (200, 302), (page, answer.status_code)
    assert demo.generated in client.get(f"/lookup/{demo.generated}").get_data(as_text=True)
    picture = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 30, 10)).save(picture, "PNG")
    data = {"file": (io.BytesIO(picture.getvalue()), "unknown.png")}
    assert app.test_client().post("/compare", data=data, headers=ORIGIN).status_code == 200


def test_a_write_as_the_reader_is_refused_by_the_server(
    as_reader: tuple[Demo, Ledger], guarded: tuple[Demo, RoleLogins]
) -> None:
    _, reader = as_reader
    before = reader.assets.totals()
    with pytest.raises((ProvenanceError, DBAPIError), match="read-only"):
        reader.record([observation("reader", "/tmp/never.png")])
    # The role itself refuses, with the read-only transaction out of the way.
    with reader._engine.connect() as conn, pytest.raises(DBAPIError, match="permission denied"):
        conn.exec_driver_sql("SET TRANSACTION READ WRITE")
        conn.exec_driver_sql("UPDATE assets SET status = 'approved'")
    assert reader.assets.totals() == before


def test_a_role_the_login_may_not_take_is_refused(guarded: tuple[Demo, RoleLogins]) -> None:
    _, logins = guarded
    with pytest.raises(ProvenanceError, match=r"permission denied|must be able to SET ROLE"):
        Ledger.existing(logins.urls["reader"], read_only=True, role=logins.groups["approver"])


def test_a_role_is_for_postgresql_only(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/ledger.sqlite3"
    Ledger(url).close()
    with pytest.raises(ConfigError, match="PostgreSQL ledgers only"):
        Ledger.existing(url, read_only=True, role="provenance_reader")


def _serve(args: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[str, Flask]:
    """Run `provenance serve` until waitress would start; its output and the app it was given."""
    served = serve_nothing(monkeypatch)
    result = CliRunner().invoke(cli, ["serve", *args])
    assert result.exit_code == 0, result.output
    return result.output, served["app"]


def _config(folder: Path, toml: str) -> str:
    config = folder / "provenance.toml"
    config.write_text(toml + "\n")
    return str(config)


def test_serve_connects_with_the_web_db_setting(
    guarded: tuple[Demo, RoleLogins], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo, logins = guarded
    config = _config(tmp_path, f'db = "{demo.ledger.url}"\nweb_db = "{logins.urls["reader"]}"')
    output, app = _serve(["--config", config], monkeypatch)
    assert f"{logins.logins['reader']}@" in output  # the reader's login, not the owner's
    assert app.test_client().get(f"/asset/{demo.generated}").status_code == 200


def test_serve_takes_the_web_db_role(
    guarded: tuple[Demo, RoleLogins], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo, logins = guarded
    config = _config(tmp_path, f'web_db_role = "{logins.groups["reader"]}"')
    output, app = _serve(["--config", config, "--db", demo.ledger.url], monkeypatch)
    assert "read-only at http://127.0.0.1:8750/" in output
    assert app.test_client().get(f"/show/{quote(SHOW)}").status_code == 200
    monkeypatch.setenv("PROVENANCE_WEB_DB_ROLE", logins.groups["approver"])
    refused = CliRunner().invoke(cli, ["serve", "--db", logins.urls["reader"]])
    assert refused.exit_code == 2 and refused.output.startswith("Error: ")


def test_a_web_db_role_that_does_not_exist_is_one_error_line(
    pg_schema_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A mistyped role: SET ROLE's "invalid parameter value" was a traceback and exit 1."""
    Ledger.init(pg_schema_url)[0].close()
    serve_nothing(monkeypatch)
    config = _config(tmp_path, 'web_db_role = "provenance_raeder; x"')
    result = CliRunner().invoke(cli, ["serve", "--config", config, "--db", pg_schema_url])
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        "Error: database role 'provenance_raeder; x' does not exist: web_db_role. create it"
        " (`provenance db roles`, docs/POSTGRES_ROLES.md) or fix the setting"
    ]
