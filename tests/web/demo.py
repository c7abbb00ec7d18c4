"""A demo show for the web view's tests, made on the spot in a fresh ledger.

Generated pictures (one approved with a signed consent form, one expiring in
three days, one whose prompt names a person on the talent watchlist and is a
hostile piece of HTML), a stripped copy of a generated picture in the edit
folder, a camera plate, a shot's frames as a sequence, and an audit of a
delivery holding the copy.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Flask
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from provenance.audit.run import AuditOptions, audit
from provenance.ingest.scan import scan
from provenance.lifecycle import Lifecycle, approve, set_expiry
from provenance.settings import Settings
from provenance.settings.tables import ShowConfig, WatchlistConfig
from provenance.store import Ledger
from provenance.web.app import create_app
from provenance.web.guard import Guard
from tests.support.files import sha256_of
from tests.support.lifecycle import a1111, final
from tests.support.signing import trusting
from tests.support.studio import camera_jpeg, generated_png, picture

SHOW = "Lighthouse"
# A prompt is written by whoever made the file: here, one that tries to run a script.
HOSTILE = (
    'Zoe Saldana <script>document.title="pwned"</script>'
    "<img src=x onerror=\"document.title='pwned'\"> at the lighthouse"
)


@dataclass(frozen=True)
class Demo:
    """The demo ledger and the hashes the tests look for."""

    ledger: Ledger
    settings: Settings
    work: Path
    generated: str  # gen1.png, expiring soon; copy.jpg is a stripped copy of it
    approved: str  # gen2.png, approved with consent.pdf
    hostile: str  # the generated picture whose prompt is hostile HTML (flagged)
    copy: str
    plate: str
    frames: tuple[str, ...]
    document: str

    @property
    def show(self) -> Path:
        """The show's root folder."""
        return self.work / "show"


def hostile_png(path: Path, seed: int) -> Path:
    """A generated PNG whose A1111 prompt is :data:`HOSTILE`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    info = PngInfo()
    info.add_text("parameters", a1111(HOSTILE))
    picture(seed).save(path, pnginfo=info)
    return path


def stripped_copy(source: Path, target: Path) -> Path:
    """A resized JPEG of ``source`` without metadata: new bytes, no markers."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with Image.open(source) as image:
        image.convert("RGB").resize((240, 150)).save(target, quality=80)
    return target


def demo_settings(settings: Settings, work: Path) -> Settings:
    """The settings of the demo show: its root, a talent watchlist, the tests' approver."""
    talent = work / "lists" / "talent.txt"
    talent.parent.mkdir(parents=True, exist_ok=True)
    talent.write_text("Zoe Saldana\n")
    return dataclasses.replace(
        settings,
        approvers=("tester",),
        shows=(ShowConfig(SHOW, (str(work / "show"),)),),
        watchlists=(WatchlistConfig(str(talent), "talent-likeness"),),
    )


def build_demo(ledger: Ledger, settings: Settings, work: Path) -> Demo:
    """Make the demo show's files under ``work``, scan them, approve, expire and audit."""
    settings = trusting(demo_settings(settings, work))
    show = work / "show"
    gen1 = generated_png(show / "genai" / "gen1.png", 1)
    gen2 = generated_png(show / "genai" / "gen2.png", 2)
    bad = hostile_png(show / "genai" / "portrait.png", 3)
    copy = stripped_copy(gen1, show / "edit" / "copy.jpg")
    plate = camera_jpeg(show / "plates" / "plate.jpg", 40)
    frames = [show / "comp" / f"sh010_comp.{n}.png" for n in (1001, 1002, 1003)]
    for seed, frame in enumerate(frames, start=60):
        frame.parent.mkdir(parents=True, exist_ok=True)
        picture(seed).save(frame)
    scan([show], ledger, settings)
    consent = work / "docs" / "consent-signed.pdf"
    consent.parent.mkdir(parents=True, exist_ok=True)
    consent.write_bytes(b"%PDF-1.7\nsigned by the studio's legal team\n%%EOF\n")
    lc = Lifecycle(ledger, settings)
    approve(lc, [str(gen2)], final(consent))
    set_expiry(lc, [str(gen1)], datetime.now(UTC) + timedelta(days=3))
    delivery = show / "deliveries" / "reel1"
    stripped_copy(gen1, delivery / "shot_a.jpg")
    audit(delivery, ledger, settings, AuditOptions())
    return Demo(
        ledger,
        settings,
        work,
        sha256_of(gen1),
        sha256_of(gen2),
        sha256_of(bad),
        sha256_of(copy),
        sha256_of(plate),
        tuple(sha256_of(f) for f in frames),
        sha256_of(consent),
    )


def make_app(demo: Demo, guard: Guard, cache: Path) -> Flask:
    """The web view over the demo ledger with ``guard``."""
    app = create_app(demo.ledger, demo.settings, guard, cache)
    app.testing = True
    return app
