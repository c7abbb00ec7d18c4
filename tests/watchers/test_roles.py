"""The watch daemon under each role of ``provenance db roles``, on the real PostgreSQL server.

The daemon's and the approver's logins record what lands in a watched folder,
fingerprints included (the issue found files recorded without them, while
``status`` said ok); the reader's login is refused at start, with one
``Error:`` line from ``provenance watch`` and exit 2, never a traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from provenance.cli import cli
from provenance.errors import EXIT_CANNOT_RUN
from provenance.store import Ledger
from tests.support.files import png, sha256_of
from tests.support.pg_roles import RoleLogins, role_logins
from tests.support.waiting import wait_for
from tests.watchers.daemons import fast_settings, running

pytestmark = pytest.mark.postgres


@pytest.fixture
def logins(pg_schema_url: str) -> Iterator[RoleLogins]:
    Ledger.init(pg_schema_url)[0].close()
    with role_logins(pg_schema_url) as made:
        yield made


@pytest.mark.parametrize("role", ["daemon", "approver"])
def test_the_daemon_records_files_and_fingerprints(
    logins: RoleLogins, root: Path, role: str
) -> None:
    url = logins.urls[role]
    with Ledger(url) as ledger, running(ledger, fast_settings(url), [root]) as handle:
        sha = sha256_of(png(root / "plate.png", 3))
        wait_for(lambda: ledger.fingerprints.status_of(sha) is not None, 30, "a fingerprint row")
        assert [loc.path for loc in ledger.locations.present(sha)] == [str(root / "plate.png")]
        assert handle.error is None
    with Ledger(logins.urls["reader"]) as reader:
        events = reader.events.list()
        assert [e.type for e in events if e.type != "sealed"] == ["detected"]
        assert "sealed" in {e.type for e in events}  # the fingerprints' write, sealed
        assert {e.actor for e in events} == {logins.logins[role]}
        assert reader.events.verify().ok


def test_the_readers_watch_is_refused(logins: RoleLogins, root: Path) -> None:
    result = CliRunner().invoke(cli, ["watch", str(root), "--db", logins.urls["reader"]],
                                catch_exceptions=False)  # fmt: skip
    assert result.exit_code == EXIT_CANNOT_RUN
    [line] = [text for text in result.stderr.splitlines() if text.startswith("Error:")]
    assert "permission denied" in line and logins.logins["reader"] in line
    assert "Traceback" not in result.stderr
