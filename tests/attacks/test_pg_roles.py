"""Attacks on a PostgreSQL ledger guarded by ``provenance db roles``, by insiders with a login.

Each attack is what the issue found working with the roles documented by hand:
the daemon's login editing a verdict or an approval, rewriting or emptying the
event log, appending a correctly chained event in someone else's name, at
another time, or of a kind only approvers record; an approver recording an
approval in another's name. Each runs in its own transaction straight at the
server, and must be refused by the server itself. Controls show that the same
harness is allowed the writes the roles do permit, so a refusal is the guard's.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest

from provenance.ingest.record import ingest
from provenance.lifecycle import Lifecycle, approve
from provenance.settings import Settings
from provenance.store import Ledger
from provenance.store.chain import details_text, event_hash
from tests.support.files import png
from tests.support.lifecycle import Clock, a1111, final
from tests.support.pg_roles import RoleLogins, role_logins
from tests.support.postgres import PG_URL, pg_dsn, require_postgres
from tests.support.signing import trusting

pytestmark = pytest.mark.postgres

STAMP = """to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""


@dataclass(frozen=True)
class Guarded:
    """A guarded ledger with two generated assets, one approved, and logins in each role."""

    owner_url: str
    logins: RoleLogins
    sha: str
    approval: int
    pending: str  # generated, temporary, never approved


@contextmanager
def guarded_ledger(url: str, folder: Path) -> Iterator[Guarded]:
    """Initialize the ledger at ``url``, apply the roles, record and approve as the approver."""
    Ledger.init(url)[0].close()
    with role_logins(url) as logins, Ledger(logins.urls["approver"]) as ledger:
        base = Settings(db=logins.urls["approver"], workers=1, approvers=(ledger.actor,))
        settings = trusting(base)
        lc = Lifecycle(ledger, settings, Clock())
        path = png(folder / "gen.png", 1, a1111("a castle"))
        ingest(path, ledger, settings)
        consent = folder / "consent.pdf"
        consent.write_bytes(b"%PDF-1.7\nsigned\n%%EOF\n")
        [record] = approve(lc, [str(path)], final(consent)).records
        pending = ingest(png(folder / "gen2.png", 2, a1111("a moat")), ledger, settings)
        yield Guarded(url, logins, record.asset_sha256, record.id, str(pending.sha256))


