"""Who the web view answers, what it refuses, and the headers every answer carries."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from provenance.cli import cli
from provenance.errors import ConfigError
from provenance.web.guard import CONTENT_SECURITY_POLICY, TOKEN_COOKIE, Guard, is_loopback
from tests.support.serving import serve_nothing
from tests.web.demo import SHOW, Demo, make_app


def routes(demo: Demo) -> list[str]:
    return [
        "/",
        "/?view=grid",
        f"/asset/{demo.generated}",
        f"/thumb/{demo.plate}.jpg",
        f"/document/{demo.document}",
        "/shows",
        f"/show/{SHOW}",
        "/drop",
        f"/lookup/{demo.copy}",
        "/static/htmx.min.js",
    ]


def test_every_answer_carries_a_strict_policy(client: FlaskClient, demo: Demo) -> None:
    for url in [*routes(demo), "/nothing-here"]:
        answer = client.get(url)
        policy = answer.headers["Content-Security-Policy"]
        assert policy == CONTENT_SECURITY_POLICY, url
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["X-Frame-Options"] == "DENY"
        answer.close()
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert "'unsafe-eval'" not in CONTENT_SECURITY_POLICY.replace("'wasm-unsafe-eval'", "")
    assert "default-src 'none'" in CONTENT_SECURITY_POLICY


def test_pages_hold_no_inline_script_or_style(client: FlaskClient, demo: Demo) -> None:
    for url in [*routes(demo)[:3], "/shows", f"/show/{SHOW}", "/drop"]:
        page = client.get(url).get_data(as_text=True)
        for tag in ("<script>", "<style", " style=", " onclick=", " onload=", "javascript:"):
            assert tag not in page, (url, tag)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_nothing_writes(client: FlaskClient, demo: Demo, method: str) -> None:
    before = demo.ledger.assets.totals()
    for url in routes(demo):
        answer = getattr(client, method)(url, data={"status": "approved"})
        assert answer.status_code == 405, (method, url)
        assert answer.headers["Allow"] == "GET, HEAD"
    assert demo.ledger.assets.totals() == before


def test_on_loopback_only_local_host_names_are_answered(client: FlaskClient) -> None:
    assert client.get("/", headers={"Host": "localhost:8750"}).status_code == 200
    assert client.get("/", headers={"Host": "[::1]:8750"}).status_code == 200
    # A name rebound to 127.0.0.1 by another site's DNS is refused.
    assert client.get("/", headers={"Host": "evil.example:8750"}).status_code == 421


def test_listening_beyond_loopback_needs_a_way_to_sign_in() -> None:
    with pytest.raises(ConfigError, match="no sign-in"):
        Guard.for_host("0.0.0.0", None, None)
    assert not Guard.for_host("0.0.0.0", "s3cret", None).loopback
    assert Guard.for_host("::1", None, None).loopback
    assert is_loopback("127.0.0.2") and is_loopback("localhost") and not is_loopback("10.0.0.1")


def test_a_token_is_asked_of_every_request_and_kept_in_a_cookie(demo: Demo, tmp_path: Path) -> None:
    app = make_app(demo, Guard.for_host("0.0.0.0", "s3cret", None), tmp_path / "thumbs")
    client = app.test_client()
    assert client.get("/", headers={"Host": "studio.lan"}).status_code == 401
    assert client.get("/?token=wrong").status_code == 401
    first = client.get("/?token=s3cret")
    assert first.status_code == 200
    cookie = first.headers["Set-Cookie"]
    assert (
        f"{TOKEN_COOKIE}=s3cret" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    )
    assert client.get(f"/asset/{demo.generated}").status_code == 200  # the cookie carries it
    bearer = app.test_client().get("/shows", headers={"Authorization": "Bearer s3cret"})
    assert bearer.status_code == 200
    assert app.test_client().post("/?token=s3cret").status_code == 405


@pytest.mark.parametrize(
    ("headers", "secure"),
    [
        ({}, False),
        ({"X-Forwarded-Proto": "https"}, True),
        ({"X-Forwarded-Proto": "HTTPS, http"}, True),
        ({"Forwarded": 'for=10.0.0.9;proto="https";host=provenance.studio'}, True),
        ({"Forwarded": "for=10.0.0.9;proto=http"}, False),
        ({"X-Forwarded-Proto": "http"}, False),
    ],
)
def test_the_token_cookie_is_secure_when_the_browser_came_over_https(
    demo: Demo, tmp_path: Path, headers: dict[str, str], secure: bool
) -> None:
    """Behind a proxy that ends TLS the view sees plain HTTP: the proxy's word that the
    browser used HTTPS marks the cookie Secure, so it is never sent over plain HTTP."""
    app = make_app(demo, Guard.for_host("0.0.0.0", "s3cret", None), tmp_path / "thumbs")
    cookie = app.test_client().get("/?token=s3cret", headers=headers).headers["Set-Cookie"]
    assert ("; Secure" in cookie) is secure, cookie
    over_tls = app.test_client().get("/?token=s3cret", base_url="https://provenance.studio")
    assert "; Secure" in over_tls.headers["Set-Cookie"]


def test_a_reverse_proxys_header_is_required_when_named(demo: Demo, tmp_path: Path) -> None:
    guard = Guard.for_host("0.0.0.0", None, "X-Remote-User")
    client = make_app(demo, guard, tmp_path / "thumbs").test_client()
    assert client.get("/").status_code == 401
    assert client.get("/", headers={"X-Remote-User": "  "}).status_code == 401
    assert client.get("/", headers={"X-Remote-User": "jane"}).status_code == 200


def test_compare_works_behind_a_reverse_proxy_that_speaks_https(demo: Demo, tmp_path: Path) -> None:
    """The proxy ends TLS and forwards plain HTTP with the Host the browser asked for: the
    page's Origin is https://, the view's own address http://. The upload is the view's
    own all the same; another site's, or a page with no origin, is still refused."""
    guard = Guard.for_host("0.0.0.0", None, "X-Remote-User")
    client = make_app(demo, guard, tmp_path / "thumbs").test_client()
    signed_in = {"Host": "provenance.studio", "X-Remote-User": "jane"}
    for origin, status in [("https://provenance.studio", 400), ("http://provenance.studio", 400),
                           ("https://evil.example", 405), ("https://provenance.studio:8443", 405),
                           ("null", 405), ("file://provenance.studio", 405),
                           ("http://", 405)]:  # fmt: skip
        answer = client.post("/compare", data={}, headers={**signed_in, "Origin": origin})
        assert answer.status_code == status, origin  # 400: no file sent, but taken


