"""An audit that fills in a known asset's identity names the file as the report does.

A delivered file whose asset was recorded without media identity (before
migration 0011) gains it from the audit through an ``identified`` event. A
file inside a delivered archive is read from the temporary folder the audit
unpacks it into, which is gone once the audit ends: the event names it as the
report does, the archive's path and the member's.
"""

from __future__ import annotations

import dataclasses
import zipfile
from pathlib import Path

import pytest

from provenance.audit.run import AuditOptions, audit
from provenance.settings import Settings
from provenance.store import EventRecord, Ledger
from tests.support.factories import observation
from tests.support.files import sha256_of
from tests.support.masters import Shot, pan, write_master

pytest.importorskip("av")


@pytest.fixture
def reel(tmp_path: Path, ledger: Ledger) -> Path:
    """A master with a start timecode, in the ledger as recorded before identity was kept."""
    path = write_master(tmp_path / "work" / "A001.mov", [Shot(1.0, pan(1))], timecode="01:00:10:00")
    seen = observation("A001", str(path))
    facts = dataclasses.replace(seen.asset, sha256=sha256_of(path), size=path.stat().st_size,
                                kind="video", mime="video/quicktime", format="mov")  # fmt: skip
    ledger.record([dataclasses.replace(seen, asset=facts, size=facts.size)])
    assert ledger.assets.get(facts.sha256).timecode is None  # type: ignore[union-attr]
    return path


def identified(ledger: Ledger) -> EventRecord:
    [event] = ledger.events.list(types=["identified"])
    return event


def test_a_member_of_an_archive_is_named_by_the_archive_and_its_own_path(
    tmp_path: Path, ledger: Ledger, settings: Settings, reel: Path
) -> None:
    archive = tmp_path / "delivery" / "reel1.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as package:
        package.write(reel, "reels/A001.mov")
    report = audit(archive, ledger, settings, AuditOptions())
    assert [f.path for f in report.files] == ["reels/A001.mov"]
    event = identified(ledger)
    assert event.path == f"{report.root}/reels/A001.mov" == f"{archive}/reels/A001.mov"
    assert event.details["timecode"] == "01:00:10:00"


def test_an_archive_inside_a_folder_is_named_the_same_way(
    tmp_path: Path, ledger: Ledger, settings: Settings, reel: Path
) -> None:
    delivery = tmp_path / "delivery"
    delivery.mkdir()
    with zipfile.ZipFile(delivery / "reel1.zip", "w") as package:
        package.write(reel, "A001.mov")
    audit(delivery, ledger, settings, AuditOptions())
    assert identified(ledger).path == f"{delivery}/reel1.zip/A001.mov"


def test_a_file_in_a_folder_is_named_where_it_is(
    tmp_path: Path, ledger: Ledger, settings: Settings, reel: Path
) -> None:
    audit(reel.parent, ledger, settings, AuditOptions())
    assert identified(ledger).path == str(reel)