@pytest.fixture
def guarded(pg_schema_url: str, tmp_path: Path) -> Iterator[Guarded]:
    """A guarded ledger of its own, for a test whose control changes it."""
    with guarded_ledger(pg_schema_url, tmp_path) as made:
        yield made


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Guarded]:
    """One guarded ledger for the attacks that must change nothing (each is refused)."""
    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(pg_dsn(PG_URL), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    url = f"{PG_URL}?options={quote(f'-csearch_path={schema}')}"
    try:
        with guarded_ledger(url, tmp_path_factory.mktemp("shared")) as made:
            yield made
    finally:
        with psycopg.connect(pg_dsn(PG_URL), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def connect(guarded: Guarded, role: str) -> psycopg.Connection[tuple[object, ...]]:
    """A connection as the login in ``role`` (the owner for "owner")."""
    url = guarded.owner_url if role == "owner" else guarded.logins.urls[role]
    return psycopg.connect(pg_dsn(url))


def refused(guarded: Guarded, role: str, sql: str, *args: object) -> str:
    """Run ``sql`` as ``role``; it must be refused for want of privilege. Returns why."""
    with connect(guarded, role) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege) as err:
        conn.execute(sql, args)
    return str(err.value)


DENIED = "permission denied"
TABLE_EDITS = [
    ("daemon", "UPDATE assets SET verdict = 'not_genai' WHERE sha256 = %s", DENIED),
    ("daemon", "UPDATE assets SET status = 'quarantined' WHERE sha256 = %s", "may not change"),
    ("daemon", "UPDATE assets SET replaced_by = 'x' WHERE sha256 = %s", DENIED),
    ("daemon", "UPDATE approvals SET revoked_at = NULL WHERE asset_sha256 = %s", DENIED),
    ("daemon", "UPDATE approvals SET asset_sha256 = 'x' WHERE asset_sha256 = %s", DENIED),
    ("daemon", "DELETE FROM approvals WHERE asset_sha256 = %s", DENIED),
    ("daemon", "DELETE FROM events WHERE asset_sha256 = %s", DENIED),
    ("daemon", "UPDATE events SET actor = 'x' WHERE asset_sha256 = %s", DENIED),
    ("approver", "UPDATE assets SET verdict = 'not_genai' WHERE sha256 = %s", DENIED),
    ("approver", "UPDATE approvals SET asset_sha256 = 'x' WHERE asset_sha256 = %s", DENIED),
    ("approver", "DELETE FROM approvals WHERE asset_sha256 = %s", DENIED),
    ("approver", "DELETE FROM events WHERE asset_sha256 = %s", DENIED),
    ("reader", "UPDATE assets SET status = 'temporary' WHERE sha256 = %s", DENIED),
    # The owner may do anything to its tables but this: the log stays append-only.
    ("owner", "DELETE FROM events WHERE asset_sha256 = %s", "append-only"),
    ("owner", "UPDATE events SET actor = 'x' WHERE asset_sha256 = %s", "append-only"),
]  # fmt: skip


@pytest.mark.parametrize(("role", "sql", "why"), TABLE_EDITS)
def test_table_edits_are_refused(shared: Guarded, role: str, sql: str, why: str) -> None:
    assert why in refused(shared, role, sql, shared.sha)


@pytest.mark.parametrize("role", ["daemon", "approver", "owner"])
def test_the_event_log_cannot_be_emptied(shared: Guarded, role: str) -> None:
    refused(shared, role, "TRUNCATE events")
    with connect(shared, "owner") as conn:
        assert conn.execute("SELECT count(*) FROM events").fetchone() == (3,)


def test_the_daemon_cannot_approve_by_status(shared: Guarded) -> None:
    sql = "UPDATE assets SET status = 'approved' WHERE sha256 = %s"
    assert "may not change the status" in refused(shared, "daemon", sql, shared.pending)


@pytest.mark.parametrize(("status", "replaced_by"), [("approved", None), ("temporary", "x" * 64)])
def test_the_daemon_cannot_record_a_new_asset_as_decided(
    guarded: Guarded, status: str, replaced_by: str | None
) -> None:
    sql = (
        "INSERT INTO assets (sha256, size, kind, mime, verdict, evidence, status, first_seen,"
        " updated_at, replaced_by) VALUES (%s, 1, 'image', 'image/png', 'genai', '[]', %s,"
        " now(), now(), %s)"
    )
    why = refused(guarded, "daemon", sql, "f" * 64, status, replaced_by)
    assert "may not record asset" in why
    with connect(guarded, "daemon") as conn:  # the control: as ingest records it
        conn.execute(sql, ("f" * 64, "temporary", None))


def test_the_daemon_may_mark_an_asset_expired(guarded: Guarded) -> None:
    """The control: the one status change the daemon's expiry makes goes through."""
    with connect(guarded, "daemon") as conn:
        conn.execute("UPDATE assets SET status = 'expired' WHERE sha256 = %s", (guarded.pending,))


def append_event(conn: psycopg.Connection[tuple[object, ...]], kind: str, **forged: str) -> None:
    """Append one correctly chained event, stamped as the server would unless ``forged``."""
    head = conn.execute("SELECT seq, hash FROM chain_head WHERE id = 1 FOR UPDATE").fetchone()
    stamp = conn.execute(f"SELECT current_user::text, {STAMP}").fetchone()
    assert head is not None and stamp is not None
    (seq, prev), (actor, at) = head, stamp
    row = {"seq": int(str(seq)) + 1, "at": forged.get("at", at), "type": kind, "asset_sha256": None,
           "actor": forged.get("actor", actor), "host": "render01", "path": None,
           "details": details_text({"reason": "looks fine"}), "prev_hash": prev}  # fmt: skip
    digest = event_hash(**row)  # type: ignore[arg-type]
    conn.execute(
        "INSERT INTO events (seq, at, type, asset_sha256, actor, host, path, details, prev_hash,"
        " hash) VALUES (%(seq)s, %(at)s, %(type)s, %(asset_sha256)s, %(actor)s, %(host)s,"
        " %(path)s, %(details)s, %(prev_hash)s, %(hash)s)",
        {**row, "hash": digest},
    )
    conn.execute("UPDATE chain_head SET seq = %s, hash = %s WHERE id = 1", (row["seq"], digest))


FORGERIES = [
    ("daemon", "approved", {}, "may not record approved events"),
    ("daemon", "revoked", {}, "may not record revoked events"),
    ("daemon", "quarantined", {}, "may not record quarantined events"),
    ("daemon", "seen", {"actor": "jane"}, "names actor jane"),
    ("daemon", "seen", {"at": "2020-01-01T00:00:00.000000Z"}, "not the server's time"),
    ("approver", "approved", {"actor": "jane"}, "names actor jane"),
    ("owner", "seen", {"at": "2020-01-01T00:00:00.000000Z"}, "not the server's time"),
]


@pytest.mark.parametrize(("role", "kind", "forged", "why"), FORGERIES)
def test_forged_events_are_refused(
    shared: Guarded, role: str, kind: str, forged: dict[str, str], why: str
) -> None:
    with connect(shared, role) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege) as err:
        append_event(conn, kind, **forged)
    assert why in str(err.value)


