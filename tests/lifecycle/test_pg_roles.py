"""Role separation on a real PostgreSQL server, with the roles of ``provenance db roles``.

The roles are created for this test run only (unique names) and dropped
afterwards; the daemon's login must be unable to record an approval.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import psycopg
import pytest

from provenance.errors import ApprovalRefused, ConfigError
from provenance.ingest.record import ingest
from provenance.lifecycle import Lifecycle, approve, expire, revoke
from provenance.settings import Settings
from provenance.store import Ledger
from tests.support.files import png
from tests.support.lifecycle import Clock, a1111, final
from tests.support.pg_roles import role_logins
from tests.support.postgres import pg_dsn
from tests.support.signing import trusting

pytestmark = pytest.mark.postgres


@dataclasses.dataclass(frozen=True)
class Roles:
    daemon_url: str
    approver_url: str
    approver_role: str
    daemon_user: str


@pytest.fixture
def roles(pg_schema_url: str) -> Iterator[Roles]:
    Ledger.init(pg_schema_url)[0].close()
    with role_logins(pg_schema_url) as made:
        yield Roles(
            made.urls["daemon"],
            made.urls["approver"],
            made.groups["approver"],
            made.logins["daemon"],
        )


def lifecycle(url: str, tmp_path: Path, clock: Clock, **settings: object) -> Lifecycle:
    ledger = Ledger(url, actor="tester", host="testhost")
    config = trusting(Settings(db=url, workers=1, approvers=("tester",), **settings))  # type: ignore[arg-type]
    return Lifecycle(ledger, config, clock)


def generated(tmp_path: Path, lc: Lifecycle, seed: int) -> Path:
    path = png(tmp_path / f"gen{seed}.png", seed, a1111("a castle"))
    ingest(path, lc.ledger, lc.settings)
    return path


def test_the_daemon_role_records_files_but_cannot_approve(
    roles: Roles, tmp_path: Path, clock: Clock, consent: Path
) -> None:
    daemon = lifecycle(roles.daemon_url, tmp_path, clock)
    with daemon.ledger:
        path = generated(tmp_path, daemon, 1)  # the daemon's job: works
        with pytest.raises(ApprovalRefused) as caught:
            approve(daemon, [str(path)], final(consent))
        message = caught.value.message
        assert f"database user '{roles.daemon_user}' may not record approvals" in message
        assert "permission denied" in message
        assert daemon.ledger.approvals.list() == []
        refused = daemon.ledger.events.list()[-1]
        assert refused.type == "approval-refused" and "permission denied" in str(refused.details)
        clock.advance(days=31)
        assert [e.asset.status for e in expire(daemon)] == ["expired"]  # also its job
        assert daemon.ledger.events.verify().ok


def test_the_approver_role_approves_and_revokes(
    roles: Roles, tmp_path: Path, clock: Clock, consent: Path
) -> None:
    approver = lifecycle(roles.approver_url, tmp_path, clock, approver_db_role=roles.approver_role)
    daemon = lifecycle(roles.daemon_url, tmp_path, clock)
    with approver.ledger, daemon.ledger:
        path = generated(tmp_path, daemon, 2)
        [record] = approve(approver, [str(path)], final(consent)).records
        assert approver.ledger.assets.resolve(record.asset_sha256).status == "approved"
        with pytest.raises(ApprovalRefused, match="may not revoke approvals"):
            revoke(daemon, record.id, "not mine to revoke")
        revoke(approver, record.id, "consent withdrawn")
        assert approver.ledger.assets.resolve(record.asset_sha256).status == "temporary"
        assert approver.ledger.events.verify().ok


def test_approver_db_role_is_checked_before_writing(
    roles: Roles, tmp_path: Path, clock: Clock, consent: Path
) -> None:
    daemon = lifecycle(roles.daemon_url, tmp_path, clock, approver_db_role=roles.approver_role)
    with daemon.ledger:
        path = generated(tmp_path, daemon, 3)
        with pytest.raises(ApprovalRefused, match=f"not a member of role '{roles.approver_role}'"):
            approve(daemon, [str(path)], final(consent))
        assert daemon.ledger.events.list()[-1].type == "approval-refused"
        typo = dataclasses.replace(
            daemon, settings=dataclasses.replace(daemon.settings, approver_db_role="no_such_role")
        )
        with pytest.raises(ConfigError, match="does not exist"):
            approve(typo, [str(path)], final(consent))


def test_the_daemon_cannot_write_approvals_even_by_hand(roles: Roles) -> None:
    with (
        psycopg.connect(pg_dsn(roles.daemon_url.split("?")[0])) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        schema = re.search(r"search_path=([\w]+)", unquote(roles.daemon_url))
        assert schema
        conn.execute(f"SET search_path = {schema.group(1)}")
        conn.execute("INSERT INTO documents VALUES ('x', 'x', 1, 'x', now(), 'me')")
