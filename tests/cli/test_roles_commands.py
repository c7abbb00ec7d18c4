"""Every command under each role of ``provenance db roles``, on the real PostgreSQL server.

A login in the reader, daemon or approver role runs every command that opens
the ledger (scan, audit, expire, purge, restore, approve, revoke, set-expiry,
replace, rescreen, report, status, document, history, ls, verify) on a ledger
the owner prepared. Each command either works or is refused with one ``Error:``
line and exit 2, never a traceback and never 1 (which means "blocked"); a
refused purge or restore leaves every file where the ledger says it is.
(``watch`` under each role: :mod:`tests.watchers.test_roles`.)
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from sqlalchemy.engine import make_url

from provenance.cli import cli
from provenance.errors import EXIT_CANNOT_RUN
from provenance.store import Ledger, current_actor
from tests.support.files import png, sha256_of
from tests.support.lifecycle import a1111
from tests.support.pg_roles import RoleLogins, drop_roles, role_logins
from tests.support.postgres import pg_dsn
from tests.support.signing import approver_key, settings_toml

pytestmark = pytest.mark.postgres

# What each role may do; every other command must be refused.
# rescreen finds nothing new to flag here, so writes nothing: it works for everyone.
READ = {"history", "ls", "verify", "report", "use-log", "status", "document", "rescreen",
        "audit --no-record"}  # fmt: skip
RECORD = {"scan", "audit", "expire"}
DECIDE = {"purge", "restore", "purge --delete", "approve", "revoke", "set-expiry", "replace"}
ALLOWED = {"reader": READ, "daemon": READ | RECORD, "approver": READ | RECORD | DECIDE}


@dataclass(frozen=True)
class Studio:
    """A guarded ledger the owner prepared, with its files, config and role logins."""

    root: Path
    config: Path
    logins: RoleLogins
    approval: int  # of work/approved.png
    expiring: Path  # work/expiring.png: generated, past its expiry, not purged yet
    held: Path  # work/held.png: in quarantine
    pending: Path  # work/pending.png: generated, temporary, not approved
    fresh: tuple[Path, Path]  # fresh/new.png and fresh/gen.png (generated): never scanned
    shas: dict[Path, str]  # of each file the owner made


def run(url: str, config: Path, *args: str) -> tuple[int, str]:
    """Run a command; an exception escaping the CLI (a traceback) fails the test."""
    result = CliRunner().invoke(cli, [*args, "--db", url, "--config", str(config)],
                                catch_exceptions=False)  # fmt: skip
    return result.exit_code, result.stderr


def owner_run(url: str, config: Path, *args: str) -> str:
    code, err = run(url, config, *args)
    assert code == 0, err
    return err


@pytest.fixture
def studio(pg_schema_url: str, tmp_path: Path) -> Iterator[Studio]:
    work = tmp_path / "work"
    paths = {name: png(work / f"{name}.png", seed, a1111(name)) for seed, name in
             enumerate(("approved", "expiring", "held", "pending"), start=1)}  # fmt: skip
    png(work / "plain.png", 9)
    fresh = (png(tmp_path / "fresh" / "new.png", 11),
             png(tmp_path / "fresh" / "gen.png", 12, a1111("fresh")))  # fmt: skip
    shas = {path: sha256_of(path) for path in [*paths.values(), *fresh]}
    png(tmp_path / "package" / "delivery.png", 10)
    (tmp_path / "consent.pdf").write_bytes(b"%PDF-1.7\nsigned\n%%EOF\n")
    config = tmp_path / "provenance.toml"
    config.write_text(f'quarantine_dir = "{tmp_path / "quarantine"}"\nworkers = 1\n'
                      f'approvers = ["{current_actor()}"]\n{settings_toml()}')  # fmt: skip
    url = pg_schema_url
    owner_run(url, config, "init")
    owner_run(url, config, "scan", str(work))
    owner_run(url, config, "approve", str(paths["approved"]), "--category", "final-deliverable",
              "--approver", "Jane Doe", "--reference", str(tmp_path / "consent.pdf"),
              "--sign-with", str(approver_key()))  # fmt: skip
    owner_run(url, config, "set-expiry", str(paths["held"]), "--until", "2000-01-01", "--force")
    owner_run(url, config, "purge", "--expired")
    owner_run(url, config, "set-expiry", str(paths["expiring"]), "--until", "2000-01-01", "--force")
    with Ledger(url) as ledger:
        [approval] = ledger.approvals.list()
    with role_logins(url) as logins:
        expiring, held, pending = paths["expiring"], paths["held"], paths["pending"]
        yield Studio(tmp_path, config, logins, approval.id, expiring, held, pending, fresh, shas)


def commands(studio: Studio) -> dict[str, list[str]]:
    """Each command's arguments, in the order they run."""
    root = studio.root
    return {
        "history": ["history", str(studio.expiring)],
        "ls": ["ls"],
        "verify": ["verify"],
        "report": ["report", "--output", str(root / "report.md")],
        "use-log": ["use-log", "--output", str(root / "use-log.csv")],
        "status": ["status"],
        "document": ["document", sha256_of(root / "consent.pdf"), "--output", str(root / "c.pdf")],
        "scan": ["scan", str(root / "fresh")],
        "audit --no-record": ["audit", str(root / "package"), "--no-record"],
        "audit": ["audit", str(root / "package")],
        "expire": ["expire"],
        "purge": ["purge", "--expired"],
        "restore": ["restore", str(studio.held)],
        "purge --delete": ["purge", "--delete", "--yes"],
        "approve": ["approve", str(studio.pending), "--category", "final-deliverable",
                    "--approver", "Jane Doe", "--reference", str(root / "consent.pdf"),
                    "--sign-with", str(approver_key())],
        "revoke": ["revoke", str(studio.approval), "--reason", "consent withdrawn"],
        "set-expiry": ["set-expiry", str(studio.pending), "--until", "2100-01-01"],
        "replace": ["replace", str(studio.pending), str(root / "work" / "approved.png")],
        "rescreen": ["rescreen"],
    }  # fmt: skip


