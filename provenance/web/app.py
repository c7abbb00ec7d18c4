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
from werkzeug.wrappers import Response as WerkzeugResponse

from provenance.errors import ProvenanceError
from provenance.settings import Settings
from provenance.store import Ledger
from provenance.util.names import shown
from provenance.web.compare import UPLOAD_LIMIT
from provenance.web.context import View, view
from provenance.web.guard import SECURITY_HEADERS, Guard
from provenance.web.routes import pages
from provenance.web.thumbs import Thumbnails


def create_app(ledger: Ledger, settings: Settings, guard: Guard, cache: Path) -> Flask:
    """The web view over ``ledger``; thumbnails are cached in the folder ``cache``."""
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=UPLOAD_LIMIT, TEMPLATES_AUTO_RELOAD=False)
    app.extensions["provenance"] = View(ledger, settings, Thumbnails(ledger, cache), guard)
    app.register_blueprint(pages)
    app.before_request(_refuse_unless_allowed)
    app.after_request(_secured)
    app.register_error_handler(ProvenanceError, _explained)
    app.jinja_env.filters["day"] = _day
    app.jinja_env.filters["moment"] = _moment
    app.jinja_env.autoescape = True
    app.jinja_env.finalize = _shown_names
    return app


def _shown_names(value: object) -> object:
    """Every value a template prints, with names that are not UTF-8 shown escaped: a page
    holding one would otherwise fail to encode, and answer 500."""
    if isinstance(value, Markup):
        # shown() adds only backslashes, letters and digits to markup that is safe already
        return Markup(shown(value))  # noqa: S704
    return shown(value) if isinstance(value, str) else value


def _refuse_unless_allowed() -> WerkzeugResponse | None:
    return view().guard.refusal(request)


def _secured(response: Response) -> Response:
    view().guard.remember(request, response)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)  # a route may set its own policy
    return response


def _explained(error: ProvenanceError) -> tuple[str, int]:
    from flask import render_template  # noqa: PLC0415

    return render_template("error.html", error=error), 404


def _day(value: datetime | str | None) -> str:
    if value is None:
        return ""
    return value.date().isoformat() if isinstance(value, datetime) else str(value)[:10]


def _moment(value: datetime | str | None) -> str:
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return text[:19].replace("T", " ")
