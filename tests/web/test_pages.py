"""Every page of the web view, through Flask's test client, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from PIL import Image

from provenance.errors import InvalidValue, LedgerUnavailable, ProvenanceError
from provenance.web import routes
from tests.web.demo import HOSTILE, SHOW, Demo


def text(client: FlaskClient, url: str, status: int = 200) -> str:
    answer = client.get(url)
    assert answer.status_code == status, (url, answer.status_code)
    return answer.get_data(as_text=True)


def linked(page: str) -> set[str]:
    """The hashes of the asset pages ``page`` links to."""
    return set(re.findall(r'href="/asset/([0-9a-f]{64})"', page))


def test_an_empty_search_lists_every_asset_with_the_frames_as_one_sequence(
    client: FlaskClient, demo: Demo
) -> None:
    page = text(client, "/")
    assert "<html" in page and 'id="results"' in page
    assert "sh010_comp.1001-1003#.png" in page and "3 frames" in page
    assert {demo.generated, demo.copy, demo.plate, *demo.frames} <= linked(page)
    assert page.count("sh010_comp.100") == 1  # one row, not three


def test_search_by_name_path_hash_tool_status_verdict_and_show(
    client: FlaskClient, demo: Demo
) -> None:
    assert linked(text(client, "/?q=COPY.jpg")) == {demo.copy}
    assert linked(text(client, "/?q=/plates/")) == {demo.plate}
    assert linked(text(client, f"/?hash={demo.plate[:8]}")) == {demo.plate}
    generated = {demo.generated, demo.approved, demo.hostile}
    assert linked(text(client, "/?tool=AUTOMATIC1111")) == generated
    assert linked(text(client, "/?verdict=genai&status=approved")) == {demo.approved}
    assert linked(text(client, "/?status=temporary")) == {demo.generated, demo.hostile}
    assert linked(text(client, f"/?show={SHOW}&verdict=not_genai")) == {demo.plate}
    assert linked(text(client, "/?show=comp")) == set(demo.frames)  # a folder's name
    assert "No asset matches." in text(client, "/?show=Elsewhere")


def test_a_search_that_cannot_be_made_says_why(client: FlaskClient) -> None:
    page = text(client, "/?hash=xyz&tool=nosuchtool&status=bogus")
    assert "is not the start of a hash" in page and "no tool is called" in page
    assert not linked(page)
    assert '<option value="bogus"' not in page  # unknown choices are dropped


def test_htmx_gets_the_results_alone(client: FlaskClient, demo: Demo) -> None:
    answer = client.get("/?q=plate.jpg", headers={"HX-Request": "true"})
    part = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "<html" not in part and "<form" not in part
    assert linked(part) == {demo.plate}
    assert "HX-Request" in answer.headers["Vary"]
    back = client.get(
        "/?q=plate.jpg", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in back.get_data(as_text=True)  # going back: the whole page


def test_the_grid_shows_thumbnails(client: FlaskClient, demo: Demo) -> None:
    page = text(client, "/?view=grid&q=plate.jpg")
    assert f'src="/thumb/{demo.plate}.jpg"' in page


def test_a_hash_in_upper_case_is_sent_on_to_its_page(client: FlaskClient, demo: Demo) -> None:
    # PowerShell's Get-FileHash prints SHA-256 in upper case; a person pastes it as it is.
    answer = client.get(f"/asset/{demo.generated.upper()}")
    assert answer.status_code == 308
    assert answer.headers["Location"].endswith(f"/asset/{demo.generated}")
    assert client.get(f"/asset/{'G' * 64}").status_code == 404


def test_a_generated_assets_page_tells_its_story(client: FlaskClient, demo: Demo) -> None:
    page = text(client, f"/asset/{demo.generated}")
    assert "genai" in page and "temporary" in page and "AUTOMATIC1111" in page
    assert "a lighthouse at dusk" in page  # the prompt
    assert "Expires" in page and "gen1.png" in page
    assert demo.copy in linked(page)  # the copy that looks like it
    assert "reel1" in page and "shot_a.jpg" in page and "near" in page  # the audit it went out in
    assert "detected" in page and "expiry set to" in page  # the history, in words


def test_a_copy_leads_to_its_generated_original(client: FlaskClient, demo: Demo) -> None:
    page = text(client, f"/asset/{demo.copy}")
    origin = re.search(r'class="origin-link" href="/asset/([0-9a-f]{64})"', page)
    assert origin is not None and origin.group(1) == demo.generated
    assert "Looks like a generated asset" in page and "gen1.png" in page


def test_approvals_link_their_document_which_downloads_exactly(
    client: FlaskClient, demo: Demo
) -> None:
    page = text(client, f"/asset/{demo.approved}")
    assert "final-deliverable" in page and "Jane Doe (VFX supervisor)" in page and "signed" in page
    assert f'href="/document/{demo.document}"' in page
    answer = client.get(f"/document/{demo.document}")
    assert answer.status_code == 200 and answer.mimetype == "application/octet-stream"
    assert answer.data == (demo.work / "docs" / "consent-signed.pdf").read_bytes()
    assert "attachment; filename=consent-signed.pdf" in answer.headers["Content-Disposition"]


def test_a_hostile_prompt_renders_as_text(client: FlaskClient, demo: Demo) -> None:
    for url in (f"/asset/{demo.hostile}", f"/show/{SHOW}", f"/show/{SHOW}/disclosure"):
        page = text(client, url)
        assert "<script>document.title" not in page and "<img src=x" not in page, url
    page = text(client, f"/asset/{demo.hostile}")
    assert "&lt;script&gt;document.title=&#34;pwned&#34;&lt;/script&gt;" in page
    assert "onerror=&#34;document.title=" in page  # the attribute, as text
    assert HOSTILE.split("<")[0] in page
    assert "talent-likeness" in page  # the flag the watchlist raised


def test_the_dashboard_answers_the_producers_questions(client: FlaskClient, demo: Demo) -> None:
    page = text(client, f"/show/{SHOW}")
    sections = dict(re.findall(r'<section id="([a-z]+)">(.*?)</section>', page, flags=re.DOTALL))
    assert linked(sections["temporary"]) == {demo.generated, demo.hostile}
    assert "final-deliverable" in sections["needs"] and "talent-likeness" in sections["needs"]
    assert demo.approved not in linked(sections["needs"])  # signed and trusted: cleared
    assert linked(sections["expiring"]) == {demo.generated}
    assert linked(sections["escalations"]) == {demo.hostile}
    assert "Zoe Saldana" in sections["escalations"]
    assert "reel1" in sections["audits"] and "block" in sections["audits"]


def test_a_title_the_settings_do_not_list_is_a_folder_name(client: FlaskClient) -> None:
    page = text(client, "/show/nowhere")
    assert "seen in a folder named" in page and "No delivery of this show was audited" in page
    redirect = client.get("/show?name=Lighthouse")
    assert redirect.status_code == 302 and redirect.headers["Location"].endswith("/show/Lighthouse")
    assert SHOW in text(client, "/shows")


def test_the_disclosure_report_opens_with_only_its_own_style_allowed(client: FlaskClient) -> None:
    answer = client.get(f"/show/{SHOW}/disclosure")
    assert answer.status_code == 200 and "Generative AI disclosure: Lighthouse" in answer.text
    policy = answer.headers["Content-Security-Policy"]
    assert "style-src 'self' 'sha256-" in policy and "unsafe-inline" not in policy


def test_thumbnails_are_made_once_and_kept_by_hash(
    client: FlaskClient, demo: Demo, tmp_path: Path
) -> None:
    answer = client.get(f"/thumb/{demo.plate}.jpg")
    assert answer.status_code == 200 and answer.mimetype == "image/jpeg"
    with Image.open(io.BytesIO(answer.data)) as image:
        assert image.format == "JPEG" and max(image.size) <= 320
    cached = tmp_path / "thumbs" / demo.plate[:2] / f"{demo.plate}.jpg"
    assert cached.read_bytes() == answer.data


def test_a_file_changed_since_it_was_recorded_gets_no_thumbnail(
    client: FlaskClient, demo: Demo
) -> None:
    (demo.show / "plates" / "plate.jpg").write_bytes(b"not the recorded picture any more")
    answer = client.get(f"/thumb/{demo.plate}.jpg")
    assert answer.status_code == 200 and answer.mimetype == "image/svg+xml"


def test_thumbnails_and_documents_take_known_hashes_only(client: FlaskClient, demo: Demo) -> None:
    unknown = "0" * 64
    for url in (
        f"/thumb/{unknown}.jpg",
        f"/document/{unknown}",
        f"/document/{demo.plate}",  # an asset, not a document
        f"/thumb/{demo.document}.jpg",  # a document, not an asset
        f"/thumb/{demo.plate.upper()}.jpg",
        f"/thumb/{demo.plate[:12]}.jpg",
        "/thumb/..%2f..%2f..%2fetc%2fpasswd.jpg",
        "/document/..%2f..%2fetc%2fpasswd",
        f"/asset/{demo.plate[:20]}",
    ):
        assert client.get(url).status_code == 404, url


def test_an_unknown_asset_is_a_page_saying_so(client: FlaskClient) -> None:
    page = text(client, f"/asset/{'ab' * 32}", 404)
    assert "no asset with this hash in the ledger" in page


def test_an_asset_asked_by_its_first_digits_leads_to_the_search(
    client: FlaskClient, demo: Demo
) -> None:
    page = text(client, f"/asset/{demo.plate[:12].upper()}", 404)
    assert "an asset&#39;s page is named by its whole hash" in page
    assert f'href="/?hash={demo.plate[:12]}"' in page
    assert linked(text(client, f"/?hash={demo.plate[:12]}")) == {demo.plate}


def test_a_page_that_does_not_exist_is_one_of_ours(client: FlaskClient) -> None:
    page = text(client, "/no/such/page", 404)
    assert "no such page" in page and "Read-only view of the ledger" in page


def test_an_upload_too_large_to_compare_says_what_to_do(client: FlaskClient) -> None:
    client.application.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
    big = {"file": (io.BytesIO(b"\0" * (3 * 1024 * 1024)), "master.mov")}
    answer = client.post(
        "/compare",
        data=big,
        content_type="multipart/form-data",
        headers={"Origin": "http://localhost"},
    )
    page = answer.get_data(as_text=True)
    assert answer.status_code == 413 and "<h1>Request entity too large</h1>" in page
    assert "larger than the 2 MiB a comparison takes" in page and "provenance audit FILE" in page
    refused = client.get("/compare")
    assert refused.status_code == 405 and "<h1>Method not allowed</h1>" in refused.text


@pytest.mark.parametrize(
    ("error", "status", "title"),
    [
        (LedgerUnavailable("cannot reach the ledger", where="db"), 503, "Ledger unavailable"),
        (InvalidValue("not a date", where="since"), 400, "Not understood"),
        (ProvenanceError("something else"), 500, "Cannot answer"),
    ],
)
def test_an_error_answers_with_the_status_it_means(
    client: FlaskClient,
    monkeypatch: pytest.MonkeyPatch,
    error: ProvenanceError,
    status: int,
    title: str,
) -> None:
    """A ledger that is down is not a page that was "Not found" (it said so, with a 404)."""

    def fail(*_: object) -> None:
        raise error

    monkeypatch.setattr(routes, "search", fail)
    page = text(client, "/", status)
    assert f"<h1>{title}</h1>" in page and error.what in page


def test_lookup_says_what_the_ledger_knows_of_a_hash(client: FlaskClient, demo: Demo) -> None:
    known = text(client, f"/lookup/{demo.approved}")
    assert f'href="/asset/{demo.approved}"' in known and "approved" in known
    assert "never seen this file" in text(client, f"/lookup/{'1' * 64}")
    page = text(client, "/drop")
    assert "hash-wasm-sha256.umd.min.js" in page and "not uploaded" in page


def test_static_assets_are_served_from_the_package(client: FlaskClient) -> None:
    for name in ("htmx.min.js", "hash-wasm-sha256.umd.min.js", "drop.js", "app.css"):
        answer = client.get(f"/static/{name}")
        assert answer.status_code == 200 and len(answer.data) > 500, name
        answer.close()


def test_a_long_dashboard_list_shows_the_first_and_counts_the_rest(
    client: FlaskClient, demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("provenance.web.routes.SHOWN", 1)
    page = text(client, f"/show/{SHOW}")
    temporary = page[page.index('id="temporary"') : page.index('id="needs"')]
    assert len(linked(temporary)) == 1 and "and 1 more." in temporary
    assert f"/?show={SHOW}&amp;status=temporary" in temporary  # the search that lists them all
    needs = page[page.index('id="needs"') : page.index('id="expiring"')]
    assert "final-deliverable" in needs and "and 1 more." in needs  # counted, not listed


def test_a_sequences_strip_marks_its_generated_frames(client: FlaskClient, demo: Demo) -> None:
    frame = demo.frames[1]
    page = text(client, f"/asset/{frame}")
    assert f'class="sequence-link" href="/sequence/{frame}"' in page
    strip = text(client, f"/sequence/{frame}")
    assert "sh010_comp.1001-1003#.png" in strip and "3 frames" in strip
    assert "none generated" in strip and linked(strip) == set(demo.frames)
    assert f'src="/thumb/{demo.frames[0]}.jpg"' in strip
    assert "sequence-link" not in text(client, f"/asset/{demo.plate}")  # plate.jpg: no frame
    assert client.get(f"/sequence/{demo.plate}").status_code == 404


def test_a_generated_frame_is_marked_in_its_strip(client: FlaskClient, demo: Demo) -> None:
    from provenance.ingest.scan import scan
    from tests.support.studio import generated_png

    generated_png(demo.show / "comp" / "sh010_comp.1004.png", 9)
    scan([demo.show / "comp"], demo.ledger, demo.settings)
    strip = text(client, f"/sequence/{demo.frames[0]}")
    assert "sh010_comp.1001-1004#.png" in strip and "1 generated: 1004" in strip
    assert strip.count('<li class="verdict-genai">') == 1


def test_every_page_names_its_icon_so_no_browser_asks_for_a_missing_one(
    client: FlaskClient, demo: Demo
) -> None:
    """Without it a browser asks for /favicon.ico on every visit: a 404 in its console."""
    for url in ("/", f"/asset/{demo.generated}", "/shows", f"/show/{SHOW}", "/drop", "/nothing"):
        page = client.get(url).get_data(as_text=True)
        assert '<link rel="icon" href="/static/favicon.svg"' in page, url
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert client.get("/favicon.ico").status_code == 404