def test_compare_works_behind_a_proxy_on_this_machine(demo: Demo, tmp_path: Path) -> None:
    """nginx's proxy_pass to 127.0.0.1 addresses the view as 127.0.0.1 (as loopback asks) and
    names the browser's host in X-Forwarded-Host; no other site's page can send that header."""
    guard = Guard.for_host("127.0.0.1", None, "X-Remote-User")
    client = make_app(demo, guard, tmp_path / "thumbs").test_client()
    proxied = {"Host": "127.0.0.1:8750", "X-Forwarded-Host": "provenance.studio",
               "X-Remote-User": "jane"}  # fmt: skip
    for origin, status in [("https://provenance.studio", 400), ("https://evil.example", 405)]:
        answer = client.post("/compare", data={}, headers={**proxied, "Origin": origin})
        assert answer.status_code == status, origin
    alone = {"Host": "127.0.0.1:8750", "Origin": "https://provenance.studio"}
    assert client.post("/compare", data={}, headers=alone).status_code in (401, 405)


def test_serve_refuses_the_network_without_sign_in(ledger_url: str) -> None:
    result = CliRunner().invoke(cli, ["serve", "--db", ledger_url, "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert result.output.startswith("Error: the web view would show the ledger to the network")
    assert "--token" in result.output


def test_serve_prints_the_address_to_open_and_serves_the_app(
    ledger_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    served = serve_nothing(monkeypatch)
    args = ["serve", "--db", ledger_url, "--host", "0.0.0.0", "--port", "9123", "--token", "a b"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "read-only at http://0.0.0.0:9123/?token=a%20b" in result.output
    assert "Stopped." in result.output
    assert served["host"] == "0.0.0.0" and served["port"] == 9123 and served["threads"] == 4
    assert served["closed"]
    client = served["app"].test_client()
    assert client.get("/", headers={"Authorization": "Bearer a b"}).status_code == 200


def test_no_answer_holding_ledger_data_is_kept_by_a_browser_or_proxy(
    client: FlaskClient, demo: Demo
) -> None:
    """Prompts, people's names, paths and consent forms are private: no cache may store them
    (a shared proxy in front of a token, a workstation's disk cache). Thumbnails are kept by
    the browser alone (``private``); the view's own scripts and styles may be cached."""
    kept = {f"/thumb/{demo.plate}.jpg": "private, max-age=86400", "/static/htmx.min.js": "no-cache"}
    for url in [*routes(demo), "/nothing-here", f"/show/{SHOW}/disclosure", "/show?name=x"]:
        answer = client.get(url)
        assert answer.headers.get("Cache-Control") == kept.get(url, "no-store"), url
        answer.close()


def test_serve_listens_on_this_machine_only_by_default(
    ledger_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    served = serve_nothing(monkeypatch)
    result = CliRunner().invoke(cli, ["serve", "--db", ledger_url])
    assert result.exit_code == 0, result.output
    assert served["host"] == "127.0.0.1" and served["port"] == 8750
    assert "read-only at http://127.0.0.1:8750/\n" in result.output  # no token to carry
    client = served["app"].test_client()
    assert client.get("/", headers={"Host": "studio.lan:8750"}).status_code == 421