@pytest.mark.parametrize("role", ["reader", "daemon", "approver"])
def test_every_command_works_or_says_why_not(studio: Studio, role: str) -> None:
    url = studio.logins.urls[role]
    for name, args in commands(studio).items():
        code, err = run(url, studio.config, *args)
        if name in ALLOWED[role]:
            assert code == 0, f"{role} {name}: {err}"
        else:
            assert code == EXIT_CANNOT_RUN, f"{role} {name} exited {code}: {err}"
            [line] = err.splitlines()
            assert line.startswith("Error: ") and studio.logins.logins[role] in line, line
            if name == "audit":  # a reader may audit all the same, unrecorded
                assert line.endswith("or audit without recording it: --no-record"), line
    with Ledger(studio.logins.urls["reader"]) as ledger:
        assert ledger.events.verify().ok
        if "scan" in ALLOWED[role]:  # the pictures' derived rows are written too (16 px: too small)
            fresh = [studio.shas[path] for path in studio.fresh]
            assert [ledger.fingerprints.status_of(sha) for sha in fresh] == ["too_small"] * 2
            assert ledger.features.status_of(fresh[1]) is not None


def where_the_ledger_has(studio: Studio, path: Path) -> tuple[str | None, bool]:
    """The status of the asset whose bytes were at ``path``, and whether ``path`` is present."""
    with Ledger(studio.logins.urls["reader"]) as ledger:
        asset = ledger.assets.resolve(studio.shas[path])
        present = {loc.path for loc in ledger.locations.present(asset.sha256)}
    return asset.status, str(path) in present


@pytest.mark.parametrize("role", ["reader", "daemon"])
def test_a_refused_purge_restore_or_delete_moves_nothing(studio: Studio, role: str) -> None:
    url = studio.logins.urls[role]
    held_before = where_the_ledger_has(studio, studio.held)
    assert run(url, studio.config, "purge", "--expired")[0] == EXIT_CANNOT_RUN
    assert studio.expiring.exists()
    assert where_the_ledger_has(studio, studio.expiring)[1]  # still present, as it is
    assert run(url, studio.config, "restore", str(studio.held))[0] == EXIT_CANNOT_RUN
    assert not studio.held.exists()
    assert where_the_ledger_has(studio, studio.held) == held_before == ("quarantined", False)
    assert run(url, studio.config, "purge", "--delete", "--yes")[0] == EXIT_CANNOT_RUN
    with Ledger(studio.logins.urls["reader"]) as ledger:
        [entry] = ledger.quarantine.list()
    assert Path(entry.quarantine_path).is_file()


