"""``ls --looks-like ASSET`` lists the pictures and masters that hold a generated picture.

End to end through click, on SQLite and PostgreSQL: the studio scans a
generated matte painting (the deferred stage describes it), then a comp that
holds it at half the plate's width and a master that holds it whole for two
seconds (the deferred stage checks the one and sweeps the other). Asked by a
prefix of the painting's hash, ``ls --looks-like`` names both: the comp as
holding it, with its cover, and the master with the time range that shows
it, in the table and in the JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from provenance.cli import cli
from provenance.store import Ledger
from tests.support.files import sha256_of
from tests.support.holders import HELD, Holders, make_holders
from tests.support.json_schemas import problems
from tests.support.scenes import Kept, kept_scene

pytest.importorskip("av")


@dataclass(frozen=True)
class Scanned:
    """The holders, scanned in turn into the test's ledger, and the painting's SHA-256."""

    holders: Holders
    db: str
    painting: str

    def run(self, *args: str) -> Result:
        done = CliRunner().invoke(cli, [*args, "--db", self.db], terminal_width=250)
        assert done.exit_code == 0, done.output
        return done


def _scanned(url: str, folder: Path) -> Scanned:
    holders = make_holders(folder / "work")
    found = Scanned(holders, url, sha256_of(holders.painting))
    found.run("scan", str(holders.painting.parent))
    with Ledger(url) as ledger:  # described by the deferred stage
        assert ledger.features.status_of(found.painting) == "ok"
    found.run("scan", str(holders.comp.parent), str(holders.master.parent))
    return found


kept = kept_scene("kept", _scanned)  # built once a test module and backend


@pytest.fixture
def scanned(kept: Kept[Scanned], monkeypatch: pytest.MonkeyPatch) -> Scanned:
    """The painting, then the comp and the master, scanned."""
    return kept.get(monkeypatch)


def _rows(scanned: Scanned) -> dict[str, dict[str, Any]]:
    listed = json.loads(scanned.run("ls", "--looks-like", scanned.painting[:12], "--json").stdout)
    assert problems("ls", listed) == []
    return {row["locations"][0]["path"]: row for row in listed["assets"]}


def test_the_json_lists_the_comp_holding_it_and_the_master_showing_it(
    scanned: Scanned,
) -> None:
    rows = _rows(scanned)
    comp, master = str(scanned.holders.comp), str(scanned.holders.master)
    assert set(rows) == {comp, master}
    assert rows[comp]["sha256"] == sha256_of(scanned.holders.comp)
    assert rows[comp]["distance"] is None and 0.15 < rows[comp]["holds"]["cover"] < 0.35
    assert "shows" not in rows[comp]
    (shown,) = rows[master]["shows"]
    assert rows[master]["sha256"] == sha256_of(scanned.holders.master)
    assert "holds" not in rows[master]
    assert abs(shown["start"] - HELD[0]) <= 0.5 and abs(shown["end"] - HELD[1]) <= 0.5, shown
    assert shown["tc_in"].startswith("01:00:0") and shown["tc_out"].startswith("01:00:0")


def test_the_table_lists_them_too_whole_in_80_columns(scanned: Scanned) -> None:
    shown = _rows(scanned)[str(scanned.holders.master)]["shows"][0]
    done = CliRunner().invoke(
        cli, ["ls", "--looks-like", scanned.painting[:12], "--db", scanned.db], terminal_width=80
    )
    assert done.exit_code == 0 and "…" not in done.stdout, done.output
    rows = {row[0]: row for row in _table_rows(done.stdout)}
    comp, master = sha256_of(scanned.holders.comp)[:12], sha256_of(scanned.holders.master)[:12]
    assert set(rows) == {"sha256", comp, master}  # the heading, and the two that hold it
    *_, alike, place = rows[comp]
    assert alike.startswith("holdsit,") and place == _unspaced(scanned.holders.comp)
    *_, alike, place = rows[master]
    assert alike.endswith(_unspaced(f"shows it at {shown['tc_in']}-{shown['tc_out']}"))
    assert place == _unspaced(scanned.holders.master)


def _table_rows(text: str) -> list[list[str]]:
    """A table's rows, each cell's lines joined without spaces (folding may break anywhere);
    a row begins where its first cell is not empty."""
    rows: list[list[str]] = []
    for line in text.splitlines():
        if line[:1] not in "│┃":
            continue
        cells = [_unspaced(c) for c in line[1:-1].replace("┃", "│").split("│")]
        if cells[0] or not rows:
            rows.append(cells)
        else:
            rows[-1] = [a + b for a, b in zip(rows[-1], cells, strict=True)]
    return rows


def _unspaced(text: object) -> str:
    return "".join(str(text).split())
