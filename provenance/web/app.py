"""The Flask application of ``provenance serve``: read-only pages over one ledger.

:func:`create_app` wires the pieces: the ledger (opened once, read from by
every request), the settings, the :class:`~provenance.web.guard.Guard` that
decides who is answered, and the thumbnail cache. The routes live in
:mod:`provenance.web.routes`; every page is a Jinja2 template with
autoescaping on, so ledger text (a prompt, a file name) always renders as
text, and a file name that is not UTF-8 renders with its odd bytes as ``\\xNN``
(:func:`provenance.util.names.shown`), as the CLI prints it. Errors meant for
people (an unknown hash) become a page saying so.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from flask import Flask, Response, request
from markupsafe import Markup
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse

from provenance.errors import (
    AmbiguousTarget,
    DatabaseRefused,
    InvalidValue,
    LedgerUnavailable,
    NothingMatched,
    ProvenanceError,
    SchemaOutdated,
    TargetNotFound,
)
from provenance.settings import Settings
from provenance.store import Ledger
from provenance.util.names import bidi_shown, on_one_line, shown
from provenance.web.compare import UPLOAD_LIMIT
from provenance.web.context import View, view
from provenance.web.guard import SECURITY_HEADERS, Guard
from provenance.web.routes import pages
from provenance.web.search import HEX
from provenance.web.thumbs import Thumbnails


def create_app(ledger: Ledger, settings: Settings, guard: Guard, cache: Path) -> Flask:
    """The web view over ``ledger``; thumbnails are cached in the folder ``cache``."""
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=UPLOAD_LIMIT, TEMPLATES_AUTO_RELOAD=False)
    app.extensions["provenance"] = View(ledger, settings, Thumbnails(ledger, cache), guard)
    app.register_blueprint(pages)
    app.before_request(_refuse_unless_allowed)
    app.before_request(_refuse_nul)
    app.before_request(_refuse_without_the_ledger_file)
    app.after_request(_secured)
    app.register_error_handler(ProvenanceError, _explained)
    app.register_error_handler(HTTPException, _http_error)
    app.jinja_env.filters["day"] = _day
    app.jinja_env.filters["moment"] = _moment
    app.jinja_env.autoescape = True
    app.jinja_env.finalize = _shown_names
    return app


def _shown_names(value: object) -> object:
    """Every value a template prints, with names that are not UTF-8 shown escaped (a page
    holding one would otherwise fail to encode, and answer 500), and bidirectional controls
    too (a name holding U+202E would read reversed)."""
    if isinstance(value, Markup):
        # These add only backslashes, letters and digits to markup that is safe already.
        return Markup(bidi_shown(shown(value)))  # noqa: S704
    return bidi_shown(shown(value)) if isinstance(value, str) else value


def _refuse_unless_allowed() -> WerkzeugResponse | None:
    return view().guard.refusal(request)


def _refuse_nul() -> None:
    """Refuse a request whose path or query holds a NUL character, as not understood.

    No name, path, show or hash the ledger holds can contain one (no file
    system allows it in a name, and PostgreSQL's text cannot store it), so
    such a request asks for nothing; PostgreSQL's driver would refuse the
    query outright, and the page would answer 500. Refused here, it answers
    the same on every backend.
    """
    texts = [request.path, *request.args.keys(), *request.args.values()]
    if any("\x00" in text for text in texts):
        raise InvalidValue(
            "a NUL character is in no name the ledger holds",
            where=on_one_line(request.path),
            fix="search for the name without it",
        )


def _refuse_without_the_ledger_file() -> None:
    """Say so when the SQLite ledger file was deleted, moved or replaced while the view serves.

    The connections open would go on reading the old file (or a copy put
    back would be read by some and not others); the view's own static files
    are still served, so the page saying so keeps its style.
    """
    ledger = view().ledger
    problem = ledger.file_problem()
    if problem is not None and request.endpoint != "static":
        raise LedgerUnavailable(
            problem,
            where=ledger.where,
            fix="put the ledger file back, or start `provenance serve` again to show the one"
            " there now",
        )


def _secured(response: Response) -> Response:
    view().guard.remember(request, response)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)  # a route may set its own policy
    return response


# Each error's HTTP status and page title; the first class that matches wins.
ANSWERS: tuple[tuple[type[ProvenanceError], int, str], ...] = (
    (TargetNotFound, 404, "Not found"),
    (NothingMatched, 404, "Not found"),
    (InvalidValue, 400, "Not understood"),
    (AmbiguousTarget, 400, "Not understood"),
    (LedgerUnavailable, 503, "Ledger unavailable"),
    (SchemaOutdated, 503, "Ledger unavailable"),
    (DatabaseRefused, 503, "Refused by the database"),
)


def _explained(error: ProvenanceError) -> tuple[str, int]:
    """An error meant for people as a page: what, where, what to do, and the status it means."""
    from flask import render_template  # noqa: PLC0415

    status, title = next(
        ((code, title) for kind, code, title in ANSWERS if isinstance(error, kind)),
        (500, "Cannot answer"),
    )
    return render_template("error.html", error=error, title=title), status


def _http_error(error: HTTPException) -> tuple[str, int]:
    """The view's own page for what the web server refuses (Flask's would leave the view).

    A page that does not exist; an asset's page asked by the first digits of
    its hash leads to the search for them. An upload too large to compare
    says what to do instead.
    """
    from flask import current_app, render_template  # noqa: PLC0415

    code = error.code or 500
    digits = None
    if code == 404:
        prefix = request.path.removeprefix("/asset/")
        hexadecimal = prefix != request.path and 0 < len(prefix) < 64 and set(prefix) <= HEX
        digits = prefix if hexadecimal else None
        what = "no such page" if digits is None else "an asset's page is named by its whole hash"
        explained = ProvenanceError(what, where=request.path)
    elif code == 413:
        limit = current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
        explained = InvalidValue(
            f"the file is larger than the {limit} MiB a comparison takes",
            fix="audit it with `provenance audit FILE` on a machine that can read it",
        )
    else:
        explained = ProvenanceError(error.name.lower(), where=request.path)
    title = str(error.name).capitalize()
    return render_template("error.html", error=explained, title=title, digits=digits), code


def _day(value: datetime | str | None) -> str:
    if value is None:
        return ""
    return value.date().isoformat() if isinstance(value, datetime) else str(value)[:10]


def _moment(value: datetime | str | None) -> str:
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return text[:19].replace("T", " ")
