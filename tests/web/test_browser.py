"""The web view in a real browser: Debian's chromium, driven by Playwright, over waitress.

The browser may reach nothing but the view itself: every other request is
aborted and fails the test. Screenshots of each step are kept under the
test's temporary folder (pytest's ``--basetemp``) as artifacts.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest
from flask import Flask
from PIL import Image
from playwright.sync_api import Browser, Dialog, Page, Route, expect
from waitress import wasyncore
from waitress.server import create_server

from provenance.ingest.scan import scan
from provenance.lifecycle import Lifecycle, approve
from provenance.lifecycle.approve import Approval
from provenance.settings import Settings
from provenance.store import Ledger
from provenance.web.app import create_app
from provenance.web.guard import Guard
from tests.support.signing import approver_key, trusting
from tests.support.studio import generated_png
from tests.web.demo import HOSTILE, Demo, make_app, stripped_copy

pytestmark = pytest.mark.slow


@dataclass
class Traffic:
    """What the page asked for: every request, and any it tried to send elsewhere."""

    base: str
    requests: list[tuple[str, str, bytes | None]] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)


@pytest.fixture
def server(demo: Demo, tmp_path: Path) -> Iterator[str]:
    """The demo's web view served by waitress on a free loopback port, in a daemon thread."""
    app: Flask = make_app(demo, Guard.for_host("127.0.0.1", None, None), tmp_path / "thumbs")
    yield from served(app)


def served(app: Flask) -> Iterator[str]:
    """``app`` served by waitress on a free loopback port, in a daemon thread, until resumed."""
    served = create_server(app, host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=served.run, daemon=True, name="waitress")
    thread.start()
    yield f"http://127.0.0.1:{served.effective_port}"  # type: ignore[union-attr]
    # Closed from its own loop: `served.close()` from this thread closes the
    # sockets under the loop's select(), which then dies on EBADF (pytest's
    # unhandled-thread warning, now and then). Emptying the map ends the loop.
    served.trigger.pull_trigger(lambda: wasyncore.close_all(served._map))  # type: ignore[union-attr]
    thread.join(timeout=5)
    assert not thread.is_alive(), "waitress's loop did not end"
    served.task_dispatcher.shutdown()


@pytest.fixture
def browser_page(chromium: Browser, server: str) -> Iterator[tuple[Page, Traffic]]:
    """A chromium page that may reach only ``server``, and the record of its traffic.

    The module's tests share one browser; each page is in a context of its own (no cookies,
    storage, cache or routes from an earlier test)."""
    traffic = Traffic(server)
    context = chromium.new_context()
    page = context.new_page()

    def route(route: Route) -> None:
        url = route.request.url
        if url.startswith(server + "/"):
            route.continue_()
        else:
            traffic.blocked.append(url)
            route.abort()

    page.route("**/*", route)
    page.on("request", lambda r: traffic.requests.append((r.method, r.url, r.post_data_buffer)))
    page.on("console", lambda m: traffic.console.append(m.text))
    page.on("pageerror", lambda e: traffic.console.append(f"page error: {e}"))
    yield page, traffic
    context.close()
    assert not traffic.blocked, f"the page tried to reach beyond the view: {traffic.blocked}"
    violations = [m for m in traffic.console if "Content Security Policy" in m or "error" in m]
    assert not violations, violations


