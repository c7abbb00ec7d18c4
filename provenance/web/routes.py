"""The web view's pages: search, an asset, a show's dashboard, documents, thumbnails, drop a file.

Every route answers GET only and takes hashes, never paths: a thumbnail or a
document is found by the SHA-256 of an asset or document the ledger knows,
and anything else is a 404. A request from htmx (``HX-Request``) gets the
part of the page it replaces.
"""

from __future__ import annotations

import string
from datetime import UTC, datetime
from io import BytesIO
from pathlib import PurePosixPath, PureWindowsPath

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from werkzeug.wrappers import Response as WerkzeugResponse

from provenance.files.sequences import is_frame
from provenance.lifecycle.disclosure import build_report
from provenance.reports.disclosure import render
from provenance.tools import display_name
from provenance.util.names import shown
from provenance.vocab import STATUSES, VERDICTS
from provenance.web.asset_page import asset_page
from provenance.web.compare import compared
from provenance.web.context import view
from provenance.web.dashboard import SHOWN, dashboard, show_scope
from provenance.web.guard import policy_with_styles
from provenance.web.search import SearchForm, search
from provenance.web.sequence import strip_of

pages = Blueprint("pages", __name__)
pages.add_app_template_global(is_frame)
LOWER_HEX = frozenset(string.hexdigits.lower())


def full_hash(text: str) -> str:
    """``text`` when it is a whole SHA-256 in lower-case hex; otherwise the request is a 404."""
    if len(text) != 64 or not set(text) <= LOWER_HEX:
        abort(404)
    return text


@pages.app_template_global()
def tool_name(tool: str | None) -> str:
    """A tool's display name for its id ("" for none)."""
    return display_name(tool) if tool else ""


@pages.get("/")
def search_page() -> Response:
    """Search the ledger; htmx asks for the results alone as the form changes.

    Going back to a search htmx no longer holds, it asks for the whole page again.
    """
    v = view()
    form = SearchForm.from_args(request.args)
    result = search(v.ledger, v.settings, form)
    part = request.headers.get("HX-Request") and not request.headers.get(
        "HX-History-Restore-Request"
    )
    shows = [entry.name for entry in v.settings.shows]
    answer = Response(
        render_template(
            "_results.html" if part else "search.html",
            form=form, result=result, statuses=STATUSES, verdicts=VERDICTS, shows=shows,
        )
    )  # fmt: skip
    answer.vary.add("HX-Request")
    return answer


@pages.get("/asset/<sha256>")
def asset(sha256: str) -> str | WerkzeugResponse:
    """An asset's page; a hash in upper case (what PowerShell's ``Get-FileHash`` prints) is
    sent on to its one address, in lower case."""
    if sha256 != sha256.lower():
        return redirect(url_for("pages.asset", sha256=full_hash(sha256.lower())), 308)
    v = view()
    page = asset_page(full_hash(sha256), v.ledger, v.settings)
    return render_template("asset.html", page=page, story=page.story, asset=page.story.asset)


@pages.get("/sequence/<sha256>")
def sequence(sha256: str) -> str:
    """The strip of the sequence this asset is a frame of, the generated frames marked."""
    strip = strip_of(full_hash(sha256), view().ledger)
    if strip is None:
        abort(404)
    return render_template("sequence.html", strip=strip)


@pages.get("/thumb/<sha256>.jpg")
def thumbnail(sha256: str) -> Response | WerkzeugResponse:
    """A known asset's thumbnail, or the "no preview" picture."""
    v = view()
    if v.ledger.assets.get(full_hash(sha256)) is None:
        abort(404)
    jpeg = v.thumbnails.jpeg(sha256)
    if jpeg is None:
        return current_app.send_static_file("no-preview.svg")
    answer = Response(jpeg, mimetype="image/jpeg")
    answer.headers["Cache-Control"] = "private, max-age=86400"
    return answer


@pages.get("/document/<sha256>")
def document(sha256: str) -> Response:
    """A reference document, exactly as it was approved, as a download."""
    stored = view().ledger.approvals.document(full_hash(sha256))
    if stored is None:
        abort(404)
    name, content = stored
    answer = send_file(
        BytesIO(content),
        mimetype="application/octet-stream",
        as_attachment=True,
        download_name=_safe_name(name, sha256),
    )
    answer.headers["Cache-Control"] = "no-store"  # a consent form: kept by no cache
    return answer


def _safe_name(name: str, sha256: str) -> str:
    """The document's own file name without folders, or its hash when nothing is left."""
    base = PureWindowsPath(PurePosixPath(name).name).name.strip().lstrip(".")
    return "".join(c for c in base if c.isprintable()) or f"{sha256[:12]}.bin"


@pages.get("/shows")
def shows() -> str:
    """The shows the settings list; any other title may be typed."""
    return render_template("shows.html", shows=view().settings.shows)


@pages.get("/show")
def show_by_name() -> WerkzeugResponse:
    """The dashboard of the title typed on the shows page."""
    name = request.args.get("name", "").strip()
    return redirect(url_for("pages.show", name=name) if name else url_for("pages.shows"))


# A title may hold a slash ("Nightfall S01/E02"): the server decodes %2F before it routes,
# so only the path converter lets such a name reach its page.
@pages.get("/show/<path:name>")
def show(name: str) -> str:
    """A show's dashboard."""
    v = view()
    board = dashboard(name, v.ledger, v.settings, datetime.now(UTC))
    return render_template("dashboard.html", board=board, shown=SHOWN)


@pages.get("/show/<path:name>/disclosure")
def disclosure(name: str) -> Response:
    """The show's disclosure report, as ``provenance report --format html`` writes it.

    The report is one self-contained page with its own style sheet; the
    policy lets that one style block in by its hash, and nothing else inline.
    """
    v = view()
    report = build_report(v.ledger, show_scope(name, v.settings), datetime.now(UTC))
    page = shown(render(report, "html"))
    answer = Response(page, mimetype="text/html")
    answer.headers["Content-Security-Policy"] = policy_with_styles(page)
    return answer


@pages.get("/drop")
def drop() -> str:
    """Drop a file: the browser hashes it and asks for its story; nothing is uploaded."""
    return render_template("drop.html")


@pages.post("/compare")
def compare() -> str:
    """Compare the picture: the gate's answer for an uploaded file; nothing is kept or written."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        abort(400)
    v = view()
    answer = compared(upload.stream, upload.filename, v.ledger, v.settings)
    return render_template("compared.html", answer=answer, name=upload.filename)


@pages.get("/lookup/<sha256>")
def lookup(sha256: str) -> str:
    """The story of a file the browser hashed, in brief, or that the ledger never saw it."""
    found = view().ledger.assets.get(full_hash(sha256))
    return render_template("_lookup.html", sha256=sha256, asset=found)
