"""Who may read the ledger through the web view, and what a browser may do with its pages.

The view is read-only and, by default, answers only this machine (127.0.0.1).
Listening on another address exposes the ledger to the network, so it needs
one of two ways of knowing who asks:

* a **token** (the ``web_token`` setting or ``--token``): the first visit
  carries it as ``?token=...``, the answer sets it in a cookie that scripts
  cannot read and other sites do not send; a script may send
  ``Authorization: Bearer <token>`` instead;
* a **reverse proxy** that signs people in and names them in a header (the
  ``web_auth_header`` setting): a request without that header is refused.

On loopback the ``Host`` header must name this machine too, so a web page
elsewhere cannot reach the view through a DNS name it rebinds to 127.0.0.1.
Every answer carries a strict Content-Security-Policy: scripts only from the
view's own static files (the hasher's WebAssembly compiled from them), no
inline script or style, no frames, nothing sent anywhere else; and no cache
may store an answer that holds what the ledger records.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import re
from dataclasses import dataclass

from werkzeug.wrappers import Request, Response

from provenance.errors import ConfigError

TOKEN_COOKIE = "provenance_token"  # noqa: S105 - the cookie's name, not a secret
READ_METHODS = frozenset({"GET", "HEAD"})
UPLOAD_PATHS = frozenset({"/compare"})  # the opt-in likeness check; it writes nothing
LOCAL_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # Not no-referrer: under it a browser sends `Origin: null` even to the same site, and
    # the one upload is recognised by its Origin.
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    # Pages hold prompts, people's names and paths: no proxy in front of a token, nor a
    # shared workstation's disk cache, may keep them. A route may say otherwise (thumbnails,
    # the view's own static files).
    "Cache-Control": "no-store",
}


def policy_with_styles(page: str) -> str:
    """The Content-Security-Policy for ``page`` that also admits its own ``<style>`` blocks,
    each by the hash of its text (a rendered report's style sheet; never ledger text)."""
    hashes = [
        "'sha256-" + base64.b64encode(hashlib.sha256(block.encode()).digest()).decode() + "'"
        for block in re.findall(r"<style>(.*?)</style>", page, flags=re.DOTALL)
    ]
    return CONTENT_SECURITY_POLICY.replace(
        "style-src 'self'", " ".join(["style-src 'self'", *hashes])
    )


def is_loopback(host: str) -> bool:
    """True when ``host`` (a name or an address) answers only this machine."""
    if host.strip("[]") in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Guard:
    """The access rule of one running view: where it listens, and who it answers."""

    loopback: bool
    token: str | None = None
    auth_header: str | None = None

    @classmethod
    def for_host(cls, host: str, token: str | None, auth_header: str | None) -> Guard:
        """The rule for listening on ``host``; refused beyond loopback without a way to sign in."""
        loopback = is_loopback(host)
        if not loopback and not token and not auth_header:
            raise ConfigError(
                "the web view would show the ledger to the network with no sign-in",
                where=f"--host {host}",
                fix="give --token (or the web_token setting), set web_auth_header to the header"
                " your reverse proxy signs people in with, or listen on 127.0.0.1",
            )
        return cls(loopback, token or None, auth_header or None)

    def refusal(self, request: Request) -> Response | None:
        """The answer that refuses ``request``, or None when it may be served."""
        if request.method not in READ_METHODS and not _upload(request):
            return _plain("this view only reads the ledger", 405, {"Allow": "GET, HEAD"})
        if self.loopback and _host_name(request.host) not in LOCAL_NAMES:
            return _plain("this view answers only requests addressed to this machine", 421)
        if self.auth_header and not request.headers.get(self.auth_header, "").strip():
            return _plain("sign in through the studio's proxy first", 401)
        if self.token and not self._token_matches(request):
            return _plain("a token is needed: open the address `provenance serve` printed", 401)
        return None

    def _token_matches(self, request: Request) -> bool:
        assert self.token is not None
        offered = [
            request.args.get("token", ""),
            request.cookies.get(TOKEN_COOKIE, ""),
            request.headers.get("Authorization", "").removeprefix("Bearer "),
        ]
        return any(hmac.compare_digest(o.encode(), self.token.encode()) for o in offered if o)

    def remember(self, request: Request, response: Response) -> None:
        """Keep a token given in the address in a cookie, so links need not carry it."""
        given = request.args.get("token")
        if self.token and given and hmac.compare_digest(given.encode(), self.token.encode()):
            response.set_cookie(
                TOKEN_COOKIE,
                self.token,
                httponly=True,
                samesite="Strict",
                secure=_over_tls(request),
            )


def _over_tls(request: Request) -> bool:
    """True when the browser reached the view over HTTPS, itself or through a proxy ending TLS.

    A proxy that ends TLS forwards plain HTTP and says ``X-Forwarded-Proto:
    https`` (or ``Forwarded: proto=https``); the token cookie is then marked
    ``Secure``, so the browser never sends it over plain HTTP, to this name or
    to whoever answers it there. The header is believed whoever sent it: it
    can only make the cookie harder to send, never easier.
    """
    if request.is_secure:
        return True
    proto = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    forwarded = request.headers.get("Forwarded", "").split(",")[0].lower()
    said = {part.strip() for part in forwarded.split(";")}
    return proto == "https" or "proto=https" in said or 'proto="https"' in said


def _upload(request: Request) -> bool:
    """True for the one upload the view takes (compare the picture), sent by its own page.

    Another site's page may post a form here too; its ``Origin`` names it. The
    origin's host must be the one the request is addressed to, over http or
    https: a reverse proxy that ends TLS forwards plain HTTP (the view's own
    address then starts ``http://``, the page's origin ``https://``), and one
    on this machine addresses the view as 127.0.0.1, naming the host the
    browser asked for in ``X-Forwarded-Host``. Another site's page can send
    neither header of its choosing (a browser asks the view first, and it
    never agrees), so neither lets it in.
    """
    scheme, _, host = request.headers.get("Origin", "").partition("://")
    forwarded = request.headers.get("X-Forwarded-Host", "").split(",")[0].strip()
    return (
        request.method == "POST"
        and request.path in UPLOAD_PATHS
        and scheme in ("http", "https")
        and host != ""  # an empty forwarded host names nothing
        and host in (request.host, forwarded)
    )


def _host_name(host: str) -> str:
    """The name part of a ``Host`` header (``[::1]:8750`` -> ``::1``)."""
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _plain(text: str, status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(text + "\n", status, headers, mimetype="text/plain")