def shot(page: Page, tmp_path: Path, name: str) -> None:
    """Keep a screenshot of this step as an artifact."""
    folder = tmp_path / "screenshots"
    folder.mkdir(exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_search_open_a_copy_and_follow_it_to_its_generated_original(
    browser_page: tuple[Page, Traffic], demo: Demo, tmp_path: Path
) -> None:
    p, traffic = browser_page
    p.goto(traffic.base + "/")
    shot(p, tmp_path, "1-search")
    p.fill("input[name=q]", "copy.jpg")  # htmx replaces the results as one types
    expect(p.locator("#results tbody tr")).to_have_count(1)
    assert "q=copy.jpg" in p.url  # the search is in the address, to share
    shot(p, tmp_path, "2-search-copy")
    p.click(f"#results a[href='/asset/{demo.copy}']")
    p.wait_for_url(f"**/asset/{demo.copy}")
    assert "Looks like a generated asset" in p.inner_text("section.origin")
    shot(p, tmp_path, "3-copy")
    p.click("a.origin-link")
    p.wait_for_url(f"**/asset/{demo.generated}")
    assert "genai" in p.inner_text("dl.facts") and "a lighthouse at dusk" in p.inner_text("pre")
    assert p.eval_on_selector("img.thumb", "i => i.naturalWidth") > 0  # a real thumbnail
    shot(p, tmp_path, "4-generated-original")
    assert all(method == "GET" for method, _, _ in traffic.requests)


def test_a_hostile_prompt_is_inert(
    browser_page: tuple[Page, Traffic], demo: Demo, tmp_path: Path
) -> None:
    p, traffic = browser_page
    p.goto(f"{traffic.base}/asset/{demo.hostile}")
    shot(p, tmp_path, "hostile-prompt")
    assert p.title() != "pwned"
    assert p.inner_text("pre.prompt") == HOSTILE  # shown, as text
    assert p.locator("pre.prompt img, pre.prompt script").count() == 0
    assert not [url for _, url, _ in traffic.requests if url.endswith("/x")]


def test_a_dropped_file_is_hashed_in_the_browser_and_never_uploaded(
    browser_page: tuple[Page, Traffic], demo: Demo, tmp_path: Path
) -> None:
    p, traffic = browser_page
    p.goto(traffic.base + "/drop")
    p.set_input_files("#pick", str(demo.show / "genai" / "gen2.png"))
    p.wait_for_selector("#story-link")
    assert "approved" in p.inner_text("#story")
    shot(p, tmp_path, "drop-known")
    unknown = tmp_path / "never-seen.bin"
    unknown.write_bytes(b"\x00" * (9 * 1024 * 1024 + 7))  # more than two chunks
    p.set_input_files("#pick", str(unknown))
    p.wait_for_selector("#story .unknown")
    shot(p, tmp_path, "drop-unknown")
    assert hashlib.sha256(unknown.read_bytes()).hexdigest() in p.inner_text("#story")
    looked_up = [url for _, url, _ in traffic.requests if "/lookup/" in url]
    assert looked_up == [
        f"{traffic.base}/lookup/{demo.approved}",
        f"{traffic.base}/lookup/{hashlib.sha256(unknown.read_bytes()).hexdigest()}",
    ]
    assert all(method == "GET" and body is None for method, _, body in traffic.requests)


def test_a_shows_dashboard_and_a_sequence_render_cleanly(
    browser_page: tuple[Page, Traffic], demo: Demo, tmp_path: Path
) -> None:
    p, traffic = browser_page
    p.goto(f"{traffic.base}/shows")
    p.click("text=Lighthouse")
    p.wait_for_url("**/show/Lighthouse")
    expect(p.locator("#escalations li")).to_have_count(1)
    assert "Zoe Saldana" in p.inner_text("#escalations")
    shot(p, tmp_path, "dashboard")
    p.goto(f"{traffic.base}/?q=sh010_comp&view=grid")
    expect(p.locator("ul.grid li")).to_have_count(1)
    p.goto(f"{traffic.base}/sequence/{demo.frames[0]}")
    expect(p.locator("ol.strip li")).to_have_count(3)
    shot(p, tmp_path, "sequence")


def test_compare_the_picture_uploads_only_when_asked(
    browser_page: tuple[Page, Traffic], demo: Demo, tmp_path: Path
) -> None:
    p, traffic = browser_page
    copy = stripped_copy(demo.show / "genai" / "gen1.png", tmp_path / "reframed.jpg")
    Image.open(copy).resize((200, 125)).save(copy, quality=70)  # bytes the ledger never saw
    p.goto(traffic.base + "/drop")
    p.set_input_files("#pick", str(copy))
    p.wait_for_selector("#story form.compare")
    assert "must be uploaded to this server" in p.inner_text("#story")
    assert all(body is None for _, _, body in traffic.requests)  # nothing sent yet
    p.set_input_files("form.compare input[type=file]", str(copy))
    p.click("form.compare button")
    p.wait_for_selector("a.origin-link")
    shot(p, tmp_path, "compared")
    posts = [(url, body) for method, url, body in traffic.requests if method != "GET"]
    assert [url for url, _ in posts] == [f"{traffic.base}/compare"]
    assert posts[0][1] is not None and b'filename="reframed.jpg"' in posts[0][1]
    p.click("a.origin-link")
    p.wait_for_url(f"**/asset/{demo.generated}")


# Names and words people and files give, each trying to run a script or to read as another.
HOSTILE_NAMES = ('"><img src=x onerror="document.title=\'pwned\'">.png',
                 "<svg onload=document.title='pwned'>", "{{7*7}}.png", "javascript:alert(1).png",
                 "comp\u202eexr.png", "x" * 240 + ".png")  # fmt: skip


class TestHostileNames:
    """A ledger whose file names, folder, approver, note and document name are hostile."""

    @pytest.fixture
    def server(self, ledger_url: str, tmp_path: Path) -> Iterator[str]:
        folder = tmp_path / HOSTILE_NAMES[1]
        paths = [generated_png(folder / name, seed) for seed, name in enumerate(HOSTILE_NAMES[::2])]
        paths.append(generated_png(tmp_path / "shot" / HOSTILE_NAMES[3], 9))
        paths.append(generated_png(tmp_path / "shot" / HOSTILE_NAMES[5], 10))
        consent = tmp_path / "docs" / "<img src=x onerror=\"document.title='pwned'\">.pdf"
        consent.parent.mkdir()
        consent.write_bytes(b"%PDF-1.7\nsigned\n%%EOF\n")
        settings = trusting(Settings(db=ledger_url, workers=1, approvers=("tester",)))
        with Ledger(ledger_url, actor="tester") as ledger:
            scan([tmp_path], ledger, settings)
            lc = Lifecycle(ledger, settings)
            words = "<script>document.title='pwned'</script>"
            signed = Approval("final-deliverable", words, consent, note=words,
                              sign_with=approver_key())  # fmt: skip
            approve(lc, [str(paths[0])], signed)
        with Ledger(ledger_url, read_only=True) as reader:
            app = create_app(reader, settings, Guard.for_host("127.0.0.1", None, None),
                             tmp_path / "thumbs")  # fmt: skip
            yield from served(app)

    def test_every_page_an_editor_opens_shows_them_as_text(
        self, browser_page: tuple[Page, Traffic], tmp_path: Path
    ) -> None:
        p, traffic = browser_page
        dialogs: list[str] = []

        def dismissed(dialog: Dialog) -> None:
            dialogs.append(dialog.message)
            dialog.dismiss()

        p.on("dialog", dismissed)
        p.goto(traffic.base + "/")
        rows = p.locator("#results tbody tr")
        expect(rows).to_have_count(len(HOSTILE_NAMES))
        links = "links => links.map(a => a.getAttribute('href'))"
        assets = p.eval_on_selector_all("#results a[href^='/asset/']", links)
        p.fill("input[name=q]", "<svg")  # htmx replaces the results as one types
        expect(rows).to_have_count(3)
        folder = "/show/" + quote(HOSTILE_NAMES[1], safe="")
        texts = []
        for number, page in enumerate([*dict.fromkeys(assets), "/?view=grid", folder,
                                       folder + "/disclosure"]):  # fmt: skip
            answer = p.goto(traffic.base + page)
            assert answer is not None and answer.status == 200, page
            shot(p, tmp_path, f"hostile-{number}")
            assert p.evaluate("document.title") != "pwned", page
            assert p.locator("[onerror], [onload], main svg, script:not([src])").count() == 0
            texts.append(p.inner_text("body"))
        assert any("<script>document.title='pwned'</script>" in text for text in texts)
        assert any(HOSTILE_NAMES[1] in text for text in texts)
        assert not dialogs
        assert not [url for _, url, _ in traffic.requests if url.endswith("/x")]