@pytest.mark.parametrize(("role", "kind"), [("daemon", "seen"), ("approver", "approved")])
def test_events_stamped_by_the_server_are_appended(guarded: Guarded, role: str, kind: str) -> None:
    """The control: the same harness, honest, is let through, and the chain still verifies."""
    with connect(guarded, role) as conn:
        append_event(conn, kind)
    with Ledger(guarded.owner_url) as ledger:
        assert ledger.events.verify().ok
        assert ledger.events.list()[-1].actor == guarded.logins.logins[role]


def approval_in_the_name_of(guarded: Guarded, recorded_by: str) -> str:
    """SQL inserting a copy of the fixture's approval, recorded by ``recorded_by``."""
    return (
        "INSERT INTO approvals (asset_sha256, category, scope, approver, recorded_by, host,"
        " reference_path, reference_sha256, approved_at)"
        " SELECT asset_sha256, category, scope, approver, "
        f"'{recorded_by}', host, reference_path, reference_sha256, now()"
        f" FROM approvals WHERE id = {guarded.approval}"
    )


def test_an_approval_in_another_users_name_is_refused(guarded: Guarded) -> None:
    why = refused(guarded, "approver", approval_in_the_name_of(guarded, "jane"))
    assert "row-level security" in why
    refused(guarded, "daemon", approval_in_the_name_of(guarded, guarded.logins.logins["daemon"]))
    with connect(guarded, "approver") as conn:  # the control: in one's own name it is recorded
        conn.execute(approval_in_the_name_of(guarded, guarded.logins.logins["approver"]))


def test_a_revocation_in_another_users_name_is_refused(guarded: Guarded) -> None:
    sql = "UPDATE approvals SET revoked_at = now(), revoked_by = %s WHERE id = %s"
    why = refused(guarded, "approver", sql, "jane", guarded.approval)
    assert "row-level security" in why
    refused(guarded, "daemon", sql, guarded.logins.logins["daemon"], guarded.approval)
    with connect(guarded, "approver") as conn:  # the control
        conn.execute(sql, (guarded.logins.logins["approver"], guarded.approval))