def test_roles_on_sqlite_say_they_are_for_postgresql(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/ledger.sqlite3"
    config = tmp_path / "none.toml"
    config.write_text("")
    owner_run(url, config, "init")
    code, err = run(url, config, "db", "roles")
    assert code == EXIT_CANNOT_RUN
    assert err.splitlines() == [f"Error: database roles are for PostgreSQL ledgers only: {url}."
                                " SQLite has no users: protect its file with file permissions"
                                " instead"]  # fmt: skip


@pytest.mark.postgres
def test_db_roles_creates_the_roles_once_and_is_refused_to_others(
    pg_schema_url: str, tmp_path: Path
) -> None:
    config = tmp_path / "none.toml"
    config.write_text("")
    owner_run(pg_schema_url, config, "init")
    tag = uuid.uuid4().hex[:8]
    names = [f"r_{tag}", f"d_{tag}", f"a_{tag}"]
    args = ["db", "roles", "--reader", names[0], "--daemon", names[1], "--approver", names[2]]
    try:
        first = CliRunner().invoke(cli, [*args, "--db", pg_schema_url, "--json"])
        assert json.loads(first.stdout)["created"] == names
        again = CliRunner().invoke(cli, [*args, "--db", pg_schema_url])
        assert again.exit_code == 0 and "(created" not in again.stdout
        with role_logins(pg_schema_url) as logins:  # a daemon's login may not hand out rights
            code, err = run(logins.urls["daemon"], config, *args)
        assert code == EXIT_CANNOT_RUN and err.startswith("Error: the database refused")
        assert len(err.splitlines()) == 1
    finally:
        drop_roles(names)


@pytest.mark.postgres
def test_db_roles_refuses_names_that_would_leak_rights_or_circle(
    pg_schema_url: str, tmp_path: Path
) -> None:
    """The owner (a superuser here) as a role would make every daemon login able to SET ROLE
    to it; names given twice or the other way round ask for a circle the server refuses."""
    config = tmp_path / "none.toml"
    config.write_text("")
    owner_run(pg_schema_url, config, "init")
    tag = uuid.uuid4().hex[:8]
    reader, daemon, approver = names = [f"r_{tag}", f"d_{tag}", f"a_{tag}"]
    owner = str(make_url(pg_schema_url).username)
    refused = [(owner, daemon, approver), (reader, daemon, owner), (reader, reader, approver),
               ("", daemon, approver), (approver, daemon, reader)]  # fmt: skip
    try:
        owner_run(pg_schema_url, config, "db", "roles", "--reader", reader, "--daemon", daemon,
                  "--approver", approver)  # fmt: skip
        for given in refused:
            code, err = run(pg_schema_url, config, "db", "roles", "--reader", given[0],
                            "--daemon", given[1], "--approver", given[2])  # fmt: skip
            assert code == EXIT_CANNOT_RUN, given
            assert err.startswith("Error: the ") and len(err.splitlines()) == 1, err
        with psycopg.connect(pg_dsn(pg_schema_url)) as conn:  # nothing was granted
            leaked = conn.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", (daemon, owner))
            assert leaked.fetchone() == (False,)
    finally:
        drop_roles(names)


@pytest.mark.parametrize("role", ["reader", "daemon", "approver"])
def test_a_rescreen_that_flags_is_the_approvers(studio: Studio, role: str) -> None:
    """After a watchlist edit rescreen writes flags (and may make an approved asset temporary
    again): the approver's work. Others are refused in one line and nothing is written; a dry
    run works for everyone."""
    watchlist = studio.root / "talent.txt"
    watchlist.write_text("approved\npending\n")
    config = studio.root / "listed.toml"
    config.write_text(studio.config.read_text() + f'\n[[watchlists]]\npath = "{watchlist}"\n'
                      'category = "talent-likeness"\n')  # fmt: skip
    url = studio.logins.urls[role]
    assert run(url, config, "rescreen", "--dry-run") == (0, "")
    code, err = run(url, config, "rescreen", "--json")
    with Ledger(studio.logins.urls["reader"]) as ledger:
        flagged = [e for e in ledger.events.list() if e.type == "flagged"]
        assert ledger.events.verify().ok
    if role == "approver":
        assert code == 0 and len(flagged) == 2, err
        return
    assert code == EXIT_CANNOT_RUN and not flagged
    [line] = err.splitlines()
    assert line.startswith("Error: ") and studio.logins.logins[role] in line, line
