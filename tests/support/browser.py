"""Headless Chromium for checking the HTML reports as people see and print them.

Debian's ``chromium`` package is driven by Playwright through
``executable_path`` (Playwright's own browser download is never used: no
network). Every request but ``file:`` and ``data:`` is aborted and
remembered, so a report that reaches out anywhere fails its test.

Where chromium or Playwright is missing the tests skip, except under
``CI=true``: ``.ci/run`` installs chromium, so there a missing browser fails.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Route

WIDTH = 1400
LOCAL = ("file:", "data:")


def chromium_path() -> str:
    """Debian's chromium, or a skip (a failure under CI, which installs it)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed; .ci/run installs Debian's chromium package")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return found


@dataclass
class Blocked:
    """The requests the page tried that were not local."""

    urls: list[str] = field(default_factory=list)

    def handle(self, route: Route) -> None:
        url = route.request.url
        if url.startswith(LOCAL):
            route.continue_()
        else:
            self.urls.append(url)
            route.abort()


@contextmanager
def launched_chromium() -> Iterator[Browser]:
    """Debian's chromium, headless, until the block ends (a skip where it is missing).

    Starting Chromium takes about a second, the longest part of a short page test: a
    module's tests share one browser (the suite's ``chromium`` fixture), each with a
    context of its own (:func:`browser_page`), which shares no cookies, storage, cache
    or routes with another.
    """
    if os.environ.get("CI") != "true":
        pytest.importorskip("playwright.sync_api")
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    manager = sync_playwright()
    files = _file_thread()
    try:
        with manager as driver:
            manager._loop.set_default_executor(files)
            # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
            browser = driver.chromium.launch(executable_path=executable, args=["--no-sandbox"])
            try:
                yield browser
            finally:
                browser.close()
    finally:
        files.shutdown(wait=True)


def _file_thread() -> ThreadPoolExecutor:
    """The one thread Playwright writes files on (screenshots, PDFs), started now.

    Playwright's loop would start such threads as a page first writes a file, and
    they live as long as the browser: started before the first test, the suite's
    guard against leaked threads sees them as the browser's, not a test's.
    """
    files = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chromium-files")
    files.submit(lambda: None).result()
    return files


@contextmanager
def browser_page(browser: Browser, width: int = WIDTH) -> Iterator[tuple[Page, Blocked]]:
    """A page in a fresh context of ``browser``, ``width`` pixels wide, with the network blocked."""
    blocked = Blocked()
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        context.route("**/*", blocked.handle)
        yield context.new_page(), blocked
    finally:
        context.close()


def open_report(page: Page, path: Path) -> None:
    """Load a report file and wait until it is laid out."""
    page.goto(path.as_uri(), wait_until="load")


def horizontal_overflow(page: Page) -> int:
    """How many pixels the page is wider than its viewport (0: none)."""
    width = int(page.evaluate("document.documentElement.scrollWidth"))
    return max(0, width - int(page.evaluate("window.innerWidth")))


def distinct_colours(png: bytes) -> int:
    """How many colours a screenshot holds (1: blank)."""
    from PIL import Image

    with Image.open(BytesIO(png)) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 16)
    return len(colours) if colours is not None else 1 << 16


BROKEN_WORDS = """
() => {
  const broken = [];
  for (const cell of document.querySelectorAll('td:not(.path):not(.name), th, h1, h2, p')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const re = /\\S+/g;
      for (let m = re.exec(node.data); m; m = re.exec(node.data)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        if (tops.size > 1 && !/[-\\/_.]/.test(m[0])) broken.push(m[0]);
      }
    }
  }
  return broken;
}
"""
"""Words (without a hyphen, slash, dot or underscore to break at) set across two lines."""


def pdf_pages(pdf: bytes) -> list[str]:
    """The text of each page of a PDF."""
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(BytesIO(pdf)).pages]
